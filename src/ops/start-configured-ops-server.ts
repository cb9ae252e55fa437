import type { Queue } from 'bullmq';
import type { Config } from '../config/load-config.js';
import type { EvolveQueues } from '../jobs/evolve-queues.js';
import type { Logger } from './logger.js';
import type { EvolveMetrics } from './metrics.js';
import { startOpsServer, type OpsServer } from './ops-server.js';

/** The four evolve queues, for the metrics export and Bull Board. */
export function evolveQueueList(queues: EvolveQueues): Queue[] {
  return [queues.steps, queues.backfill, queues.partitions, queues.observe, queues.reconcile];
}

/**
 * The ops server of a process as configured: on EVOLVE_METRICS_PORT, with
 * Bull Board when EVOLVE_BULL_BOARD_TOKEN is set; none (said in the log)
 * without a port.
 */
export async function startConfiguredOpsServer(
  config: Pick<Config, 'metricsPort' | 'bullBoardToken'>,
  deps: { logger: Logger; metrics: EvolveMetrics; queues: readonly Queue[] },
): Promise<OpsServer | undefined> {
  if (config.metricsPort === undefined) {
    deps.logger.info('ops server off: set EVOLVE_METRICS_PORT for /metrics and Bull Board');
    return undefined;
  }
  return startOpsServer({
    port: config.metricsPort,
    metrics: deps.metrics,
    queues: deps.queues,
    ...(config.bullBoardToken ? { bullBoardToken: config.bullBoardToken } : {}),
    logger: deps.logger,
  });
}
