import { isSystemActor } from './evolution-action.js';
import { mention, PermissionDeniedError } from './evolution-errors.js';
import type { Pipeline, SlackPrincipal } from './pipeline.js';
import { isPrincipalMember, USER_ID_PATTERN } from './pipeline.js';
import type { Who } from './permissions.js';
import { isAdministrator } from './registration-policy.js';

/**
 * Looking into a pipeline's data and jobs (the diff samples keys of the
 * production topic; live status asks Flink and Kafka) is for the people
 * who run it: owners, approvers and administrators. Everyone else sees the
 * stored status card and history, which call nothing outside.
 */
export function mayInspect(
  pipeline: Pipeline,
  who: Who,
  admins: readonly SlackPrincipal[],
): boolean {
  return (
    isPrincipalMember(pipeline.owners, who.actor, who.actorGroups) ||
    isPrincipalMember(pipeline.approvers, who.actor, who.actorGroups) ||
    isAdministrator(who, admins)
  );
}

export function assertMayInspect(
  pipeline: Pipeline,
  who: Who,
  admins: readonly SlackPrincipal[],
  what: string,
): void {
  if (mayInspect(pipeline, who, admins)) return;
  throw new PermissionDeniedError(
    who.actor,
    pipeline.name,
    `${mention(who.actor)} is not an owner or approver of pipeline '${pipeline.name}' and cannot see ${what}. Ask an owner (${pipeline.owners.map(mention).join(', ')}).`,
  );
}

/**
 * The CLI's `--as` is declared by whoever runs it (an operator holding Redis
 * access), so it must at least name a person the rules know: an
 * administrator, or someone listed by user id among the pipeline's owners or
 * approvers (groups cannot be resolved without Slack). The workers' actor is
 * never accepted from a terminal.
 */
export function assertCliActor(
  id: string,
  pipeline: Pipeline | undefined,
  admins: readonly SlackPrincipal[],
): void {
  const refuse = (message: string) => new PermissionDeniedError(id, pipeline?.name ?? '', message);
  if (isSystemActor(id)) {
    throw refuse(
      `--as ${id} is the workers' own actor and cannot be used from the CLI. Give your Slack user id (U…).`,
    );
  }
  if (!USER_ID_PATTERN.test(id)) {
    throw refuse(
      `--as must be a Slack user id (U… or W…, from the person's profile: "Copy member ID"); got '${id.slice(0, 40)}'.`,
    );
  }
  if (admins.includes(id)) return;
  if (pipeline && (pipeline.owners.includes(id) || pipeline.approvers.includes(id))) return;
  throw refuse(
    pipeline
      ? `--as ${id} is not listed by user id among the owners or approvers of pipeline '${pipeline.name}', nor in EVOLVE_ADMINS. Use the id of a person the pipeline names (owners: ${pipeline.owners.join(', ')}; approvers: ${pipeline.approvers.join(', ')}).`
      : `--as ${id} is not an administrator (EVOLVE_ADMINS); only administrators register pipelines from the CLI.`,
  );
}
