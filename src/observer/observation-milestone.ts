import type { Evolution } from '../evolution/evolution.js';
import { lacksTaskSlot, noTaskSlotText } from '../evolution/no-task-slot.js';
import type { Milestone } from '../evolution/ports/notifier.js';
import { failureLine } from '../evolution/shadow-health.js';
import { dataText } from '../evolution/user-text.js';
import type { ObservationChange } from './observation-changes.js';
import type { WatchedRole } from './observe-job.js';

/** The job's last exception on one short line; undefined when Flink has none or did not answer. */
export async function lastFailure(
  read: () => Promise<string | undefined>,
): Promise<string | undefined> {
  const line = await read().catch(() => undefined);
  return line ? failureLine(line) : undefined;
}

/** The thread's words for one change of a watched job. */
export function milestoneOf(
  change: ObservationChange,
  c: {
    ev: Evolution;
    role: WatchedRole;
    jobId: string;
    failure: string | undefined;
    lagThreshold: number;
  },
): Milestone {
  const job = `The ${c.role} job ${c.jobId}`;
  // Flink's exception is data: quoted, so a '<@U…>' in it reaches Slack as text, not a mention.
  const cause = c.failure
    ? ` Its last exception: ${dataText(c.failure)}${/[.!?…]$/.test(c.failure) ? '' : '.'}`
    : '';
  // A full cluster is not the job's fault: say so first, and what fixes it.
  const noSlot = lacksTaskSlot(c.failure) ? `${noTaskSlotText(c.role)} ` : '';
  switch (change.kind) {
    case 'state': {
      const healthy = change.to === 'RUNNING';
      return {
        kind: healthy ? 'info' : 'failed',
        text: healthy
          ? `${job} went from ${change.from} to ${change.to}.`
          : `${noSlot}${job} went from ${change.from} to ${change.to}.${noSlot ? '' : `${cause} Check the job in Flink; /evolve status shows the details.`}`,
        details: {
          jobId: c.jobId,
          state: change.to,
          previous: change.from,
        },
      };
    }
    case 'restarts':
      return {
        kind: 'failed',
        text: `${noSlot}${job} restarted ${change.added} time${change.added === 1 ? '' : 's'} since the last look (total ${change.total}).${noSlot ? '' : cause}`,
        details: { jobId: c.jobId, restarts: change.total },
      };
    case 'lag': {
      const records = `${change.records} input record${change.records === 1 ? '' : 's'}`;
      return {
        kind: 'info',
        text:
          change.to === 'caught-up'
            ? `${job} has caught up with its inputs (${records} behind). Its output in ${c.ev.shadow.tempTopic} reflects the current input; /evolve diff compares it with production.`
            : `${job} has fallen behind its inputs: ${records} not yet consumed (threshold ${c.lagThreshold}). Its output in ${c.ev.shadow.tempTopic} is not yet complete.`,
        details: { jobId: c.jobId, lagRecords: change.records, band: change.to },
      };
    }
  }
}
