import type { IHeaders } from 'kafkajs';

/** Header names the backfill stamps on every record it writes to the production topic. */
export const RUN_HEADER = 'evolve-run';
export const KIND_HEADER = 'evolve-kind';

export type BackfillKind = 'refresh' | 'delete' | 'repair';

/**
 * A record carrying `evolve-run` was written by a backfill (this run or an
 * earlier, interrupted one); anything else in the production topic at or
 * after the cutover is v2's own output.
 */
export function isBackfillRecord(headers: IHeaders | undefined): boolean {
  return headers !== undefined && headers[RUN_HEADER] !== undefined;
}

export function backfillHeaders(runId: string, kind: BackfillKind): IHeaders {
  return { [RUN_HEADER]: runId, [KIND_HEADER]: kind };
}
