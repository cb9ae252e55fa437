/**
 * `npm run bench`: every benchmark, one after the other (they measure time
 * and memory, so never side by side), each in its own process as documented
 * in BENCHMARKS.md. Needs the local stack (`npm run stack -- up`). Ends with
 * the last JSON line of each, so one run can be compared with the next.
 *
 *   npm run bench                 all of them, full size
 *   npm run bench -- slack flink  only those whose file name contains a word given
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const BENCHES: ReadonlyArray<{ file: string; args: string[] }> = [
  { file: 'flink-cutover.ts', args: [] },
  { file: 'cutover-gap.ts', args: [] },
  { file: 'backfill.ts', args: ['--keys=1000000'] },
  { file: 'slack.ts', args: [] },
  { file: 'store-read.ts', args: [] },
];

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx/cli');

function run(file: string, args: string[]): Promise<{ code: number | null; last?: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', tsx, `bench/${file}`, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let last: string | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      process.stdout.write(chunk);
      for (const line of chunk.split('\n')) if (line.trim().startsWith('{')) last = line.trim();
    });
    child.on('exit', (code) => resolve({ code, ...(last ? { last } : {}) }));
  });
}

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const chosen = BENCHES.filter((b) => only.length === 0 || only.some((w) => b.file.includes(w)));
  if (chosen.length === 0) {
    console.error(
      `no bench matches ${only.join(' ')}; known: ${BENCHES.map((b) => b.file).join(', ')}`,
    );
    return 2;
  }
  const summary: string[] = [];
  let failed = 0;
  for (const b of chosen) {
    console.log(`\n=== bench/${b.file} ${b.args.join(' ')}`);
    const { code, last } = await run(b.file, b.args);
    if (code !== 0) failed++;
    summary.push(`${b.file}: ${code === 0 ? (last ?? '(no JSON line)') : `exit ${code}`}`);
  }
  console.log(`\n=== summary\n${summary.join('\n')}`);
  return failed === 0 ? 0 : 1;
}

main().then((code) => process.exit(code));
