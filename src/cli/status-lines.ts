import { shortHash } from '../evolution/sql-hash.js';
import type { ApprovalWarning } from '../evolution/approval-warnings.js';
import { plural } from '../evolution/plural.js';
import type { ProductionNow } from '../evolution/production-now.js';
import type { ShadowHealth } from '../evolution/shadow-health.js';

/** The approval warnings in plain text, the same words Slack shows; nothing when there are none. */
export function warningLines(warnings: readonly ApprovalWarning[] | undefined): string[] {
  if (!warnings || warnings.length === 0) return [];
  return [
    `${plural(warnings.length, 'warning')} for the approver:`,
    ...warnings.map((w) => `  ! ${w.text}`),
  ];
}

/** The shadow as Flink shows it now: state, restarts, lag and the last exception. */
export function shadowLine(jobId: string, shadow: ShadowHealth): string {
  const parts = [`shadow job ${jobId}: ${shadow.state} in Flink`];
  if (shadow.restarts !== undefined && shadow.restarts > 0)
    parts.push(plural(shadow.restarts, 'restart'));
  if (shadow.lagRecords !== undefined)
    parts.push(`${plural(shadow.lagRecords, 'input record')} behind`);
  const line = parts.join(', ');
  return shadow.failure ? `${line}; last exception: ${shadow.failure}` : line;
}

/** "production runs v2 abc123 as job … since …, approved by …": what serves the output topic now. */
export function productionLine(p: ProductionNow): string {
  const since = p.since !== undefined ? ` since ${new Date(p.since).toISOString()}` : '';
  const by = p.approvedBy ? `, approved by <@${p.approvedBy}>` : '';
  const what = p.version === 'v1' ? 'v1 again (restarted from S1)' : 'v2';
  return `production runs ${what} ${shortHash(p.hash)} as job ${p.jobId}${since}${by}`;
}
