import type { OptionList, SqlOption } from './option-list.js';
import type { SourceRange } from './parse-flink-script.js';
import { decodeSqlLiteral } from './sql-literals.js';

/** A `/*+ ... *\/` comment right after a table name (Flink's table hints). */
export interface TableHint {
  range: SourceRange;
  /** The OPTIONS(...) hint inside, if any. */
  options?: OptionList;
  /** Where `, OPTIONS(...)` goes when the comment holds only other hints. */
  appendAt: number;
  /** False when the comment is not in a shape we can edit safely. */
  parseable: boolean;
}

/**
 * The grammar treats hints as comments, so they are read here. Only the
 * OPTIONS hint matters; other hints (LOOKUP, ...) are skipped over.
 */
export function parseTableHint(sql: string, range: SourceRange): TableHint {
  const unparseable: TableHint = { range, appendAt: range.end - 2, parseable: false };
  const end = range.end - 2; // before */
  let pos = range.start + 3; // after /*+
  let options: OptionList | undefined;
  let appendAt = pos;

  const skipSpace = () => {
    while (pos < end && /\s/.test(sql[pos] ?? '')) pos++;
  };
  for (;;) {
    skipSpace();
    if (pos >= end) break;
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(pos, end))?.[0];
    if (!name) return unparseable;
    pos += name.length;
    skipSpace();
    if (sql[pos] === '(') {
      const open = pos;
      if (name.toUpperCase() === 'OPTIONS') {
        const parsed = readOptions(sql, open, end);
        // Two OPTIONS hints: which one wins is not ours to guess.
        if (!parsed || options) return unparseable;
        options = { open, close: parsed.close, options: parsed.options };
        pos = parsed.close + 1;
      } else {
        const close = skipArguments(sql, open, end);
        if (close === undefined) return unparseable;
        pos = close + 1;
      }
    }
    appendAt = pos;
    skipSpace();
    if (sql[pos] === ',') pos++;
  }
  return { range, appendAt, parseable: true, ...(options ? { options } : {}) };
}

function readOptions(sql: string, open: number, end: number) {
  const options: SqlOption[] = [];
  let pos = open + 1;
  const skipSpace = () => {
    while (pos < end && /\s/.test(sql[pos] ?? '')) pos++;
  };
  skipSpace();
  if (sql[pos] === ')') return { close: pos, options };
  for (;;) {
    skipSpace();
    const keyRange = readLiteral(sql, pos, end);
    if (!keyRange) return undefined;
    pos = keyRange.end;
    skipSpace();
    if (sql[pos] !== '=') return undefined;
    pos++;
    skipSpace();
    const valueRange = readLiteral(sql, pos, end);
    if (!valueRange) return undefined;
    pos = valueRange.end;
    options.push({
      key: decodeSqlLiteral(sql.slice(keyRange.start, keyRange.end)),
      value: decodeSqlLiteral(sql.slice(valueRange.start, valueRange.end)),
      range: { start: keyRange.start, end: valueRange.end },
      keyRange,
      valueRange,
    });
    skipSpace();
    if (sql[pos] === ',') {
      pos++;
      continue;
    }
    if (sql[pos] === ')') return { close: pos, options };
    return undefined;
  }
}

/** A quoted literal (quotes doubled inside) or a bare word such as a number. */
function readLiteral(sql: string, pos: number, end: number): SourceRange | undefined {
  const quote = sql[pos];
  if (quote === "'" || quote === '"' || quote === '`') {
    let i = pos + 1;
    while (i < end) {
      if (sql[i] === quote) {
        if (sql[i + 1] === quote) i += 2;
        else return { start: pos, end: i + 1 };
      } else i++;
    }
    return undefined;
  }
  const word = /^[A-Za-z0-9_.+-]+/.exec(sql.slice(pos, end))?.[0];
  return word ? { start: pos, end: pos + word.length } : undefined;
}

function skipArguments(sql: string, open: number, end: number) {
  let depth = 0;
  for (let i = open; i < end; i++) {
    const ch = sql[i];
    if (ch === "'" || ch === '"' || ch === '`') {
      const literal = readLiteral(sql, i, end);
      if (!literal) return undefined;
      i = literal.end - 1;
    } else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  return undefined;
}
