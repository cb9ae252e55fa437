// Keeps README's configuration reference generated from the zod schema:
// `npx tsx scripts/readme-config.ts` rewrites the section between the
// markers; test/config/readme-config.test.ts fails when it is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { configReferenceMarkdown } from '../src/config/load-config.js';

export const START =
  '<!-- config-reference:start (generated: npx tsx scripts/readme-config.ts) -->';
export const END = '<!-- config-reference:end -->';

export function withReference(readme: string): string {
  const i = readme.indexOf(START);
  const j = readme.indexOf(END);
  if (i < 0 || j < i) throw new Error(`README.md lacks the markers ${START} ... ${END}`);
  return `${readme.slice(0, i + START.length)}\n\n${configReferenceMarkdown().trim()}\n\n${readme.slice(j)}`;
}

if (process.argv[1]?.endsWith('readme-config.ts')) {
  const path = new URL('../README.md', import.meta.url);
  writeFileSync(path, withReference(readFileSync(path, 'utf8')));
  console.log('README.md configuration reference regenerated');
}
