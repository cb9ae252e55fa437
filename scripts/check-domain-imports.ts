// The domain (src/evolution) must stay free of infrastructure so that it can
// be reasoned about and unit tested with in-memory fakes. This check fails
// the lint step when a file there imports a transport or client library.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const FORBIDDEN = [
  /^@slack\//,
  /^bullmq$/,
  /^kafkajs$/,
  /^undici$/,
  /^ioredis$/,
  /^node:(http|https|net)$/,
];
const FORBIDDEN_LOCAL = [/\/(bot|jobs|kafka|flink)\//];

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

const root = new URL('..', import.meta.url).pathname;
const domain = join(root, 'src', 'evolution');
const importRe =
  /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const problems: string[] = [];
for (const file of walk(domain)) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? '';
    if (
      FORBIDDEN.some((re) => re.test(spec)) ||
      (spec.startsWith('.') && FORBIDDEN_LOCAL.some((re) => re.test(spec)))
    ) {
      problems.push(`${relative(root, file)} imports '${spec}'`);
    }
  }
}
if (problems.length > 0) {
  console.error(
    'src/evolution must not import infrastructure (Slack, BullMQ, kafkajs, undici, Redis, HTTP):',
  );
  for (const p of problems) console.error(`  ${p}`);
  console.error(
    'Move the call behind a port in src/evolution/ports and implement it outside the domain.',
  );
  process.exit(1);
}
console.log('domain import check: src/evolution imports no infrastructure');
