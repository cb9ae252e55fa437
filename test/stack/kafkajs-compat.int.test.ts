import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { stackEndpoints } from '../support/stack-endpoints.js';

// The broker version of the local stack was chosen with this script (see
// ARCHITECTURE.md); running it here keeps that choice honest when the
// broker or kafkajs is upgraded.
describe('local stack: kafkajs against the broker', () => {
  it('every kafkajs call the product uses works', () => {
    const run = spawnSync(
      'npx',
      ['tsx', 'scripts/kafkajs-compat.ts', stackEndpoints().kafkaBrokers[0]!],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(run.stdout).not.toContain('FAIL');
    expect(run.stdout).toContain('all kafkajs calls work');
    expect(run.status).toBe(0);
  });
});
