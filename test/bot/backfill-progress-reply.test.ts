import { describe, expect, it } from 'vitest';
import { milestoneReply } from '../../src/bot/blocks/milestone-reply.js';
import { progressBar } from '../../src/bot/blocks/format.js';
import { backfillProgressText } from '../../src/evolution/backfill-progress-text.js';
import { meter, progressBar as cliBar } from '../../src/cli/progress-bar.js';

describe('backfill progress reply', () => {
  it('is the sentence and a bar: no detail names, no 0 / 0, no etaSeconds', () => {
    const text = backfillProgressText({ stage: 'emit', done: 1, total: 3, rate: 1, etaSeconds: 2 });
    const reply = milestoneReply({
      kind: 'backfillProgress',
      text,
      details: { done: 1, total: 3 },
    });
    const json = JSON.stringify(reply.blocks);
    expect(json).toContain('at 1 record/s, about 2 s left');
    expect(json).toContain('33%');
    for (const bad of ['etaSeconds', '*done*', '*total*', '0 / 0', '1 records/s', 'ETA 0s'])
      expect(json).not.toContain(bad);
  });
});

describe('bars', () => {
  it('read 100% and full only once done reaches total', () => {
    expect(progressBar(995, 1000, 10)).toBe('█████████░ 99%');
    expect(progressBar(1000, 1000, 10)).toBe('██████████ 100%');
    expect(progressBar(0, 0, 10)).toBe('░░░░░░░░░░ 0%');
    expect(meter(23, 24, 4)).toBe('[###.]');
    expect(cliBar(2, 2, 'subtasks', 4)).toBe('[####] 100% 2/2 subtasks');
  });
});

describe('milestone replies carry no internals', () => {
  it.each([
    [
      {
        kind: 'deployCompleted',
        text: 'v2 is live.',
        details: { jobId: 'j1', cutoverGapMs: 3000 },
      },
    ],
    [
      {
        kind: 'info',
        text: 'The shadow job j1 has caught up with its inputs (5 input records behind).',
        details: { jobId: 'j1', lagRecords: 5, band: 'caught-up' },
      },
    ],
    [{ kind: 'savepointTriggered', text: 'Stopping.', details: { jobId: 'j1', triggerId: 'abc' } }],
  ] as const)('%#', (milestone) => {
    const shown = JSON.stringify(milestoneReply(milestone).blocks);
    expect(shown).not.toMatch(/cutoverGapMs|lagRecords|band|triggerId|jobId/);
  });

  it('keeps what the sentence does not say, in words: a savepoint’s size', () => {
    const shown = JSON.stringify(
      milestoneReply({
        kind: 'savepointCompleted',
        text: 'Savepoint completed.',
        details: { location: 's3://sp/1', sizeBytes: 3 * 1024 * 1024 },
      }).blocks,
    );
    expect(shown).toContain('size: 3.0 MiB');
    expect(shown).not.toContain('sizeBytes');
  });
});
