import { SqlStatementFailedError } from './flink-errors.js';
import { SqlInvalidError, type SqlErrorPosition } from './sql-invalid-error.js';
import { explainStatement, isJobStatement, isQueryStatement } from './statement-kind.js';

/** "From line 1, column 83 to line 1, column 90: Object 'x' not found", or "At line 2, column 5: …". */
const PLANNER_POSITION =
  /^(?:From line (\d+), column (\d+) to line \d+, column \d+|At line (\d+), column (\d+))\s*:\s*/;

/**
 * The planner's position of an error in one statement, as the editor shows
 * it: the planner counts lines and columns in the text it was sent (one
 * statement, with "EXPLAIN " in front for a dry run), the person in the
 * whole script. Undefined when the cause names no position, or the sent
 * text is not the script's own (a statement set rewritten for the gateway).
 */
export function scriptPositionOf(
  script: string,
  statement: { range: { start: number }; text: string; executable: string },
  cause: string,
): SqlErrorPosition | undefined {
  const m = PLANNER_POSITION.exec(cause);
  if (!m) return undefined;
  const line = Number(m[1] ?? m[3]);
  const column = Number(m[2] ?? m[4]);
  const sent = sentForCheck(statement.executable);
  const body = sent.startsWith('EXPLAIN ') ? sent.slice('EXPLAIN '.length) : sent;
  const inSent = offsetOf(sent, line, column);
  const inBody = inSent - (sent.length - body.length);
  const bodyAt = statement.text.indexOf(body);
  if (inSent < 0 || inBody < 0 || inBody > body.length || bodyAt < 0) return undefined;
  const at = statement.range.start + bodyAt + inBody;
  const before = script.slice(0, at);
  const lineInScript = before.split('\n').length;
  return {
    line: lineInScript,
    column: at - (before.lastIndexOf('\n') + 1) + 1,
    message: cause.slice(m[0].length),
  };
}

/** What SqlGatewayClient.explain sends for a statement. */
function sentForCheck(executable: string): string {
  return isJobStatement(executable) || isQueryStatement(executable)
    ? explainStatement(executable)
    : executable;
}

/** The 0-based offset of a 1-based line and column in text; -1 when outside it. */
function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return -1;
    offset = next + 1;
  }
  return offset + column - 1;
}

/**
 * A statement the planner rejected, as an error in the script: at the
 * editor's line and column when the planner named a position (the develop
 * modal points there), else as the planner said it. Anything else unchanged.
 */
export function inScript(
  err: unknown,
  script: string,
  statements: readonly { range: { start: number }; text: string; executable: string }[],
): unknown {
  if (!(err instanceof SqlStatementFailedError)) return err;
  const statement = statements[err.statementIndex];
  const position = statement && scriptPositionOf(script, statement, err.flinkCause);
  return position ? new SqlInvalidError([position], undefined, { cause: err }) : err;
}
