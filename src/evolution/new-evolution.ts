import { randomBytes } from 'node:crypto';
import type { Clock } from './ports/clock.js';
import type { Evolution, RollbackOrigin } from './evolution.js';
import type { Pipeline } from './pipeline.js';
import { sqlHash } from './sql-hash.js';
import { tempTopicName } from './shadow-names.js';
import { snapshotOf } from './pipeline-snapshot.js';

/** `ev-<base36 ms>-<6 base36>`: sortable by time, lowercase, safe in URLs, topic names and job ids. */
export function newEvolutionId(
  clock: Clock,
  random: (bytes: number) => Buffer = randomBytes,
): string {
  const suffix = random(4).readUInt32BE(0).toString(36).padStart(7, '0').slice(-6);
  return `ev-${clock.now().toString(36)}-${suffix}`;
}

export interface NewEvolutionInput {
  pipeline: Pipeline;
  v2Sql: string;
  requester: string;
  slack: { channel: string; threadTs?: string; statusMessageTs?: string };
  clock: Clock;
  /** For tests and retries that must reuse an id. */
  id?: string;
  /** A rollback: v2 is the old v1, restored from its S1 (rollback-policy.ts). */
  rollbackOf?: RollbackOrigin;
}

/**
 * A fresh evolution in DEVELOPING. v1 is the production SQL at this moment;
 * the shadow's names are fixed now, so a retried develop step finds the same
 * topic instead of creating a second one. Permission and the one-active rule
 * are checked by the caller (assertMayAct, and the store atomically).
 */
export function newEvolution(input: NewEvolutionInput): Evolution {
  const { pipeline, clock } = input;
  const now = clock.now();
  const id = input.id ?? newEvolutionId(clock);
  return {
    id,
    pipeline: pipeline.name,
    v1: { sql: pipeline.production.sql, hash: pipeline.production.sqlHash },
    v2: { sql: input.v2Sql, hash: sqlHash(input.v2Sql) },
    requester: input.requester,
    snapshot: snapshotOf(pipeline),
    slack: { ...input.slack },
    status: 'DEVELOPING',
    version: 0,
    shadow: {
      tempTopic: tempTopicName(pipeline.kafka.outputTopic, id),
      groupIds: [],
      startupMode: pipeline.shadowStartupMode,
    },
    savepoints: {},
    ...(input.rollbackOf ? { rollbackOf: { ...input.rollbackOf } } : {}),
    createdAt: now,
    updatedAt: now,
  };
}
