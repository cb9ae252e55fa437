import { describe, expect, it } from 'vitest';
import type { Evolution } from '../../src/evolution/evolution.js';
import {
  rollbackOrigin,
  rollbackRefusal,
  rollbackTarget,
  truncatedInput,
  unfinishedBackfillNote,
} from '../../src/evolution/rollback-policy.js';
import { aPipeline } from '../support/pipeline-fixture.js';

const NOW = Date.UTC(2026, 11, 7);
const pipeline = aPipeline({
  production: { sql: 'v2', sqlHash: 'h2', flinkJobId: 'f'.repeat(32) },
});

function wentLive(over: Partial<Evolution> = {}): Evolution {
  return {
    id: 'ev-live',
    pipeline: pipeline.name,
    v1: { sql: 'v1', hash: 'h1' },
    v2: { sql: 'v2', hash: 'h2' },
    requester: 'U0OWNER1',
    slack: { channel: 'C0EVOLVE' },
    status: 'COMPLETED',
    version: 9,
    shadow: { tempTopic: 't', groupIds: [], startupMode: 'earliest-offset' },
    savepoints: { s1: { jobId: 'j', triggerId: 't', requestedAt: 1, location: 'file:///s1' } },
    cutover: { offsets: [], recordedAt: NOW - 1000 },
    v1Snapshot: { topic: 'out.evolve.ev-live.v1', until: NOW + 1000, completedAt: NOW - 500 },
    createdAt: 0,
    updatedAt: 0,
    ...over,
  };
}

describe('rollbackRefusal', () => {
  it('allows the newest evolution that went live, within its window, with S1 and its snapshot', () => {
    expect(rollbackRefusal(pipeline, wentLive(), undefined, NOW)).toBeUndefined();
    expect(
      rollbackRefusal(pipeline, wentLive({ status: 'LIVE' }), wentLive({ status: 'LIVE' }), NOW),
    ).toBeUndefined();
  });

  it.each([
    ['no evolution went live', undefined, 'has no evolution that went live'],
    [
      'window ended',
      wentLive({ v1Snapshot: { topic: 'x', until: NOW } }),
      'The rollback window of ev-live ended at',
    ],
    [
      'snapshot still copying',
      wentLive({ v1Snapshot: { topic: 'x', until: NOW + 1 } }),
      'are still being copied',
    ],
    ['no snapshot kept', wentLive({ v1Snapshot: undefined }), 'went live without keeping'],
    ['S1 missing', wentLive({ savepoints: {} }), 'has no savepoint S1'],
    [
      'production moved on',
      wentLive({ v2: { sql: 'x', hash: 'other' } }),
      'no longer runs the v2 of ev-live',
    ],
  ])('refuses: %s', (_what, target, text) => {
    expect(rollbackRefusal(pipeline, target, undefined, NOW)).toContain(text);
  });

  it('allows a new try after a rollback that was aborted', () => {
    expect(
      rollbackRefusal(pipeline, wentLive({ rolledBackBy: 'ev-r' }), undefined, NOW),
    ).toBeUndefined();
  });

  it('refuses while another evolution is in progress', () => {
    const other = wentLive({ id: 'ev-next', status: 'SHADOW_RUNNING' });
    expect(rollbackRefusal(pipeline, wentLive(), other, NOW)).toContain(
      'Evolution ev-next of pipeline',
    );
  });
});

describe('rollbackTarget', () => {
  it('is the newest evolution that went live, past aborted ones', () => {
    const aborted = wentLive({ id: 'ev-2', status: 'ABORTED', cutover: undefined });
    const rolledBack = wentLive({ id: 'ev-1', status: 'ROLLED_BACK' });
    expect(rollbackTarget([aborted, rolledBack, wentLive()])?.id).toBe('ev-live');
    expect(rollbackTarget([aborted])).toBeUndefined();
  });
});

describe('truncatedInput', () => {
  const recorded = [{ topic: 'orders', offsets: [{ partition: 0, offset: '400' }] }];
  it('refuses when an input starts above where v1 stood', () => {
    const starts = new Map([['orders', [{ partition: 0, offset: '401' }]]]);
    expect(truncatedInput(recorded, starts, 'ev-live')).toContain(
      'Input topic orders partition 0 now starts at offset 401, but v1 had read at most up to 400',
    );
  });
  it('allows an input that still holds every record from there', () => {
    const starts = new Map([['orders', [{ partition: 0, offset: '400' }]]]);
    expect(truncatedInput(recorded, starts, 'ev-live')).toBeUndefined();
  });
});

describe('a rollback asked before the backfill finished', () => {
  it('records whether the request cancelled a running backfill or found none run', () => {
    expect(rollbackOrigin(wentLive({ status: 'BACKFILLING' })).unfinishedBackfill).toBe('running');
    expect(rollbackOrigin(wentLive({ status: 'LIVE' })).unfinishedBackfill).toBe('not-run');
    expect(rollbackOrigin(wentLive()).unfinishedBackfill).toBeUndefined();
  });

  it('says so, with both ways on, where the rollback ends and v2 keeps serving', () => {
    const rollbackOf = rollbackOrigin(wentLive({ status: 'BACKFILLING' }));
    const rollback = { pipeline: pipeline.name, rollbackOf };
    for (const status of ['DEVELOPING', 'AWAITING_APPROVAL', 'ABORTED', 'ROLLED_BACK'] as const)
      expect(unfinishedBackfillNote({ ...rollback, status })).toBe(
        ` Production keeps the v2 of ev-live, whose backfill was cancelled by this rollback request: keys v2 has not written since its cutover may still hold v1's answers from before it. To return to v1, remove what stopped this rollback and /evolve rollback ${pipeline.name} again; to keep v2, /evolve develop ${pipeline.name} with v2's SQL and backfill it.`,
      );
    // Live, v1 serves: the reversed evolution's backfill no longer matters; deploying or failed
    // to return to v2: whether v2 serves is not known, so nothing is claimed.
    for (const status of [
      'LIVE',
      'BACKFILLING',
      'COMPLETED',
      'DEPLOYING',
      'DEPLOY_FAILED',
    ] as const)
      expect(unfinishedBackfillNote({ ...rollback, status })).toBe('');
    const backfilled = { ...rollback, rollbackOf: rollbackOrigin(wentLive()) };
    expect(unfinishedBackfillNote({ ...backfilled, status: 'ABORTED' })).toBe('');
    expect(
      unfinishedBackfillNote({
        pipeline: pipeline.name,
        status: 'ABORTED',
        rollbackOf: rollbackOrigin(wentLive({ status: 'LIVE' })),
      }),
    ).toContain('whose backfill had not run when this rollback was asked');
  });
});
