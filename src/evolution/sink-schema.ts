/**
 * What the output topic's clients depend on, as v1's or v2's script declares
 * its sink table: the key (columns and format) and the value's columns.
 * Read from the SQL by the Flink adapter (src/flink/sink-schema-of.ts); a
 * sink from a catalog has none, and then nothing is compared.
 */
export interface SinkSchema {
  /** The PRIMARY KEY, or 'key.fields' when the table names them; in declared order. */
  keyColumns: readonly string[];
  /** 'key.format' (upsert-kafka, or kafka with a key); undefined when the table sets none. */
  keyFormat?: string;
  /** 'value.format' or 'format'. */
  valueFormat?: string;
  /** Physical columns, with their SQL type as written (normalised: upper case, single spaces). */
  columns: readonly SinkColumn[];
}

export interface SinkColumn {
  name: string;
  type: string;
}

export interface SinkSchemaChange {
  keyColumns?: { from: readonly string[]; to: readonly string[] };
  keyFormat?: { from: string | undefined; to: string | undefined };
  added: SinkColumn[];
  removed: SinkColumn[];
  retyped: { name: string; from: string; to: string }[];
}

/** How v2's sink differs from v1's; column names compare as Flink does, case-sensitively. */
export function sinkSchemaChange(v1: SinkSchema, v2: SinkSchema): SinkSchemaChange {
  const before = new Map(v1.columns.map((c) => [c.name, c.type]));
  const after = new Map(v2.columns.map((c) => [c.name, c.type]));
  const change: SinkSchemaChange = {
    added: v2.columns.filter((c) => !before.has(c.name)),
    removed: v1.columns.filter((c) => !after.has(c.name)),
    retyped: v2.columns.flatMap((c) => {
      const was = before.get(c.name);
      return was !== undefined && was !== c.type ? [{ name: c.name, from: was, to: c.type }] : [];
    }),
  };
  if (v1.keyColumns.join('\u0000') !== v2.keyColumns.join('\u0000'))
    change.keyColumns = { from: v1.keyColumns, to: v2.keyColumns };
  if (v1.keyFormat !== v2.keyFormat) change.keyFormat = { from: v1.keyFormat, to: v2.keyFormat };
  return change;
}
