import type { ExpectedMilestone } from './milestone-problems.js';

/**
 * The milestones of one evolution's thread, develop to completed backfill,
 * each once and in this order (progress: at least once, each line new). The
 * approval request reads "Approved by" once an approver clicked in Slack.
 */
export function storyMilestones(people: { owner: string; approver: string }): ExpectedMilestone[] {
  return [
    { name: 'shadow running', pattern: /^Shadow job \w+ is RUNNING/ },
    {
      name: 'approval request',
      pattern: new RegExp(`^(Approval needed: deploy v2|Approved by <@${people.approver}>)`),
    },
    { name: 'S2 triggered', pattern: /^Stopping the shadow job \w+ with a savepoint/ },
    { name: 'S2 completed', pattern: /^Savepoint of the shadow job completed/ },
    { name: 'S1 triggered', pattern: /^Stopping the v1 job \w+ with a savepoint/ },
    { name: 'S1 completed', pattern: /^Savepoint of the v1 job completed/ },
    { name: 'v2 submitted', pattern: /^v2 submitted as job/ },
    {
      name: 'stability watch',
      pattern: /^v2 job \w+ is RUNNING from the shadow's savepoint; watching it/,
    },
    { name: 'v2 live', pattern: /^v2 is live: job/ },
    {
      name: 'backfill started',
      pattern: new RegExp(`^Backfill \\S+ started by <@${people.owner}>`),
    },
    { name: 'backfill progress', pattern: /^Step [123] of 3, /, repeats: true },
    { name: 'backfill completed', pattern: /^Backfill complete and verified/ },
  ];
}

/**
 * Status lines a thread may show twice in the same words: a savepoint still
 * at the same count five seconds later, backfill progress between two
 * chunks, or work a killed worker had done being done again.
 */
export const PERIODIC_LINES = /^(Savepoint of the \w+ job in progress|Step [123] of 3, )/;
