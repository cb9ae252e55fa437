import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import type { PlaygroundAssets } from './playground-assets.js';
import { PlaygroundRequestError, type PlaygroundSession } from './playground-session.js';

const MAX_BODY_BYTES = 1024 * 1024;

const userField = z.string().min(1).max(64);
const commandRequest = z.object({ user: userField, text: z.string().min(1).max(4000) });
const clickRequest = z.object({
  user: userField,
  ts: z.string().regex(/^\d+\.\d+$/),
  actionId: z.string().min(1).max(255),
});
const viewSubmitRequest = z.object({
  user: userField,
  viewId: z.string().min(1).max(64),
  values: z.record(z.string(), z.record(z.string(), z.string().max(10_000))),
});
const viewCloseRequest = z.object({ user: userField, viewId: z.string().min(1).max(64) });
const dismissRequest = z.object({ user: userField, id: z.string().min(1).max(64) });

/** What the page learns once, at load: who it can act as and where. */
export interface PlaygroundConfig {
  users: readonly { id: string; name: string }[];
  channel: { id: string; name: string };
  bot: { id: string; name: string };
  /** The develop modal's field the "Use the demo v2 SQL" button fills, with the SQL. */
  demoFill?: { callbackId: string; blockId: string; actionId: string; sql: string };
}

/**
 * The playground's HTTP surface: the page and its scripts, the state it
 * polls, and one POST per thing a person can do. JSON only (a page on
 * another origin cannot send that without a preflight, which is never
 * answered), and it listens on 127.0.0.1 only.
 */
export function createPlaygroundServer(
  session: PlaygroundSession,
  assets: PlaygroundAssets,
  config: PlaygroundConfig,
): Server {
  const posts: Record<string, (body: unknown) => Promise<unknown>> = {
    '/api/command': async (body) => {
      const req = commandRequest.parse(body);
      return session.command(req.user, req.text);
    },
    '/api/click': async (body) => {
      const req = clickRequest.parse(body);
      return session.click(req.user, { ts: req.ts, actionId: req.actionId });
    },
    '/api/views/submit': async (body) => {
      const req = viewSubmitRequest.parse(body);
      return session.submitView(req.user, req.viewId, req.values);
    },
    '/api/views/close': async (body) => {
      const req = viewCloseRequest.parse(body);
      session.closeView(req.user, req.viewId);
      return { ok: true };
    },
    '/api/ephemerals/dismiss': async (body) => {
      const req = dismissRequest.parse(body);
      session.dismiss(req.user, req.id);
      return { ok: true };
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://playground');
    const path = url.pathname;
    if (req.method === 'GET') {
      if (path === '/api/config') return sendJson(res, 200, config);
      if (path === '/api/state')
        return sendJson(res, 200, session.state(url.searchParams.get('user') ?? ''));
      const file = /^\/api\/files\/([A-Z0-9]+)$/.exec(path);
      if (file?.[1]) return sendFile(res, session.fileBytes(file[1]));
      const asset = assets.get(path === '/' ? '/index.html' : path);
      if (asset) {
        res.writeHead(200, { 'content-type': asset.contentType, 'cache-control': 'no-store' });
        res.end(asset.body);
        return;
      }
      return sendJson(res, 404, { ok: false, error: 'not_found' });
    }
    const route = posts[path];
    if (req.method !== 'POST' || !route)
      return sendJson(res, 404, { ok: false, error: 'not_found' });
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      return sendJson(res, 415, {
        ok: false,
        error: 'Send JSON (content-type: application/json).',
      });
    }
    const body = JSON.parse(await readBody(req)) as unknown;
    sendJson(res, 200, await route(body));
  };

  return createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status =
        err instanceof PlaygroundRequestError
          ? err.status
          : err instanceof z.ZodError || err instanceof SyntaxError
            ? 400
            : 500;
      const message = err instanceof z.ZodError ? z.prettifyError(err) : String(err);
      if (!res.headersSent) sendJson(res, status, { ok: false, error: message });
      else res.end();
    });
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new PlaygroundRequestError(400, 'Request body too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(JSON.stringify(body));
}

function sendFile(
  res: ServerResponse,
  file: { filename: string; bytes: Buffer } | undefined,
): void {
  if (!file) return sendJson(res, 404, { ok: false, error: 'file_not_found' });
  res.writeHead(200, {
    'content-type': 'text/plain; charset=utf-8',
    'content-disposition': `inline; filename="${file.filename.replace(/[^\w.-]/g, '_')}"`,
    'cache-control': 'no-store',
  });
  res.end(file.bytes);
}
