import { EvolveError } from '../errors.js';
import type { Evolution } from './evolution.js';
import type { ActionType } from './evolution-action.js';
import { ACTION_AUTHORITY, ACTION_LABELS } from './evolution-action.js';
import { userText } from './user-text.js';

/** Slack renders `<@U…>` as a mention and `<!subteam^S…>` as a group; workers show as plain text. */
export function mention(actor: string): string {
  if (/^[UW][A-Z0-9]+$/.test(actor)) return `<@${actor}>`;
  if (/^S[A-Z0-9]+$/.test(actor)) return `<!subteam^${actor}>`;
  return actor;
}

export class TransitionRefusedError extends EvolveError {
  constructor(
    readonly evolutionId: string,
    readonly currentStatus: Evolution['status'],
    readonly action: ActionType,
    readonly allowedActions: readonly ActionType[],
    reason?: string,
  ) {
    // People are told what they can do; steps only workers report are not theirs to take.
    const forPeople = allowedActions.filter((a) => ACTION_AUTHORITY[a] !== 'system');
    const allowed =
      forPeople.length > 0
        ? `Possible now: ${forPeople.map((a) => ACTION_LABELS[a]).join(', ')}.`
        : allowedActions.length > 0
          ? 'A step is running; wait for it to finish, the thread will say when.'
          : 'Nothing more can be done with it; start a new evolution with /evolve develop.';
    super(
      'TRANSITION_REFUSED',
      `Cannot ${ACTION_LABELS[action]} for evolution ${evolutionId}: it is ${currentStatus}` +
        (reason ? ` (${reason})` : '') +
        `. ${allowed}`,
    );
  }
}

export class ApprovalRefusedError extends EvolveError {
  constructor(
    readonly evolutionId: string,
    readonly reason: string,
  ) {
    super('APPROVAL_REFUSED', reason);
  }
}

export class PermissionDeniedError extends EvolveError {
  constructor(
    readonly actor: string,
    readonly pipeline: string,
    message: string,
  ) {
    super('PERMISSION_DENIED', message);
  }
}

export class EvolutionConflictError extends EvolveError {
  constructor(
    readonly active: Pick<Evolution, 'id' | 'pipeline' | 'requester' | 'status' | 'createdAt'>,
  ) {
    super(
      'EVOLUTION_CONFLICT',
      `Pipeline '${active.pipeline}' already has an active evolution: ${active.id} ` +
        `(${active.status}), started by ${mention(active.requester)}. ` +
        `${endItFirst(active.status, active.pipeline)} before starting another.`,
    );
  }
}

/** What ends an active evolution from where it is, in the verbs a person types. */
function endItFirst(status: Evolution['status'], pipeline: string): string {
  switch (status) {
    case 'LIVE':
      return `v2 is production: backfill it with /evolve backfill ${pipeline}, or end it without a backfill with /evolve complete ${pipeline},`;
    case 'BACKFILLING':
      return `Its backfill is running: let it finish, or cancel it (/evolve cancel ${pipeline}) and end it with /evolve complete ${pipeline},`;
    case 'DEPLOYING':
    case 'DEPLOY_FAILED':
      return 'Its deploy is running: wait for it to go live or roll back';
    default:
      return `Abort it with /evolve abort ${pipeline}`;
  }
}

export class ConcurrentUpdateError extends EvolveError {
  constructor(
    readonly evolutionId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number | undefined,
  ) {
    super(
      'CONCURRENT_UPDATE',
      `Evolution ${evolutionId} was changed by someone else at the same time ` +
        `(expected version ${expectedVersion}, found ${actualVersion ?? 'none'}). Look at its status and try again.`,
    );
  }
}

export class EvolutionNotFoundError extends EvolveError {
  constructor(readonly evolutionId: string) {
    super(
      'EVOLUTION_NOT_FOUND',
      `No evolution ${userText(evolutionId)} exists. Use /evolve history <pipeline> to list a pipeline's evolutions.`,
    );
  }
}

export class PipelineUnknownError extends EvolveError {
  constructor(
    readonly pipeline: string,
    /** A registered name the input is close to (didYouMean). */
    readonly suggestion?: string,
  ) {
    super(
      'PIPELINE_UNKNOWN',
      `No pipeline '${userText(pipeline)}' is registered.${suggestion ? ` Did you mean ${userText(suggestion)}?` : ''} Use /evolve pipelines to list them, or /evolve register to add it.`,
    );
  }
}
