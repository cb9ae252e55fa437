import type { Processor } from 'bullmq';
import type { QueueNames } from '../jobs/evolve-queues.js';
import type { ProcessorWrapper } from '../jobs/evolve-workers.js';
import { cachedPipelineLookup, type EvolutionReader } from './evolution-reader.js';
import type { Logger } from './logger.js';
import type { EvolveMetrics } from './metrics.js';
import { withJobLogging } from './with-job-logging.js';
import { withJobMetrics } from './with-job-metrics.js';

export interface InstrumentJobsOptions {
  logger: Logger;
  metrics?: EvolveMetrics;
  evolutions: EvolutionReader;
}

/** Logging and metrics around every evolve queue's processor, each queue with what its jobs tell. */
export function instrumentJobs(options: InstrumentJobsOptions): ProcessorWrapper {
  const pipelineOf = cachedPipelineLookup(options.evolutions);
  return <T, R>(queue: keyof QueueNames, processor: Processor<T, R>): Processor<T, R> => {
    const measured = options.metrics
      ? withJobMetrics(processor, options.metrics, {
          ...(queue === 'steps' ? { evolutions: options.evolutions } : {}),
          countsBackfill: queue === 'partitions',
        })
      : processor;
    return withJobLogging(measured, options.logger, {
      pipelineOf,
      level: queue === 'observe' ? 'debug' : 'info',
    });
  };
}
