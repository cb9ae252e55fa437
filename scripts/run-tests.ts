// `npm test`: the whole suite on a fresh machine. Brings the local stack up
// if it is not (and takes down again only what it started), checks types,
// lint and the domain dependency rule, runs unit and integration tests, and
// ends with one line "tests: N passed, N failed[, N skipped]", then, if any
// failed, vitest's failure report once more (scripts/failed-tests.ts).
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { failedTests } from './failed-tests.js';

const args = process.argv.slice(2);
const keepStack = args.includes('--keep-stack') || process.env.EVOLVE_KEEP_STACK === '1';
const vitestArgs = args.filter((a) => a !== '--keep-stack');
const useContainers = process.env.EVOLVE_TEST_STACK === 'testcontainers';

function run(what: string, command: string, commandArgs: string[]): number {
  console.log(`\n=== ${what}: ${command} ${commandArgs.join(' ')}`);
  const started = Date.now();
  const r = spawnSync(command, commandArgs, { stdio: 'inherit' });
  console.log(
    `=== ${what}: exit ${r.status ?? r.signal} in ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
  return r.status ?? 1;
}

/** Like `run`, its output also written to `logPath` (the failure report is read back from it). */
async function runLogged(
  what: string,
  command: string,
  commandArgs: string[],
  logPath: string,
): Promise<number> {
  console.log(`\n=== ${what}: ${command} ${commandArgs.join(' ')}`);
  const started = Date.now();
  const log = createWriteStream(logPath);
  const child = spawn(command, commandArgs, {
    stdio: ['inherit', 'pipe', 'pipe'],
    // Piped, vitest would drop its colours on a terminal; the log is read without them anyway.
    env: process.stdout.isTTY ? { ...process.env, FORCE_COLOR: '1' } : process.env,
  });
  child.stdout.on('data', (d: Buffer) => (process.stdout.write(d), log.write(d)));
  child.stderr.on('data', (d: Buffer) => (process.stderr.write(d), log.write(d)));
  const status = await new Promise<number | string>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? signal ?? 1)),
  );
  await new Promise((resolve) => log.end(resolve));
  console.log(`=== ${what}: exit ${status} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return typeof status === 'number' ? status : 1;
}

function stackStatusOk(): boolean {
  return spawnSync('npx', ['tsx', 'stack/stack.ts', 'status'], { stdio: 'ignore' }).status === 0;
}

let startedStack = false;
let failed = false;
try {
  for (const [what, cmd, a] of [
    ['typecheck', 'npx', ['tsc', '--noEmit', '-p', '.']],
    ['lint', 'npx', ['eslint', '.']],
    ['domain imports', 'npx', ['tsx', 'scripts/check-domain-imports.ts']],
  ] as const) {
    if (run(what, cmd, [...a]) !== 0) failed = true;
  }
  if (!useContainers && !stackStatusOk()) {
    startedStack = true;
    if (run('local stack', 'npx', ['tsx', 'stack/stack.ts', 'up']) !== 0) {
      throw new Error('the local stack did not come up; see `npm run stack -- logs`');
    }
  }
  mkdirSync('test-artifacts', { recursive: true });
  const report = 'test-artifacts/vitest.json';
  const output = 'test-artifacts/vitest.log';
  const code = await runLogged(
    'tests',
    'npx',
    [
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
      ...vitestArgs,
    ],
    output,
  );
  if (code !== 0) failed = true;
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
    };
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(
      `\ntests: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`,
    );
    if (r.numPassedTests === 0) failed = true;
    // Repeated last: CI shows the end of its output, far below vitest's own failure report.
    if (code !== 0) console.log(failedTests(output).join('\n'));
  } else {
    console.log('\ntests: 0 passed, 1 failed (vitest wrote no report)');
    failed = true;
  }
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  failed = true;
} finally {
  if (startedStack && !keepStack) run('local stack', 'npx', ['tsx', 'stack/stack.ts', 'down']);
}
process.exitCode = failed ? 1 : 0;
