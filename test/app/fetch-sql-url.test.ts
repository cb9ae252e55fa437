import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchSqlUrl } from '../../src/app/fetch-sql-url.js';
import { EvolveError } from '../../src/errors.js';

interface Recorder {
  server: Server;
  port: number;
  /** Every request path it received, in order. */
  hits: string[];
}

async function listen(handler: (path: string, res: import('node:http').ServerResponse) => void) {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req.url ?? '', res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, hits } satisfies Recorder;
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EvolveError);
  expect((err as EvolveError).code).toBe('INPUT_INVALID');
  return (err as EvolveError).userMessage;
}

// Local HTTP servers play the SQL host and a second, internal one: the
// allow-list, the address check, redirects and the size limit are checked
// against real HTTP and real name resolution, not a mocked client.
describe('fetchSqlUrl', () => {
  let sqlHost: Recorder;
  let internal: Recorder;
  let base: string;
  let entry: string;

  beforeAll(async () => {
    internal = await listen((_path, res) => res.end('SECRET internal answer'));
    sqlHost = await listen((path, res) => {
      if (path === '/v2.sql') return res.end('INSERT INTO t SELECT 1;');
      const redirects: Record<string, string> = {
        '/moved': '/v2.sql',
        '/metadata': 'http://169.254.169.254/latest/meta-data',
        '/other-port': `http://127.0.0.1:${internal.port}/x`,
        '/by-name': `http://localhost:${sqlHost.port}/v2.sql`,
        '/to-https': `https://127.0.0.1:${sqlHost.port}/v2.sql`,
      };
      if (redirects[path]) {
        res.writeHead(302, { location: redirects[path] });
        return res.end();
      }
      if (path === '/big') return res.end('x'.repeat(2_000));
      res.writeHead(404);
      res.end();
    });
    entry = `http://127.0.0.1:${sqlHost.port}`;
    base = `http://127.0.0.1:${sqlHost.port}`;
  });
  afterAll(async () => {
    for (const s of [sqlHost, internal]) await new Promise<void>((r) => s.server.close(() => r()));
  });

  it('fetches from an address listed with its port, following a redirect that stays on its origin', async () => {
    expect(await fetchSqlUrl(`${base}/v2.sql`, { allowedHosts: [entry] })).toBe(
      'INSERT INTO t SELECT 1;',
    );
    expect(await fetchSqlUrl(`${base}/moved`, { allowedHosts: [entry] })).toBe(
      'INSERT INTO t SELECT 1;',
    );
  });

  it('refuses localhost, allowed by name, because it resolves to a loopback address; the server hears nothing', async () => {
    const before = sqlHost.hits.length;
    const message = await refusal(
      fetchSqlUrl(`http://localhost:${sqlHost.port}/v2.sql`, {
        allowedHosts: [`http://localhost:${sqlHost.port}`],
      }),
    );
    expect(message).toMatch(
      /^localhost resolves to (127\.0\.0\.1|::1), a loopback address: refused/,
    );
    expect(message).toContain('EVOLVE_SQL_URL_ALLOWED_HOSTS');
    expect(sqlHost.hits.length).toBe(before);
    console.log(`localhost refused: ${message}`);
  });

  it('a bare host or host:port means https on that port only; plain http must be listed as http://host:port', async () => {
    const before = sqlHost.hits.length;
    // 127.0.0.1 alone is https on 443: neither http nor another port.
    expect(await refusal(fetchSqlUrl(`${base}/v2.sql`, { allowedHosts: ['127.0.0.1'] }))).toMatch(
      /not an allowed SQL host .*Plain http is fetched only from an entry written http:\/\/host:port/,
    );
    // host:port is https: the same port over http is refused.
    expect(
      await refusal(fetchSqlUrl(`${base}/v2.sql`, { allowedHosts: [`127.0.0.1:${sqlHost.port}`] })),
    ).toMatch(/is not an allowed SQL host/);
    // Another port of an allowed address.
    expect(
      await refusal(fetchSqlUrl(`http://127.0.0.1:${internal.port}/x`, { allowedHosts: [entry] })),
    ).toContain(`http://127.0.0.1:${internal.port} is not an allowed SQL host`);
    expect(sqlHost.hits.length).toBe(before);
    expect(internal.hits).toEqual([]);
  });

  it('refuses a redirect to another port, host or scheme, before following it', async () => {
    const allowedHosts = [
      entry,
      `http://127.0.0.1:${internal.port}`,
      `http://localhost:${sqlHost.port}`,
    ];
    // Even when the redirect's target is itself allowed: redirects stay on the origin asked for.
    expect(await refusal(fetchSqlUrl(`${base}/other-port`, { allowedHosts }))).toContain(
      `redirected to http://127.0.0.1:${internal.port}, another origin: refused`,
    );
    expect(await refusal(fetchSqlUrl(`${base}/by-name`, { allowedHosts }))).toContain(
      'another origin',
    );
    expect(await refusal(fetchSqlUrl(`${base}/to-https`, { allowedHosts }))).toContain(
      'another origin',
    );
    expect(await refusal(fetchSqlUrl(`${base}/metadata`, { allowedHosts }))).toContain(
      'redirected to http://169.254.169.254, another origin',
    );
    expect(internal.hits).toEqual([]);
  });

  it('a name resolving to loopback is fetched only when its addresses themselves are listed', async () => {
    const byName = `http://localhost:${sqlHost.port}`;
    // localhost may resolve to both 127.0.0.1 and ::1: each address must be listed.
    const addresses = [`http://127.0.0.1:${sqlHost.port}`, `http://[::1]:${sqlHost.port}`];
    expect(await fetchSqlUrl(`${byName}/v2.sql`, { allowedHosts: [byName, ...addresses] })).toBe(
      'INSERT INTO t SELECT 1;',
    );
    // The address listed on another port does not count.
    expect(
      await refusal(
        fetchSqlUrl(`${byName}/v2.sql`, {
          allowedHosts: [byName, `http://127.0.0.1:${internal.port}`],
        }),
      ),
    ).toContain('a loopback address: refused');
  });

  it('refuses a body over the limit, other schemes, credentials, errors; shortens what it echoes', async () => {
    await expect(
      fetchSqlUrl(`${base}/big`, { allowedHosts: [entry], maxBytes: 1_000 }),
    ).rejects.toThrow(/limit is 1000|over the 1000-byte limit/);
    expect(await refusal(fetchSqlUrl('file:///etc/passwd', { allowedHosts: [entry] }))).toMatch(
      /Only https URLs/,
    );
    expect(
      await refusal(
        fetchSqlUrl(`http://u:p@127.0.0.1:${sqlHost.port}/v2.sql`, { allowedHosts: [entry] }),
      ),
    ).toMatch(/Credentials/);
    expect(await refusal(fetchSqlUrl(`${base}/missing`, { allowedHosts: [entry] }))).toMatch(
      /HTTP 404/,
    );
    const long = `not a url ${'<!channel>'.repeat(100)}`;
    const message = await refusal(fetchSqlUrl(long, { allowedHosts: [entry] }));
    expect(message).toMatch(/is not a URL/);
    expect(message.length).toBeLessThan(250);
    expect(await refusal(fetchSqlUrl(`${base}/v2.sql`, { allowedHosts: [] }))).toContain(
      'EVOLVE_SQL_URL_ALLOWED_HOSTS',
    );
  });
});
