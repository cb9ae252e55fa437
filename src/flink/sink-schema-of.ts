import type { SinkSchema } from '../evolution/sink-schema.js';
import { analyzeScript, effectiveOption } from './analyze-script.js';

/**
 * The output table of a pipeline script as its clients see it: key columns
 * (PRIMARY KEY, else 'key.fields'), key and value formats (hints win over
 * WITH, as in Flink) and physical columns. Undefined when the script does
 * not declare its sink (a catalog table) or does not parse.
 */
export function sinkSchemaOf(sql: string): SinkSchema | undefined {
  let analysis;
  try {
    analysis = analyzeScript(sql);
  } catch {
    return undefined;
  }
  const sink = analysis.sinks[0];
  const definition = sink?.origin.kind === 'script' ? sink.origin.definitions.at(-1) : undefined;
  const reference = sink?.inserts[0]?.target;
  if (!sink || !definition || !reference) return undefined;
  const option = (key: string) => effectiveOption(sink.origin, reference, key, analysis.tables);
  const keyFields = option('key.fields')
    ?.split(';')
    .map((f) => f.trim())
    .filter((f) => f.length > 0);
  const keyFormat = option('key.format');
  const valueFormat = option('value.format') ?? option('format');
  return {
    keyColumns: definition.primaryKey.length > 0 ? definition.primaryKey : (keyFields ?? []),
    ...(keyFormat !== undefined ? { keyFormat } : {}),
    ...(valueFormat !== undefined ? { valueFormat } : {}),
    columns: definition.columns,
  };
}
