import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SavepointDisposalFailedError } from '../../src/flink/flink-errors.js';
import { newTriggerId } from '../../src/flink/flink-rest-client.js';
import { uniqueName } from '../support/unique-name.js';
import {
  eventually,
  produceOrders,
  readTotals,
  totalsScript,
  useFlinkTestResources,
} from './flink-test-kit.js';

describe('stop-with-savepoint through FlinkRestClient', () => {
  const { rest, gateway, resources } = useFlinkTestResources();
  const targetDirectory = resources.savepointDirectory('stop-twice');

  it('a stop repeated with one trigger id, during and after completion, writes one savepoint', async () => {
    const input = await resources.topic('stop-in');
    const output = await resources.topic('stop-out');
    const group = resources.group('stop-g');
    await produceOrders(resources.k, input, [
      { customer_id: 'c1', amount: 10 },
      { customer_id: 'c1', amount: 5 },
      { customer_id: 'c2', amount: 7 },
    ]);
    const jobId = await resources.startJob(gateway, totalsScript(input, output, group), {
      'pipeline.name': uniqueName('evolve-test/stop-twice'),
    });
    await eventually('totals in the output topic', async () =>
      (await readTotals(resources.k, output)).get('c1')?.cnt === 2 ? true : undefined,
    );

    const triggerId = newTriggerId();
    const first = await rest.stopWithSavepoint(jobId, { triggerId, targetDirectory });
    // The worker died and retried before it saw the answer: same trigger id.
    const second = await rest.stopWithSavepoint(jobId, { triggerId, targetDirectory });
    expect([first, second]).toEqual([triggerId, triggerId]);

    const savepoint = await rest.waitForSavepoint(jobId, triggerId, {
      operation: 'stop-with-savepoint',
    });
    // And once more after the savepoint completed and the job finished.
    expect(await rest.stopWithSavepoint(jobId, { triggerId, targetDirectory })).toBe(triggerId);
    const again = await rest.waitForSavepoint(jobId, triggerId, {
      operation: 'stop-with-savepoint',
    });
    expect(again.location).toBe(savepoint.location);

    expect((await rest.waitForJobState(jobId, ['FINISHED'])).state).toBe('FINISHED');
    // A cleanup that cancels it anyway leaves the stopped job alone.
    expect(await rest.cancelJob(jobId)).toBe('already-terminal');
    const dirs = readdirSync(fileURLToPath(targetDirectory)).filter((name) =>
      name.startsWith('savepoint-'),
    );
    expect(dirs).toHaveLength(1);
    expect(savepoint.location.endsWith(`/${dirs[0]}`)).toBe(true);
    expect(savepoint.sizeBytes).toBeGreaterThan(0);

    // Flink's own record agrees: one completed savepoint for the job, the one we got.
    const stats = await rest.getCheckpoints(jobId);
    const savepoints = stats.history.filter((c) => c.is_savepoint && c.status === 'COMPLETED');
    expect(savepoints.map((c) => c.external_path)).toEqual([savepoint.location]);
    const latest = await rest.latestCompletedSavepoint(jobId);
    expect(latest?.location).toBe(savepoint.location);
    expect(latest?.checkpointType).toBe('SYNC_SAVEPOINT');

    // Disposal through the JobManager removes the files; a second disposal says why it failed.
    await rest.disposeSavepoint(savepoint.location);
    expect(readdirSync(fileURLToPath(targetDirectory))).toEqual([]);
    const err = await rest.disposeSavepoint(savepoint.location).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SavepointDisposalFailedError);
    expect((err as SavepointDisposalFailedError).flinkCause).toMatch(
      /^Cannot find checkpoint or savepoint/,
    );
  });
});
