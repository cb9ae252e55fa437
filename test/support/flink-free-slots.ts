import { setTimeout as sleep } from 'node:timers/promises';
import { httpJson } from '../../stack/wait-until.js';

/**
 * The most task slots one integration test file holds at once: the last
 * test of worker-crash.int.test.ts runs four lanes side by side, each with
 * its v1 and its shadow running (parallelism 1, one slot each) until the
 * deploy stops them. Files run one at a time (fileParallelism: false).
 */
export const SLOTS_THE_TESTS_NEED = 8;

/** How long the check waits for slots a finishing run (its cleanup) still holds. */
const WAIT_FOR_SLOTS_MS = 30_000;

interface Overview {
  'slots-total'?: number;
  'slots-available'?: number;
}

interface JobsOverview {
  jobs?: Array<{ name?: string; state?: string }>;
}

/**
 * Whether the cluster has `needed` free task slots; the refusal, for a
 * person, otherwise. Tests submitted to a full cluster do not fail at once:
 * Flink restarts their jobs (NoResourceAvailableException) and they time
 * out minutes later with unrelated-looking assertions, so the suite says it
 * up front and names what holds the slots.
 */
export async function freeSlotsProblem(
  restUrl: string,
  needed = SLOTS_THE_TESTS_NEED,
  waitMs = WAIT_FOR_SLOTS_MS,
): Promise<string | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const o = (await httpJson(`${restUrl}/overview`)) as Overview;
    const total = o['slots-total'] ?? 0;
    const free = o['slots-available'] ?? 0;
    if (free >= needed) return undefined;
    if (total < needed) {
      return `Flink has ${total} task slots in all; the integration tests need ${needed}. Give the stack's TaskManager at least ${needed} slots (taskmanager.numberOfTaskSlots; the local stack's is flink.slots in stack/stack-config.ts, then npm run stack -- down && npm run stack -- up).`;
    }
    if (Date.now() >= deadline) return busyMessage(restUrl, free, total, needed);
    await sleep(1_000);
  }
}

async function busyMessage(
  restUrl: string,
  free: number,
  total: number,
  needed: number,
): Promise<string> {
  const jobs = ((await httpJson(`${restUrl}/jobs/overview`)) as JobsOverview).jobs ?? [];
  const holding = jobs
    // Any job not yet ended holds its slots, a CANCELLING one too.
    .filter((j) => !['FINISHED', 'CANCELED', 'FAILED', 'SUSPENDED'].includes(j.state ?? ''))
    .map((j) => `${j.name ?? '?'} ${j.state ?? ''}`.trim());
  const names =
    holding.length > 0
      ? ` (jobs: ${holding.slice(0, 5).join(', ')}${holding.length > 5 ? `, and ${holding.length - 5} more` : ''})`
      : '';
  return `Flink has ${free} free task slots; the integration tests need ${needed}: another process (npm start?) holds ${total - free}${names}. Stop it${holding.length > 0 ? ' (or cancel those jobs in the Flink UI)' : ''}, or give the stack more slots (flink.slots in stack/stack-config.ts, then npm run stack -- down && npm run stack -- up).`;
}
