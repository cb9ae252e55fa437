import { describe, expect, it } from 'vitest';
import { lacksTaskSlot, noTaskSlotText } from '../../src/evolution/no-task-slot.js';

describe('a job that lacks a task slot', () => {
  it("is recognised from the one-line failure Flink's root cause gives", () => {
    expect(
      lacksTaskSlot(
        'NoResourceAvailableException: Could not acquire the minimum required resources.',
      ),
    ).toBe(true);
    expect(
      lacksTaskSlot(
        'NoResourceAvailableException: Slot request bulk is not fulfillable! Could not allocate the required slot within slot request timeout',
      ),
    ).toBe(true);
  });

  it('is not any other failure, nor no failure', () => {
    expect(lacksTaskSlot('ArithmeticException: / by zero')).toBe(false);
    expect(lacksTaskSlot('ResourceAvailableException: x')).toBe(false);
    expect(lacksTaskSlot(undefined)).toBe(false);
  });

  it('is told as the cluster lacking a slot, with what to do', () => {
    expect(noTaskSlotText('v2')).toBe(
      'v2 cannot start: the Flink cluster has no free task slot (NoResourceAvailableException); free a slot or add a TaskManager.',
    );
  });
});
