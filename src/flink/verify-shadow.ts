import {
  analyzeScript,
  effectiveOption,
  isKafkaConnector,
  splitTopics,
  type ScriptAnalysis,
} from './analyze-script.js';
import { optionValue } from './option-list.js';
import { ShadowRewriteError } from './shadow-rewrite-error.js';
import type { ShadowRewrite } from './shadow-rewrite.js';

/** Every consumer group the production script names, in table options or hints. */
export function productionGroupIds(analysis: ScriptAnalysis): Set<string> {
  const ids = new Set<string>();
  const add = (id: string | undefined) => id !== undefined && ids.add(id);
  for (const table of analysis.tables) add(optionValue(table.with.options, 'properties.group.id'));
  const references = [
    ...analysis.sinks.flatMap((s) => s.inserts.map((i) => i.target)),
    ...analysis.sources.flatMap((s) => s.references),
  ];
  for (const reference of references) {
    const hinted = reference.hint?.options?.options;
    if (hinted) add(optionValue(hinted, 'properties.group.id'));
  }
  return ids;
}

export interface ShadowExpectations {
  productionGroupIds: ReadonlySet<string>;
  expectedGroupIds: ReadonlyMap<string, string>;
  startup: ReadonlyMap<string, string>;
}

/**
 * DESIGN.md invariant 1, checked on the text that will run: analyse the
 * rewritten SQL afresh and refuse it if any INSERT could reach a topic other
 * than TEMP or any Kafka read could use a production consumer group.
 */
export function verifyShadow(shadow: ShadowRewrite, expected: ShadowExpectations): void {
  let analysis: ScriptAnalysis;
  try {
    analysis = analyzeScript(shadow.sql);
  } catch (cause) {
    throw refuse('the rewritten SQL no longer parses', cause);
  }
  for (const sink of analysis.sinks) {
    for (const insert of sink.inserts) {
      const option = (key: string) =>
        effectiveOption(sink.origin, insert.target, key, analysis.tables);
      const topics = splitTopics(option('topic') ?? '');
      if (
        topics.length !== 1 ||
        topics[0] !== shadow.tempTopic ||
        topics.includes(shadow.outputTopic)
      ) {
        throw refuse(
          `INSERT INTO ${sink.name} would write to '${topics.join(';')}', not '${shadow.tempTopic}'`,
        );
      }
      if (option('sink.transactional-id-prefix') !== shadow.transactionalIdPrefix) {
        throw refuse(`INSERT INTO ${sink.name} would share transactional ids with production`);
      }
    }
  }
  for (const source of analysis.sources) {
    if (source.connector !== 'catalog' && !isKafkaConnector(source.connector)) continue;
    for (const reference of source.references) {
      const option = (key: string) =>
        effectiveOption(source.origin, reference, key, analysis.tables);
      const groupId = option('properties.group.id');
      if (groupId === undefined || groupId !== expected.expectedGroupIds.get(source.name)) {
        throw refuse(
          `source ${source.name} would read with consumer group '${groupId ?? '(none)'}'`,
        );
      }
      if (expected.productionGroupIds.has(groupId)) {
        throw refuse(
          `source ${source.name} would read with production consumer group '${groupId}'`,
        );
      }
      if (source.connector === 'upsert-kafka') continue;
      for (const [key, value] of expected.startup) {
        if (option(key) !== value)
          throw refuse(`source ${source.name} would not start with ${key} = '${value}'`);
      }
    }
  }
}

function refuse(why: string, cause?: unknown): ShadowRewriteError {
  return new ShadowRewriteError(
    `The shadow SQL was refused before running: ${why}. Production is untouched. This is a bug in ` +
      `the shadow rewrite; report it with the SQL.`,
    cause === undefined ? undefined : { cause },
  );
}
