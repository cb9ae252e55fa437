import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import { BACKFILL_STAGES } from '../../src/evolution/backfill-progress-text.js';
import { SYSTEM_ACTOR } from '../../src/evolution/evolution-action.js';
import { startEvolution } from '../../src/evolution/start-evolution.js';
import { BackfillProgressRelay } from '../../src/jobs/backfill-progress-relay.js';
import { BackfillCheckpoints } from '../../src/kafka/backfill-checkpoint.js';
import { runBackfillPartition } from '../../src/kafka/run-backfill-partition.js';
import { TokenBucket } from '../../src/kafka/token-bucket.js';
import { createTopic, deleteTopics, endOffsets, produce } from '../kafka/kafka-test-kit.js';
import { aPipeline, V2_SQL } from '../support/pipeline-fixture.js';
import { disposeRuntime, testRuntime } from '../support/test-runtime.js';
import { uniqueName } from '../support/unique-name.js';
import { RecordingNotifier } from '../support/workflow-world.js';
import { RedisKeys } from '../../src/store/redis-keys.js';

const RATE = 100;
const KEYS = 300;

/**
 * The relay on the real stack (Redis, Kafka; no Flink): two partitions run
 * the real engine side by side and report through the relay; what the thread
 * and the CLI's log receive is read back.
 */
describe('backfill progress relay', () => {
  let rt: Runtime;
  const notifier = new RecordingNotifier();
  const topics: string[] = [];

  beforeAll(async () => {
    rt = await testRuntime(notifier);
  });
  afterAll(async () => {
    for (const t of topics.filter((t) => t.includes('temp')))
      await rt.admin.deleteTempTopic(t).catch(() => undefined);
    await deleteTopics(rt.kafka, topics).catch(() => undefined);
    await disposeRuntime(rt);
  });

  it('posts each phase with a total known at its start, never backwards, never 100%, rate within the limit', async () => {
    const prodTopic = uniqueName('prod-progress');
    const name = uniqueName('progress').toLowerCase();
    topics.push(prodTopic);
    await createTopic(rt.kafka, prodTopic, 2);
    const pipeline = await rt.service.registerFromFile(
      aPipeline({ name, kafka: { outputTopic: prodTopic, keyFormat: 'json' } }),
    );
    let ev = await startEvolution(
      { evolutions: rt.workflow.evolutions, audit: rt.workflow.audit },
      {
        pipeline,
        v2Sql: V2_SQL,
        requester: 'U0OWNER1',
        slack: { channel: 'C0P' },
        clock: rt.workflow.clock,
      },
    );
    const temp = (await rt.admin.createTempTopic(prodTopic, ev.id)).topic;
    topics.push(temp);
    for (const [topic, version] of [
      [prodTopic, 'v1'],
      [temp, 'v2'],
    ] as const)
      for (const partition of [0, 1])
        await produce(
          rt.kafka,
          topic,
          Array.from({ length: KEYS }, (_, i) => ({
            key: `p${partition}-k${i}`,
            value: `${version}-${i}`,
            partition,
          })),
        );
    const cutover = await endOffsets(rt.kafka, prodTopic);
    const runId = uniqueName('run');
    // The record as develop, approval, deploy and `/evolve backfill` leave it (no Flink here).
    const t = rt.workflow.evolutions;
    ev = await t.transition(ev.id, { type: 'shadowStarted', jobId: 'b'.repeat(32) }, SYSTEM_ACTOR);
    ev = await t.update(ev.id, ev.version, (cur) => ({
      ...cur,
      shadow: { ...cur.shadow, tempTopic: temp },
    }));
    const shown = ev.v2.hash;
    ev = await t.transition(
      ev.id,
      { type: 'requestApproval', shownSqlHash: shown, ttlMs: 60_000 },
      'U0OWNER1',
    );
    ev = await t.transition(ev.id, { type: 'approve', shownSqlHash: shown }, 'U0APPR1');
    ev = await t.update(ev.id, ev.version, (cur) => ({
      ...cur,
      cutover: {
        offsets: cutover.map((o, partition) => ({ partition, offset: String(o) })),
        recordedAt: rt.workflow.clock.now(),
      },
    }));
    ev = await t.transition(
      ev.id,
      { type: 'deployCompleted', v2JobId: 'c'.repeat(32), cutoverGapMs: 1 },
      SYSTEM_ACTOR,
    );
    ev = await t.transition(
      ev.id,
      { type: 'startBackfill', runId, rate: RATE, mode: 'full' },
      'U0OWNER1',
    );
    const keys = new RedisKeys(rt.keyPrefix).backfillRun(runId);
    const bucket = new TokenBucket(rt.redis, keys.bucket);
    await bucket.configure({ rate: RATE });
    const relay = new BackfillProgressRelay(rt.redis, rt.keyPrefix, rt.workflow, {
      everyMs: 2_000,
    });
    const errors: unknown[] = [];
    await Promise.all(
      [0, 1].map((partition) =>
        runBackfillPartition(
          {
            kafka: rt.kafka,
            admin: rt.admin,
            bucket,
            checkpoints: new BackfillCheckpoints(rt.redis, (run, p) =>
              new RedisKeys(rt.keyPrefix).backfillCheckpoint(run, p),
            ),
          },
          {
            runId,
            prodTopic,
            tempTopic: temp,
            partition,
            partitions: 2,
            cutover: cutover[partition]!,
            onProgress: relay.reporter(ev.id, runId, (e) => errors.push(e)),
          },
        ),
      ),
    );
    // Reports are fire-and-forget: let the last ones land.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(errors).toEqual([]);

    const posts = notifier.milestones.filter((m) => m.kind === 'backfillProgress');
    const texts = posts.map((m) => m.text);
    // One post at least per phase, in order, with the phase's total from the start.
    const stages = texts.map((t) => Number(/^Step (\d) of 3/.exec(t)?.[1]));
    expect(stages, texts.join('\n')).toEqual([...stages].sort());
    expect(new Set(stages), texts.join('\n')).toEqual(new Set([1, 2, 3]));
    expect(texts.find((t) => t.startsWith('Step 2'))).toContain(`of ${2 * KEYS} keys`);
    let last = { stage: 0, done: -1 };
    for (const m of posts) {
      const { done, total } = m.details as { done: number; total: number };
      const stage = Number(/^Step (\d)/.exec(m.text)![1]);
      expect(total, m.text).toBeGreaterThan(0);
      expect(done, m.text).toBeLessThan(total);
      if (stage === last.stage) expect(done, m.text).toBeGreaterThanOrEqual(last.done);
      last = { stage, done };
      expect(m.text).not.toMatch(/100%|0 of 0|\b1 records|etaSeconds|-1/);
      const rate = /at (\d+) records?\/s/.exec(m.text);
      if (rate) expect(Number(rate[1]), m.text).toBeLessThanOrEqual(RATE);
    }
    // At least one emit post in the middle of the phase, with its rate and the time left.
    expect(
      texts.some((t) => /^Step 2 .* at \d+ records\/s, about \d+ s left\.$/.test(t)),
      texts.join('\n'),
    ).toBe(true);
    // The CLI follows the same sentences.
    const log = await rt.threadLog.read(ev.id, '0', 1_000);
    expect(log.filter((e) => e.kind === 'backfillProgress').map((e) => e.text)).toEqual(texts);
    const stored = await rt.workflow.evolutions.load(ev.id);
    expect(BACKFILL_STAGES).toContain(stored.backfill!.progress!.stage);
  }, 120_000);
});
