import type { Command } from 'commander';
import { createRuntime } from '../app/create-runtime.js';
import { loadConfig } from '../config/load-config.js';
import { loadPipelinesFile, pipelineDefaultsFrom } from '../config/pipelines-file.js';
import type { Notifier } from '../evolution/ports/notifier.js';

export interface WorkerProcessOptions {
  partitions: number;
  /** Extra notifiers (Slack) built by the caller. */
  notifiers?: readonly Notifier[];
}

/**
 * `evolve worker`: registers the pipelines file (if any), then works on the
 * queues until SIGTERM/SIGINT, when running jobs finish their current step
 * and the rest are picked up by another worker (or this one, restarted).
 */
export async function runWorker(options: WorkerProcessOptions): Promise<() => Promise<void>> {
  const config = loadConfig();
  const runtime = await createRuntime(config, { notifiers: options.notifiers ?? [] });
  if (config.pipelinesFile) {
    for (const p of await loadPipelinesFile(config.pipelinesFile, pipelineDefaultsFrom(config))) {
      await runtime.service.register(p);
    }
  }
  const workers = await runtime.startWorkers({ partitionConcurrency: options.partitions });
  console.log(
    `[worker] ready: queues ${Object.values(runtime.queues.names).join(', ')}; pid ${process.pid}`,
  );
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await workers.close();
      await runtime.close();
    })());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      console.log(`[worker] ${signal}: finishing current steps`);
      void close().then(() => process.exit(0));
    });
  }
  return close;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'work on the develop / deploy / backfill queues (run as many as you like, on any host reaching Redis)',
    )
    .option('--partitions <n>', 'backfill partitions worked on at once by this process', Number, 2)
    .action(async (o: { partitions: number }) => {
      await runWorker({ partitions: o.partitions });
      await new Promise(() => undefined); // until a signal
    });
}
