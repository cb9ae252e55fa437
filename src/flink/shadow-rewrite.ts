import {
  analyzeScript,
  isKafkaConnector,
  sameTable,
  type TableOrigin,
  type TableReference,
} from './analyze-script.js';
import { applyEdits, planOptionEdits, type OptionChanges, type TextEdit } from './option-list.js';
import { ShadowRewriteError } from './shadow-rewrite-error.js';
import {
  checkInvolvedTables,
  checkOptions,
  resolveOutputTopic,
  type StartupMode,
} from './shadow-preconditions.js';
import { jobName } from '../evolution/workflow/workflow-deps.js';
import { shadowGroupIds, shadowTransactionalIdPrefix } from './shadow-names.js';
import { quoteSqlString } from './sql-literals.js';
import { productionGroupIds, verifyShadow } from './verify-shadow.js';

export { ShadowRewriteError } from './shadow-rewrite-error.js';

export { STARTUP_MODES, type StartupMode } from './shadow-preconditions.js';

export interface ShadowOptions {
  pipeline: string;
  evolutionId: string;
  tempTopic: string;
  /** Where the shadow starts reading its Kafka sources; default earliest-offset (complete state). */
  startupMode?: StartupMode;
  /** Required with startupMode 'timestamp'. */
  startupTimestampMs?: number;
  /**
   * The pipeline's registered output topic. Required when the INSERT target
   * comes from a catalog (the script does not say its topic); when the script
   * does, the two must agree.
   */
  outputTopic?: string;
}

export interface ShadowRewrite {
  sql: string;
  /** Per-statement configuration for the gateway (pipeline.name). */
  executionConfig: Record<string, string>;
  /** The shadow's consumer groups, one per Kafka (or catalog) source, in script order. */
  groupIds: string[];
  transactionalIdPrefix: string;
  outputTopic: string;
  tempTopic: string;
  /** What was changed, one line each, for the Slack thread. */
  changes: string[];
}

const STARTUP_OPTIONS = [
  'scan.startup.mode',
  'scan.startup.specific-offsets',
  'scan.startup.timestamp-millis',
];

/**
 * The shadow version of a pipeline script (DESIGN.md section 6): same SQL,
 * but it writes TEMP with its own transactional ids, reads every Kafka source
 * under its own consumer group from the policy's start, and is named after
 * the evolution. Edits are made in place, so comments and layout survive;
 * the result is re-analysed and refused if it could still touch production.
 */
export function rewriteForShadow(sql: string, options: ShadowOptions): ShadowRewrite {
  const policy = checkOptions(options);
  const analysis = analyzeScript(sql);
  const outputTopic = resolveOutputTopic(analysis, options);
  checkInvolvedTables(analysis, options.tempTopic, outputTopic);

  const prefix = shadowTransactionalIdPrefix(options.evolutionId);
  const shadowSources = analysis.sources.filter(
    (s) => s.origin.kind === 'catalog' || isKafkaConnector(s.connector),
  );
  const groupIds = shadowGroupIds(
    options.evolutionId,
    shadowSources.map((s) => s.name),
  );
  const changes: string[] = [];
  const wanted: {
    origin: TableOrigin;
    references: TableReference[];
    set: Map<string, string>;
    remove: Set<string>;
  }[] = [];

  for (const sink of analysis.sinks) {
    const set = new Map([
      ['topic', options.tempTopic],
      ['sink.transactional-id-prefix', prefix],
    ]);
    const references = sink.inserts.map((i) => i.target);
    wanted.push({ origin: sink.origin, references, set, remove: new Set() });
    changes.push(
      `Sink ${sink.name}: topic '${sink.topics.join(';') || outputTopic}' -> '${options.tempTopic}', ` +
        `sink.transactional-id-prefix = '${prefix}'${via(sink.origin)}.`,
    );
  }
  for (const source of shadowSources) {
    const groupId = groupIds.get(source.name)!;
    const set = new Map([['properties.group.id', groupId]]);
    const remove = new Set<string>();
    if (source.connector === 'upsert-kafka') {
      changes.push(
        `Source ${source.name}: properties.group.id = '${groupId}'. It is upsert-kafka, which ` +
          `always reads its topic from the earliest offset (no scan.startup.mode).`,
      );
    } else {
      for (const [key, value] of policy) set.set(key, value);
      for (const key of STARTUP_OPTIONS) if (!policy.has(key)) remove.add(key);
      changes.push(
        `Source ${source.name}: properties.group.id = '${groupId}', ` +
          `${[...policy].map(([k, v]) => `${k} = '${v}'`).join(', ')}${via(source.origin)}.`,
      );
      if (policy.get('scan.startup.mode') === 'group-offsets' && !setsOffsetReset(source)) {
        changes.push(
          `Note: ${groupId} is a new consumer group with no committed offsets; with group-offsets ` +
            `and no 'properties.auto.offset.reset', the first start of ${source.name} has no position.`,
        );
      }
    }
    const first = source.references[0]!;
    const same = wanted.find((w) => w.references.some((r) => sameTable(r.name, first.name)));
    if (same) {
      // The table is both read and written: one set of edits for both roles.
      for (const [key, value] of set) if (!same.set.has(key)) same.set.set(key, value);
      for (const key of remove) same.remove.add(key);
      same.references.push(...source.references);
    } else wanted.push({ origin: source.origin, references: [...source.references], set, remove });
  }

  const edits = wanted.flatMap((w) => tableEdits(sql, w.origin, w.references, w));
  const rewritten = applyEdits(sql, edits);
  const result: ShadowRewrite = {
    sql: rewritten,
    executionConfig: { 'pipeline.name': jobName(options.pipeline, options.evolutionId, 'shadow') },
    groupIds: [...groupIds.values()],
    transactionalIdPrefix: prefix,
    outputTopic,
    tempTopic: options.tempTopic,
    changes: [
      ...changes,
      `pipeline.name = '${jobName(options.pipeline, options.evolutionId, 'shadow')}'.`,
    ],
  };
  verifyShadow(result, {
    productionGroupIds: productionGroupIds(analysis),
    expectedGroupIds: groupIds,
    startup: policy,
  });
  return result;
}

function setsOffsetReset(source: { origin: TableOrigin; references: TableReference[] }): boolean {
  const key = 'properties.auto.offset.reset';
  const inWith =
    source.origin.kind === 'script' &&
    source.origin.definitions.some((d) => d.with.options.some((o) => o.key === key));
  return (
    inWith || source.references.some((r) => r.hint?.options?.options.some((o) => o.key === key))
  );
}

function via(origin: TableOrigin): string {
  return origin.kind === 'catalog' ? ' (catalog table: as an OPTIONS hint at each use)' : '';
}

function tableEdits(
  sql: string,
  origin: TableOrigin,
  references: readonly TableReference[],
  changes: OptionChanges,
): TextEdit[] {
  const edits: TextEdit[] = [];
  if (origin.kind === 'script') {
    for (const definition of origin.definitions)
      edits.push(...planOptionEdits(sql, definition.with, changes));
  }
  for (const reference of new Set(references)) {
    const hint = reference.hint;
    if (hint && !hint.parseable) {
      throw new ShadowRewriteError(
        `The hint ${sql.slice(hint.range.start, hint.range.end)} after ${reference.name.name} cannot be ` +
          `read, so the shadow's options cannot be set safely. Write it as /*+ OPTIONS('key'='value') */ ` +
          `and submit the SQL again.`,
      );
    }
    if (hint?.options) {
      edits.push(
        ...planOptionEdits(sql, hint.options, {
          ...changes,
          onlyExisting: origin.kind === 'script',
        }),
      );
    } else if (origin.kind === 'catalog' && !reference.hintable) {
      throw new ShadowRewriteError(
        `Table ${reference.name.name} comes from a catalog and is read as TABLE ${reference.name.name} ` +
          `in a window function, where Flink accepts no OPTIONS hint, so the shadow cannot get its own ` +
          `consumer group there. Read it through a view (CREATE TEMPORARY VIEW v AS SELECT * FROM ` +
          `${reference.name.name}; then TABLE v) or declare it with CREATE TABLE, and submit again.`,
      );
    } else if (origin.kind === 'catalog') {
      const list = [...changes.set]
        .map(([k, v]) => `${quoteSqlString(k)}=${quoteSqlString(v)}`)
        .join(', ');
      edits.push(
        hint
          ? { start: hint.appendAt, end: hint.appendAt, text: `, OPTIONS(${list})` }
          : {
              start: reference.hintInsertAt,
              end: reference.hintInsertAt,
              text: ` /*+ OPTIONS(${list}) */`,
            },
      );
    }
  }
  return edits;
}
