import { afterEach, describe, expect, it } from 'vitest';
import { freeSlotsProblem } from '../support/flink-free-slots.js';
import { FakeFlinkServer, json } from '../flink/fake-flink-server.js';

// The integration suite's check before it starts, against a fake Flink REST API.
describe('the free task slots check of the integration suite', () => {
  let server: FakeFlinkServer | undefined;

  async function flink(total: number, free: number, running: string[]): Promise<string> {
    server = new FakeFlinkServer((req, res) => {
      if (req.url === '/overview')
        return json(res, 200, { 'slots-total': total, 'slots-available': free });
      if (req.url === '/jobs/overview')
        return json(res, 200, {
          jobs: [
            ...running.map((name) => ({ name, state: 'RUNNING' })),
            { name: 'old', state: 'FINISHED' },
          ],
        });
      json(res, 404, {});
    });
    return server.start();
  }

  afterEach(async () => {
    await server?.stop();
  });

  it('passes when enough slots are free', async () => {
    expect(await freeSlotsProblem(await flink(8, 8, []), 8, 0)).toBeUndefined();
  });

  it('names the free slots, the need, how many are held and by which jobs', async () => {
    const problem = await freeSlotsProblem(
      await flink(8, 6, ['demo-revenue-v1', 'evolve/demo-revenue/ev-1/shadow']),
      8,
      0,
    );
    console.log(`[slots] ${problem}`);
    expect(problem).toBe(
      'Flink has 6 free task slots; the integration tests need 8: another process (npm start?) holds 2 (jobs: demo-revenue-v1 RUNNING, evolve/demo-revenue/ev-1/shadow RUNNING). Stop it (or cancel those jobs in the Flink UI), or give the stack more slots (flink.slots in stack/stack-config.ts, then npm run stack -- down && npm run stack -- up).',
    );
  });

  it('says when the cluster is too small whatever runs on it', async () => {
    const problem = await freeSlotsProblem(await flink(4, 4, []), 8, 0);
    expect(problem).toMatch(/^Flink has 4 task slots in all; the integration tests need 8\./);
  });
});
