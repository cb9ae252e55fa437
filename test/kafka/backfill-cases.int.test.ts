import { describe, expect, it } from 'vitest';
import { uniqueName } from '../support/unique-name.js';
import { diffPartition, diffTopics } from '../../src/kafka/diff-report.js';
import type { BackfillProgressEvent } from '../../src/kafka/run-backfill-partition.js';
import { useBackfillScenarios } from './backfill-scenario.js';
import { hex, latestByKey, produce } from './kafka-test-kit.js';

const { kafka, scenario } = useBackfillScenarios();

const RAW_KEY = Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80]);
const JSON_KEY = '{"tenant":"acme","id":7}';

describe('runBackfillPartition: the key cases', () => {
  it('upserts, deletes and leaves alone exactly what DESIGN.md section 7 says, on both partitions', async () => {
    const s = scenario(2);
    await s.setUp(5000);
    for (const p of [0, 1]) {
      // v1's output.
      await produce(kafka, s.prodTopic, [
        { key: `same-${p}`, value: 'A', partition: p },
        { key: `changed-${p}`, value: 'old', partition: p },
        { key: `onlyProd-${p}`, value: 'P', partition: p },
        { key: `tempTomb-${p}`, value: 'y', partition: p },
        { key: `v2after-${p}`, value: 'v1', partition: p },
        { key: `${JSON_KEY}${p}`, value: '{"v":1}', partition: p },
        { key: Buffer.concat([RAW_KEY, Buffer.from([p])]), value: 'raw-v1', partition: p },
      ]);
      // v2's shadow output.
      await produce(kafka, s.tempTopic, [
        { key: `same-${p}`, value: 'A', partition: p },
        { key: `changed-${p}`, value: 'new', partition: p },
        { key: `onlyTemp-${p}`, value: 'T', partition: p },
        { key: `tempTomb-${p}`, value: 'x', partition: p },
        { key: `tempTomb-${p}`, value: null, partition: p },
        { key: `v2after-${p}`, value: 'shadow', partition: p },
        { key: `${JSON_KEY}${p}`, value: '{"v":2}', partition: p },
        { key: Buffer.concat([RAW_KEY, Buffer.from([p])]), value: 'raw-v2', partition: p },
      ]);
    }

    const diff = await diffPartition(kafka, {
      prodTopic: s.prodTopic,
      tempTopic: s.tempTopic,
      partition: 0,
      prodStart: 0,
      prodEnd: 7,
      tempStart: 0,
      tempEnd: 8,
    });
    expect(diff.counts).toEqual({ same: 1, changed: 4, onlyProduction: 2, onlyTemp: 1 });
    expect(diff.samples.onlyProduction.sort()).toEqual(['onlyProd-0', 'tempTomb-0']);
    expect(diff.samples.changed).toContain(`0x${hex(Buffer.concat([RAW_KEY, Buffer.from([0])]))}`);
    expect(diff.samples.changed).toContain(`${JSON_KEY}0`);

    const whole = await diffTopics(kafka, s.admin, s.prodTopic, s.tempTopic, 3);
    expect(whole.counts).toEqual({ same: 2, changed: 8, onlyProduction: 4, onlyTemp: 2 });
    expect(whole.samples.changed).toHaveLength(3);

    await s.cutOver();
    // v2 goes live, exactly-once: one committed transaction and one aborted one.
    const v2 = kafka.producer({
      transactionalId: uniqueName('v2-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await v2.connect();
    for (const p of [0, 1]) {
      const ok = await v2.transaction();
      await ok.send({
        topic: s.prodTopic,
        messages: [
          { key: `v2after-${p}`, value: 'v2', partition: p },
          { key: `v2new-${p}`, value: 'n', partition: p },
        ],
      });
      await ok.commit();
      const aborted = await v2.transaction();
      await aborted.send({
        topic: s.prodTopic,
        messages: [{ key: `changed-${p}`, value: 'aborted', partition: p }],
      });
      await aborted.abort();
    }
    await v2.disconnect();

    const reports = [await s.run(0, { chunkSize: 2 }), await s.run(1, { chunkSize: 2 })];
    for (const r of reports) {
      expect(r).toMatchObject({
        refreshed: 4,
        deleted: 2,
        unchanged: 1,
        ownedByV2: 2,
        repaired: 0,
        conflicts: 0,
      });
    }

    const latest = await latestByKey(kafka, s.prodTopic);
    for (const p of [0, 1]) {
      const at = (k: string | Buffer) => latest.get(hex(k));
      expect(at(`same-${p}`)).toMatchObject({ value: 'A' });
      expect(at(`same-${p}`)!.headers['evolve-run']).toBeUndefined();
      expect(at(`changed-${p}`)!.value).toBe('new');
      expect(at(`changed-${p}`)!.headers['evolve-kind']!.toString()).toBe('refresh');
      expect(at(`onlyTemp-${p}`)!.value).toBe('T');
      expect(at(`onlyProd-${p}`)!.value).toBeNull();
      expect(at(`onlyProd-${p}`)!.headers['evolve-kind']!.toString()).toBe('delete');
      expect(at(`tempTomb-${p}`)!.value).toBeNull();
      expect(at(`v2after-${p}`)).toMatchObject({ value: 'v2' });
      expect(at(`v2after-${p}`)!.headers['evolve-run']).toBeUndefined();
      expect(at(`v2new-${p}`)!.value).toBe('n');
      expect(at(`${JSON_KEY}${p}`)!.value).toBe('{"v":2}');
      expect(at(Buffer.concat([RAW_KEY, Buffer.from([p])]))!.value).toBe('raw-v2');
      expect(at(`${JSON_KEY}${p}`)!.headers['evolve-run']!.toString()).toBe(s.runId);
    }

    // A finished partition is not run twice: its stored report comes back and nothing new is written.
    const again = await s.run(0);
    expect(again).toEqual(reports[0]);
  });

  it('refresh-only mode never deletes', async () => {
    const s = scenario(1);
    await s.setUp(5000);
    await produce(kafka, s.prodTopic, [
      { key: 'gone', value: 'P', partition: 0 },
      { key: 'kept', value: 'old', partition: 0 },
    ]);
    await produce(kafka, s.tempTopic, [{ key: 'kept', value: 'new', partition: 0 }]);
    await s.cutOver();
    const report = await s.run(0, { mode: 'refresh-only' });
    expect(report).toMatchObject({ refreshed: 1, deleted: 0, keptByMode: 1, conflicts: 0 });
    const latest = await latestByKey(kafka, s.prodTopic);
    expect(latest.get(hex('gone'))!.value).toBe('P');
    expect(latest.get(hex('kept'))!.value).toBe('new');
  });

  it('stops on abort with a typed error and resumes to the right result', async () => {
    const s = scenario(1);
    await s.setUp(200);
    const keys = 300;
    await produce(
      kafka,
      s.prodTopic,
      Array.from({ length: keys }, (_, i) => ({ key: `k${i}`, value: 'v1', partition: 0 })),
    );
    await produce(
      kafka,
      s.tempTopic,
      Array.from({ length: keys }, (_, i) => ({ key: `k${i}`, value: `v2-${i}`, partition: 0 })),
    );
    await s.cutOver();
    const abort = new AbortController();
    const stopped = s.run(0, {
      chunkSize: 20,
      signal: abort.signal,
      onProgress: (e) => {
        // After the first chunk is written (the first report, done 0, is the plan).
        if (e.phase === 'emit' && e.done > 0) abort.abort();
      },
    });
    await expect(stopped).rejects.toMatchObject({ code: 'BACKFILL_ABORTED', partition: 0 });
    const halfway = await s.checkpoints.load(s.runId, 0);
    expect(halfway!.refreshed).toBeGreaterThan(0);
    expect(halfway!.refreshed).toBeLessThan(keys);
    const resumed: BackfillProgressEvent[] = [];
    const report = await s.run(0, {
      chunkSize: 100,
      onProgress: (e) => void (e.phase === 'emit' && resumed.push(e)),
    });
    // The resumed run starts from what the first one wrote (the relay measures the rate itself).
    expect(resumed[0]).toMatchObject({ done: halfway!.refreshed, total: keys });
    expect(report.conflicts).toBe(0);
    const latest = await latestByKey(kafka, s.prodTopic);
    for (let i = 0; i < keys; i++) expect(latest.get(hex(`k${i}`))!.value).toBe(`v2-${i}`);
  });

  it('reports its whole plan as emission begins, before the throttle lets a record out', async () => {
    const s = scenario(1);
    await s.setUp(5000);
    const keys = 10;
    await produce(
      kafka,
      s.prodTopic,
      Array.from({ length: keys }, (_, i) => ({ key: `k${i}`, value: 'v1', partition: 0 })),
    );
    await produce(
      kafka,
      s.tempTopic,
      Array.from({ length: keys }, (_, i) => ({ key: `k${i}`, value: 'v2', partition: 0 })),
    );
    await s.cutOver();
    const emits: string[] = [];
    await s.run(0, {
      chunkSize: 5,
      onProgress: (e) => void (e.phase === 'emit' && emits.push(`${e.done}/${e.total}`)),
    });
    // A run's progress sums its partitions' emit reports: one still waiting for
    // tokens must already count with its plan, or the run looks nearly done.
    expect(emits[0]).toBe('0/10');
    expect(emits).toContain('5/10');
    expect(emits.at(-1)).toBe('10/10');
  });

  it('refuses to run when the production topic gained partitions', async () => {
    const s = scenario(1);
    await s.setUp(5000);
    await s.cutOver();
    const raw = kafka.admin();
    await raw.connect();
    await raw.createPartitions({ topicPartitions: [{ topic: s.prodTopic, count: 2 }] });
    await raw.disconnect();
    await expect(s.run(0)).rejects.toMatchObject({ code: 'KAFKA_PARTITIONS_CHANGED' });
  });
});
