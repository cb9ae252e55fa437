import type { Redis } from 'ioredis';
import type { BackfillProgressEvent } from '../kafka/run-backfill-partition.js';
import type { WorkflowDeps } from '../evolution/workflow/workflow-deps.js';
import { backfillRunKeys } from './backfill-run-keys.js';

export interface RunProgress {
  done: number;
  total: number;
  /** Records/s over the partitions currently emitting. */
  rate: number;
  etaSeconds: number | undefined;
  phases: Record<string, number>;
}

/** Totals over all partitions of a run; emit counts, since that is what the throttle paces. */
export function summarizeProgress(events: readonly BackfillProgressEvent[]): RunProgress {
  let done = 0;
  let total = 0;
  let rate = 0;
  const phases: Record<string, number> = {};
  for (const e of events) {
    phases[e.phase] = (phases[e.phase] ?? 0) + 1;
    if (e.phase === 'emit') {
      done += e.done;
      total += e.total;
      rate += e.rate;
    } else if (e.phase === 'verify') {
      done += e.total;
      total += e.total;
    }
  }
  const etaSeconds = rate > 0 && total > done ? Math.ceil((total - done) / rate) : undefined;
  return { done, total, rate, etaSeconds, phases };
}

/**
 * Partition workers report here; one of them at a time (a Redis lease) turns
 * the run's totals into the evolution's progress record and a thread update,
 * at most every `everyMs`, so N workers do not post N times.
 */
export class BackfillProgressRelay {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly deps: WorkflowDeps,
    private readonly everyMs = 5_000,
  ) {}

  async report(evolutionId: string, runId: string, event: BackfillProgressEvent): Promise<void> {
    const keys = backfillRunKeys(this.keyPrefix, runId);
    await this.redis.hset(keys.progress, String(event.partition), JSON.stringify(event));
    await this.redis.pexpire(keys.progress, 7 * 24 * 3600_000);
    const lease = await this.redis.set(keys.poster, '1', 'PX', this.everyMs, 'NX');
    if (lease !== 'OK') return;
    const all = Object.values(await this.redis.hgetall(keys.progress)).map(
      (v) => JSON.parse(v) as BackfillProgressEvent,
    );
    const p = summarizeProgress(all);
    let ev = await this.deps.evolutions.load(evolutionId);
    if (ev.status !== 'BACKFILLING' || ev.backfill?.runId !== runId) return;
    ev = await this.deps.evolutions.update(ev.id, ev.version, (cur) => ({
      ...cur,
      backfill: cur.backfill && {
        ...cur.backfill,
        progress: { emitted: p.done, planned: p.total, updatedAt: this.deps.clock.now() },
      },
    }));
    const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 0;
    const indexing = all.filter((e) => e.phase === 'index');
    const text =
      p.total === 0 && indexing.length > 0
        ? `Backfill indexing: ${indexing.reduce((n, e) => n + e.done, 0)} records of the production topic and TEMP read on ${indexing.length} partition(s).`
        : `Backfill ${pct}% (${p.done}/${p.total} records), ${Math.round(p.rate)} records/s${p.etaSeconds !== undefined ? `, ETA ${p.etaSeconds} s` : ''}.`;
    await this.deps.notifier.postMilestone(ev, {
      kind: 'backfillProgress',
      text,
      details: {
        done: p.done,
        total: p.total,
        rate: Math.round(p.rate),
        etaSeconds: p.etaSeconds ?? -1,
      },
    });
    await this.deps.notifier.updateStatusCard(ev);
  }
}
