import { describe, expect, it } from 'vitest';
import type { SavepointProgress } from '../../src/evolution/ports/flink-port.js';
import { FlinkAdapter } from '../../src/flink/flink-adapter.js';
import { newTriggerId } from '../../src/flink/flink-rest-client.js';
import { uniqueName } from '../support/unique-name.js';
import {
  ordersSourceDdl,
  produceOrders,
  TOTALS_INSERT,
  totalsSinkDdl,
  useFlinkTestResources,
  waitForRunningTasks,
} from './flink-test-kit.js';

describe('FlinkAdapter (the domain FlinkPort) on the real cluster', () => {
  const { rest, gateway, resources } = useFlinkTestResources();
  const flink = new FlinkAdapter(rest, gateway);

  it('submits a script, finds it by name, and resolves a resumed stop from the job itself', async () => {
    const input = await resources.topic('adapter-in');
    const output = await resources.topic('adapter-out');
    await produceOrders(resources.k, input, [{ customer_id: 'c1', amount: 3 }]);
    const sql = `${ordersSourceDdl(input, resources.group('adapter-g'))};\n${totalsSinkDdl(output)};\n${TOTALS_INSERT};`;
    const name = uniqueName('evolve-test/adapter');
    const jobId = resources.job(
      await flink.submitJob(sql, { 'pipeline.name': name, 'parallelism.default': '1' }),
    );
    expect(await flink.waitRunning(jobId, 120_000)).toBe('RUNNING');
    expect(await flink.findJobByName(name)).toEqual({ jobId, state: 'RUNNING' });
    await waitForRunningTasks(rest, jobId);

    const triggerId = newTriggerId();
    const progress: SavepointProgress[] = [];
    const location = await flink.stopWithSavepoint(jobId, triggerId, {
      onProgress: (p) => progress.push(p),
    });
    expect(location).toMatch(/savepoint-/);
    expect(progress.every((p) => p.acknowledged <= p.total)).toBe(true);
    // A worker resuming the step with the same trigger id gets the same savepoint.
    expect(await flink.stopWithSavepoint(jobId, triggerId)).toBe(location);
    // One resuming after Flink forgot the trigger (here: an id Flink never saw) finds it from the
    // FINISHED job's latest savepoint instead of sending a stop to a job that is not running.
    await rest.waitForJobState(jobId, ['FINISHED']);
    expect(await flink.stopWithSavepoint(jobId, newTriggerId())).toBe(location);
    expect(await flink.jobState(jobId)).toBe('FINISHED');

    // The same script restored from it.
    const restored = resources.job(
      await flink.submitJob(sql, {
        'pipeline.name': name,
        'parallelism.default': '1',
        'execution.savepoint.path': location,
        'execution.savepoint.ignore-unclaimed-state': 'false',
      }),
    );
    expect(await flink.waitRunning(restored, 120_000)).toBe('RUNNING');
    expect(await flink.findJobByName(name)).toEqual({ jobId: restored, state: 'RUNNING' });
    expect(await flink.restoredFrom(restored)).toBe(location);
    await flink.cancel(restored);
    await rest.waitForJobState(restored, ['CANCELED']);
    // Restored in NO_CLAIM mode, the savepoint still belongs to us: remove it.
    await rest.disposeSavepoint(location);
    await flink.cancel(newTriggerId()); // unknown to Flink: nothing to cancel, no error
    expect(await flink.jobState(newTriggerId())).toBe('NOT_FOUND');
  });
});
