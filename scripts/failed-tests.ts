// Prints the failure report of vitest runs again: what vitest's default
// reporter printed from "Failed Suites"/"Failed Tests" to its summary. CI
// shows only the end of its output, far below that report, so `npm test` and
// .ci/second-stack repeat it last and a failure in CI can be read there.
//   npx tsx scripts/failed-tests.ts <vitest-output.log> [...]
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MAX_LINES = 200;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const START = /⎯ Failed (Suites|Tests) \d+ ⎯/;
const END = /^\s*Test Files\s/;

/** The failure report of one vitest output, without colours; none when nothing failed. */
export function failedTests(logPath: string): string[] {
  if (!existsSync(logPath)) return [`${logPath}: no vitest output was written`];
  const lines = readFileSync(logPath, 'utf8').replace(ANSI, '').split('\n');
  const start = lines.findIndex((l) => START.test(l));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && END.test(l));
  const report = lines.slice(start, end < 0 ? undefined : end);
  if (report.length <= MAX_LINES) return report;
  return [...report.slice(0, MAX_LINES), `… ${report.length - MAX_LINES} more lines in ${logPath}`];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const lines = process.argv.slice(2).flatMap(failedTests);
  if (lines.length > 0) console.log(lines.join('\n'));
}
