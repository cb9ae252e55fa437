import type { Clock } from './ports/clock.js';
import type { Evolution, EvolutionError } from './evolution.js';
import type { ActionError, ActionOf, ActionType, EvolutionAction } from './evolution-action.js';
import type { EvolutionStatus } from './evolution-status.js';
import { isTerminalStatus } from './evolution-status.js';
import { TransitionRefusedError, mention } from './evolution-errors.js';
import { approvalStateIssue } from './approval-policy.js';

interface RuleContext {
  actor: string;
  now: number;
}

interface Rule<A extends EvolutionAction> {
  to: EvolutionStatus;
  /**
   * Why the evolution as it is refuses the action (paused or not), or
   * undefined; unlike guard it needs no action, so refusals leave the
   * action out of what they offer.
   */
  when?: (ev: Evolution) => string | undefined;
  /** Returns why the action is refused in this state, or undefined to allow it. */
  guard?: (ev: Evolution, action: A, ctx: RuleContext) => string | undefined;
  /** Fields the action changes besides the status. */
  apply?: (ev: Evolution, action: A, ctx: RuleContext) => Partial<Evolution>;
}

type RulesFor = { [T in ActionType]?: Rule<ActionOf<T>> };

function errorOf(error: ActionError, now: number): EvolutionError {
  return { code: error.code, message: error.message, step: error.step, at: now };
}

const positiveRate = (rate: number): string | undefined =>
  Number.isFinite(rate) && rate > 0
    ? undefined
    : `the rate must be a number of records/s greater than 0, got ${rate}`;

/** A rollback's backfill needs v1's answers merged into its TEMP first (baseNeed). */
const baseNotReady = (ev: Evolution): string | undefined => {
  const origin = ev.rollbackOf;
  if (!origin || origin.mergedAt !== undefined) return undefined;
  return origin.mergeError
    ? `v1's answers at the cutover could not be merged into its TEMP (${origin.mergeError}); abort it or ask an administrator`
    : "v1's answers at the cutover are still being merged into its TEMP (it starts right after the deploy); try again in a minute";
};

const abort: Rule<ActionOf<'abort'>> = { to: 'ABORTED' };
const fail: Rule<ActionOf<'fail'>> = {
  to: 'FAILED',
  apply: (_ev, a, { now }) => ({ error: errorOf(a.error, now) }),
};

/**
 * The lifecycle as data (state × action -> next state, guard), in the way the
 * Flink Kubernetes Operator keeps its reconcile table: a reader sees every
 * legal move here and nowhere else.
 */
export const TRANSITIONS: Readonly<Record<EvolutionStatus, RulesFor>> = {
  DEVELOPING: {
    shadowStarted: {
      to: 'SHADOW_RUNNING',
      apply: (ev, a) => ({ shadow: { ...ev.shadow, jobId: a.jobId } }),
    },
    abort,
    fail,
  },
  SHADOW_RUNNING: {
    requestApproval: {
      to: 'AWAITING_APPROVAL',
      guard: (ev, a) =>
        a.shownSqlHash === ev.v2.hash
          ? undefined
          : 'the approval request does not show the current v2 SQL',
      apply: (_ev, a, { actor, now }) => ({
        approval: {
          requestedBy: actor,
          shownSqlHash: a.shownSqlHash,
          requestedAt: now,
          expiresAt: now + a.ttlMs,
        },
      }),
    },
    abort,
    fail,
  },
  AWAITING_APPROVAL: {
    // A new request replaces an expired one. A pending one must be decided
    // first, except by the person who asked: they may ask again (the message
    // is posted anew, say after Slack refused it), which renews the expiry.
    requestApproval: {
      to: 'AWAITING_APPROVAL',
      guard: (ev, a, { actor, now }) => {
        if (ev.approval && now < ev.approval.expiresAt && actor !== ev.approval.requestedBy) {
          return `an approval requested by ${mention(ev.approval.requestedBy)} is still pending`;
        }
        return a.shownSqlHash === ev.v2.hash
          ? undefined
          : 'the approval request does not show the current v2 SQL';
      },
      apply: (_ev, a, { actor, now }) => ({
        approval: {
          requestedBy: actor,
          shownSqlHash: a.shownSqlHash,
          requestedAt: now,
          expiresAt: now + a.ttlMs,
        },
      }),
    },
    approve: {
      to: 'DEPLOYING',
      guard: (ev, a, { now }) => approvalStateIssue(ev, a.shownSqlHash, now),
      apply: (ev, _a, { actor, now }) => ({
        approval: ev.approval && {
          ...ev.approval,
          decidedBy: actor,
          decision: 'approved',
          decidedAt: now,
        },
        deploy: { startedAt: now, steps: {} },
      }),
    },
    // Rejection returns to the running shadow: REJECTED is shown from the approval record.
    reject: {
      to: 'SHADOW_RUNNING',
      apply: (ev, _a, { actor, now }) => ({
        approval: ev.approval && {
          ...ev.approval,
          decidedBy: actor,
          decision: 'rejected',
          decidedAt: now,
        },
      }),
    },
    abort,
    fail,
  },
  DEPLOYING: {
    deployCompleted: {
      to: 'LIVE',
      apply: (ev, a, { now }) => ({
        v2JobId: a.v2JobId,
        deploy: ev.deploy && { ...ev.deploy, cutoverGapMs: a.cutoverGapMs, finishedAt: now },
        ...(a.keepV1 ? { v1Snapshot: { ...a.keepV1 } } : {}),
      }),
    },
    deployFailed: {
      to: 'DEPLOY_FAILED',
      apply: (_ev, a, { now }) => ({ error: errorOf(a.error, now) }),
    },
    fail,
  },
  DEPLOY_FAILED: {
    rolledBack: {
      to: 'ROLLED_BACK',
      apply: (ev, a, { now }) => ({
        rollbackJobId: a.v1JobId,
        deploy: ev.deploy && { ...ev.deploy, finishedAt: now },
      }),
    },
    fail,
  },
  LIVE: {
    startBackfill: {
      to: 'BACKFILLING',
      guard: (ev, a) => baseNotReady(ev) ?? positiveRate(a.rate),
      apply: (_ev, a, { actor, now }) => ({
        backfill: {
          runId: a.runId,
          requestedBy: actor,
          rate: a.rate,
          mode: a.mode,
          startedAt: now,
          paused: false,
        },
      }),
    },
    // v2 is production already; the backfill is what a person may skip (TEMP is removed by the cleanup step).
    complete: {
      to: 'COMPLETED',
      apply: (_ev, _a, { actor, now }) => ({ completedWithoutBackfill: { by: actor, at: now } }),
    },
    fail,
  },
  BACKFILLING: {
    pauseBackfill: {
      to: 'BACKFILLING',
      when: (ev) => (ev.backfill?.paused ? 'the backfill is already paused' : undefined),
      apply: (ev) => ({ backfill: ev.backfill && { ...ev.backfill, paused: true } }),
    },
    resumeBackfill: {
      to: 'BACKFILLING',
      when: (ev) => (ev.backfill?.paused ? undefined : 'the backfill is not paused'),
      apply: (ev) => ({ backfill: ev.backfill && { ...ev.backfill, paused: false } }),
    },
    throttleBackfill: {
      to: 'BACKFILLING',
      guard: (_ev, a) => positiveRate(a.rate),
      apply: (ev, a) => ({ backfill: ev.backfill && { ...ev.backfill, rate: a.rate } }),
    },
    // The backfill is idempotent (it compares before emitting), so a cancelled run can be started again.
    cancelBackfill: {
      to: 'LIVE',
      apply: (ev, _a, { now }) => ({
        backfill: ev.backfill && { ...ev.backfill, finishedAt: now },
      }),
    },
    backfillCompleted: {
      to: 'COMPLETED',
      apply: (ev, a, { now }) => ({
        backfill: ev.backfill && { ...ev.backfill, report: a.report, finishedAt: now },
      }),
    },
    backfillFailed: {
      to: 'LIVE',
      apply: (ev, a, { now }) => ({
        backfill: ev.backfill && { ...ev.backfill, error: errorOf(a.error, now), finishedAt: now },
      }),
    },
    fail,
  },
  // Needs a human: only an abort (after they have looked at production) moves it on.
  FAILED: { abort },
  COMPLETED: {},
  ABORTED: {},
  ROLLED_BACK: {},
};

/** The actions the evolution's state takes now (a paused backfill offers resume, a running one pause). */
export function allowedActions(
  evolution: Pick<Evolution, 'status'> & Partial<Evolution>,
): ActionType[] {
  const rules = TRANSITIONS[evolution.status] as Record<
    string,
    { when?: Rule<EvolutionAction>['when'] }
  >;
  return (Object.keys(rules) as ActionType[]).filter(
    (type) => rules[type]?.when?.(evolution as Evolution) === undefined,
  );
}

/** Why a state without a rule for the action refuses it, where the bare state would mislead. */
function refusedInState(ev: Evolution, action: ActionType): string | undefined {
  if (ev.status === 'BACKFILLING' && action === 'startBackfill')
    return ev.backfill?.paused ? 'its backfill is paused' : 'its backfill is running';
  return undefined;
}

function alreadyDecided(ev: Evolution): string | undefined {
  const a = ev.approval;
  if (!a?.decision || !a.decidedBy || a.decidedAt === undefined) return undefined;
  return `already ${a.decision} by ${mention(a.decidedBy)} at ${new Date(a.decidedAt).toISOString()}`;
}

/**
 * Applies one action to an evolution and returns the next record, or throws
 * TransitionRefusedError naming the current state and what is possible now.
 * Pure: the version is left to the store, which compares and sets it.
 */
export function applyAction(
  evolution: Evolution,
  action: EvolutionAction,
  actor: string,
  clock: Clock,
): Evolution {
  const rule = TRANSITIONS[evolution.status][action.type] as Rule<EvolutionAction> | undefined;
  const now = clock.now();
  const refuse = (reason?: string): never => {
    throw new TransitionRefusedError(
      evolution.id,
      evolution.status,
      action.type,
      allowedActions(evolution),
      reason,
    );
  };
  if (!rule) {
    // Late or double clicks on an approval message deserve to know who was first.
    return refuse(
      action.type === 'approve' || action.type === 'reject'
        ? alreadyDecided(evolution)
        : refusedInState(evolution, action.type),
    );
  }
  const ctx: RuleContext = { actor, now };
  const reason = rule.when?.(evolution) ?? rule.guard?.(evolution, action, ctx);
  if (reason !== undefined) return refuse(reason);
  const next: Evolution = {
    ...evolution,
    ...rule.apply?.(evolution, action, ctx),
    status: rule.to,
    updatedAt: now,
  };
  if (isTerminalStatus(rule.to)) next.finishedAt = now;
  return next;
}
