import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { guardBullBoard } from './bull-board-guard.js';
import type { Logger } from './logger.js';
import type { EvolveMetrics } from './metrics.js';

export const BOARD_PATH = '/queues';

export interface OpsServerOptions {
  /** EVOLVE_METRICS_PORT; 0 picks a free port (tests). */
  port: number;
  /** Interface to listen on; all of them by default, since Prometheus scrapes from another host. */
  host?: string;
  metrics: EvolveMetrics;
  /** Queues shown on Bull Board. */
  queues: readonly Queue[];
  /** EVOLVE_BULL_BOARD_TOKEN; without it the board is not mounted at all. */
  bullBoardToken?: string;
  logger: Logger;
}

export interface OpsServer {
  port: number;
  /** Whether Bull Board is served under /queues. */
  board: boolean;
  close(): Promise<void>;
}

type NodeHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

function boardHandler(queues: readonly Queue[]): NodeHandler {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(BOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
  // An Express app, which is itself a plain (req, res, next) handler.
  return adapter.getRouter() as NodeHandler;
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/plain; charset=utf-8',
) {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

/**
 * The operations endpoint of a process: `GET /metrics` for Prometheus and,
 * when a token is configured, Bull Board under /queues behind it.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const log = options.logger.child({ component: 'ops-server' });
  const token = options.bullBoardToken;
  const board = token ? boardHandler(options.queues) : undefined;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://ops.invalid');
    if (url.pathname === '/metrics') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        return send(res, 405, 'GET /metrics\n');
      }
      options.metrics.render().then(
        (text) => send(res, 200, req.method === 'HEAD' ? '' : text, options.metrics.contentType),
        (err: unknown) => {
          log.error({ err }, 'metrics scrape failed');
          send(res, 500, 'metrics are unavailable; see the process log\n');
        },
      );
      return;
    }
    if (url.pathname === BOARD_PATH || url.pathname.startsWith(`${BOARD_PATH}/`)) {
      if (!board || !token) return send(res, 404, 'Not found\n');
      const verdict = guardBullBoard(req, res, url, token);
      if (verdict !== 'allowed') {
        if (verdict === 'refused')
          log.debug(
            { method: req.method, path: url.pathname },
            'bull board: refused a request without the token',
          );
        return;
      }
      // What an Express mount does: the board's routes are relative to its base path.
      req.url = `${url.pathname.slice(BOARD_PATH.length) || '/'}${url.search}`;
      board(req, res, (err) => {
        if (err) log.error({ err }, 'bull board request failed');
        if (!res.headersSent)
          send(res, err ? 500 : 404, err ? 'Bull Board failed\n' : 'Not found\n');
      });
      return;
    }
    send(res, 404, 'Not found: GET /metrics, or /queues for Bull Board\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, metrics: '/metrics' }, 'ops server listening');
  if (board)
    log.info({ path: BOARD_PATH }, 'bull board mounted; it needs the EVOLVE_BULL_BOARD_TOKEN');
  else log.info('bull board not mounted: EVOLVE_BULL_BOARD_TOKEN is not set');

  return {
    port,
    board: board !== undefined,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive connections (a scraper, a browser on the board) would hold close() open.
        server.closeAllConnections();
      }),
  };
}
