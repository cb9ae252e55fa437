import { readFile } from 'node:fs/promises';

export type PlaygroundAssets = ReadonlyMap<string, { contentType: string; body: Buffer }>;

/** The page is plain files next to this module: no bundler, readable as they are served. */
const FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'playground.css': 'text/css; charset=utf-8',
  'playground-app.js': 'text/javascript; charset=utf-8',
  'block-kit.js': 'text/javascript; charset=utf-8',
  'mrkdwn.js': 'text/javascript; charset=utf-8',
  'modal-dialog.js': 'text/javascript; charset=utf-8',
};

/** Read once at start; served at `/<name>` (and `/` for index.html). */
export async function loadPlaygroundAssets(): Promise<PlaygroundAssets> {
  const entries = await Promise.all(
    Object.entries(FILES).map(async ([name, contentType]) => {
      const body = await readFile(new URL(`./assets/${name}`, import.meta.url));
      return [`/${name}`, { contentType, body }] as const;
    }),
  );
  return new Map(entries);
}
