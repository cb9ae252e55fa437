import type { SourceRange } from './parse-flink-script.js';
import { quoteSqlString } from './sql-literals.js';

/** One `'key' = 'value'` of a WITH clause or an OPTIONS hint. */
export interface SqlOption {
  key: string;
  value: string;
  /** The whole `'key' = 'value'`. */
  range: SourceRange;
  keyRange: SourceRange;
  /** The value literal, quotes included: replace it to change the value in place. */
  valueRange: SourceRange;
}

/** A parenthesised option list: `(` at `open`, `)` at `close`. */
export interface OptionList {
  open: number;
  close: number;
  options: SqlOption[];
}

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export interface OptionChanges {
  /** Keys to give these values, added when missing (unless `onlyExisting`). */
  set: ReadonlyMap<string, string>;
  /** Keys to take out. */
  remove: ReadonlySet<string>;
  /** Change only keys the list already has (a hint on a table whose WITH we rewrite). */
  onlyExisting?: boolean;
}

/** Last value wins, as in Flink. */
export function optionValue(options: readonly SqlOption[], key: string): string | undefined {
  let value: string | undefined;
  for (const option of options) if (option.key === key) value = option.value;
  return value;
}

/**
 * Edits that apply `changes` to `list` while leaving every other byte alone:
 * values are replaced inside their literal, removed options take their comma
 * with them, and new options follow the last kept one in its style (one per
 * line when the list is laid out that way).
 */
export function planOptionEdits(sql: string, list: OptionList, changes: OptionChanges): TextEdit[] {
  const edits: TextEdit[] = [];
  const { options } = list;
  const kept = options.filter((o) => !changes.remove.has(o.key));
  const lastKept = kept.at(-1);
  const lastKeptIndex = lastKept ? options.indexOf(lastKept) : -1;

  options.forEach((option, i) => {
    if (changes.remove.has(option.key)) {
      const next = options[i + 1];
      if (i < lastKeptIndex && next)
        edits.push({ start: option.range.start, end: next.range.start, text: '' });
      return;
    }
    const value = changes.set.get(option.key);
    if (value !== undefined && value !== option.value) {
      edits.push({ ...option.valueRange, text: quoteSqlString(value) });
    }
  });

  const present = new Set(kept.map((o) => o.key));
  const missing = changes.onlyExisting ? [] : [...changes.set].filter(([key]) => !present.has(key));
  const last = options.at(-1);
  const removedTail = last && lastKeptIndex < options.length - 1;
  const tailStart = lastKept ? lastKept.range.end : list.open + 1;
  const tailEnd = removedTail ? last.range.end : tailStart;
  if (missing.length === 0 && !removedTail) return edits;

  const style = listStyle(sql, lastKept);
  const added = missing
    .map(([key, value]) => `${quoteSqlString(key)}${style.equals}${quoteSqlString(value)}`)
    .map((text, i) => (i === 0 && !lastKept ? text : style.separator + text))
    .join('');
  edits.push({ start: tailStart, end: tailEnd, text: added });
  return edits;
}

function listStyle(sql: string, anchor: SqlOption | undefined) {
  if (!anchor) return { separator: ', ', equals: ' = ' };
  const between = sql.slice(anchor.keyRange.end, anchor.valueRange.start);
  const equals = /^\s*=\s*$/.test(between) ? between : ' = ';
  const lineStart = sql.lastIndexOf('\n', anchor.range.start - 1) + 1;
  const indent = sql.slice(lineStart, anchor.range.start);
  const separator = /^[ \t]*$/.test(indent) ? `,\n${indent}` : ', ';
  return { separator, equals };
}

/** Applies non-overlapping edits; the input string is left as it was. */
export function applyEdits(sql: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = sql;
  let limit = Infinity;
  for (const edit of sorted) {
    if (edit.end > limit) throw new Error(`overlapping edits at ${edit.start}-${edit.end}`);
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
    limit = edit.start;
  }
  return out;
}
