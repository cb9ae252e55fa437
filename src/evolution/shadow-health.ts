import { plural } from './plural.js';
/** The shadow job as Flink shows it now (one look: state, restarts, lag, last failure). */
export interface ShadowHealth {
  state: string;
  /** Input records the shadow has not consumed yet, summed over its groups and topics. */
  lagRecords?: number;
  lastCheckpointAt?: number;
  /** Flink's restart count of the job; undefined when Flink does not report it (yet). */
  restarts?: number;
  /** The root cause of the job's newest failure, one line. */
  failure?: string;
}

/**
 * Why the shadow is not healthy enough to deploy from, or undefined when it
 * is. Healthy means Flink runs it now: a job RESTARTING, FAILED or gone
 * cannot give the savepoint a deploy starts from. Restarts of a job that
 * runs again are a warning for the approver, not a refusal.
 */
export function shadowHealthIssue(health: ShadowHealth, jobId?: string): string | undefined {
  if (health.state === 'RUNNING') return undefined;
  const job = jobId ? `The shadow job ${jobId}` : 'The shadow job';
  const restarts =
    health.restarts !== undefined && health.restarts > 0
      ? ` after ${plural(health.restarts, 'restart')}`
      : '';
  const cause = health.failure ? ` Its last exception: ${sentence(health.failure)}` : '';
  return `${job} is ${health.state} in Flink${restarts}, not RUNNING.${cause}`;
}

/** A Java cause can run to pages (a parser's expected tokens): people get its start, on one line. */
const MAX_FAILURE_CHARS = 300;

export function failureLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_FAILURE_CHARS ? `${flat.slice(0, MAX_FAILURE_CHARS - 1)}…` : flat;
}

function sentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

/** Display states in which the shadow is the job under evaluation. */
const SHADOW_STATES: ReadonlySet<string> = new Set([
  'SHADOW_RUNNING',
  'AWAITING_APPROVAL',
  'APPROVAL_EXPIRED',
  'REJECTED',
]);

/**
 * The state people see: the evolution's, unless Flink says the shadow under
 * evaluation does not run (then SHADOW_RESTARTING, SHADOW_FAILED…), so that
 * `status` never says "shadow running" about a job that is not.
 */
export function followedState(displayState: string, shadow: ShadowHealth | undefined): string {
  if (!shadow || shadow.state === 'RUNNING' || !SHADOW_STATES.has(displayState))
    return displayState;
  return `SHADOW_${shadow.state}`;
}
