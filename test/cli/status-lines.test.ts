import { describe, expect, it } from 'vitest';
import { shadowLine, warningLines } from '../../src/cli/status-lines.js';
import { approvalWarnings } from '../../src/evolution/approval-warnings.js';
import { followedState } from '../../src/evolution/shadow-health.js';

describe('the CLI says what Slack says', () => {
  it('an approver sees the warnings of a v2 that deletes every key and changes the key columns', () => {
    const warnings = approvalWarnings({
      diff: { same: 0, changed: 0, onlyProduction: 459, onlyTemp: 459 },
      backfillMode: 'full',
      v1Sink: { keyColumns: ['customer_id'], columns: [] },
      v2Sink: { keyColumns: ['customer_id', 'region'], columns: [] },
      shadow: { state: 'RUNNING', restarts: 0, lagRecords: 10 },
      lagThreshold: 1000,
    });
    expect(warningLines(warnings)).toEqual([
      '2 warnings for the approver:',
      '  ! The backfill would delete 459 of 459 production keys (100%, over 10%). Check that v2 is meant to drop them, or backfill with mode=refresh-only.',
      "  ! The key columns change from (customer_id) to (customer_id, region): v2's records land under other keys, and clients reading the topic by key see both until the backfill deletes v1's.",
    ]);
    expect(warningLines([])).toEqual([]);
    expect(warningLines(undefined)).toEqual([]);
  });

  it('status follows Flink: SHADOW_RESTARTING / SHADOW_FAILED instead of SHADOW_RUNNING', () => {
    expect(followedState('SHADOW_RUNNING', { state: 'RESTARTING' })).toBe('SHADOW_RESTARTING');
    expect(followedState('AWAITING_APPROVAL', { state: 'FAILED' })).toBe('SHADOW_FAILED');
    expect(followedState('SHADOW_RUNNING', { state: 'RUNNING', restarts: 1 })).toBe(
      'SHADOW_RUNNING',
    );
    expect(followedState('LIVE', { state: 'FAILED' })).toBe('LIVE');
    expect(followedState('SHADOW_RUNNING', undefined)).toBe('SHADOW_RUNNING');
    expect(
      shadowLine('abc', { state: 'FAILED', restarts: 3, failure: 'ArithmeticException: x' }),
    ).toBe('shadow job abc: FAILED in Flink, 3 restarts; last exception: ArithmeticException: x');
    expect(shadowLine('abc', { state: 'RUNNING', restarts: 0, lagRecords: 1 })).toBe(
      'shadow job abc: RUNNING in Flink, 1 input record behind',
    );
  });
});
