import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { analyzeScript } from '../../src/flink/analyze-script.js';
import { rewriteForShadow } from '../../src/flink/shadow-rewrite.js';
import { tempTopicName } from '../../src/evolution/shadow-names.js';
import { uniqueName } from '../support/unique-name.js';
import {
  endOffsets,
  eventually,
  ordersSourceDdl,
  produceOrders,
  readTopic,
  readTotals,
  TOTALS_INSERT,
  totalsSinkDdl,
  useFlinkTestResources,
} from './flink-test-kit.js';

/**
 * The group's committed offsets, asked again while its coordinator moves or
 * loads (NOT_COORDINATOR from a Kafka 4.4 broker just started): a retriable
 * error for up to 10 s, not an answer.
 */
async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return (offsets?.partitions ?? [])
        .sort((a, b) => a.partition - b.partition)
        .map((p) => p.offset);
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Invariant 1 (DESIGN.md section 5) on the real cluster, with the real rewrite. */
describe('a shadow job built by rewriteForShadow', () => {
  const { rest, gateway, resources } = useFlinkTestResources();

  it('never writes the production topic nor commits under the production group', async () => {
    const admin = await resources.kafkaAdmin();
    const input = await resources.topic('shadow-in');
    const production = await resources.topic('shadow-prod');
    const evolutionId = uniqueName('evo');
    const temp = tempTopicName(production, evolutionId);
    await admin.createTopics({ topics: [{ topic: temp, numPartitions: 1 }], waitForLeaders: true });
    resources.topics.push(temp);
    const productionGroup = resources.group('shadow-prod-g');
    // v1 commits its offsets under the production group at every checkpoint (the Kafka source's default).
    const v1Sql = [
      '-- v1, as production runs it',
      `${ordersSourceDdl(input, productionGroup, ",\n  'properties.commit.offsets.on.checkpoint' = 'true'")};`,
      `${totalsSinkDdl(production)};`,
      `${TOTALS_INSERT};`,
    ].join('\n');

    await produceOrders(resources.k, input, [
      { customer_id: 'c1', amount: 10 },
      { customer_id: 'c2', amount: 7 },
    ]);
    const v1 = await resources.startJob(
      gateway,
      analyzeScript(v1Sql).statements.map((s) => s.text),
      { 'pipeline.name': uniqueName('evolve-test/shadow-v1') },
    );
    const inputEndV1 = await endOffsets(resources.k, input);
    await eventually('v1 to commit its offsets', async () => {
      const committed = await committedOffsets(admin, productionGroup, input);
      return committed.join() === inputEndV1.join() ? true : undefined;
    });
    await rest.cancelJob(v1);
    await rest.waitForJobState(v1, ['CANCELED']);

    // While v1 is stopped, production's topic and group can only change through the shadow.
    await produceOrders(resources.k, input, [
      { customer_id: 'c1', amount: 1 },
      { customer_id: 'c3', amount: 4 },
    ]);
    const productionEndBefore = await endOffsets(resources.k, production);
    const productionRecordsBefore = (await readTopic(resources.k, production)).length;
    const productionCommittedBefore = await committedOffsets(admin, productionGroup, input);
    expect(productionCommittedBefore).toEqual(inputEndV1);

    const shadow = rewriteForShadow(v1Sql, {
      pipeline: 'orders-totals',
      evolutionId,
      tempTopic: temp,
    });
    expect(shadow.outputTopic).toBe(production);
    expect(shadow.groupIds).toHaveLength(1);
    expect(shadow.groupIds).not.toContain(productionGroup);
    resources.groups.push(...shadow.groupIds);
    const shadowJob = await resources.startJob(
      gateway,
      analyzeScript(shadow.sql).statements.map((s) => s.text),
      shadow.executionConfig,
    );
    expect((await rest.getJob(shadowJob)).name).toBe(shadow.executionConfig['pipeline.name']);

    // The shadow read all input from the start and wrote TEMP...
    const tempTotals = await eventually('shadow totals in TEMP', async () => {
      const totals = await readTotals(resources.k, temp);
      return totals.has('c3') ? totals : undefined;
    });
    expect(Object.fromEntries(tempTotals)).toEqual({
      c1: { total: 11, cnt: 2 },
      c2: { total: 7, cnt: 1 },
      c3: { total: 4, cnt: 1 },
    });
    // ...and committed its offsets under its own group, up to the end of the input.
    const inputEnd = await endOffsets(resources.k, input);
    await eventually('the shadow group to commit', async () => {
      const committed = await committedOffsets(admin, shadow.groupIds[0] ?? '', input);
      return committed.join() === inputEnd.join() ? true : undefined;
    });

    // Production: not one record more, and its group's offsets untouched.
    expect(await endOffsets(resources.k, production)).toEqual(productionEndBefore);
    expect((await readTopic(resources.k, production)).length).toBe(productionRecordsBefore);
    expect(await committedOffsets(admin, productionGroup, input)).toEqual(
      productionCommittedBefore,
    );
    expect(productionCommittedBefore).not.toEqual(inputEnd);
  });
});
