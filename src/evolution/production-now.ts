import type { Evolution } from './evolution.js';

/** What production runs after an evolution went live (or rolled back), for status in Slack and the CLI. */
export interface ProductionNow {
  version: 'v1' | 'v2';
  hash: string;
  jobId: string;
  /** When it started serving the output topic: the deploy's end. */
  since?: number;
  approvedBy?: string;
}

export function productionNow(ev: Evolution): ProductionNow | undefined {
  const since = ev.deploy?.finishedAt;
  const approvedBy = ev.approval?.decision === 'approved' ? ev.approval.decidedBy : undefined;
  const at = { ...(since !== undefined ? { since } : {}), ...(approvedBy ? { approvedBy } : {}) };
  if (ev.status === 'ROLLED_BACK' && ev.rollbackJobId)
    return { version: 'v1', hash: ev.v1.hash, jobId: ev.rollbackJobId, ...at };
  if (['LIVE', 'BACKFILLING', 'COMPLETED'].includes(ev.status) && ev.v2JobId)
    return { version: 'v2', hash: ev.v2.hash, jobId: ev.v2JobId, ...at };
  return undefined;
}
