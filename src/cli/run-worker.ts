import { EvolveError } from '../errors.js';
import { checkKafkaAtStart } from '../app/check-kafka-at-start.js';
import { createRuntime } from '../app/create-runtime.js';
import { loadConfig, type Config } from '../config/load-config.js';
import { loadPipelinesFile, pipelineDefaultsFrom } from '../config/pipelines-file.js';
import type { Notifier } from '../evolution/ports/notifier.js';
import { instrumentJobs } from '../ops/instrument-jobs.js';
import { createLogger, type Logger } from '../ops/logger.js';
import { EvolveMetrics } from '../ops/metrics.js';
import { evolveQueueList, startConfiguredOpsServer } from '../ops/start-configured-ops-server.js';

export interface WorkerProcessOptions {
  partitions: number;
  /** Extra notifiers (Slack) built by the caller. */
  notifiers?: readonly Notifier[];
  /** Validated configuration; read from the environment when absent. */
  config?: Config;
  /** The process logger; built from the configuration when absent. */
  logger?: Logger;
}

/**
 * `evolve worker`: checks that Kafka accepts its credentials (refused: it
 * stops, before taking work), registers the pipelines file (if any), then works on the
 * queues until SIGTERM/SIGINT, when running jobs finish their current step
 * and the rest are picked up by another worker (or this one, restarted).
 */
export async function runWorker(options: WorkerProcessOptions): Promise<() => Promise<void>> {
  const config = options.config ?? loadConfig();
  const logger = options.logger ?? createLogger(config, { process: 'worker' });
  await checkKafkaAtStart(config, (m) => logger.warn(m));
  const runtime = await createRuntime(config, { notifiers: options.notifiers ?? [] });
  if (config.pipelinesFile) {
    for (const p of await loadPipelinesFile(config.pipelinesFile, pipelineDefaultsFrom(config))) {
      // A change refused for one pipeline (an evolution depends on the field)
      // keeps its stored rules; the others, and the worker, go on.
      await runtime.service.registerFromFile(p).then(
        () => logger.info({ pipeline: p.name }, 'pipeline registered'),
        (err: unknown) =>
          logger.warn(
            {
              pipeline: p.name,
              reason: err instanceof EvolveError ? err.userMessage : String(err),
            },
            'pipeline from the pipelines file not applied',
          ),
      );
    }
  }
  const queues = evolveQueueList(runtime.queues);
  const metrics = new EvolveMetrics({ queues });
  const workers = await runtime.startWorkers({
    partitionConcurrency: options.partitions,
    wrap: instrumentJobs({ logger, metrics, evolutions: runtime.workflow.evolutions }),
  });
  for (const w of workers.workers) {
    // BullMQ reports lost Redis connections and stalled jobs as events; unheard, an 'error' would end the process.
    w.on('error', (err) => logger.error({ err, queue: w.name }, 'worker error'));
    w.on('stalled', (jobId) =>
      logger.warn(
        { queue: w.name, job: { id: jobId } },
        'job stalled; another attempt will take it',
      ),
    );
  }
  const ops = await startConfiguredOpsServer(config, { logger, metrics, queues });
  logger.info(
    { queues: Object.values(runtime.queues.names), partitions: options.partitions },
    'worker ready',
  );
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await ops?.close();
      await workers.close();
      await runtime.close();
      logger.info('worker stopped');
    })());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'finishing current steps');
      void close().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'worker did not stop cleanly');
          process.exit(1);
        },
      );
    });
  }
  return close;
}
