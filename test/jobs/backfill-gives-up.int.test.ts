import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import { createTopic, deleteTopics, endOffsets, produce } from '../kafka/kafka-test-kit.js';
import { LIVE_OWNER, liveWithoutFlink } from '../support/live-without-flink.js';
import { disposeRuntime, testRuntime } from '../support/test-runtime.js';
import { uniqueName } from '../support/unique-name.js';
import { RecordingNotifier } from '../support/workflow-world.js';

const PARTITIONS = 2;

/**
 * A backfill whose partitions meet a failure no retry can change (here its
 * TEMP topic is gone) ends at once, as failed, with the reason in the
 * thread: the evolution goes back to LIVE (v2 serves production), instead
 * of staying BACKFILLING behind a parent job that waits forever.
 */
describe('a backfill partition that cannot go on', () => {
  let rt: Runtime;
  const notifier = new RecordingNotifier();
  const topics: string[] = [];

  beforeAll(async () => {
    rt = await testRuntime(notifier);
    await rt.startWorkers();
  });
  afterAll(async () => {
    await deleteTopics(rt.kafka, topics).catch(() => undefined);
    await disposeRuntime(rt);
  });

  it('ends the run as failed within seconds, says why and what to do, and leaves no job waiting', async () => {
    const prodTopic = uniqueName('prod-giveup');
    const name = uniqueName('giveup').toLowerCase();
    topics.push(prodTopic);
    await createTopic(rt.kafka, prodTopic, PARTITIONS);
    await produce(
      rt.kafka,
      prodTopic,
      Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v1-${i}`, partition: i % 2 })),
    );
    const live = await liveWithoutFlink(rt, {
      name,
      prodTopic,
      // Never created: as if TEMP had been deleted by hand after the cutover.
      tempTopic: async () => `${prodTopic}.evolve.gone`,
      cutover: () => endOffsets(rt.kafka, prodTopic),
    });

    const startedAt = Date.now();
    const started = await rt.service.startBackfill(name, LIVE_OWNER, { rate: 100 });
    expect(started.status).toBe('BACKFILLING');
    await expect
      .poll(async () => (await rt.workflow.evolutions.load(live.id)).status, { timeout: 60_000 })
      .toBe('LIVE');
    const tookMs = Date.now() - startedAt;
    const ended = await rt.workflow.evolutions.load(live.id);
    expect(ended.backfill?.error?.code).toBe('KAFKA_TOPIC_MISSING');
    const failed = notifier.milestones.filter((m) => m.kind === 'failed').map((m) => m.text);
    console.log(`[gives-up] LIVE again after ${tookMs} ms; thread: ${failed.join(' | ')}`);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain(`Topic ${prodTopic}.evolve.gone does not exist`);
    expect(failed[0]).toContain(`/evolve backfill ${name} again`);
    expect(tookMs, 'not retried like an outage').toBeLessThan(30_000);

    const runId = started.backfill!.runId;
    const parent = `backfill-${live.id}-${runId}`;
    await expect
      .poll(() => rt.queues.backfill.getJobState(parent), { timeout: 10_000 })
      .toBe('failed');
    // The other partition stops too: at once, or on its next attempt, which finds the run cancelled.
    for (let p = 0; p < PARTITIONS; p++)
      await expect
        .poll(() => rt.queues.partitions.getJobState(`${parent}-p${p}`), { timeout: 20_000 })
        .toMatch(/^(failed|completed)$/);
    // A second backfill is accepted (the run ended; the next one has its own id).
    await expect(rt.service.startBackfill(name, LIVE_OWNER, { rate: 100 })).resolves.toMatchObject({
      status: 'BACKFILLING',
    });
  }, 120_000);
});
