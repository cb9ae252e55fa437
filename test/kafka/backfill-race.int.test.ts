import { describe, expect, it } from 'vitest';
import { verifyPartition } from '../../src/kafka/backfill-verifier.js';
import { backfillHeaders } from '../../src/kafka/record-headers.js';
import { useBackfillScenarios } from './backfill-scenario.js';
import { hex, latestByKey, produce } from './kafka-test-kit.js';

const { kafka, scenario } = useBackfillScenarios();

describe('backfill racing v2', () => {
  it('repairs backfill records that clobbered a later v2 write, including a v2 delete', async () => {
    const s = scenario(1);
    await s.setUp(5000);
    await produce(
      kafka,
      s.prodTopic,
      ['k', 'j', 'd'].map((key) => ({ key, value: 'v1', partition: 0 })),
    );
    await s.cutOver();
    const stale = (key: string, value: string) => ({
      key,
      value,
      partition: 0,
      headers: backfillHeaders(s.runId, 'refresh'),
    });
    // What the race leaves behind: v2 wrote, then a backfill record decided earlier landed after it.
    await produce(kafka, s.prodTopic, [
      { key: 'k', value: 'v2a', partition: 0 },
      stale('k', 'shadow'),
      { key: 'j', value: 'same', partition: 0 },
      stale('j', 'same'),
      { key: 'd', value: null, partition: 0 },
      stale('d', 'shadow'),
    ]);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const result = await verifyPartition({
      kafka,
      producer,
      admin: s.admin,
      bucket: s.bucket,
      runId: s.runId,
      prodTopic: s.prodTopic,
      partition: 0,
      partitions: 1,
      cutover: s.cutover[0]!,
      maxRounds: 5,
      chunkSize: 100,
    });
    await producer.disconnect();
    expect(result).toMatchObject({ repaired: 2, conflicts: 0 });
    const latest = await latestByKey(kafka, s.prodTopic);
    expect(latest.get(hex('k'))!.value).toBe('v2a');
    expect(latest.get(hex('k'))!.headers['evolve-kind']!.toString()).toBe('repair');
    expect(latest.get(hex('d'))!.value).toBeNull();
    expect(latest.get(hex('j'))!.value).toBe('same');
  });

  it('ends with no conflict while v2 writes live updates during the whole backfill', async () => {
    const s = scenario(2);
    // Throttled low: the emission lasts seconds, so v2's writes land between tails and sends.
    await s.setUp(1500);
    const keys = 3000;
    const key = (i: number) => `user-${i}`;
    await produce(
      kafka,
      s.prodTopic,
      Array.from({ length: keys }, (_, i) => ({ key: key(i), value: `v1-${i}`, partition: i % 2 })),
    );
    await produce(
      kafka,
      s.tempTopic,
      Array.from({ length: keys }, (_, i) => ({
        key: key(i),
        value: i % 10 === 0 ? null : `shadow-${i}`,
        partition: i % 2,
      })),
    );
    await s.cutOver();

    const lastLive = new Map<string, string | null>();
    let running = true;
    const writer = (async () => {
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      let n = 0;
      while (running) {
        const batch = Array.from({ length: 5 }, () => {
          const i = Math.floor(Math.random() * keys);
          const value = n % 7 === 0 ? null : `live-${n++}`;
          if (value === null) n++;
          lastLive.set(key(i), value);
          return { key: key(i), value, partition: i % 2 };
        });
        await producer.send({ topic: s.prodTopic, acks: -1, messages: batch });
        await new Promise((r) => setTimeout(r, 5));
      }
      await producer.disconnect();
    })();

    // Both partitions at once share the one throttle, as two workers would.
    const reports = await Promise.all([s.run(0, { chunkSize: 50 }), s.run(1, { chunkSize: 50 })]);
    running = false;
    await writer;
    console.log(
      '[race] reports',
      JSON.stringify(
        reports.map(({ refreshed, deleted, unchanged, ownedByV2, dropped, repaired, keys }) => ({
          refreshed,
          deleted,
          unchanged,
          ownedByV2,
          dropped,
          repaired,
          keys,
        })),
      ),
    );

    expect(lastLive.size).toBeGreaterThan(100);
    for (const r of reports) expect(r.conflicts).toBe(0);
    // Every key is told once: the outcomes add up to the keys of PROD and TEMP, exactly.
    for (const r of reports) {
      const outcomes =
        r.refreshed + r.deleted + r.unchanged + r.ownedByV2 + r.dropped + r.repaired + r.keptByMode;
      expect(outcomes, JSON.stringify(r)).toBe(r.keys);
    }
    expect(reports.reduce((a, r) => a + r.keys, 0)).toBe(keys);

    const latest = await latestByKey(kafka, s.prodTopic);
    for (let i = 0; i < keys; i++) {
      const got = latest.get(hex(key(i)))!.value;
      const expected = lastLive.has(key(i))
        ? lastLive.get(key(i))
        : i % 10 === 0
          ? null
          : `shadow-${i}`;
      expect(got, key(i)).toBe(expected);
    }
  });
});
