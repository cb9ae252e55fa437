import { describe, expect, it } from 'vitest';
import type { FlinkPort, SavepointOptions } from '../../../src/evolution/ports/flink-port.js';
import { savepointStep } from '../../../src/evolution/workflow/savepoint-step.js';
import { milestoneReply } from '../../../src/bot/blocks/milestone-reply.js';
import { approvedWorld } from '../../support/workflow-world.js';

/** A Flink whose savepoint reports progress as the test says, the clock moving between reports. */
function savepointing(
  w: Awaited<ReturnType<typeof approvedWorld>>,
  reports: { afterMs: number; acknowledged: number; total: number }[],
): FlinkPort {
  return {
    async stopWithSavepoint(_job: string, _trigger: string, options?: SavepointOptions) {
      for (const r of reports) {
        w.clock.advance(r.afterMs);
        options?.onProgress?.({ acknowledged: r.acknowledged, total: r.total });
      }
      return 'file:/savepoints/savepoint-1';
    },
  } as unknown as FlinkPort;
}

describe('savepoint milestones', () => {
  it('a savepoint of seconds posts no progress bar: triggered, then completed', async () => {
    const w = await approvedWorld();
    const flink = savepointing(w, [{ afterMs: 300, acknowledged: 0, total: 2 }]);
    await savepointStep(w.deps, flink, w.evolution, 'stopShadow', 's2', 'job-1');
    expect(w.notifier.milestones.slice(-2).map((m) => m.kind)).toEqual([
      'savepointTriggered',
      'savepointCompleted',
    ]);
  });

  it('a slow savepoint shows its bar every few seconds, and the completion shows it full', async () => {
    const w = await approvedWorld();
    const flink = savepointing(w, [
      { afterMs: 100, acknowledged: 0, total: 2 },
      { afterMs: 6_000, acknowledged: 1, total: 2 },
      { afterMs: 1_000, acknowledged: 2, total: 2 },
    ]);
    await savepointStep(w.deps, flink, w.evolution, 'stopShadow', 's2', 'job-1');
    const [triggered, progress, completed] = w.notifier.milestones.slice(-3);
    expect(triggered?.kind).toBe('savepointTriggered');
    expect(progress).toMatchObject({
      kind: 'savepointProgress',
      details: { acknowledged: 1, total: 2 },
    });
    expect(completed).toMatchObject({
      kind: 'savepointCompleted',
      details: { acknowledged: 2, total: 2 },
    });
    const shown = JSON.stringify(milestoneReply(completed!).blocks);
    expect(shown).toContain('2 / 2 subtasks acknowledged');
    expect(shown).toContain('100%');
  });
});
