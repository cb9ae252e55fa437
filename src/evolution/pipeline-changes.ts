import type { PipelineConfig } from './pipeline.js';

/** One field of a pipeline's configuration, before and after a registration. */
export interface FieldChange {
  field: PipelineField;
  /** Undefined for a new pipeline. */
  before?: unknown;
  after: unknown;
}

/**
 * Fields that decide who may act and where production is: only
 * administrators change them (DESIGN 10).
 */
const ADMIN_FIELD_LIST = [
  'flink.restUrl',
  'flink.gatewayUrl',
  'kafka.outputTopic',
  'kafka.keyFormat',
  'owners',
  'approvers',
  'allowSelfApproval',
] as const;

/** Every configured field, by its path in the pipelines file. */
export const PIPELINE_FIELDS = [
  ...ADMIN_FIELD_LIST,
  'approvalTtlMs',
  'rollbackWindowMs',
  'shadowStartupMode',
  'backfill.rate',
  'backfill.mode',
  'slackChannel',
] as const;
export type PipelineField = (typeof PIPELINE_FIELDS)[number];

export const ADMIN_FIELDS: ReadonlySet<PipelineField> = new Set<PipelineField>(ADMIN_FIELD_LIST);

/**
 * What an evolution depends on from the moment it starts; it keeps its own
 * copy (PipelineSnapshot), and changing these while it is active is refused.
 * All the administrators' fields but the owners: someone who leaves can be
 * removed mid-evolution, and owners act only through checked transitions.
 */
export const SNAPSHOT_FIELDS: ReadonlySet<PipelineField> = new Set<PipelineField>(
  [...ADMIN_FIELDS].filter((f) => f !== 'owners'),
);

export function fieldValue(config: PipelineConfig, field: PipelineField): unknown {
  switch (field) {
    case 'flink.restUrl':
      return config.flink.restUrl;
    case 'flink.gatewayUrl':
      return config.flink.gatewayUrl;
    case 'kafka.outputTopic':
      return config.kafka.outputTopic;
    case 'kafka.keyFormat':
      return config.kafka.keyFormat;
    case 'backfill.rate':
      return config.backfill.rate;
    case 'backfill.mode':
      return config.backfill.mode;
    default:
      return config[field];
  }
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    // Principal lists are sets: their order is not a change.
    return a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');
  }
  return a === b;
}

/** The fields that differ, in PIPELINE_FIELDS order; every field for a new pipeline. */
export function pipelineChanges(
  before: PipelineConfig | undefined,
  after: PipelineConfig,
): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of PIPELINE_FIELDS) {
    const next = fieldValue(after, field);
    if (before === undefined) {
      changes.push({ field, after: next });
      continue;
    }
    const prev = fieldValue(before, field);
    if (!same(prev, next)) changes.push({ field, before: prev, after: next });
  }
  return changes;
}

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  return Array.isArray(value) ? value.join(', ') || '(none)' : String(value);
}

/** `field: before -> after`, one per line, for audit listings and the channel announcement. */
export function describeChanges(changes: readonly FieldChange[]): string[] {
  return changes.map((c) =>
    'before' in c && c.before !== undefined
      ? `${c.field}: ${show(c.before)} -> ${show(c.after)}`
      : `${c.field}: ${show(c.after)}`,
  );
}
