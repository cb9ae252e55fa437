import { describe, expect, it } from 'vitest';
import { milestoneOf } from '../../src/observer/observation-milestone.js';
import { systemClock } from '../../src/store/system-clock.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';

const JOB = 'c'.repeat(32);
const NO_SLOT = 'NoResourceAvailableException: Could not acquire the minimum required resources.';
const ev = anEvolutionIn('LIVE', systemClock);
const about = (role: 'shadow' | 'v2', failure: string | undefined) => ({
  ev,
  role,
  jobId: JOB,
  failure,
  lagThreshold: 10,
});

describe("the observer's words for a job the cluster has no task slot for", () => {
  it('a state change says v2 cannot start for lack of a slot, and what to do, before the change', () => {
    const m = milestoneOf(
      { kind: 'state', from: 'RUNNING', to: 'RESTARTING' },
      about('v2', NO_SLOT),
    );
    expect(m.kind).toBe('failed');
    expect(m.text).toBe(
      `v2 cannot start: the Flink cluster has no free task slot (NoResourceAvailableException); free a slot or add a TaskManager. The v2 job ${JOB} went from RUNNING to RESTARTING.`,
    );
  });

  it('restarts of the shadow say the same of the shadow', () => {
    const m = milestoneOf({ kind: 'restarts', added: 2, total: 3 }, about('shadow', NO_SLOT));
    expect(m.text).toMatch(/^shadow cannot start: the Flink cluster has no free task slot/);
    expect(m.text).toContain(
      `The shadow job ${JOB} restarted 2 times since the last look (total 3).`,
    );
  });

  it('any other failure is still quoted as the last exception', () => {
    const m = milestoneOf(
      { kind: 'state', from: 'RUNNING', to: 'RESTARTING' },
      about('v2', 'ArithmeticException: / by zero'),
    );
    expect(m.text).toBe(
      `The v2 job ${JOB} went from RUNNING to RESTARTING. Its last exception: ArithmeticException: / by zero. Check the job in Flink; /evolve status shows the details.`,
    );
    expect(m.text).not.toContain('task slot');
  });
});
