import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/ops/logger.js';
import { EvolveMetrics } from '../../src/ops/metrics.js';
import { startOpsServer, type OpsServer } from '../../src/ops/ops-server.js';
import { captureLines } from './ops-test-kit.js';

const TOKEN = 'board-token-0123456789abcdef';
const servers: OpsServer[] = [];

async function start(bullBoardToken?: string) {
  const out = captureLines();
  const metrics = new EvolveMetrics({ processMetrics: false });
  metrics.observeJob('deploy', 'LIVE', 12);
  const server = await startOpsServer({
    port: 0,
    host: '127.0.0.1',
    metrics,
    queues: [],
    ...(bullBoardToken ? { bullBoardToken } : {}),
    logger: createLogger(
      loadConfig(bullBoardToken ? { EVOLVE_BULL_BOARD_TOKEN: bullBoardToken } : {}),
      { destination: out },
    ),
  });
  servers.push(server);
  return { server, out, url: (path: string) => `http://127.0.0.1:${server.port}${path}` };
}

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe('ops server', () => {
  it('serves the metrics in the Prometheus text format', async () => {
    const { url } = await start();
    const res = await fetch(url('/metrics'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await res.text()).toMatch(
      /^evolve_step_duration_seconds_count\{step="deploy",outcome="LIVE"\} 1$/m,
    );
    expect((await fetch(url('/metrics'), { method: 'POST' })).status).toBe(405);
    expect((await fetch(url('/elsewhere'))).status).toBe(404);
  });

  it('refuses Bull Board without the token and serves it with the token', async () => {
    const { url, server } = await start(TOKEN);
    expect(server.board).toBe(true);
    const refused = await fetch(url('/queues'));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="bull-board"');
    expect((await fetch(url('/queues/api/queues'))).status).toBe(401);
    const wrong = await fetch(url('/queues'), { headers: { Authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    expect((await fetch(url(`/queues?token=${TOKEN}x`), { redirect: 'manual' })).status).toBe(401);

    const ok = await fetch(url('/queues'), { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await ok.text();
    // The page's assets are under the board's base path, behind the same guard.
    expect(html).toContain('<base href="/queues/"');
    const asset = /src="(static\/js\/main\.[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    expect((await fetch(url(`/queues/${asset}`))).status).toBe(401);
    const script = await fetch(url(`/queues/${asset}`), {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
  });

  it('lets a browser in once with ?token=, through a cookie that is not the token', async () => {
    const { url } = await start(TOKEN);
    const first = await fetch(url(`/queues/queue/x?token=${TOKEN}&tab=1`), { redirect: 'manual' });
    expect(first.status).toBe(303);
    // The token leaves the address bar (history, Referer).
    expect(first.headers.get('location')).toBe('/queues/queue/x?tab=1');
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^evolve_board=[^;]+; Path=\/queues; HttpOnly; SameSite=Strict/);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(';')[0]!;
    const page = await fetch(url('/queues'), { headers: { cookie } });
    expect(page.status).toBe(200);
    const forged = await fetch(url('/queues'), { headers: { cookie: `evolve_board=${TOKEN}` } });
    expect(forged.status).toBe(401);
  });

  it('does not mount Bull Board without a token, and says so in the log', async () => {
    const { url, server, out } = await start();
    expect(server.board).toBe(false);
    expect(
      (await fetch(url('/queues'), { headers: { Authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(404);
    expect(out.records().map((r) => r.msg)).toContain(
      'bull board not mounted: EVOLVE_BULL_BOARD_TOKEN is not set',
    );
  });

  it('closes while a client keeps its connection open', async () => {
    const { url, server } = await start();
    await fetch(url('/metrics'), { headers: { connection: 'keep-alive' } });
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    await expect(fetch(url('/metrics'))).rejects.toThrow();
  });
});
