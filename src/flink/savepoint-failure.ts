import type { z } from 'zod';
import {
  FlinkJobNotFoundError,
  FlinkSavepointFailedError,
  type SavepointOperation,
} from './flink-errors.js';
import type { failureCauseSchema } from './flink-rest-schemas.js';
import { javaRootCause } from './java-root-cause.js';

/** The typed error for a savepoint operation that COMPLETED with a `failure-cause`. */
export function savepointFailureError(
  jobId: string,
  triggerId: string,
  operation: SavepointOperation,
  failure: z.infer<typeof failureCauseSchema>,
): FlinkJobNotFoundError | FlinkSavepointFailedError {
  const root = javaRootCause(failure['stack-trace'] ?? '');
  // A trigger for a job that is not running is accepted (202) and fails here.
  if (root?.className?.endsWith('FlinkJobNotFoundException')) {
    return new FlinkJobNotFoundError(jobId, `no running job: ${root.message}`, { cause: failure });
  }
  const options: { cause: unknown; flinkCauseClass?: string } = { cause: failure };
  if (root?.className) options.flinkCauseClass = root.className;
  return new FlinkSavepointFailedError(
    jobId,
    triggerId,
    operation,
    root?.message || failure.class || 'unknown cause',
    options,
  );
}
