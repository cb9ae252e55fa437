import { EvolveError } from '../errors.js';

/** A place in the script, 1-based like an editor shows it. */
export interface SqlErrorPosition {
  line: number;
  column: number;
  message: string;
}

const MAX_LISTED = 3;

/**
 * The SQL cannot become a pipeline: it does not parse, or it parses but does
 * not have the shape the product needs (one INSERT into one Kafka topic).
 * `positions` lets the Slack modal point at the offending places.
 */
export class SqlInvalidError extends EvolveError {
  readonly positions: readonly SqlErrorPosition[];

  constructor(
    positions: readonly SqlErrorPosition[],
    userMessage?: string,
    options?: { cause?: unknown },
  ) {
    super('SQL_INVALID', userMessage ?? describePositions(positions), options);
    this.positions = positions;
  }
}

function describePositions(positions: readonly SqlErrorPosition[]): string {
  const listed = positions
    .slice(0, MAX_LISTED)
    .map((p) => `Line ${p.line}, column ${p.column}: ${p.message}`);
  const more =
    positions.length > MAX_LISTED ? ` (and ${positions.length - MAX_LISTED} more errors)` : '';
  return `${listed.join('\n')}${more}\nFix the SQL and submit it again.`;
}
