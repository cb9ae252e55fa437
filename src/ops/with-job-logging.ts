import { UnrecoverableError, type Job, type Processor } from 'bullmq';
import { evolutionIdOf } from './evolution-reader.js';
import { contextLogger, type Logger } from './logger.js';

export interface JobLoggingOptions {
  /**
   * Level of the started/finished lines. Observe jobs run every 30 s per
   * active evolution: at 'debug' they stay out of an 'info' log.
   */
  level?: 'info' | 'debug';
  /** Resolves the pipeline of an evolution, for the `pipeline` field. */
  pipelineOf?: (evolutionId: string) => Promise<string | undefined>;
}

/** Whether BullMQ will run this job again after the current attempt throws `err`. */
export function willRetry(job: Job, err: unknown): boolean {
  if (err instanceof UnrecoverableError) return false;
  return job.attemptsMade + 1 < (job.opts.attempts ?? 1);
}

/**
 * Wraps a BullMQ processor so that every attempt logs its start, its finish
 * (with the result and duration) or its failure, on a child logger carrying
 * the pipeline, evolution and job. The processor itself is untouched; what
 * it returns or throws passes through.
 */
export function withJobLogging<T, R>(
  processor: Processor<T, R>,
  logger: Logger,
  options: JobLoggingOptions = {},
): Processor<T, R> {
  const level = options.level ?? 'info';
  return async (job, token, signal) => {
    const evolution = evolutionIdOf(job.data);
    // A log field is not worth failing a job over: without Redis the processor fails on its own anyway.
    const pipeline =
      evolution && options.pipelineOf
        ? await options.pipelineOf(evolution).catch(() => undefined)
        : undefined;
    const log = contextLogger(logger, {
      ...(pipeline ? { pipeline } : {}),
      ...(evolution ? { evolution } : {}),
      job: {
        ...(job.id !== undefined ? { id: job.id } : {}),
        name: job.name,
        queue: job.queueName,
        attempt: job.attemptsMade + 1,
      },
    });
    const started = performance.now();
    log[level]('job started');
    try {
      const result = await processor(job, token, signal);
      log[level]({ durationMs: Math.round(performance.now() - started), result }, 'job finished');
      return result;
    } catch (err) {
      const retry = willRetry(job, err);
      // A retried attempt (Flink or Kafka away for a while) is expected; only the last one is an error.
      log[retry ? 'warn' : 'error'](
        { err, durationMs: Math.round(performance.now() - started), willRetry: retry },
        retry ? 'job attempt failed; BullMQ will retry it' : 'job failed',
      );
      throw err;
    }
  };
}
