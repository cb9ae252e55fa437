import { createServer } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FlinkJobNotFoundError,
  FlinkSavepointFailedError,
  FlinkSavepointUnknownError,
  FlinkUnreachableError,
} from '../../src/flink/flink-errors.js';
import { FlinkRestClient, newTriggerId } from '../../src/flink/flink-rest-client.js';
import { uniqueName } from '../support/unique-name.js';
import { useFlinkTestResources } from './flink-test-kit.js';

/** A port nothing listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A job that needs no Kafka: generated rows into a blackhole. */
function generatorScript(): string[] {
  return [
    "CREATE TABLE gen (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5')",
    "CREATE TABLE sink (n BIGINT) WITH ('connector' = 'blackhole')",
    'INSERT INTO sink SELECT n FROM gen',
  ];
}

describe('FlinkRestClient failures against the real cluster', () => {
  const { rest, gateway, resources } = useFlinkTestResources();
  let jobId = '';

  beforeAll(async () => {
    jobId = await resources.startJob(gateway, generatorScript(), {
      'pipeline.name': uniqueName('evolve-test/errors'),
    });
  });

  it('an unreachable Flink gives FlinkUnreachableError after the retries', async () => {
    const port = await closedPort();
    const client = new FlinkRestClient({
      baseUrl: `http://127.0.0.1:${port}`,
      retries: 2,
      retryDelayMs: 10,
    });
    try {
      const err = await client.listJobs().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FlinkUnreachableError);
      expect(err).toMatchObject({
        code: 'FLINK_UNREACHABLE',
        attempts: 3,
        endpoint: 'GET /jobs/overview',
        reason: 'ECONNREFUSED',
      });
      expect((err as FlinkUnreachableError).userMessage).toContain(`127.0.0.1:${port}`);
    } finally {
      await client.close();
    }
  });

  it('a savepoint Flink cannot write gives FlinkSavepointFailedError with Flink’s root cause', async () => {
    const triggerId = await rest.triggerSavepoint(jobId, { targetDirectory: 'file:///proc/nope' });
    const err = await rest.waitForSavepoint(jobId, triggerId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlinkSavepointFailedError);
    const failed = err as FlinkSavepointFailedError;
    expect(failed.code).toBe('FLINK_SAVEPOINT_FAILED');
    expect(failed.flinkCause).toBe('Failed to create savepoint directory at file:/proc/nope');
    expect(failed.flinkCauseClass).toBe('java.io.IOException');
    expect(failed.userMessage).toContain('Failed to create savepoint directory at file:/proc/nope');
    expect(failed.userMessage).not.toMatch(/\tat |CompletionException/);
    // A failed savepoint leaves the job running.
    expect(await rest.getJobState(jobId)).toBe('RUNNING');
  });

  it('a job id Flink does not know gives FlinkJobNotFoundError, wherever it is used', async () => {
    const unknown = newTriggerId(); // same shape as a job id, and certainly not one
    await expect(rest.getJob(unknown)).rejects.toBeInstanceOf(FlinkJobNotFoundError);
    await expect(rest.cancelJob(unknown)).rejects.toBeInstanceOf(FlinkJobNotFoundError);
    await expect(rest.getCheckpoints(unknown)).rejects.toBeInstanceOf(FlinkJobNotFoundError);
    await expect(rest.getJob('not-a-job-id')).rejects.toBeInstanceOf(FlinkJobNotFoundError);
    // Flink accepts the trigger (202) and reports the missing job in the operation result.
    const triggerId = await rest.triggerSavepoint(unknown);
    const err = await rest.waitForSavepoint(unknown, triggerId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlinkJobNotFoundError);
    expect((err as FlinkJobNotFoundError).jobId).toBe(unknown);
  });

  it('a trigger id Flink does not remember gives FlinkSavepointUnknownError, not a job error', async () => {
    const err = await rest.getSavepointStatus(jobId, newTriggerId()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlinkSavepointUnknownError);
    expect(err).toMatchObject({ code: 'FLINK_SAVEPOINT_UNKNOWN', jobId });
  });

  it('cancelling twice is harmless', async () => {
    const submitted = await resources.startJob(gateway, generatorScript(), {
      'pipeline.name': uniqueName('evolve-test/cancel-twice'),
    });
    expect(await rest.cancelJob(submitted)).toBe('requested');
    expect((await rest.waitForJobState(submitted, ['CANCELED'])).state).toBe('CANCELED');
    // Flink accepts cancelling a CANCELED job again (202).
    expect(await rest.cancelJob(submitted)).toBe('requested');
    expect(await rest.getJobState(submitted)).toBe('CANCELED');
  });
});
