// The domain (src/evolution) must stay free of infrastructure so that it can
// be reasoned about and unit tested with in-memory fakes. This check fails
// the lint step when a file there imports a transport or client library.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

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
/**
 * Imports point one way: wiring (app, cli) -> Slack (bot, playground) ->
 * application service -> jobs and observer -> adapters (store, kafka,
 * flink) -> domain. A room may not import a room listed here for it.
 */
const LAYERS: Record<string, readonly string[]> = {
  service: ['app', 'cli', 'bot', 'playground', 'slack-writer', 'slack-fake', 'ops'],
  jobs: ['app', 'cli', 'bot', 'playground', 'service'],
  observer: ['app', 'cli', 'bot', 'playground', 'service', 'jobs'],
  'slack-writer': ['app', 'cli', 'service', 'jobs', 'observer'],
  kafka: ['app', 'cli', 'bot', 'service', 'jobs', 'observer', 'slack-writer'],
  flink: ['app', 'cli', 'bot', 'service', 'jobs', 'observer', 'slack-writer'],
};
const src = join(root, 'src');
const layerProblems: string[] = [];
for (const [room, forbidden] of Object.entries(LAYERS)) {
  for (const file of walk(join(src, room))) {
    for (const m of readFileSync(file, 'utf8').matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? '';
      if (!spec.startsWith('.')) continue;
      const target = relative(src, resolve(dirname(file), spec)).split(sep)[0] ?? '';
      if (forbidden.includes(target))
        layerProblems.push(`${relative(root, file)} (${room}) imports '${spec}' (${target})`);
    }
  }
}
if (layerProblems.length > 0) {
  console.error('Imports must point one way (see LAYERS in scripts/check-domain-imports.ts):');
  for (const p of layerProblems) console.error(`  ${p}`);
  console.error('Move the shared part down a layer, or pass it in from the wiring (src/app).');
  process.exit(1);
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
console.log(
  'import check: src/evolution imports no infrastructure; service, jobs, observer, slack-writer, kafka and flink import no layer above them',
);
