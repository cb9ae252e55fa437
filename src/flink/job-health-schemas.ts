import { z } from 'zod';

// Shapes of the Flink REST answers (1.20 and 2.2) the observer reads to tell how a
// running job is doing. Only the fields it uses are declared.

/**
 * `GET /jobs/:jobid/metrics?get=a,b`: `[{"id":"numRestarts","value":"3"}]`.
 * Values are strings; a metric Flink has not fetched yet is left out, and an
 * unknown job answers `[]` (not 404).
 */
export const jobMetricsSchema = z.array(z.object({ id: z.string(), value: z.string().optional() }));

/** One failure in `exceptionHistory.entries`, newest first. */
export const jobExceptionSchema = z.object({
  exceptionName: z.string(),
  stacktrace: z.string(),
  timestamp: z.number(),
  taskName: z.string().nullish(),
});
export type JobException = z.infer<typeof jobExceptionSchema>;

/**
 * `GET /jobs/:jobid/exceptions`. The top-level `root-exception` and
 * `all-exceptions` are deprecated since Flink 1.13; the history is what
 * later versions keep.
 */
export const jobExceptionsSchema = z.object({
  exceptionHistory: z.object({ entries: z.array(jobExceptionSchema).default([]) }),
});
