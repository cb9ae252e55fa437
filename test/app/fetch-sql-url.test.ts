import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchSqlUrl } from '../../src/app/fetch-sql-url.js';

// A local HTTP server plays the SQL host: the allow-list, redirects and the
// size limit are checked against real HTTP, not a mocked client.
describe('fetchSqlUrl', () => {
  let server: Server;
  let base: string;
  let host: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/v2.sql') return res.end('INSERT INTO t SELECT 1;');
      if (req.url === '/moved') {
        res.writeHead(302, { location: '/v2.sql' });
        return res.end();
      }
      if (req.url === '/elsewhere') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' });
        return res.end();
      }
      if (req.url === '/big') return res.end('x'.repeat(2_000));
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    base = `http://${host}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('fetches from an allowed host, following a redirect that stays on it', async () => {
    expect(await fetchSqlUrl(`${base}/v2.sql`, { allowedHosts: [host] })).toBe(
      'INSERT INTO t SELECT 1;',
    );
    expect(await fetchSqlUrl(`${base}/moved`, { allowedHosts: ['127.0.0.1'] })).toBe(
      'INSERT INTO t SELECT 1;',
    );
  });

  it('refuses a host that is not allowed, before any request', async () => {
    await expect(
      fetchSqlUrl(`${base}/v2.sql`, { allowedHosts: ['sql.example.com'] }),
    ).rejects.toThrow(/not an allowed SQL host \(allowed: sql\.example\.com\)/);
    await expect(fetchSqlUrl(`${base}/v2.sql`, { allowedHosts: [] })).rejects.toThrow(
      /EVOLVE_SQL_URL_ALLOWED_HOSTS/,
    );
  });

  it('refuses a redirect to a host that is not allowed', async () => {
    await expect(fetchSqlUrl(`${base}/elsewhere`, { allowedHosts: [host] })).rejects.toThrow(
      /169\.254\.169\.254 is not an allowed/,
    );
  });

  it('refuses a body over the limit, other schemes, credentials and errors', async () => {
    await expect(
      fetchSqlUrl(`${base}/big`, { allowedHosts: [host], maxBytes: 1_000 }),
    ).rejects.toThrow(/limit is 1000|over the 1000-byte limit/);
    await expect(fetchSqlUrl('file:///etc/passwd', { allowedHosts: [host] })).rejects.toThrow(
      /Only http\(s\)/,
    );
    await expect(
      fetchSqlUrl(`http://u:p@${host}/v2.sql`, { allowedHosts: [host] }),
    ).rejects.toThrow(/Credentials/);
    await expect(fetchSqlUrl(`${base}/missing`, { allowedHosts: [host] })).rejects.toThrow(
      /HTTP 404/,
    );
    await expect(fetchSqlUrl('not a url', { allowedHosts: [host] })).rejects.toThrow(
      /is not a URL/,
    );
  });
});
