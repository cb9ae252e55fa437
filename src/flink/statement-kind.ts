/**
 * The little the gateway client needs to know about a statement before
 * sending it: whether it starts a Flink job. Full analysis (parsing, table
 * roles) lives in analyze-script.ts; this is a guard against submitting a
 * script that would start a job in the middle or none at all.
 */
const LEADING_NOISE = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;

/** The statement without leading whitespace and comments. */
export function statementBody(statement: string): string {
  return statement.replace(LEADING_NOISE, '').replace(/;\s*$/, '');
}

/** INSERT, EXECUTE ..., or a STATEMENT SET: statements the gateway turns into a job. */
export function isJobStatement(statement: string): boolean {
  return /^(?:INSERT|EXECUTE|(?:BEGIN\s+)?STATEMENT\s+SET)\b/i.test(statementBody(statement));
}

/** A query that would start a collecting job if executed; it can only be explained. */
export function isQueryStatement(statement: string): boolean {
  return /^(?:SELECT|WITH|VALUES|\()/i.test(statementBody(statement));
}

/** `EXPLAIN` of a job statement: `EXECUTE STATEMENT SET ...` becomes `EXPLAIN STATEMENT SET ...`. */
export function explainStatement(statement: string): string {
  return `EXPLAIN ${statementBody(statement).replace(/^EXECUTE\s+/i, '')}`;
}
