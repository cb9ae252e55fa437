import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { groupGone, killGroup, startBackfillChild } from './backfill-child.js';
import { useBackfillScenarios } from './backfill-scenario.js';
import { endOffsets, hex, latestByKey, readAll } from './kafka-test-kit.js';

const { kafka, scenario } = useBackfillScenarios();
const children: ChildProcess[] = [];

// Registered after the scenarios' hook, so it runs first (vitest runs after-hooks as a stack):
// no killed-late child writes into a torn-down scenario.
afterEach(() => {
  for (const c of children.splice(0)) killGroup(c);
});

describe('backfill killed with SIGKILL', () => {
  it('resumes from its checkpoint and leaves every key right', async () => {
    const s = scenario(1);
    await s.setUp(400);
    const keys = 1200;
    // A third of the keys change, a tenth disappear, the rest stay.
    const { key, expected, planned } = await s.produceThirdChangedTenthGone(keys);
    await s.cutOver();
    const args = {
      brokers: stackEndpoints().kafkaBrokers,
      redisUrl: stackEndpoints().redisUrl,
      prefix: s.prefix,
      runId: s.runId,
      prodTopic: s.prodTopic,
      tempTopic: s.tempTopic,
      partition: 0,
      partitions: 1,
      cutover: s.cutover[0]!,
      chunkSize: 20,
    };

    const first = startBackfillChild(args, children, 5);
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    // Nothing of the killed run is left to write beside the resumed one.
    expect(await groupGone(first.child, 5_000)).toBe(true);
    const progress = await s.checkpoints.load(s.runId, 0);
    expect(progress!.phase).toBe('emit');
    expect(progress!.refreshed + progress!.deleted).toBeGreaterThan(0);
    const writtenBeforeKill = (await endOffsets(kafka, s.prodTopic))[0]! - s.cutover[0]!;

    const second = startBackfillChild(args, children);
    const finished = await second.done;
    expect(finished.code, finished.out).toBe(0);
    const report = JSON.parse(/^report (.*)$/m.exec(finished.out)![1]!) as {
      refreshed: number;
      deleted: number;
      conflicts: number;
    };
    expect(report.conflicts).toBe(0);
    // Nothing skipped: the counts cover the whole plan (a re-sent chunk may count twice).
    expect(report.refreshed + report.deleted).toBeGreaterThanOrEqual(planned);

    const latest = await latestByKey(kafka, s.prodTopic);
    for (let i = 0; i < keys; i++) expect(latest.get(hex(key(i)))!.value, key(i)).toBe(expected(i));
    // The resumed run did not start over: at most one chunk (20 records) was written twice.
    const records = await readAll(
      kafka,
      s.prodTopic,
      0,
      s.cutover[0]!,
      (await endOffsets(kafka, s.prodTopic))[0]!,
    );
    expect(writtenBeforeKill).toBeGreaterThan(0);
    expect(records.length).toBeLessThanOrEqual(planned + 20);
  });
});
