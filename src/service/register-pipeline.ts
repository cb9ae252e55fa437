import { EvolveError } from '../errors.js';
import type { AuditEvent } from '../evolution/audit-event.js';
import { PermissionDeniedError } from '../evolution/evolution-errors.js';
import type { Pipeline } from '../evolution/pipeline.js';
import type { FieldChange } from '../evolution/pipeline-changes.js';
import { decideRegistration } from '../evolution/registration-policy.js';
import type { WorkflowDeps } from '../evolution/workflow/workflow-deps.js';

export interface RegistrarDeps extends Pick<
  WorkflowDeps,
  'pipelines' | 'evolutions' | 'audit' | 'clock'
> {
  /** EVOLVE_ADMINS. */
  admins: readonly string[];
}

export interface Registration {
  pipeline: Pipeline;
  /** What changed, field by field (every field for a new pipeline; none when unchanged). */
  changes: FieldChange[];
  created: boolean;
}

interface RegistrationActor {
  id: string;
  groups?: readonly string[];
  origin?: string;
}

/**
 * Decides with the domain's rule (decideRegistration) on the pipeline as
 * stored now and its active evolution; a refusal is audited and thrown.
 */
async function checked(d: RegistrarDeps, next: Pipeline, actor: RegistrationActor) {
  const known = await d.pipelines.get(next.name);
  const active = known ? await d.evolutions.activeFor(next.name) : undefined;
  const decision = decideRegistration({
    ...(known ? { known } : {}),
    next,
    who: { actor: actor.id, actorGroups: actor.groups },
    admins: d.admins,
    ...(active ? { active } : {}),
  });
  const audit: Omit<AuditEvent, 'accepted'> = {
    evolutionId: '',
    pipeline: next.name,
    actor: actor.id,
    action: known ? 'changePipeline' : 'registerPipeline',
    at: d.clock.now(),
    changes: decision.changes,
    ...(actor.origin ? { origin: actor.origin } : {}),
  };
  if (!decision.allowed) {
    await d.audit.append({
      ...audit,
      accepted: false,
      reason: decision.reason,
      code: decision.code,
    });
    throw decision.code === 'PERMISSION_DENIED'
      ? new PermissionDeniedError(actor.id, next.name, decision.reason)
      : new EvolveError('EVOLUTION_CONFLICT', decision.reason);
  }
  return { known, changes: decision.changes, audit };
}

/** Registers `next` or changes the stored pipeline to it; audited either way. */
export async function registerPipeline(
  d: RegistrarDeps,
  next: Pipeline,
  actor: RegistrationActor,
): Promise<Registration> {
  const { known, changes, audit } = await checked(d, next, actor);
  if (known && changes.length === 0) return { pipeline: known, changes, created: false };
  const pipeline = await d.pipelines.register(next);
  await d.audit.append({ ...audit, accepted: true });
  return { pipeline, changes, created: !known };
}

/** The form's fast check: the refusal (audited like a submission) or undefined; writes no pipeline. */
export async function registrationIssue(
  d: RegistrarDeps,
  next: Pipeline,
  actor: RegistrationActor,
): Promise<string | undefined> {
  try {
    await checked(d, next, actor);
    return undefined;
  } catch (err) {
    if (err instanceof EvolveError) return err.userMessage;
    throw err;
  }
}
