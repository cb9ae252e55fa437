import { describe, expect, it } from 'vitest';
import { SqlStatementFailedError } from '../../src/flink/flink-errors.js';
import { SqlInvalidError } from '../../src/flink/sql-invalid-error.js';
import { inScript, scriptPositionOf } from '../../src/flink/statement-error-position.js';

const SCRIPT = [
  "CREATE TABLE gen (n BIGINT) WITH ('connector' = 'datagen');", // line 1
  '', // 2
  '-- totals', // 3
  'INSERT INTO sink', // 4
  'SELECT m FROM gen;', // 5
].join('\n');

function statementsOf(script: string) {
  return script
    .split(';')
    .filter((t) => t.trim() !== '')
    .map((raw) => {
      const text = raw.replace(/^\s*(?:--[^\n]*\n\s*)*/, '');
      return { range: { start: script.indexOf(text) }, text, executable: text };
    });
}

describe('a planner error at the line and column the editor shows', () => {
  const insert = statementsOf(SCRIPT)[1]!;

  it('maps a position on the EXPLAIN line and on a later line to the script', () => {
    // What the planner says of "EXPLAIN INSERT INTO sink\nSELECT m FROM gen".
    expect(
      scriptPositionOf(
        SCRIPT,
        insert,
        "From line 2, column 8 to line 2, column 8: Column 'm' not found in any table",
      ),
    ).toEqual({ line: 5, column: 8, message: "Column 'm' not found in any table" });
    expect(
      scriptPositionOf(SCRIPT, insert, "At line 1, column 21: Object 'sink' not found"),
    ).toEqual({ line: 4, column: 13, message: "Object 'sink' not found" });
  });

  it('keeps the planner’s words where it names no position, or the sent text is not the script’s', () => {
    expect(scriptPositionOf(SCRIPT, insert, "Object 'x' not found")).toBeUndefined();
    const rewritten = {
      ...insert,
      executable: 'EXECUTE STATEMENT SET BEGIN\nINSERT INTO a SELECT 1;\nEND',
    };
    expect(scriptPositionOf(SCRIPT, rewritten, 'At line 2, column 1: x')).toBeUndefined();
  });

  it('turns the gateway’s refusal into an SQL error at the editor’s position', () => {
    const refused = new SqlStatementFailedError(
      "From line 2, column 8 to line 2, column 8: Column 'm' not found in any table",
      1,
      insert.executable,
    );
    const err = inScript(refused, SCRIPT, statementsOf(SCRIPT));
    expect(err).toBeInstanceOf(SqlInvalidError);
    expect((err as SqlInvalidError).userMessage).toBe(
      "Line 5, column 8: Column 'm' not found in any table\nFix the SQL and submit it again.",
    );
    const other = new Error('gateway down');
    expect(inScript(other, SCRIPT, statementsOf(SCRIPT))).toBe(other);
  });
});

describe('a parser cascade shows its first error and a count', () => {
  it.each([
    [1, 'Line 3, column 4: missing FROM\nFix the SQL and submit it again.'],
    [2, 'Line 3, column 4: missing FROM (1 more error after it, often caused by this one)\nFix'],
    [12, 'Line 3, column 4: missing FROM (11 more errors after it, often caused by this one)\nFix'],
  ])('%i errors', (n, text) => {
    const positions = Array.from({ length: n }, (_, i) => ({
      line: 3 + i,
      column: 4,
      message: i === 0 ? 'missing FROM' : `cascade ${i}`,
    }));
    const message = new SqlInvalidError(positions).userMessage;
    expect(message.startsWith(text)).toBe(true);
    expect(message).not.toContain('cascade');
  });
});
