import type { Evolution } from './evolution.js';
import { mention } from './evolution-errors.js';
import type { Pipeline, SlackPrincipal } from './pipeline.js';
import { isPrincipalMember } from './pipeline.js';
import type { Who } from './permissions.js';
import {
  ADMIN_FIELDS,
  SNAPSHOT_FIELDS,
  pipelineChanges,
  type FieldChange,
} from './pipeline-changes.js';
import { isSystemActor } from './evolution-action.js';

/** The actor recorded for pipelines read from EVOLVE_PIPELINES_FILE at start. */
export const PIPELINES_FILE_ACTOR = 'system:pipelines-file';

export interface RegistrationAttempt {
  /** The pipeline as stored now; undefined for a new one. */
  known?: Pipeline;
  next: Pipeline;
  who: Who;
  admins: readonly SlackPrincipal[];
  /** The pipeline's active evolution, if any. */
  active?: Pick<Evolution, 'id' | 'status' | 'requester'>;
}

export type RegistrationDecision =
  | { allowed: true; changes: FieldChange[] }
  | {
      allowed: false;
      changes: FieldChange[];
      code: 'PERMISSION_DENIED' | 'EVOLUTION_CONFLICT';
      reason: string;
    };

/**
 * Administrators are EVOLVE_ADMINS (users or groups), and whoever controls
 * the pipelines file read at start (the GitOps path). A worker or any other
 * internal actor is not one.
 */
export function isAdministrator(who: Who, admins: readonly SlackPrincipal[]): boolean {
  if (who.actor === PIPELINES_FILE_ACTOR) return true;
  if (isSystemActor(who.actor)) return false;
  return isPrincipalMember(admins, who.actor, who.actorGroups);
}

function askAnAdmin(admins: readonly SlackPrincipal[]): string {
  return admins.length > 0
    ? `Ask an administrator (${admins.map(mention).join(', ')}).`
    : 'No administrator is configured (EVOLVE_ADMINS is empty), so pipelines change only through the pipelines file (EVOLVE_PIPELINES_FILE).';
}

/**
 * Who may register a pipeline or change one (DESIGN 10): a new pipeline and
 * any change of owners, approvers, self-approval, output topic, key format or
 * Flink endpoints need an administrator; the other fields (approval TTL,
 * backfill defaults, shadow startup) may be changed by an owner too. While an
 * evolution is active, what it snapshotted cannot change, whoever asks.
 */
export function decideRegistration(attempt: RegistrationAttempt): RegistrationDecision {
  const { known, next, who, admins, active } = attempt;
  const changes = pipelineChanges(known, next);
  const refuse = (code: 'PERMISSION_DENIED' | 'EVOLUTION_CONFLICT', reason: string) => ({
    allowed: false as const,
    changes,
    code,
    reason,
  });
  const admin = isAdministrator(who, admins);
  if (!known) {
    return admin
      ? { allowed: true, changes }
      : refuse(
          'PERMISSION_DENIED',
          `Only administrators register pipelines; ${mention(who.actor)} is not one, so '${next.name}' was not registered. ${askAnAdmin(admins)}`,
        );
  }
  const adminFields = changes.filter((c) => ADMIN_FIELDS.has(c.field)).map((c) => c.field);
  if (adminFields.length > 0 && !admin) {
    return refuse(
      'PERMISSION_DENIED',
      `Only administrators change ${adminFields.join(', ')} of pipeline '${next.name}'; ${mention(who.actor)} is not one, so nothing was changed. ${askAnAdmin(admins)}`,
    );
  }
  const isOwner = isPrincipalMember(known.owners, who.actor, who.actorGroups);
  if (changes.length > 0 && !admin && !isOwner) {
    return refuse(
      'PERMISSION_DENIED',
      `${mention(who.actor)} is neither an owner of pipeline '${next.name}' nor an administrator, so nothing was changed. Ask an owner (${known.owners.map(mention).join(', ')}).`,
    );
  }
  const frozen = changes.filter((c) => SNAPSHOT_FIELDS.has(c.field)).map((c) => c.field);
  if (active && frozen.length > 0) {
    return refuse(
      'EVOLUTION_CONFLICT',
      `Pipeline '${next.name}' has evolution ${active.id} in progress (${active.status}), which depends on ${frozen.join(', ')}; ${frozen.length === 1 ? 'it' : 'they'} cannot change until it ends. Change them after it completes, or abort it first (/evolve abort ${next.name}); nothing was changed.`,
    );
  }
  return { allowed: true, changes };
}
