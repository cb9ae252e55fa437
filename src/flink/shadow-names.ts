export function shadowTransactionalIdPrefix(evolutionId: string): string {
  return `evolve-${evolutionId}-shadow`;
}

/**
 * One consumer group per source table, derived from the evolution and the
 * table name only, so a retry gets the same ids; names that clean up to the
 * same text get a numeric suffix in script order.
 */
export function shadowGroupIds(
  evolutionId: string,
  tables: readonly string[],
): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const table of tables) {
    const base = `evolve-${evolutionId}-shadow-${table.replace(/[^a-zA-Z0-9._-]/g, '_')}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    ids.set(table, id);
  }
  return ids;
}
