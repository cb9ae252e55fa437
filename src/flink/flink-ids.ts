import { randomBytes } from 'node:crypto';
import { FlinkJobNotFoundError } from './flink-errors.js';

const ID = /^[0-9a-f]{32}$/;

/** A Flink trigger id (16 random bytes, hex), the form Flink's REST API accepts. */
export function newTriggerId(): string {
  return randomBytes(16).toString('hex');
}

/** Job ids are 32 hex characters; anything else names no job, and must not reach a URL path. */
export function checkJobId(jobId: string): void {
  if (!ID.test(jobId)) {
    throw new FlinkJobNotFoundError(jobId, 'not a Flink job id: expected 32 hex characters');
  }
}

export function checkTriggerId(triggerId: string): void {
  if (!ID.test(triggerId)) throw new TypeError('triggerId must be 32 lowercase hex characters');
}
