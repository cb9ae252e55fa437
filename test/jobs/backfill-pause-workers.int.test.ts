import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import { isBackfillRecord } from '../../src/kafka/record-headers.js';
import {
  createTopic,
  deleteTopics,
  endOffsets,
  produce,
  readAll,
} from '../kafka/kafka-test-kit.js';
import { LIVE_OWNER as OWNER, liveWithoutFlink } from '../support/live-without-flink.js';
import { disposeRuntime, testRuntime } from '../support/test-runtime.js';
import { uniqueName } from '../support/unique-name.js';
import { WorkerChild, workerEnv } from '../support/worker-child.js';
import { RecordingNotifier } from '../support/workflow-world.js';
import { RedisKeys } from '../../src/store/redis-keys.js';

const RATE = 100;
const PARTITIONS = 4;
const KEYS = 300;

/**
 * `/evolve backfill` and `/evolve pause` through the service, with the run
 * served by two `evolve worker` processes (BullMQ parent + one child job per
 * partition): the production topic's record timestamps say whether the
 * throttle held over all workers and whether pause stopped them. No Flink:
 * the record is taken to LIVE by its transitions.
 */
describe('backfill on two evolve workers', () => {
  let rt: Runtime;
  const workers: WorkerChild[] = [];
  const topics: string[] = [];

  beforeAll(async () => {
    rt = await testRuntime(new RecordingNotifier());
  });
  afterAll(async () => {
    for (const w of workers) await w.terminate(30_000).catch(() => undefined);
    for (const t of topics.filter((t) => t.includes('evolve')))
      await rt.admin.deleteTempTopic(t).catch(() => undefined);
    await deleteTopics(rt.kafka, topics).catch(() => undefined);
    await disposeRuntime(rt);
  });

  it(`holds ${RATE} records/s over both (no 1-second window above 1.2x) and writes nothing 1 s after pause`, async () => {
    const prodTopic = uniqueName('prod-pause');
    const name = uniqueName('pause').toLowerCase();
    topics.push(prodTopic);
    await createTopic(rt.kafka, prodTopic, PARTITIONS);
    let cutover: number[] = [];
    await liveWithoutFlink(rt, {
      name,
      prodTopic,
      tempTopic: async (ev) => {
        const temp = (await rt.admin.createTempTopic(prodTopic, ev.id)).topic;
        topics.push(temp);
        return temp;
      },
      cutover: async (temp) => {
        for (const [topic, version] of [
          [prodTopic, 'v1'],
          [temp, 'v2'],
        ] as const)
          await produce(
            rt.kafka,
            topic,
            Array.from({ length: PARTITIONS * KEYS }, (_, i) => ({
              key: `k${i}`,
              value: `${version}-${i}`,
              partition: i % PARTITIONS,
            })),
          );
        cutover = await endOffsets(rt.kafka, prodTopic);
        return cutover;
      },
    });

    const partitionQueue = rt.queues.names.partitions;
    for (let i = 0; i < 2; i++)
      workers.push(
        await WorkerChild.start(`worker#${i}`, workerEnv(rt), async () => {
          const { Queue } = await import('bullmq');
          const q = new Queue(partitionQueue, { connection: rt.redis.duplicate() });
          try {
            return (await q.getWorkersCount()) > i;
          } finally {
            await q.close();
          }
        }),
      );

    const started = await rt.service.startBackfill(name, OWNER, { rate: RATE });
    const keys = new RedisKeys(rt.keyPrefix).backfillRun(started.backfill!.runId);
    const owners = new Set<string>();
    const written = async (): Promise<number> => {
      for (let p = 0; p < PARTITIONS; p++) {
        const owner = await rt.redis.get(keys.lease(p));
        if (owner) owners.add(owner.split(' ')[0]!);
      }
      const ends = await endOffsets(rt.kafka, prodTopic);
      return ends.reduce((n, e, p) => n + e - cutover[p]!, 0);
    };
    const deadline = Date.now() + 120_000;
    while ((await written()) < 500 || owners.size < 2) {
      if (Date.now() > deadline)
        throw new Error(
          `backfill did not run on both workers: ${[...owners].join(', ')}\n${workers.flatMap((w) => w.output).join('\n')}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }

    await rt.service.pause(name, OWNER);
    const pausedAt = Date.now();
    await new Promise((r) => setTimeout(r, 5_000));

    const stamps: number[] = [];
    const ends = await endOffsets(rt.kafka, prodTopic);
    for (let p = 0; p < PARTITIONS; p++)
      for (const r of await readAll(rt.kafka, prodTopic, p, cutover[p]!, ends[p]!))
        if (isBackfillRecord(r.headers)) stamps.push(r.timestamp!);
    stamps.sort((a, b) => a - b);
    expect(stamps.filter((s) => s > pausedAt + 1_000).map((s) => s - pausedAt)).toEqual([]);
    let busiest = 0;
    for (let i = 0, j = 0; i < stamps.length; i++) {
      while (j < stamps.length && stamps[j]! < stamps[i]! + 1_000) j++;
      busiest = Math.max(busiest, j - i);
    }
    expect(busiest).toBeLessThanOrEqual(1.2 * RATE);
    expect(stamps.length).toBeLessThan(PARTITIONS * KEYS);

    await rt.service.cancel(name, OWNER);
  }, 300_000);
});
