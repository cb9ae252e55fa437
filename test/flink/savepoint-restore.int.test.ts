import { describe, expect, it } from 'vitest';
import { newTriggerId } from '../../src/flink/flink-rest-client.js';
import { uniqueName } from '../support/unique-name.js';
import {
  eventually,
  type Order,
  produceOrders,
  readTotals,
  type Totals,
  totalsScript,
  useFlinkTestResources,
} from './flink-test-kit.js';

function expectedTotals(orders: readonly Order[]): Map<string, Totals> {
  const totals = new Map<string, Totals>();
  for (const o of orders) {
    const t = totals.get(o.customer_id) ?? { total: 0, cnt: 0 };
    totals.set(o.customer_id, { total: t.total + o.amount, cnt: t.cnt + 1 });
  }
  return totals;
}

describe('a savepoint restored into a job writing to another topic', () => {
  const { rest, gateway, resources } = useFlinkTestResources();
  const targetDirectory = resources.savepointDirectory('restore');

  it('restores from the savepoint and its counts continue over all input', async () => {
    const input = await resources.topic('restore-in');
    const v1Output = await resources.topic('restore-out-v1');
    const v2Output = await resources.topic('restore-out-v2');
    const group = resources.group('restore-g');
    const before: Order[] = [
      { customer_id: 'c1', amount: 10 },
      { customer_id: 'c1', amount: 5 },
      { customer_id: 'c2', amount: 7 },
      { customer_id: 'c4', amount: 1 },
    ];
    await produceOrders(resources.k, input, before);
    const v1 = await resources.startJob(gateway, totalsScript(input, v1Output, group), {
      'pipeline.name': uniqueName('evolve-test/restore-v1'),
    });
    const v1Expected = expectedTotals(before);
    await eventually('v1 totals', async () => {
      const totals = await readTotals(resources.k, v1Output);
      return totals.size === v1Expected.size && totals.get('c1')?.cnt === 2 ? totals : undefined;
    });

    const triggerId = await rest.stopWithSavepoint(v1, {
      triggerId: newTriggerId(),
      targetDirectory,
    });
    const { location } = await rest.waitForSavepoint(v1, triggerId, {
      operation: 'stop-with-savepoint',
    });

    // Same script, only the sink topic differs.
    const v2 = await resources.startJob(gateway, totalsScript(input, v2Output, group), {
      'pipeline.name': uniqueName('evolve-test/restore-v2'),
      'execution.savepoint.path': location,
      'execution.savepoint.ignore-unclaimed-state': 'false',
    });
    // Checkpoint statistics are cached for a few seconds by the REST server.
    const restoredFrom = await eventually('restored path', () => rest.latestRestoredPath(v2));
    expect(restoredFrom).toBe(location);

    const after: Order[] = [
      { customer_id: 'c1', amount: 1 },
      { customer_id: 'c2', amount: 3 },
      { customer_id: 'c3', amount: 4 },
    ];
    await produceOrders(resources.k, input, after);
    const all = expectedTotals([...before, ...after]);
    // One input partition, read in order: once c3 (the last order) is out, so is everything before it.
    const v2Totals = await eventually('v2 totals', async () => {
      const totals = await readTotals(resources.k, v2Output);
      return totals.has('c3') ? totals : undefined;
    });
    // Totals over all input, not just what came after the restore (and not doubled by re-reading).
    expect(v2Totals.get('c1')).toEqual(all.get('c1'));
    expect(v2Totals.get('c2')).toEqual(all.get('c2'));
    expect(v2Totals.get('c3')).toEqual(all.get('c3'));
    // c4 had no new input: the restored job has nothing to say about it.
    expect(v2Totals.has('c4')).toBe(false);
  });
});
