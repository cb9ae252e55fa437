import type { Runtime } from '../../src/app/create-runtime.js';
import type { Evolution } from '../../src/evolution/evolution.js';
import { SYSTEM_ACTOR } from '../../src/evolution/evolution-action.js';
import { startEvolution } from '../../src/evolution/start-evolution.js';
import { aPipeline, V2_SQL } from './pipeline-fixture.js';

export const LIVE_OWNER = { id: 'U0OWNER1' };

/**
 * A registered pipeline on `prodTopic` with an evolution taken to LIVE by its
 * transitions alone (no Flink): its TEMP is whatever `tempTopic(evolution)`
 * names, and its cutover the offsets given. What a backfill needs, and
 * nothing it does not.
 */
export async function liveWithoutFlink(
  rt: Runtime,
  o: {
    name: string;
    prodTopic: string;
    tempTopic: (ev: Evolution) => Promise<string>;
    cutover: (temp: string) => Promise<number[]>;
  },
): Promise<Evolution> {
  const pipeline = await rt.service.registerFromFile(
    aPipeline({ name: o.name, kafka: { outputTopic: o.prodTopic, keyFormat: 'json' } }),
  );
  const ev0 = await startEvolution(
    { evolutions: rt.workflow.evolutions, audit: rt.workflow.audit },
    {
      pipeline,
      v2Sql: V2_SQL,
      requester: LIVE_OWNER.id,
      slack: { channel: 'C0LIVE' },
      clock: rt.workflow.clock,
    },
  );
  const temp = await o.tempTopic(ev0);
  const cutover = await o.cutover(temp);
  const t = rt.workflow.evolutions;
  let ev = await t.transition(
    ev0.id,
    { type: 'shadowStarted', jobId: 'b'.repeat(32) },
    SYSTEM_ACTOR,
  );
  ev = await t.update(ev.id, ev.version, (cur) => ({
    ...cur,
    shadow: { ...cur.shadow, tempTopic: temp },
  }));
  ev = await t.transition(
    ev.id,
    { type: 'requestApproval', shownSqlHash: ev.v2.hash, ttlMs: 60_000 },
    LIVE_OWNER.id,
  );
  ev = await t.transition(ev.id, { type: 'approve', shownSqlHash: ev.v2.hash }, 'U0APPR1');
  ev = await t.update(ev.id, ev.version, (cur) => ({
    ...cur,
    cutover: {
      offsets: cutover.map((o, partition) => ({ partition, offset: String(o) })),
      recordedAt: rt.workflow.clock.now(),
    },
  }));
  return t.transition(
    ev.id,
    { type: 'deployCompleted', v2JobId: 'c'.repeat(32), cutoverGapMs: 1 },
    SYSTEM_ACTOR,
  );
}
