import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchSqlUrl, type FetchSqlOptions } from '../../src/service/fetch-sql-url.js';
import { EvolveError } from '../../src/errors.js';
import { testPki, type TestPki } from '../support/test-pki.js';

interface Recorder {
  server: Server;
  port: number;
  /** Every request path it received, in order. */
  hits: string[];
}

async function listen(pki: TestPki, handler: (path: string, res: ServerResponse) => void) {
  const hits: string[] = [];
  const server = createServer(
    { cert: readFileSync(pki.serverCertFile), key: readFileSync(pki.serverKeyFile) },
    (req, res) => {
      hits.push(req.url ?? '');
      handler(req.url ?? '', res);
    },
  );
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

// Local https servers (a private CA, certificate for 127.0.0.1) play the SQL
// host and a second, internal one: the allow-list, the address check,
// redirects and the size limit are checked against real TLS, HTTP and name
// resolution, not a mocked client.
describe('fetchSqlUrl', () => {
  let pki: TestPki;
  let sqlHost: Recorder;
  let internal: Recorder;
  let base: string;
  let entry: string;
  let ca: string;
  const fetchFrom = (url: string, allowedHosts: string[], o: Partial<FetchSqlOptions> = {}) =>
    fetchSqlUrl(url, { allowedHosts, ca, ...o });

  beforeAll(async () => {
    pki = testPki();
    ca = readFileSync(pki.caFile, 'utf8');
    internal = await listen(pki, (_path, res) => res.end('SECRET internal answer'));
    sqlHost = await listen(pki, (path, res) => {
      if (path === '/v2.sql') return res.end('INSERT INTO t SELECT 1;');
      const redirects: Record<string, string> = {
        '/moved': '/v2.sql',
        '/metadata': 'https://169.254.169.254/latest/meta-data',
        '/other-port': `https://127.0.0.1:${internal.port}/x`,
        '/by-name': `https://localhost:${sqlHost.port}/v2.sql`,
        '/to-http': `http://127.0.0.1:${sqlHost.port}/v2.sql`,
      };
      if (redirects[path]) {
        res.writeHead(302, { location: redirects[path] });
        return res.end();
      }
      if (path === '/big') return res.end('x'.repeat(2_000));
      res.writeHead(404);
      res.end();
    });
    entry = `127.0.0.1:${sqlHost.port}`;
    base = `https://127.0.0.1:${sqlHost.port}`;
  });
  afterAll(async () => {
    for (const s of [sqlHost, internal])
      if (s) await new Promise<void>((r) => s.server.close(() => r()));
    pki?.dispose();
  });

  it('fetches from an address listed with its port, following a redirect that stays on its origin', async () => {
    expect(await fetchFrom(`${base}/v2.sql`, [entry])).toBe('INSERT INTO t SELECT 1;');
    expect(await fetchFrom(`${base}/moved`, [entry])).toBe('INSERT INTO t SELECT 1;');
  });

  it('checks the certificate: without the CA the fetch fails', async () => {
    expect(await refusal(fetchFrom(`${base}/v2.sql`, [entry], { ca: undefined }))).toMatch(
      /^Could not fetch 127\.0\.0\.1:\d+: /,
    );
  });

  it('refuses localhost, allowed by name, because it resolves to a loopback address; the server hears nothing', async () => {
    const before = sqlHost.hits.length;
    const message = await refusal(
      fetchFrom(`https://localhost:${sqlHost.port}/v2.sql`, [`localhost:${sqlHost.port}`]),
    );
    expect(message).toMatch(
      /^localhost resolves to (127\.0\.0\.1|::1), a loopback address: refused/,
    );
    expect(message).toContain('EVOLVE_SQL_URL_ALLOWED_HOSTS');
    // The address listed, but on another port, does not count.
    expect(
      await refusal(
        fetchFrom(`https://localhost:${sqlHost.port}/v2.sql`, [
          `localhost:${sqlHost.port}`,
          `127.0.0.1:${internal.port}`,
        ]),
      ),
    ).toContain('a loopback address: refused');
    expect(sqlHost.hits.length).toBe(before);
    console.log(`localhost refused: ${message}`);
  });

  it('a bare host means port 443 only; another port of an allowed host is refused; http is refused', async () => {
    const before = sqlHost.hits.length;
    expect(await refusal(fetchFrom(`${base}/v2.sql`, ['127.0.0.1']))).toBe(
      `127.0.0.1:${sqlHost.port} is not an allowed SQL host (allowed: 127.0.0.1). Ask an admin to add it to EVOLVE_SQL_URL_ALLOWED_HOSTS, or paste the SQL.`,
    );
    expect(await refusal(fetchFrom(`https://127.0.0.1:${internal.port}/x`, [entry]))).toContain(
      `127.0.0.1:${internal.port} is not an allowed SQL host`,
    );
    expect(await refusal(fetchFrom(`http://127.0.0.1:${sqlHost.port}/v2.sql`, [entry]))).toBe(
      'Only https URLs can be fetched, not http:.',
    );
    expect(sqlHost.hits.length).toBe(before);
    expect(internal.hits).toEqual([]);
  });

  it('refuses a redirect to another port, host or scheme, before following it', async () => {
    // Even when the redirect's target is itself allowed: redirects stay on the origin asked for.
    const allowed = [entry, `127.0.0.1:${internal.port}`, `localhost:${sqlHost.port}`];
    expect(await refusal(fetchFrom(`${base}/other-port`, allowed))).toContain(
      `redirected to https://127.0.0.1:${internal.port}, another origin: refused`,
    );
    expect(await refusal(fetchFrom(`${base}/by-name`, allowed))).toContain(
      `redirected to https://localhost:${sqlHost.port}, another origin`,
    );
    expect(await refusal(fetchFrom(`${base}/to-http`, allowed))).toContain(
      `redirected to http://127.0.0.1:${sqlHost.port}, another origin`,
    );
    expect(await refusal(fetchFrom(`${base}/metadata`, allowed))).toContain(
      'redirected to https://169.254.169.254, another origin',
    );
    expect(internal.hits).toEqual([]);
  });

  it('refuses a body over the limit, other schemes, credentials, errors; shortens what it echoes', async () => {
    expect(await refusal(fetchFrom(`${base}/big`, [entry], { maxBytes: 1_000 }))).toMatch(
      /limit is 1000|over the 1000-byte limit/,
    );
    expect(await refusal(fetchFrom('file:///etc/passwd', [entry]))).toMatch(/Only https URLs/);
    expect(
      await refusal(fetchFrom(`https://u:p@127.0.0.1:${sqlHost.port}/v2.sql`, [entry])),
    ).toMatch(/Credentials/);
    expect(await refusal(fetchFrom(`${base}/missing`, [entry]))).toMatch(/HTTP 404/);
    const long = `not a url ${'<!channel>'.repeat(100)}`;
    const message = await refusal(fetchFrom(long, [entry]));
    expect(message).toMatch(/is not a URL/);
    expect(message.length).toBeLessThan(250);
    expect(await refusal(fetchFrom(`${base}/v2.sql`, []))).toContain(
      'EVOLVE_SQL_URL_ALLOWED_HOSTS',
    );
  });
});
