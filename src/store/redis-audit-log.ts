import type { Redis } from 'ioredis';
import type { AuditEvent } from '../evolution/audit-event.js';
import type { AuditLog } from '../evolution/ports/audit-log.js';
import type { EvolutionStatus } from '../evolution/evolution-status.js';
import type { FieldChange } from '../evolution/pipeline-changes.js';
import { RedisKeys } from './redis-keys.js';

export const DEFAULT_AUDIT_MAX_LEN = 10_000;

/** Flat stream fields, readable with `redis-cli XRANGE`. */
export function encodeAuditEvent(event: AuditEvent): string[] {
  const fields: Array<[string, string | undefined]> = [
    ['evolutionId', event.evolutionId],
    ['pipeline', event.pipeline],
    ['actor', event.actor],
    ['action', event.action],
    ['before', event.before],
    ['after', event.after],
    ['accepted', event.accepted ? '1' : '0'],
    ['reason', event.reason],
    ['code', event.code],
    ['at', String(event.at)],
    ['origin', event.origin],
    ['changes', event.changes ? JSON.stringify(event.changes) : undefined],
  ];
  return fields.flatMap(([k, v]) => (v === undefined ? [] : [k, v]));
}

export function decodeAuditEvent(flat: readonly string[]): AuditEvent {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i] as string, flat[i + 1] as string);
  const event: AuditEvent = {
    evolutionId: f.get('evolutionId') ?? '',
    pipeline: f.get('pipeline') ?? '',
    actor: f.get('actor') ?? '',
    action: f.get('action') ?? '',
    accepted: f.get('accepted') === '1',
    at: Number(f.get('at') ?? 0),
  };
  const before = f.get('before');
  const after = f.get('after');
  if (before !== undefined) event.before = before as EvolutionStatus;
  if (after !== undefined) event.after = after as EvolutionStatus;
  if (f.has('reason')) event.reason = f.get('reason');
  if (f.has('code')) event.code = f.get('code');
  if (f.has('origin')) event.origin = f.get('origin');
  const changes = f.get('changes');
  if (changes !== undefined) event.changes = parseChanges(changes);
  return event;
}

/** A hand-edited or foreign entry must not break a history listing: unreadable changes are dropped. */
function parseChanges(json: string): FieldChange[] | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? (value as FieldChange[]) : undefined;
  } catch {
    return undefined;
  }
}

export interface RedisAuditLogOptions {
  redis: Redis;
  keys?: RedisKeys;
  /** Approximate cap per pipeline (XADD MAXLEN ~). */
  maxLen?: number;
}

/** One capped stream per pipeline, so `/evolve history` reads only its own. */
export class RedisAuditLog implements AuditLog {
  readonly keys: RedisKeys;
  readonly maxLen: number;
  private readonly redis: Redis;

  constructor(options: RedisAuditLogOptions) {
    this.redis = options.redis;
    this.keys = options.keys ?? new RedisKeys();
    this.maxLen = options.maxLen ?? DEFAULT_AUDIT_MAX_LEN;
    if (!Number.isInteger(this.maxLen) || this.maxLen <= 0) {
      throw new Error(`audit maxLen must be an integer greater than 0, got ${this.maxLen}`);
    }
  }

  async append(event: AuditEvent): Promise<void> {
    await this.redis.xadd(
      this.keys.audit(event.pipeline),
      'MAXLEN',
      '~',
      this.maxLen,
      '*',
      ...encodeAuditEvent(event),
    );
  }

  async list(
    pipeline: string,
    options: { limit?: number; evolutionId?: string } = {},
  ): Promise<AuditEvent[]> {
    const limit = options.limit ?? 100;
    // Filtering by evolution reads further back; the stream is capped, so this stays bounded.
    const count = options.evolutionId ? this.maxLen : limit;
    const entries = await this.redis.xrevrange(this.keys.audit(pipeline), '+', '-', 'COUNT', count);
    const events = entries
      .map(([, fields]) => decodeAuditEvent(fields))
      .filter((e) => !options.evolutionId || e.evolutionId === options.evolutionId)
      .slice(0, limit);
    return events.reverse();
  }
}
