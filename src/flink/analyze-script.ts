import { collectStatements } from './collect-statements.js';
import type {
  InsertStatement,
  ScriptStatement,
  SetStatement,
  TableDefinition,
  TableName,
  TableReference,
  ViewDefinition,
} from './script-model.js';
import { optionValue, type SqlOption } from './option-list.js';
import { parseFlinkScript, type ParsedScript } from './parse-flink-script.js';
import { SqlInvalidError, type SqlErrorPosition } from './sql-invalid-error.js';

export type {
  InsertStatement,
  ScriptStatement,
  SetStatement,
  TableDefinition,
  TableName,
  TableReference,
  ViewDefinition,
} from './script-model.js';
export type { SqlOption } from './option-list.js';
export type { SourceRange } from './parse-flink-script.js';

export const KAFKA_CONNECTORS = ['kafka', 'upsert-kafka'] as const;
export type KafkaConnector = (typeof KAFKA_CONNECTORS)[number];

/** Where a table's options come from: the script's CREATE TABLE, or a catalog we cannot see. */
export type TableOrigin =
  | { kind: 'script'; definitions: TableDefinition[]; connector: string | undefined }
  | { kind: 'catalog' };

export interface SinkTable {
  name: string;
  origin: TableOrigin;
  inserts: InsertStatement[];
  /** The topic(s) written, WITH option overridden by a hint; empty for a catalog table. */
  topics: string[];
}

export interface SourceTable {
  name: string;
  /** The connector when the script declares the table, `catalog` when it does not. */
  connector: string | 'catalog';
  origin: TableOrigin;
  references: TableReference[];
}

export interface KafkaSource {
  table: string;
  connector: KafkaConnector;
  /** `topic` ('a;b' is a list). */
  topics: string[];
  topicPattern: string | undefined;
  groupId: string | undefined;
  startupMode: string | undefined;
  definitions: TableDefinition[];
  references: TableReference[];
}

export interface ScriptAnalysis {
  statements: ScriptStatement[];
  tables: TableDefinition[];
  views: ViewDefinition[];
  sets: SetStatement[];
  inserts: InsertStatement[];
  sinks: SinkTable[];
  sources: SourceTable[];
  kafkaSources: KafkaSource[];
  /** The one topic the pipeline writes; undefined when a sink comes from a catalog. */
  outputTopic: string | undefined;
  /** Why outputTopic is undefined. */
  outputTopicUnknown: string | undefined;
  alteredTables: TableName[];
}

const FIX = 'Fix the SQL and submit it again.';

/**
 * Splits and checks a Flink SQL pipeline script and says what it reads and
 * writes. Throws SqlInvalidError when it does not parse, has no INSERT, writes
 * somewhere other than Kafka tables it declares (or catalog tables), or writes
 * more than one topic.
 */
export function analyzeScript(sql: string): ScriptAnalysis {
  const parsed = parseFlinkScript(sql);
  const collected = collectStatements(parsed);
  const { tables, views, inserts } = collected;
  for (const table of tables)
    table.connector = optionValue(tableOptions(table, tables), 'connector');
  if (inserts.length === 0) {
    throw new SqlInvalidError(
      [],
      'A pipeline script must end with INSERT INTO <output table> SELECT ...; this one has no INSERT. ' +
        'Add the INSERT that writes the output topic and submit it again.',
    );
  }

  const sinks = groupByTable(
    inserts.map((insert) => insert.target),
    tables,
  ).map(({ name, origin, references }) => ({
    name,
    origin,
    inserts: inserts.filter((i) => references.includes(i.target)),
    topics: sinkTopics(parsed, tables, name, origin, references),
  }));
  const { outputTopic, outputTopicUnknown } = outputOf(parsed, sinks);

  const reads = expandViews(collected.reads, views);
  const sources: SourceTable[] = groupByTable(reads, tables).map((group) => ({
    ...group,
    connector: group.origin.kind === 'script' ? (group.origin.connector ?? 'unknown') : 'catalog',
  }));

  return {
    statements: collected.statements,
    tables,
    views,
    sets: collected.sets,
    inserts,
    alteredTables: collected.alteredTables,
    sinks,
    sources,
    kafkaSources: sources.flatMap((s) => kafkaSource(s, tables)),
    outputTopic,
    outputTopicUnknown,
  };
}

/** A table's options, `LIKE`d ones first, then its own (later wins). */
export function tableOptions(
  definition: TableDefinition,
  all: readonly TableDefinition[],
): SqlOption[] {
  const like = definition.like;
  const base = like?.includesOptions ? all.find((t) => t.name.name === like.name) : undefined;
  return [...(base && base !== definition ? base.with.options : []), ...definition.with.options];
}

/** What a table reference really uses: the table's options overridden by its OPTIONS hint. */
export function effectiveOption(
  origin: TableOrigin,
  reference: TableReference,
  key: string,
  all: readonly TableDefinition[],
): string | undefined {
  const hinted = reference.hint?.options
    ? optionValue(reference.hint.options.options, key)
    : undefined;
  if (hinted !== undefined || origin.kind === 'catalog') return hinted;
  const definition = origin.definitions.at(-1);
  return definition ? optionValue(tableOptions(definition, all), key) : undefined;
}

export function isKafkaConnector(connector: string | undefined): connector is KafkaConnector {
  return (KAFKA_CONNECTORS as readonly string[]).includes(connector ?? '');
}

/** A reference and a definition name the same table when one's parts end the other's (default catalog and database). */
export function sameTable(a: TableName, b: TableName): boolean {
  const [short, long] = a.parts.length <= b.parts.length ? [a, b] : [b, a];
  const tail = long.parts.slice(long.parts.length - short.parts.length);
  return tail.every((part, i) => part === short.parts[i]);
}

function groupByTable(references: TableReference[], tables: TableDefinition[]) {
  const groups: { name: string; origin: TableOrigin; references: TableReference[] }[] = [];
  for (const reference of references) {
    const group = groups.find((g) => sameTable(g.references[0]!.name, reference.name));
    if (group) {
      group.references.push(reference);
      continue;
    }
    const definitions = tables.filter((t) => sameTable(t.name, reference.name));
    const last = definitions.at(-1);
    groups.push({
      name: reference.name.name,
      references: [reference],
      origin: last
        ? {
            kind: 'script',
            definitions,
            connector: last.connector,
          }
        : { kind: 'catalog' },
    });
  }
  return groups;
}

function sinkTopics(
  parsed: ParsedScript,
  tables: TableDefinition[],
  name: string,
  origin: TableOrigin,
  refs: TableReference[],
) {
  if (origin.kind === 'catalog') return [];
  const where = refs.map((r) => position(parsed, r.name.range.start, `INSERT INTO ${name}`));
  if (!isKafkaConnector(origin.connector)) {
    throw new SqlInvalidError(
      where,
      `The INSERT target ${name} uses connector '${origin.connector ?? '(none)'}'. A pipeline writes ` +
        `its output to a Kafka topic: declare ${name} with 'connector' = 'upsert-kafka' (or 'kafka'). ${FIX}`,
    );
  }
  const topics = new Set<string>();
  for (const ref of refs) {
    const topic = effectiveOption(origin, ref, 'topic', tables);
    if (topic === undefined) {
      throw new SqlInvalidError(
        where,
        `The INSERT target ${name} has no 'topic' option, so its output topic is unknown. ` +
          `Add 'topic' = '<output topic>' to its WITH clause. ${FIX}`,
      );
    }
    for (const t of splitTopics(topic)) topics.add(t);
  }
  return [...topics];
}

function outputOf(parsed: ParsedScript, sinks: SinkTable[]) {
  const topics = [...new Set(sinks.flatMap((s) => s.topics))];
  if (topics.length > 1) {
    const where = sinks.flatMap((s) =>
      s.inserts.map((i) =>
        position(
          parsed,
          i.target.name.range.start,
          `writes topic ${s.topics.map((t) => `'${t}'`).join(', ')}`,
        ),
      ),
    );
    throw new SqlInvalidError(
      where,
      `This script writes to ${topics.length} topics (${topics.map((t) => `'${t}'`).join(', ')}); ` +
        `a pipeline has exactly one output topic. Make every INSERT write to the same topic. ${FIX}`,
    );
  }
  const fromCatalog = sinks.filter((s) => s.origin.kind === 'catalog').map((s) => s.name);
  if (fromCatalog.length > 0) {
    return {
      outputTopic: undefined,
      outputTopicUnknown:
        `The INSERT target ${fromCatalog.join(', ')} comes from a catalog, so the output topic ` +
        `is not in the script.`,
    };
  }
  return { outputTopic: topics[0], outputTopicUnknown: undefined };
}

/** Tables read through a view are read by the statement that reads the view. */
function expandViews(reads: TableReference[], views: ViewDefinition[]): TableReference[] {
  const out: TableReference[] = [];
  const visiting = new Set<ViewDefinition>();
  const visit = (ref: TableReference) => {
    const view = views.findLast((v) => sameTable(v.name, ref.name));
    if (!view) {
      out.push(ref);
      return;
    }
    if (visiting.has(view)) return;
    visiting.add(view);
    view.reads.forEach(visit);
    visiting.delete(view);
  };
  reads.forEach(visit);
  return [...new Set(out)];
}

function kafkaSource(source: SourceTable, tables: TableDefinition[]): KafkaSource[] {
  const { origin } = source;
  if (origin.kind !== 'script' || !isKafkaConnector(origin.connector)) return [];
  const definition = origin.definitions.at(-1)!;
  const options = tableOptions(definition, tables);
  const topic = optionValue(options, 'topic');
  return [
    {
      table: source.name,
      connector: origin.connector,
      topics: topic === undefined ? [] : splitTopics(topic),
      topicPattern: optionValue(options, 'topic-pattern'),
      groupId: optionValue(options, 'properties.group.id'),
      startupMode: optionValue(options, 'scan.startup.mode'),
      definitions: origin.definitions,
      references: source.references,
    },
  ];
}

export function splitTopics(topic: string): string[] {
  return topic
    .split(';')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

function position(parsed: ParsedScript, offset: number, message: string): SqlErrorPosition {
  const before = parsed.sql.slice(0, offset);
  const line = before.split('\n').length;
  const column = [...before.slice(before.lastIndexOf('\n') + 1)].length + 1;
  return { line, column, message };
}
