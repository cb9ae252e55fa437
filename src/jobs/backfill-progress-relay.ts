import type { Redis } from 'ioredis';
import { BACKFILL_STAGES, backfillProgressText } from '../evolution/backfill-progress-text.js';
import type { BackfillStage, Evolution } from '../evolution/evolution.js';
import type { WorkflowDeps } from '../evolution/workflow/workflow-deps.js';
import { BackfillCheckpoints } from '../kafka/backfill-checkpoint.js';
import { indexRecords, type BackfillProgressEvent } from '../kafka/run-backfill-partition.js';
import {
  mergeFigures,
  runStage,
  windowRate,
  type PartitionPhases,
  type PhaseFigures,
  type RateSample,
  type RunStage,
} from './backfill-run-progress.js';
import { RedisKeys } from '../store/redis-keys.js';

const WEEK_MS = 7 * 24 * 3600_000;

export interface RelayTiming {
  /** Least time between two posts of the same phase (a phase change posts at once). */
  everyMs: number;
  /** How often the run's figures are sampled for the rate (over all workers). */
  sampleEveryMs: number;
  /** The rate's sliding window. */
  windowMs: number;
}

const DEFAULT_TIMING: RelayTiming = { everyMs: 10_000, sampleEveryMs: 1_000, windowMs: 10_000 };

/**
 * Partition workers report here. Each report is kept per partition and
 * phase (never going back); at most once a second one worker (SET NX PX)
 * sums the run, samples it for the rate, and posts to the thread when the
 * run's phase changed or ~10 s passed since the last post, so N workers do
 * not post N times.
 */
export class BackfillProgressRelay {
  private readonly timing: RelayTiming;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly deps: WorkflowDeps,
    timing: Partial<RelayTiming> = {},
  ) {
    this.timing = { ...DEFAULT_TIMING, ...timing };
  }

  /**
   * One partition's reporter: reports go one at a time (a report is a read
   * and a write of that partition's figures, so two in flight could store the
   * older last), and while one is in flight only the latest of each phase
   * waits, in phase order, so a phase's last report is never skipped.
   */
  reporter(
    evolutionId: string,
    runId: string,
    onError: (err: unknown) => void = () => undefined,
  ): (event: BackfillProgressEvent) => void {
    const pending = new Map<BackfillStage, BackfillProgressEvent>();
    let running = false;
    const drain = async (): Promise<void> => {
      running = true;
      for (;;) {
        const next = BACKFILL_STAGES.map((s) => pending.get(s)).find((e) => e !== undefined);
        if (!next) break;
        pending.delete(next.phase);
        await this.report(evolutionId, runId, next).catch(onError);
      }
      running = false;
    };
    return (event) => {
      pending.set(event.phase, event);
      if (!running) void drain();
    };
  }

  async report(evolutionId: string, runId: string, event: BackfillProgressEvent): Promise<void> {
    const keys = new RedisKeys(this.keyPrefix).backfillRun(runId);
    const field = `${event.partition}:${event.phase}`;
    const old = await this.redis.hget(keys.progress, field);
    const merged = mergeFigures(old ? (JSON.parse(old) as PhaseFigures) : undefined, event);
    await this.redis.hset(keys.progress, field, JSON.stringify(merged));
    await this.redis.pexpire(keys.progress, WEEK_MS);
    // A phase's first and last reports may change the run's phase: always looked at, so the
    // change is posted at once; the reports in between at most once a second over all workers.
    const boundary = event.done === 0 || event.done >= event.total;
    const sample = await this.redis.set(
      keys.posterSample,
      '1',
      'PX',
      this.timing.sampleEveryMs,
      'NX',
    );
    if (sample !== 'OK' && !boundary) return;
    const ev = await this.deps.evolutions.load(evolutionId);
    if (ev.status !== 'BACKFILLING' || ev.backfill?.runId !== runId) return;
    const phases = await this.partitions(runId, ev.cutover?.offsets.length ?? 0);
    const stage = phases && runStage(phases);
    if (!stage || stage.finished) return;
    const at = this.deps.clock.now();
    const now: RateSample = { at, stage: stage.stage, done: stage.done };
    const rate = await this.sampleRate(keys.progressSamples, now, sample === 'OK');
    if (!(await this.mayPost(keys, stage.stage))) return;
    await this.post(ev, stage, phases!, at, rate);
  }

  /** Every partition's phases; one that has not reported yet is at the start of indexing (its start is recorded for all). */
  private async partitions(runId: string, count: number): Promise<PartitionPhases[] | undefined> {
    const keys = new RedisKeys(this.keyPrefix).backfillRun(runId);
    const all = await this.redis.hgetall(keys.progress);
    const checkpoints = new BackfillCheckpoints(this.redis, (run, p) =>
      new RedisKeys(this.keyPrefix).backfillCheckpoint(run, p),
    );
    const out: PartitionPhases[] = [];
    for (let p = 0; p < count; p++) {
      const phases: PartitionPhases = {};
      for (const stage of ['index', 'emit', 'verify'] as const) {
        const raw = all[`${p}:${stage}`];
        if (raw) phases[stage] = JSON.parse(raw) as PhaseFigures;
      }
      if (!phases.index) {
        const start = await checkpoints.loadStart(runId, p);
        if (!start) return undefined;
        phases.index = { done: 0, total: indexRecords(start) };
      }
      out.push(phases);
    }
    return out;
  }

  /** The rate over the window; `keep` adds this look to the samples (one a second at most). */
  private async sampleRate(
    key: string,
    now: RateSample,
    keep: boolean,
  ): Promise<number | undefined> {
    const samples = (await this.redis.lrange(key, 0, -1)).map((s) => JSON.parse(s) as RateSample);
    if (!keep) return windowRate(samples, now, this.timing.windowMs);
    await this.redis.lpush(key, JSON.stringify(now));
    await this.redis.ltrim(key, 0, 59);
    await this.redis.pexpire(key, WEEK_MS);
    return windowRate(samples, now, this.timing.windowMs);
  }

  /** A phase change posts at once (the one who records it posts); otherwise once per `everyMs`. */
  private async mayPost(
    keys: { poster: string; posterStage: string },
    stage: BackfillStage,
  ): Promise<boolean> {
    const previous = await this.redis.set(keys.posterStage, stage, 'PX', WEEK_MS, 'GET');
    if (previous !== stage) {
      await this.redis.set(keys.poster, '1', 'PX', this.timing.everyMs);
      return true;
    }
    return (await this.redis.set(keys.poster, '1', 'PX', this.timing.everyMs, 'NX')) === 'OK';
  }

  private async post(
    loaded: Evolution,
    stage: RunStage,
    phases: PartitionPhases[],
    at: number,
    measured: number | undefined,
  ): Promise<void> {
    const run = loaded.backfill!;
    // The throttle holds the write rate; a window edge between two chunks must not show more.
    const rate =
      stage.stage === 'emit' && measured !== undefined ? Math.min(measured, run.rate) : measured;
    const perSecond = rate ?? (stage.stage === 'emit' ? run.rate : undefined);
    const remaining = stage.total - stage.done;
    const etaSeconds = perSecond && perSecond > 0 ? remaining / perSecond : undefined;
    const emit = phases.every((p) => p.emit)
      ? phases.reduce((n, p) => ({ done: n.done + p.emit!.done, total: n.total + p.emit!.total }), {
          done: 0,
          total: 0,
        })
      : undefined;
    const ev = await this.deps.evolutions.update(loaded.id, loaded.version, (cur) => ({
      ...cur,
      backfill: cur.backfill && {
        ...cur.backfill,
        progress: {
          emitted: emit?.done ?? 0,
          ...(emit ? { planned: emit.total } : {}),
          updatedAt: at,
          stage: stage.stage,
          done: stage.done,
          total: stage.total,
          ...(rate !== undefined ? { rate } : {}),
          ...(etaSeconds !== undefined ? { etaSeconds } : {}),
        },
      },
    }));
    const shown = { stage: stage.stage, done: stage.done, total: stage.total };
    await this.deps.notifier.postMilestone(ev, {
      kind: 'backfillProgress',
      text: backfillProgressText({
        ...shown,
        ...(rate !== undefined ? { rate } : {}),
        ...(etaSeconds !== undefined ? { etaSeconds } : {}),
      }),
      details: { done: stage.done, total: stage.total },
    });
    await this.deps.notifier.updateStatusCard(ev);
  }
}
