import type { AuditEvent } from '../audit-event.js';

export interface AuditLog {
  append(event: AuditEvent): Promise<void>;
  /** Oldest first, at most `limit` of the most recent events of a pipeline. */
  list(pipeline: string, options?: { limit?: number; evolutionId?: string }): Promise<AuditEvent[]>;
}
