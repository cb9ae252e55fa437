import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { isBackfillRecord } from '../../src/kafka/record-headers.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { killGroup, startBackfillChild, type BackfillChild } from './backfill-child.js';
import { useBackfillScenarios, type BackfillScenario } from './backfill-scenario.js';
import { endOffsets, produce, readAll } from './kafka-test-kit.js';

const { kafka, scenario } = useBackfillScenarios();
const children: ChildProcess[] = [];

// Registered after the scenarios' hook, so it runs first: no child writes into a torn-down scenario.
afterEach(() => {
  for (const c of children.splice(0)) killGroup(c);
});

const RATE = 200;

/** Two partitions of `keys` keys each, every one changed by v2: 2 x keys refreshes to emit. */
async function changedKeys(s: BackfillScenario, keys: number): Promise<void> {
  await s.setUp(RATE);
  for (const version of ['v1', 'v2']) {
    const topic = version === 'v1' ? s.prodTopic : s.tempTopic;
    for (const partition of [0, 1])
      await produce(
        kafka,
        topic,
        Array.from({ length: keys }, (_, i) => ({
          key: `p${partition}-acct-${i}`,
          value: `${version}-${i}`,
          partition,
        })),
      );
  }
  await s.cutOver();
}

/** Two workers, each its own OS process running one partition, sharing the run's throttle. */
function twoWorkers(s: BackfillScenario): BackfillChild[] {
  return [0, 1].map((partition) =>
    startBackfillChild(
      {
        brokers: stackEndpoints().kafkaBrokers,
        redisUrl: stackEndpoints().redisUrl,
        prefix: s.prefix,
        runId: s.runId,
        prodTopic: s.prodTopic,
        tempTopic: s.tempTopic,
        partition,
        partitions: 2,
        cutover: s.cutover[partition]!,
        // The engine's default largest chunk: the rate, not this, sizes the chunks.
        chunkSize: 500,
      },
      children,
    ),
  );
}

/** Broker timestamps of every backfill record written to PROD since the cutover, both partitions. */
async function backfillTimestamps(s: BackfillScenario): Promise<number[]> {
  const ends = await endOffsets(kafka, s.prodTopic);
  const stamps: number[] = [];
  for (const p of [0, 1])
    for (const r of await readAll(kafka, s.prodTopic, p, s.cutover[p]!, ends[p]!))
      if (isBackfillRecord(r.headers)) stamps.push(r.timestamp!);
  return stamps.sort((a, b) => a - b);
}

/** The most records any 1-second window [t, t + 1000) holds, t at each record. */
function busiestSecond(sorted: number[]): number {
  let max = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! < sorted[i]! + 1000) j++;
    max = Math.max(max, j - i);
  }
  return max;
}

async function written(s: BackfillScenario): Promise<number> {
  const ends = await endOffsets(kafka, s.prodTopic);
  return ends[0]! - s.cutover[0]! + ends[1]! - s.cutover[1]!;
}

async function until(what: string, ok: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('backfill throttle over two workers', () => {
  it(`keeps every 1-second window at or below 1.2 x ${RATE} records`, async () => {
    const s = scenario(2);
    const keys = 600;
    await changedKeys(s, keys);
    const workers = twoWorkers(s);
    for (const w of workers) {
      const end = await w.done;
      expect(end.code, end.out).toBe(0);
    }
    const stamps = await backfillTimestamps(s);
    expect(stamps.length).toBe(2 * keys);
    expect(busiestSecond(stamps)).toBeLessThanOrEqual(1.2 * RATE);
  }, 180_000);
});

describe('backfill pause over two workers', () => {
  it('writes no record more than 1 s after the pause returned, and finishes after resume', async () => {
    const s = scenario(2);
    const keys = 800;
    await changedKeys(s, keys);
    const workers = twoWorkers(s);
    // Both workers emitting: each partition has records of the run.
    await until(
      'both workers to emit',
      async () => {
        const ends = await endOffsets(kafka, s.prodTopic);
        return ends[0]! - s.cutover[0]! >= 50 && ends[1]! - s.cutover[1]! >= 50;
      },
      120_000,
    );
    await s.bucket.pause();
    const pausedAt = Date.now();
    await new Promise((r) => setTimeout(r, 5_000));
    const stamps = await backfillTimestamps(s);
    const late = stamps.filter((t) => t > pausedAt + 1_000);
    expect(late.map((t) => t - pausedAt)).toEqual([]);
    const atPause = await written(s);
    expect(atPause).toBeLessThan(2 * keys);

    await s.bucket.resume();
    for (const w of workers) {
      const end = await w.done;
      expect(end.code, end.out).toBe(0);
    }
    // Nothing was lost with the reservations handed back at the pause.
    expect(await written(s)).toBe(2 * keys);
  }, 180_000);
});
