import type { BackfillMode } from './pipeline.js';
import { plural } from './plural.js';
import type { ShadowHealth } from './shadow-health.js';
import { sinkSchemaChange, type SinkColumn, type SinkSchema } from './sink-schema.js';

/** EVOLVE_OBSERVE_LAG_THRESHOLD's default: where the threshold is not known, the same line. */
export const DEFAULT_LAG_THRESHOLD = 1_000;

/** Above this share of production keys, a full backfill's deletes are worth a second look. */
export const DELETE_WARNING_RATIO = 0.1;

export const APPROVAL_WARNING_KINDS = [
  'no-diff',
  'deletes',
  'key-columns',
  'key-format',
  'value-columns',
  'shadow-state',
  'shadow-restarts',
  'shadow-lag',
] as const;
export type ApprovalWarningKind = (typeof APPROVAL_WARNING_KINDS)[number];

/** One thing an approver should weigh, in plain words (Slack, the CLI and status show the same text). */
export interface ApprovalWarning {
  kind: ApprovalWarningKind;
  text: string;
}

export interface DiffCounts {
  same: number;
  changed: number;
  onlyProduction: number;
  onlyTemp: number;
}

export interface ApprovalWarningInput {
  /** The diff report's counts; undefined when it could not be made. */
  diff?: DiffCounts;
  backfillMode: BackfillMode;
  /** The sinks of v1's and v2's scripts; a missing one (a catalog table) is not compared. */
  v1Sink?: SinkSchema;
  v2Sink?: SinkSchema;
  shadow?: ShadowHealth;
  /** EVOLVE_OBSERVE_LAG_THRESHOLD: a lag at or below it is the normal checkpoint sawtooth. */
  lagThreshold: number;
}

/**
 * What an approver should know before v2 takes over the output topic,
 * computed once here and shown alike everywhere: deletes above 10% of the
 * keys, a changed key (columns or format), value columns added, removed or
 * retyped, and a shadow that is not running, restarted or is behind.
 */
export function approvalWarnings(input: ApprovalWarningInput): ApprovalWarning[] {
  return [
    ...diffWarnings(input.diff, input.backfillMode),
    ...schemaWarnings(input.v1Sink, input.v2Sink),
    ...shadowWarnings(input.shadow, input.lagThreshold),
  ];
}

function diffWarnings(diff: DiffCounts | undefined, mode: BackfillMode): ApprovalWarning[] {
  if (!diff) {
    return [{ kind: 'no-diff', text: 'No diff report yet: the keys v2 would change are unknown.' }];
  }
  if (mode !== 'full') return [];
  const productionKeys = diff.same + diff.changed + diff.onlyProduction;
  if (productionKeys === 0 || diff.onlyProduction / productionKeys <= DELETE_WARNING_RATIO)
    return [];
  const pct = ((diff.onlyProduction / productionKeys) * 100).toFixed(1).replace(/\.0$/, '');
  return [
    {
      kind: 'deletes',
      text:
        `The backfill would delete ${count(diff.onlyProduction)} of ${count(productionKeys)} production keys (${pct}%, over 10%). ` +
        'Check that v2 is meant to drop them, or backfill with mode=refresh-only.',
    },
  ];
}

function schemaWarnings(v1: SinkSchema | undefined, v2: SinkSchema | undefined): ApprovalWarning[] {
  if (!v1 || !v2) return [];
  const change = sinkSchemaChange(v1, v2);
  const warnings: ApprovalWarning[] = [];
  if (change.keyColumns) {
    warnings.push({
      kind: 'key-columns',
      text:
        `The key columns change from ${columnList(change.keyColumns.from)} to ${columnList(change.keyColumns.to)}: ` +
        "v2's records land under other keys, and clients reading the topic by key see both until the backfill deletes v1's.",
    });
  }
  if (change.keyFormat) {
    warnings.push({
      kind: 'key-format',
      text:
        `The key format changes from ${format(change.keyFormat.from)} to ${format(change.keyFormat.to)}: ` +
        "the same key is written as other bytes, so clients and compaction treat v1's and v2's records as different keys.",
    });
  }
  const parts = [
    ...(change.added.length > 0 ? [`added ${columns(change.added)}`] : []),
    ...(change.removed.length > 0
      ? [`removed ${change.removed.map((c) => c.name).join(', ')}`]
      : []),
    ...(change.retyped.length > 0
      ? [`retyped ${change.retyped.map((c) => `${c.name} ${c.from} -> ${c.to}`).join(', ')}`]
      : []),
  ];
  if (parts.length > 0) {
    warnings.push({
      kind: 'value-columns',
      text: `The value columns change: ${parts.join('; ')}. Clients reading the output topic must accept v2's records.`,
    });
  }
  return warnings;
}

function shadowWarnings(shadow: ShadowHealth | undefined, lagThreshold: number): ApprovalWarning[] {
  if (!shadow) return [];
  const warnings: ApprovalWarning[] = [];
  if (shadow.state !== 'RUNNING') {
    warnings.push({
      kind: 'shadow-state',
      text: `The shadow job is ${shadow.state} in Flink, not RUNNING: a deploy cannot start from it.`,
    });
  }
  if (shadow.restarts !== undefined && shadow.restarts > 0) {
    const cause = shadow.failure ? ` Its last exception: ${shadow.failure}` : '';
    warnings.push({
      kind: 'shadow-restarts',
      text: `The shadow job restarted ${plural(shadow.restarts, 'time')}: v2 fails on some input and may fail in production too.${cause}`,
    });
  }
  if (shadow.lagRecords !== undefined && shadow.lagRecords > lagThreshold) {
    warnings.push({
      kind: 'shadow-lag',
      text: `The shadow is ${plural(shadow.lagRecords, 'input record')} behind (more than ${count(lagThreshold)}): the diff may still change.`,
    });
  }
  return warnings;
}

const count = (n: number): string => n.toLocaleString('en-US');
const columnList = (names: readonly string[]): string =>
  names.length === 0 ? '(none)' : `(${names.join(', ')})`;
const format = (f: string | undefined): string => f ?? 'none';
const columns = (cs: readonly SinkColumn[]): string =>
  cs.map((c) => `${c.name} ${c.type}`).join(', ');
