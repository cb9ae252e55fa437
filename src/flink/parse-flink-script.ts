// The Flink dialect alone: the package index loads every dialect's parser (about 1.5 s per CLI call).
import { FlinkSQL } from 'dt-sql-parser/dist/parser/flink/index.js';
import { SqlInvalidError, type SqlErrorPosition } from './sql-invalid-error.js';

type FlinkParser = ReturnType<FlinkSQL['createParser']>;
export type ProgramContext = ReturnType<FlinkParser['program']>;
export type Token = ReturnType<FlinkSQL['getAllTokens']>[number];
type ErrorListenerImpl = Parameters<FlinkParser['addErrorListener']>[0];
/** What every parse tree node offers that we use: its first and last token. */
export interface NodeWithTokens {
  start: Token | null;
  stop: Token | null;
}

/** [start, end) in UTF-16 code units of the script, so `sql.slice(start, end)` is the text. */
export interface SourceRange {
  start: number;
  end: number;
}

export interface ParsedScript {
  sql: string;
  tree: ProgramContext;
  /** Every token including whitespace and comments (hidden channel), without EOF. */
  tokens: readonly Token[];
  rangeOfToken(token: Token): SourceRange;
  rangeOf(node: NodeWithTokens): SourceRange;
}

// The default channel carries the grammar's tokens; comments and whitespace are hidden.
export const DEFAULT_CHANNEL = 0;

// antlr4ng's PredictionMode values (not re-exported by dt-sql-parser).
const PREDICTION_SLL = 0;
const PREDICTION_LL = 1;
const MAX_EXPECTED_LISTED = 6;

const flink = new FlinkSQL();

type Walkable = Parameters<FlinkSQL['listen']>[1];
type Listener = Parameters<FlinkSQL['listen']>[0];

/** Walks a subtree (one statement) with a FlinkSqlParserListener. */
export function walk(listener: Listener, node: Walkable): void {
  flink.listen(listener, node);
}

/**
 * Parses a whole Flink SQL script, or throws SqlInvalidError with every syntax
 * error's line and column. dt-sql-parser parses in SLL mode, which can reject
 * valid input on ambiguous rules; a failed parse is retried in full LL before
 * the script is called invalid.
 */
export function parseFlinkScript(sql: string): ParsedScript {
  let attempt = parseOnce(sql, PREDICTION_SLL);
  if (attempt.errors.length > 0) attempt = parseOnce(sql, PREDICTION_LL);
  if (attempt.errors.length > 0) throw new SqlInvalidError(dedupe(attempt.errors));

  const toUtf16 = codePointToUtf16(sql);
  const rangeOfToken = (token: Token): SourceRange => ({
    start: toUtf16(token.start),
    end: toUtf16(token.stop + 1),
  });
  return {
    sql,
    tree: attempt.tree,
    tokens: attempt.tokens,
    rangeOfToken,
    rangeOf(node) {
      if (!node.start || !node.stop) throw new Error('parse tree node without tokens');
      return { start: toUtf16(node.start.start), end: toUtf16(node.stop.stop + 1) };
    },
  };
}

function parseOnce(sql: string, predictionMode: number) {
  const errors: SqlErrorPosition[] = [];
  // Lexer errors arrive while the parser is built (it fills the token stream),
  // through dt-sql-parser's listener, whose lexer messages are the readable ones.
  const parser = flink.createParser(sql, (parseError) => {
    errors.push({
      line: parseError.startLine,
      column: parseError.startColumn,
      message: parseError.message,
    });
  });
  // Its parser listener computes suggestions (slow, and it logs to the
  // console); ANTLR's own message is enough to point at the mistake.
  parser.removeErrorListeners();
  parser.addErrorListener(collectingListener(errors));
  parser.interpreter.predictionMode = predictionMode;
  parser.buildParseTrees = true;
  const tree = parser.program();
  const stream = parser.tokenStream;
  const tokens: Token[] = [];
  for (let i = 0; i < stream.size; i++) {
    const token = stream.get(i);
    if (token.type !== EOF) tokens.push(token);
  }
  return { tree, tokens, errors };
}

const EOF = -1;

function collectingListener(errors: SqlErrorPosition[]): ErrorListenerImpl {
  return {
    syntaxError(_recognizer, offendingSymbol, line, charPositionInLine, msg) {
      const offending =
        offendingSymbol instanceof Object && 'text' in offendingSymbol
          ? offendingSymbol.text
          : undefined;
      errors.push({
        line,
        column: charPositionInLine + 1,
        message: readableMessage(msg, typeof offending === 'string' ? offending : undefined),
      });
    },
    reportAmbiguity() {},
    reportAttemptingFullContext() {},
    reportContextSensitivity() {},
  };
}

/** ANTLR lists every keyword it could accept; a long list hides the point. */
function readableMessage(msg: string, offending: string | undefined): string {
  // Semantic predicates inside the grammar fail with the rule's source code as the message.
  if (msg.includes('failed predicate')) {
    if (offending === "'") return "unterminated string literal: a ' without its closing quote";
    return offending ? `unexpected '${offending}'` : 'unexpected input';
  }
  const oneLine = msg.replace(/\s+/g, ' ').replaceAll("'<EOF>'", 'end of script');
  return oneLine.replace(/ expecting \{([^}]*)\}$/, (_all, list: string) => {
    const items = list.split(', ');
    if (items.length <= MAX_EXPECTED_LISTED) return ` expecting one of ${items.join(', ')}`;
    return ` expecting one of ${items.slice(0, MAX_EXPECTED_LISTED).join(', ')}, ...`;
  });
}

function dedupe(errors: SqlErrorPosition[]): SqlErrorPosition[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.line}:${e.column}:${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * ANTLR's character stream counts code points, JavaScript strings count UTF-16
 * units: an emoji in a comment would shift every offset after it.
 */
function codePointToUtf16(sql: string): (codePointIndex: number) => number {
  if (!/[\uD800-\uDFFF]/.test(sql)) return (index) => index;
  const offsets: number[] = [];
  let utf16 = 0;
  for (const ch of sql) {
    offsets.push(utf16);
    utf16 += ch.length;
  }
  offsets.push(utf16);
  return (index) => offsets[index] ?? utf16;
}
