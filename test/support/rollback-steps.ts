import { expect } from 'vitest';
import type { Evolution } from '../../src/evolution/evolution.js';
import { untilStatus } from './crash-lane.js';
import { latestByKey, readAll, withAdmin } from './kafka-test-client.js';
import { ordersPipelineSql } from './orders-pipeline.js';
import type { OrdersWorld } from './orders-world.js';
import { until } from './until.js';

export const OWNER = { id: 'U0OWNER1' };
export const APPROVER = { id: 'U0APPR1' };

/** develop -> deploy request -> approval -> LIVE, as the owner and an approver. */
export async function evolveToLive(w: OrdersWorld, sql = w.sql.v2): Promise<Evolution> {
  const ev = await w.rt.service.develop({
    pipeline: w.pipelineName,
    sql,
    actor: OWNER,
    channel: 'C0EVOLVE',
  });
  return approveToLive(w, ev);
}

/** From DEVELOPING (an evolution or a rollback) to LIVE. */
export async function approveToLive(w: OrdersWorld, started: Evolution): Promise<Evolution> {
  const ev = await untilStatus(w.rt, started.id, 'SHADOW_RUNNING');
  await w.rt.service.requestDeploy(w.pipelineName, OWNER);
  await w.rt.service.decide({
    evolutionId: ev.id,
    shownSqlHash: ev.v2.hash,
    actor: APPROVER,
    decision: 'approve',
  });
  return untilStatus(w.rt, ev.id, 'LIVE');
}

/** Until the copy of v1's answers below the cutover is complete. */
export async function untilKept(
  w: OrdersWorld,
  id: string,
  timeoutMs = 60_000,
): Promise<Evolution> {
  return until(
    `v1's answers of ${id} kept`,
    async () => {
      const ev = await w.rt.workflow.evolutions.load(id);
      if (ev.v1Snapshot?.error) throw new Error(`snapshot failed: ${ev.v1Snapshot.error}`);
      return ev.v1Snapshot?.completedAt !== undefined ? ev : undefined;
    },
    timeoutMs,
  );
}

/** A key's value as a client of the upsert topic sees it: null when deleted or never written. */
function view(records: Awaited<ReturnType<typeof readAll>>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of latestByKey(records)) if (v !== null && v !== undefined) out.set(k, v);
  return out;
}

/**
 * The independent oracle: v1's SQL as a fresh job through the SQL Gateway
 * on the full input, from the earliest offsets, into a fresh topic. Waits
 * until the production topic holds, key for key, what it holds; on a
 * timeout the differing keys are in the error.
 */
export async function expectProductionIsV1FromScratch(
  w: OrdersWorld,
  label: string,
): Promise<{ keys: number; deleted: number }> {
  const oracleTopic = `${w.revenueTopic}-oracle-${label}`;
  await withAdmin((a) =>
    a.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: oracleTopic,
          numPartitions: 2,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
    }),
  );
  const sql = ordersPipelineSql(w.ordersTopic, oracleTopic, `${w.pipelineName}-oracle-${label}`);
  const jobId = await w.flink.submitJob(sql.v1, {
    'pipeline.name': `${w.pipelineName}-oracle-${label}`,
  });
  try {
    expect(await w.flink.waitRunning(jobId, 90_000)).toBe('RUNNING');
    let last = '';
    try {
      return await until(
        `${w.revenueTopic} equal to v1 recomputed from scratch`,
        async () => {
          const [prodRecords, oracle] = [
            await readAll(w.revenueTopic),
            view(await readAll(oracleTopic)),
          ];
          const prod = view(prodRecords);
          const keys = new Set([...prod.keys(), ...oracle.keys()]);
          const differ = [...keys].filter((k) => !sameJson(prod.get(k), oracle.get(k)));
          last = differ
            .slice(0, 5)
            .map(
              (k) =>
                `${k}: production ${prod.get(k) ?? 'none'}, v1 from scratch ${oracle.get(k) ?? 'none'}`,
            )
            .join('; ');
          if (differ.length > 0 || oracle.size === 0) return undefined;
          const deleted = [...latestByKey(prodRecords)].filter(([, v]) => v === null).length;
          return { keys: prod.size, deleted };
        },
        120_000,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; differing keys: ${last}`);
    }
  } finally {
    await w.flink.cancel(jobId).catch(() => undefined);
  }
}

function sameJson(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
}

/** Until a rollback that went live has v1's answers merged into its TEMP (its backfill may start). */
export async function untilMerged(
  w: OrdersWorld,
  id: string,
  timeoutMs = 60_000,
): Promise<Evolution> {
  return until(
    `v1's answers merged into the TEMP of ${id}`,
    async () => {
      const ev = await w.rt.workflow.evolutions.load(id);
      if (ev.rollbackOf?.mergeError) throw new Error(`merge failed: ${ev.rollbackOf.mergeError}`);
      return ev.rollbackOf?.mergedAt !== undefined ? ev : undefined;
    },
    timeoutMs,
  );
}
