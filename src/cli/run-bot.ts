import { checkKafkaAtStart } from '../app/check-kafka-at-start.js';
import { startSlackBot } from '../app/start-slack-bot.js';
import { loadConfig } from '../config/load-config.js';
import { boltLogger } from '../ops/bolt-logger.js';
import { instrumentJobs } from '../ops/instrument-jobs.js';
import { createLogger } from '../ops/logger.js';
import { EvolveMetrics } from '../ops/metrics.js';
import { evolveQueueList, startConfiguredOpsServer } from '../ops/start-configured-ops-server.js';

/**
 * `evolve bot` (the Slack app) and `evolve all` (the app and a worker in
 * one process, for small installations). Both log JSON lines, serve
 * /metrics (and Bull Board) when EVOLVE_METRICS_PORT is set, and stop
 * cleanly on SIGTERM.
 */
export async function runBot(withWorkers: boolean, partitions: number): Promise<never> {
  const config = loadConfig();
  const logger = createLogger(config, { process: withWorkers ? 'all' : 'bot' });
  // The bot reads Kafka too (a deploy request's diff): refused credentials stop it here.
  await checkKafkaAtStart(config, (m) => logger.warn(m));
  const proc = await startSlackBot(config, { logger: boltLogger(logger) });
  const queues = evolveQueueList(proc.runtime.queues);
  const metrics = new EvolveMetrics({ queues });
  const workers = withWorkers
    ? await proc.runtime.startWorkers({
        partitionConcurrency: partitions,
        wrap: instrumentJobs({
          logger,
          metrics,
          evolutions: proc.runtime.workflow.evolutions,
        }),
      })
    : undefined;
  const ops = await startConfiguredOpsServer(config, { logger, metrics, queues });
  const where =
    config.slack?.mode === 'socket' ? 'Socket Mode' : `HTTP on port ${proc.port}, /slack/events`;
  logger.info(
    { pid: process.pid },
    `connected to Slack (${where})${workers ? ' with a worker' : ''}`,
  );
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void (async () => {
        logger.info(`${signal}: stopping`);
        await ops?.close();
        await workers?.close();
        await proc.stop();
        process.exit(0);
      })();
    });
  }
  return new Promise<never>(() => undefined);
}
