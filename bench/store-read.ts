// What checking stored records costs: RedisEvolutionStore.load (HGET, JSON
// parse, zod check of the record) against a baseline of the same HGET and
// JSON.parse with no check, on the same record in the same Redis, alternating
// rounds so both see the same machine. Also the check alone, without Redis.
// `npx tsx bench/store-read.ts [--reads=20000]`; needs Redis (`npm run stack -- up`).
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { DEPLOY_STEPS } from '../src/evolution/evolution.js';
import { startEvolution } from '../src/evolution/start-evolution.js';
import { createRedisStores } from '../src/store/create-redis-stores.js';
import { parseEvolutionRecord } from '../src/store/stored-records.js';
import { systemClock } from '../src/store/system-clock.js';
import { aPipeline, V2_SQL } from '../test/support/pipeline-fixture.js';
import { benchEndpoints } from './bench-endpoints.js';

const arg = (name: string, fallback: number): number =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const READS = arg('reads', 20_000);
const ROUNDS = 5;
const prefix = `bench-store-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}:`;

async function timed(n: number, read: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await read();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const redis = new Redis(benchEndpoints().redisUrl);
  try {
    const { pipelines, evolutions } = createRedisStores({
      redis,
      clock: systemClock,
      prefix,
      auditMaxLen: 100,
    });
    const pipeline = await pipelines.register(aPipeline());
    const ev = await startEvolution(
      { evolutions, audit: evolutions.audit },
      {
        pipeline,
        v2Sql: V2_SQL,
        requester: 'U0OWNER1',
        slack: { channel: 'C0BENCH' },
        clock: systemClock,
      },
    );
    // A record as large as a finished deploy and backfill leave it: both
    // savepoints, every deploy step, cutover offsets of 12 partitions, a report.
    const t = Date.now();
    const sp = (jobId: string) => ({
      jobId,
      triggerId: randomBytes(16).toString('hex'),
      location: `s3://savepoints/bench/savepoint-${jobId.slice(0, 6)}-${randomBytes(6).toString('hex')}`,
      requestedAt: t,
      completedAt: t + 800,
    });
    await evolutions.update(ev.id, ev.version, (cur) => ({
      ...cur,
      shadow: { ...cur.shadow, jobId: 'b'.repeat(32) },
      savepoints: { s1: sp('a'.repeat(32)), s2: sp('b'.repeat(32)) },
      cutover: {
        offsets: Array.from({ length: 12 }, (_, p) => ({ partition: p, offset: String(1e9 + p) })),
        recordedAt: t,
      },
      v2JobId: 'c'.repeat(32),
      deploy: {
        startedAt: t,
        steps: Object.fromEntries(
          DEPLOY_STEPS.filter((s) => s !== 'restartV1').map((s) => [
            s,
            { intentAt: t, doneAt: t + 1 },
          ]),
        ),
        cutoverGapMs: 1159,
        finishedAt: t + 7718,
      },
      backfill: {
        runId: `${cur.id}-abcdef`,
        requestedBy: 'U0OWNER1',
        rate: 1000,
        mode: 'full',
        startedAt: t,
        paused: false,
        progress: { emitted: 123_456, planned: 200_000, updatedAt: t },
      },
      updatedAt: t,
    }));
    const key = evolutions.keys.evolution(ev.id);
    const json = (await redis.hget(key, 'data'))!;

    const ours: number[] = [];
    const baseline: number[] = [];
    await timed(2_000, () => evolutions.load(ev.id)); // warm-up: JIT, connection
    for (let r = 0; r < ROUNDS; r++) {
      baseline.push(
        await timed(READS, async () => JSON.parse((await redis.hget(key, 'data'))!) as unknown),
      );
      ours.push(await timed(READS, () => evolutions.load(ev.id)));
    }
    const checkOnly = median(
      Array.from({ length: ROUNDS }, () => {
        const started = process.hrtime.bigint();
        for (let i = 0; i < READS; i++) parseEvolutionRecord(key, json);
        return Number(process.hrtime.bigint() - started) / 1e6;
      }),
    );
    const perRead = (ms: number) => (ms * 1000) / READS;
    const figures = {
      bench: 'store-read',
      reads: READS,
      recordBytes: json.length,
      loadUs: +perRead(median(ours)).toFixed(1),
      baselineUs: +perRead(median(baseline)).toFixed(1),
      parseAndCheckUs: +perRead(checkOnly).toFixed(1),
      ratio: +(median(ours) / median(baseline)).toFixed(2),
    };
    console.log(
      `${READS} reads of one ${json.length}-byte evolution record, median of ${ROUNDS} rounds:\n` +
        `  store.load (HGET + parse + check)  ${figures.loadUs} µs/read\n` +
        `  baseline (HGET + JSON.parse)       ${figures.baselineUs} µs/read\n` +
        `  parse + check alone                ${figures.parseAndCheckUs} µs/read\n` +
        `  ratio ours / baseline              ${figures.ratio}`,
    );
    console.log(JSON.stringify(figures));
  } finally {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
