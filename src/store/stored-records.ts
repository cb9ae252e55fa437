import { z } from 'zod';
import { EvolveError } from '../errors.js';
import type { Evolution } from '../evolution/evolution.js';
import { APPROVAL_WARNING_KINDS } from '../evolution/approval-warnings.js';
import { EVOLUTION_STATUSES } from '../evolution/evolution-status.js';
import {
  BACKFILL_MODES,
  KEY_FORMATS,
  SHADOW_STARTUP_MODES,
  type Pipeline,
  type PipelineConfig,
  type ProductionVersion,
} from '../evolution/pipeline.js';

/**
 * The shapes of what the stores read back from Redis. A record written by
 * another version of flink-evolve, or edited by hand, must stop the step that
 * reads it with a message naming the key, not run on with `undefined` where a
 * job id or a savepoint location was expected.
 *
 * Loose on purpose: fields this version does not know are kept as they are,
 * so a read-modify-write never drops what a newer version wrote.
 */
const int = z.number().int();
const error = z.looseObject({ code: z.string(), message: z.string(), step: z.string(), at: int });
const savepoint = z.looseObject({
  jobId: z.string(),
  triggerId: z.string(),
  location: z.string().optional(),
  requestedAt: int,
  completedAt: int.optional(),
});
const stepMarker = z.looseObject({ intentAt: int, doneAt: int.optional() });

const evolutionSchema = z.looseObject({
  id: z.string().min(1),
  pipeline: z.string().min(1),
  v1: z.looseObject({ sql: z.string(), hash: z.string() }),
  v2: z.looseObject({ sql: z.string(), hash: z.string() }),
  requester: z.string(),
  snapshot: z
    .looseObject({
      flink: z.looseObject({ restUrl: z.string(), gatewayUrl: z.string() }),
      kafka: z.looseObject({ outputTopic: z.string(), keyFormat: z.enum(KEY_FORMATS) }),
      approvers: z.array(z.string()),
      allowSelfApproval: z.boolean(),
    })
    .optional(),
  slack: z.looseObject({
    channel: z.string(),
    threadTs: z.string().optional(),
    statusMessageTs: z.string().optional(),
  }),
  status: z.enum(EVOLUTION_STATUSES),
  version: int.nonnegative(),
  shadow: z.looseObject({
    jobId: z.string().optional(),
    tempTopic: z.string().min(1),
    groupIds: z.array(z.string()),
    startupMode: z.enum(SHADOW_STARTUP_MODES),
  }),
  savepoints: z.looseObject({ s1: savepoint.optional(), s2: savepoint.optional() }),
  cutover: z
    .looseObject({
      offsets: z.array(z.looseObject({ partition: int, offset: z.string().regex(/^\d+$/) })),
      recordedAt: int,
    })
    .optional(),
  v2JobId: z.string().optional(),
  rollbackJobId: z.string().optional(),
  approval: z
    .looseObject({
      requestedBy: z.string(),
      shownSqlHash: z.string(),
      requestedAt: int,
      expiresAt: int,
      decidedBy: z.string().optional(),
      decision: z.enum(['approved', 'rejected']).optional(),
      decidedAt: int.optional(),
      warnings: z
        .array(z.looseObject({ kind: z.enum(APPROVAL_WARNING_KINDS), text: z.string() }))
        .optional(),
    })
    .optional(),
  backfill: z
    .looseObject({
      runId: z.string(),
      requestedBy: z.string(),
      rate: z.number().positive(),
      mode: z.enum(BACKFILL_MODES),
      startedAt: int,
      paused: z.boolean(),
      progress: z.looseObject({ emitted: int, planned: int.optional(), updatedAt: int }).optional(),
      report: z
        .looseObject({
          refreshed: int,
          deleted: int,
          unchanged: int,
          repaired: int,
          conflicts: int,
          durationMs: z.number(),
        })
        .optional(),
      finishedAt: int.optional(),
      error: error.optional(),
    })
    .optional(),
  deploy: z
    .looseObject({
      startedAt: int,
      // By step name; a step this version does not know is kept like any other field.
      steps: z.record(z.string(), stepMarker),
      cutoverGapMs: z.number().optional(),
      finishedAt: int.optional(),
    })
    .optional(),
  createdAt: int,
  updatedAt: int,
  finishedAt: int.optional(),
  error: error.optional(),
});

const productionSchema = z.looseObject({
  sql: z.string(),
  sqlHash: z.string(),
  flinkJobId: z.string().min(1),
  lastSavepoint: z.string().optional(),
});

const principals = z.array(z.string());
const pipelineConfigSchema = z.looseObject({
  name: z.string().min(1),
  flink: z.looseObject({ restUrl: z.string(), gatewayUrl: z.string() }),
  kafka: z.looseObject({
    outputTopic: z.string().min(1),
    keyFormat: z.enum(KEY_FORMATS),
  }),
  owners: principals,
  approvers: principals,
  allowSelfApproval: z.boolean(),
  approvalTtlMs: z.number().positive(),
  rollbackWindowMs: z.number().nonnegative().optional(),
  shadowStartupMode: z.enum(SHADOW_STARTUP_MODES),
  backfill: z.looseObject({ rate: z.number().positive(), mode: z.enum(BACKFILL_MODES) }),
  slackChannel: z.string().optional(),
});

/** A Redis record that is not what this version of flink-evolve wrote. */
export class StoredRecordInvalidError extends EvolveError {
  constructor(
    readonly key: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      'STORE_RECORD_INVALID',
      `The record at Redis key ${key} cannot be read (${detail}). It was written by another ` +
        `version of flink-evolve or changed by hand: run the version that wrote it, or restore ` +
        `the record from the audit stream (evolve history), then retry. Nothing was changed.`,
      options,
    );
  }
}

function parse<S extends z.ZodType>(schema: S, key: string, json: string): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new StoredRecordInvalidError(key, 'not JSON', { cause: err });
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const first = result.error.issues[0]!;
    const at = first.path.length > 0 ? first.path.join('.') : 'the record';
    const more =
      result.error.issues.length > 1 ? ` and ${result.error.issues.length - 1} more` : '';
    throw new StoredRecordInvalidError(key, `${at}: ${first.message}${more}`, {
      cause: result.error,
    });
  }
  return result.data;
}

export function parseEvolutionRecord(key: string, json: string): Evolution {
  // Assigned, not cast: the compiler checks the schema against the domain type.
  const evolution: Evolution = parse(evolutionSchema, key, json);
  return evolution;
}

export function parsePipelineRecord(key: string, config: string, production: string): Pipeline {
  const parsedConfig: PipelineConfig = parse(pipelineConfigSchema, `${key} (field config)`, config);
  const parsedProduction: ProductionVersion = parse(
    productionSchema,
    `${key} (field production)`,
    production,
  );
  return { ...parsedConfig, production: parsedProduction };
}
