import type { Message, Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../support/unique-name.js';
import { isBackfillRecord } from '../../src/kafka/record-headers.js';
import { useBackfillScenarios } from './backfill-scenario.js';
import { endOffsets, hex, latestByKey, produce, readAll } from './kafka-test-kit.js';

const { kafka, scenario } = useBackfillScenarios();

const KEYS = 4000;
const key = (i: number) => `user-${i}`;
/** Keys v2 writes once emission has begun; all are planned (TEMP changed them) and emitted last. */
const plain = [3100, 3200, 3300, 3400, 3500].map(key);
const tombstoned = [3150, 3250, 3350].map(key);
const committed = [3600, 3700, 3800, 3900].map(key);
const aborted = [3650, 3750].map(key);

async function connected(producer: Producer): Promise<Producer> {
  await producer.connect();
  return producer;
}

describe('backfill tail during emission', () => {
  it('sees every v2 write that lands between our sends, transactional ones too, and drops those keys', async () => {
    const s = scenario(1);
    // Throttled so that the emission lasts seconds: 80 chunks of 50.
    await s.setUp(1000);
    await produce(
      kafka,
      s.prodTopic,
      Array.from({ length: KEYS }, (_, i) => ({ key: key(i), value: `v1-${i}`, partition: 0 })),
    );
    await produce(
      kafka,
      s.tempTopic,
      Array.from({ length: KEYS }, (_, i) => ({ key: key(i), value: `shadow-${i}`, partition: 0 })),
    );
    await s.cutOver();

    // Connected before the emission, so that the writes land early in it, far ahead of their keys.
    const v2 = await connected(kafka.producer({ idempotent: true, maxInFlightRequests: 1 }));
    const tx = await connected(
      kafka.producer({
        transactionalId: uniqueName('v2-tx'),
        idempotent: true,
        maxInFlightRequests: 1,
      }),
    );
    const send = (messages: Message[]) => v2.send({ topic: s.prodTopic, acks: -1, messages });
    const inTransaction = async (keys: string[], commit: boolean) => {
      const t = await tx.transaction();
      await t.send({
        topic: s.prodTopic,
        messages: keys.map((k) => ({ key: k, value: `v2-tx-${k}`, partition: 0 })),
      });
      await (commit ? t.commit() : t.abort());
    };
    // One write after another, each landing between two of our sends.
    const writeDuringEmission = async (): Promise<void> => {
      for (const k of plain) await send([{ key: k, value: `v2-${k}`, partition: 0 }]);
      await send(tombstoned.map((k) => ({ key: k, value: null, partition: 0 })));
      await inTransaction(committed.slice(0, 2), true);
      await inTransaction(aborted, false);
      await inTransaction(committed.slice(2), true);
    };
    let writes: Promise<void> | undefined;
    let report;
    try {
      report = await s.run(0, {
        chunkSize: 50,
        onProgress: (e) => {
          if (e.phase === 'emit' && e.done > 0 && writes === undefined)
            writes = writeDuringEmission();
        },
      });
      await writes;
    } finally {
      await v2.disconnect();
      await tx.disconnect();
    }

    const v2Keys = [...plain, ...tombstoned, ...committed];
    // Observed before their chunks were sent: dropped from the plan, nothing to repair.
    expect(report).toMatchObject({ conflicts: 0, repaired: 0, dropped: v2Keys.length });
    expect(report.refreshed).toBe(KEYS - v2Keys.length);

    // The writes did land between our sends.
    const [end] = await endOffsets(kafka, s.prodTopic);
    const after = await readAll(kafka, s.prodTopic, 0, s.cutover[0]!, end!);
    const ours = after.filter((r) => isBackfillRecord(r.headers)).map((r) => r.offset);
    const theirs = after.filter((r) => !isBackfillRecord(r.headers)).map((r) => r.offset);
    expect(theirs.length).toBe(v2Keys.length);
    expect(Math.min(...theirs)).toBeGreaterThan(Math.min(...ours));
    expect(Math.max(...theirs)).toBeLessThan(Math.max(...ours));

    const latest = await latestByKey(kafka, s.prodTopic);
    for (const k of plain) expect(latest.get(hex(k))!.value, k).toBe(`v2-${k}`);
    for (const k of tombstoned) expect(latest.get(hex(k))!.value, k).toBeNull();
    for (const k of committed) expect(latest.get(hex(k))!.value, k).toBe(`v2-tx-${k}`);
    // An aborted transaction is no v2 write: those keys are refreshed like the rest.
    for (const k of aborted) expect(latest.get(hex(k))!.value, k).toBe(`shadow-${k.slice(5)}`);
  });
});
