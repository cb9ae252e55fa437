import { EvolveError } from '../errors.js';
import { sameTable, type ScriptAnalysis } from './analyze-script.js';
import { ShadowRewriteError } from './shadow-rewrite-error.js';
import { checkEvolutionId, checkTopicName } from '../evolution/kafka-names.js';
import type { ShadowOptions } from './shadow-rewrite.js';

export const STARTUP_MODES = [
  'earliest-offset',
  'latest-offset',
  'group-offsets',
  'timestamp',
] as const;
export type StartupMode = (typeof STARTUP_MODES)[number];

/**
 * What must hold before the shadow rewrite edits anything: sane options, a
 * known output topic, and no construct that could route the shadow's output
 * or offsets around the rewrite.
 */

/** The start options every Kafka source gets, from the shadow's start policy. */
export function checkOptions(options: ShadowOptions): Map<string, string> {
  checkEvolutionId(options.evolutionId);
  if (options.pipeline.trim() === '') {
    throw new EvolveError('INPUT_INVALID', 'The shadow needs the pipeline name; it was empty.');
  }
  checkTopicName(options.tempTopic, 'The temporary topic');
  const mode = options.startupMode ?? 'earliest-offset';
  if (!STARTUP_MODES.includes(mode)) {
    throw new EvolveError(
      'INPUT_INVALID',
      `Unknown shadow start mode '${String(mode)}'; use one of ${STARTUP_MODES.join(', ')}.`,
    );
  }
  const policy = new Map<string, string>([['scan.startup.mode', mode]]);
  if (mode === 'timestamp') {
    const ms = options.startupTimestampMs;
    if (ms === undefined || !Number.isSafeInteger(ms) || ms < 0) {
      throw new EvolveError(
        'INPUT_INVALID',
        'The shadow start mode "timestamp" needs a start time in epoch milliseconds (a whole number >= 0).',
      );
    }
    policy.set('scan.startup.timestamp-millis', String(ms));
  }
  return policy;
}

export function resolveOutputTopic(analysis: ScriptAnalysis, options: ShadowOptions): string {
  const fromScript = analysis.outputTopic;
  if (
    fromScript !== undefined &&
    options.outputTopic !== undefined &&
    fromScript !== options.outputTopic
  ) {
    throw new ShadowRewriteError(
      `This SQL writes to topic '${fromScript}', but pipeline ${options.pipeline} owns output topic ` +
        `'${options.outputTopic}'. Make the INSERT target's 'topic' '${options.outputTopic}' and submit again.`,
    );
  }
  const topic = fromScript ?? options.outputTopic;
  if (topic === undefined) {
    throw new ShadowRewriteError(
      `${analysis.outputTopicUnknown ?? 'The output topic is unknown.'} Register the pipeline's output ` +
        `topic so the shadow can be kept away from it.`,
    );
  }
  return topic;
}

export function checkInvolvedTables(
  analysis: ScriptAnalysis,
  tempTopic: string,
  outputTopic: string,
): void {
  if (tempTopic === outputTopic) {
    throw new ShadowRewriteError(
      `The temporary topic '${tempTopic}' is the production output topic; the shadow must write elsewhere.`,
    );
  }
  const inputTopics = analysis.kafkaSources.flatMap((s) => s.topics);
  if (inputTopics.includes(tempTopic)) {
    throw new ShadowRewriteError(
      `The temporary topic '${tempTopic}' is also an input of this SQL; pick another evolution id.`,
    );
  }
  for (const sink of analysis.sinks) {
    if (
      sink.origin.kind === 'script' &&
      sink.origin.definitions.some((d) => d.writesTopicMetadata)
    ) {
      throw new ShadowRewriteError(
        `The INSERT target ${sink.name} has a writable 'topic' metadata column, so each row could choose ` +
          `its topic, production included. Declare the column VIRTUAL (or drop it) and submit again.`,
      );
    }
  }
  const involved = [
    ...analysis.sinks.flatMap((s) => s.inserts.map((i) => i.target)),
    ...analysis.sources.flatMap((s) => s.references),
  ];
  for (const altered of analysis.alteredTables) {
    if (involved.some((r) => sameTable(r.name, altered))) {
      throw new ShadowRewriteError(
        `ALTER TABLE ${altered.name} changes the options of a table the pipeline reads or writes, which ` +
          `the shadow rewrite cannot follow. Put those options in its CREATE TABLE and submit again.`,
      );
    }
  }
  for (const source of analysis.sources) {
    if (source.origin.kind === 'script' && source.origin.connector === undefined) {
      throw new ShadowRewriteError(
        `Table ${source.name} has no 'connector' option in the script (it comes from LIKE a table ` +
          `outside it), so the shadow cannot tell whether it reads Kafka. Declare its connector and submit again.`,
      );
    }
  }
}
