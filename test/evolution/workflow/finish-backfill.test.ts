import { describe, expect, it } from 'vitest';
import { finishBackfill, sumReports } from '../../../src/evolution/workflow/finish-backfill.js';
import { runDeploy } from '../../../src/evolution/workflow/run-deploy.js';
import { approvedWorld } from '../../support/workflow-world.js';

async function backfillingWorld() {
  const w = await approvedWorld();
  let ev = await runDeploy(w.deps, w.evolution.id);
  ev = await w.store.transition(
    ev.id,
    { type: 'startBackfill', runId: 'run-1', rate: 100, mode: 'full' },
    'U0OWNER1',
  );
  expect(ev.status).toBe('BACKFILLING');
  return { ...w, evolution: ev };
}

const partition = {
  refreshed: 10,
  deleted: 2,
  unchanged: 5,
  repaired: 1,
  conflicts: 0,
  durationMs: 900,
  ownedByV2: 7,
  dropped: 1,
  keptByMode: 0,
  keys: 26,
  written: 13,
};

describe('finishBackfill', () => {
  it('sums partition reports', () => {
    expect(sumReports([partition, { ...partition, conflicts: 2 }], 1500)).toEqual({
      refreshed: 20,
      deleted: 4,
      unchanged: 10,
      repaired: 2,
      conflicts: 2,
      durationMs: 1500,
      ownedByV2: 14,
      dropped: 2,
      keptByMode: 0,
      keys: 52,
      written: 26,
    });
    // A report stored by an older run has no key count: the sum names none rather than a wrong one.
    const old = {
      refreshed: 1,
      deleted: 0,
      unchanged: 0,
      repaired: 0,
      conflicts: 0,
      durationMs: 1,
    };
    expect(sumReports([partition, old], 10)).not.toHaveProperty('keys');
  });

  it('completes without conflicts: TEMP deleted, final figures on the card', async () => {
    const w = await backfillingWorld();
    const ev = await finishBackfill(w.deps, w.evolution.id, 'run-1', sumReports([partition], 1000));
    expect(ev.status).toBe('COMPLETED');
    expect(ev.backfill?.report?.refreshed).toBe(10);
    expect(ev.backfill?.progress).toMatchObject({ emitted: 13, planned: 13 });
    expect(w.kafka.topics.has(ev.shadow.tempTopic)).toBe(false);
    expect(w.notifier.milestones.at(-1)?.text).toMatch(
      /complete and verified: 26 keys: 10 refreshed, 2 deleted, 5 unchanged, 7 owned by v2 \(live writes left alone\), 1 dropped/,
    );
  });

  it("compares the completion with the approval's projection in one line", async () => {
    const w = await backfillingWorld();
    await w.store.update(w.evolution.id, w.evolution.version, (cur) => ({
      ...cur,
      approval: cur.approval && { ...cur.approval, projected: { upserts: 253, deletes: 6 } },
    }));
    await finishBackfill(w.deps, w.evolution.id, 'run-1', sumReports([partition], 1000));
    expect(w.notifier.milestones.at(-1)?.text).toContain(
      'The approval projected 253 upserts and 6 deletes; the backfill refreshed 10 and deleted 2, and left 9 keys v2 had written itself since the cutover.',
    );
  });

  it('with conflicts left keeps TEMP and goes back to LIVE so the backfill can run again', async () => {
    const w = await backfillingWorld();
    const ev = await finishBackfill(
      w.deps,
      w.evolution.id,
      'run-1',
      sumReports([{ ...partition, conflicts: 3 }], 1000),
    );
    expect(ev.status).toBe('LIVE');
    expect(ev.backfill?.error?.message).toMatch(/3 keys still differ/);
    expect(w.kafka.topics.has(ev.shadow.tempTopic)).toBe(true);
  });

  it('ignores the report of a run that is not the current one', async () => {
    const w = await backfillingWorld();
    const ev = await finishBackfill(
      w.deps,
      w.evolution.id,
      'old-run',
      sumReports([partition], 1000),
    );
    expect(ev.status).toBe('BACKFILLING');
  });
});
