import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';

describe('local stack: BullMQ on Redis', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it('runs a job on a worker and returns its result', async () => {
    const name = uniqueName('stack-queue');
    const connection = new Redis(stackEndpoints().redisUrl, { maxRetriesPerRequest: null });
    closers.push(() => connection.quit());
    const policy = (await connection.config('GET', 'maxmemory-policy')) as string[];
    // BullMQ silently loses jobs under an evicting policy.
    expect(policy[1]).toBe('noeviction');

    const queue = new Queue(name, { connection });
    closers.push(() => queue.obliterate({ force: true }).then(() => queue.close()));
    const events = new QueueEvents(name, { connection: connection.duplicate() });
    closers.push(() => events.close());
    const worker = new Worker(
      name,
      async (job) => ({ doubled: (job.data as { n: number }).n * 2 }),
      {
        connection: connection.duplicate(),
      },
    );
    closers.push(() => worker.close());
    await events.waitUntilReady();

    const job = await queue.add('double', { n: 21 }, { jobId: 'double-21' });
    const result = await job.waitUntilFinished(events, 30_000);
    expect(result).toEqual({ doubled: 42 });
    // Deterministic job ids deduplicate: a second add with the same id is the same job.
    const again = await queue.add('double', { n: 99 }, { jobId: 'double-21' });
    expect(again.id).toBe('double-21');
    expect((await queue.getJob('double-21'))?.data).toEqual({ n: 21 });
  });
});
