import { EvolveError } from '../errors.js';

/** A place in the script, 1-based like an editor shows it. */
export interface SqlErrorPosition {
  line: number;
  column: number;
  message: string;
}

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

/**
 * The first error only, and how many follow: a parser that lost its way
 * reports a cascade the first error caused, which reads as noise.
 */
function describePositions(positions: readonly SqlErrorPosition[]): string {
  const first = positions[0];
  if (!first) return 'The SQL is not valid. Fix it and submit it again.';
  return `Line ${first.line}, column ${first.column}: ${first.message}${laterErrors(positions.length - 1)}\nFix the SQL and submit it again.`;
}

/** " (1 more error after it, …)": errors after the first, which it often causes. */
export function laterErrors(count: number): string {
  if (count <= 0) return '';
  return ` (${count} more error${count === 1 ? '' : 's'} after it, often caused by this one)`;
}
