import type { Evolution } from '../evolution.js';

export type MilestoneKind =
  | 'shadowStarted'
  | 'savepointTriggered'
  | 'savepointProgress'
  | 'savepointCompleted'
  | 'jobStarted'
  | 'deployCompleted'
  | 'deployFailed'
  | 'rolledBack'
  | 'backfillProgress'
  | 'backfillCompleted'
  | 'failed'
  | 'info';

export interface Milestone {
  kind: MilestoneKind;
  /** One line a person reads in the thread. */
  text: string;
  /** Structured details (location, size, rate, ETA…) for richer rendering. */
  details?: Readonly<Record<string, string | number>>;
}

/** The evolution's Slack thread; implementations coalesce and pace updates. */
export interface Notifier {
  /** Creates the thread's status card if needed; returns the Slack ids to persist on the evolution. */
  ensureThread(evolution: Evolution): Promise<{ threadTs: string; statusMessageTs: string }>;
  /** Re-renders the status card (edited in place) from the evolution. */
  updateStatusCard(evolution: Evolution): Promise<void>;
  postMilestone(evolution: Evolution, milestone: Milestone): Promise<void>;
}
