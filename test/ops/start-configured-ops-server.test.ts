import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/ops/logger.js';
import { EvolveMetrics } from '../../src/ops/metrics.js';
import { startConfiguredOpsServer } from '../../src/ops/start-configured-ops-server.js';
import { captureLines } from './ops-test-kit.js';

describe('startConfiguredOpsServer', () => {
  it('starts nothing without EVOLVE_METRICS_PORT, and says how to turn it on', async () => {
    const out = captureLines();
    const config = loadConfig({});
    const server = await startConfiguredOpsServer(config, {
      logger: createLogger(config, { destination: out }),
      metrics: new EvolveMetrics({ processMetrics: false }),
      queues: [],
    });
    expect(server).toBeUndefined();
    expect(out.records().map((r) => r.msg)).toEqual([
      'ops server off: set EVOLVE_METRICS_PORT for /metrics and Bull Board',
    ]);
  });
});
