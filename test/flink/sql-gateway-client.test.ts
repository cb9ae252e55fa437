import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FlinkUnreachableError } from '../../src/flink/flink-errors.js';
import { SqlGatewayClient } from '../../src/flink/sql-gateway-client.js';
import {
  explainStatement,
  isJobStatement,
  isQueryStatement,
  statementBody,
} from '../../src/flink/statement-kind.js';
import { FakeFlinkServer, json, type FakeHandler } from './fake-flink-server.js';

const SESSION = 's-1';
const OP = 'op-1';

describe('SqlGatewayClient over HTTP (a fake gateway)', () => {
  let server: FakeFlinkServer | undefined;
  let client: SqlGatewayClient | undefined;

  async function start(handler: FakeHandler) {
    server = new FakeFlinkServer(handler);
    client = new SqlGatewayClient({ baseUrl: await server.start(), retries: 3, retryDelayMs: 1 });
    return { server, client };
  }

  afterEach(async () => {
    await client?.close();
    await server?.stop();
    client = undefined;
    server = undefined;
  });

  it('follows nextResultUri past NOT_READY and collects every page until EOS', async () => {
    const base = `/v2/sessions/${SESSION}/operations/${OP}`;
    const { server, client } = await start((req, res) => {
      if (req.method === 'POST') return json(res, 200, { operationHandle: OP });
      if (req.method === 'DELETE') return json(res, 200, { status: 'CLOSED' });
      const token = /result\/(\d+)/.exec(req.url)?.[1];
      const page = (resultType: string, data: unknown[], next?: string) =>
        json(res, 200, {
          resultType,
          resultKind: 'SUCCESS_WITH_CONTENT',
          results: { columns: [{ name: 'key' }, { name: 'value' }], data },
          ...(next ? { nextResultUri: `${base}/result/${next}?rowFormat=JSON` } : {}),
        });
      if (token === '0' && server.requests.filter((r) => r.url.includes('result/0')).length === 1) {
        return json(res, 200, {
          resultType: 'NOT_READY',
          nextResultUri: `${base}/result/0?rowFormat=JSON`,
        });
      }
      if (token === '0') return page('PAYLOAD', [{ kind: 'INSERT', fields: ['a', '1'] }], '1');
      if (token === '1') return page('PAYLOAD', [{ kind: 'INSERT', fields: ['b', '2'] }], '2');
      return page('EOS', []);
    });
    const result = await client.executeStatement(SESSION, 'SET;');
    expect(result.columns).toEqual(['key', 'value']);
    expect(result.rows).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(server.requests[0]?.body).toEqual({ statement: 'SET', executionConfig: {} });
    expect(server.requests.at(-1)).toMatchObject({ method: 'DELETE', url: `${base}/close` });
  });

  it('never resends a statement after a reset: a second INSERT would be a second job', async () => {
    const { server, client } = await start((_req, res) => res.socket?.destroy());
    const err = await client
      .executeStatement(SESSION, 'INSERT INTO t SELECT 1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlinkUnreachableError);
    expect(server.requests.filter((r) => r.url.endsWith('/statements'))).toHaveLength(1);
  });

  it('keepAlive heartbeats the session until stopped, and survives a failed heartbeat', async () => {
    let heartbeats = 0;
    const errors: unknown[] = [];
    const { client } = await start((req, res) => {
      if (!req.url.endsWith(`/v2/sessions/${SESSION}/heartbeat`)) return json(res, 404, {});
      heartbeats++;
      if (heartbeats === 1) return json(res, 500, { errors: ['Internal server error.'] });
      json(res, 200, {});
    });
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const keepAlive = client.keepAlive(SESSION, 60_000, (err) => errors.push(err));
      for (let beat = 1; beat <= 3; beat++) {
        vi.advanceTimersByTime(60_000);
        while (heartbeats < beat) await sleep(5);
      }
      while (errors.length < 1) await sleep(5);
      expect(vi.getTimerCount()).toBe(1);
      keepAlive.stop();
      expect(vi.getTimerCount()).toBe(0);
      expect(errors).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('statement kinds', () => {
  it('sees through leading comments and a trailing semicolon', () => {
    expect(statementBody('-- v2\n/* note */  INSERT INTO t SELECT 1;  ')).toBe(
      'INSERT INTO t SELECT 1',
    );
    expect(isJobStatement('-- x\ninsert into t select 1')).toBe(true);
    expect(isJobStatement('EXECUTE STATEMENT SET BEGIN INSERT INTO t SELECT 1; END')).toBe(true);
    expect(isJobStatement("CREATE TABLE t (a INT) WITH ('connector' = 'x')")).toBe(false);
    expect(isJobStatement('INSERTED')).toBe(false);
    expect(isQueryStatement('  SELECT 1')).toBe(true);
  });

  it('explains EXECUTE statements without the EXECUTE', () => {
    expect(
      explainStatement('/* c */ EXECUTE STATEMENT SET BEGIN INSERT INTO t SELECT 1; END;'),
    ).toBe('EXPLAIN STATEMENT SET BEGIN INSERT INTO t SELECT 1; END');
    expect(explainStatement('INSERT INTO t SELECT 1')).toBe('EXPLAIN INSERT INTO t SELECT 1');
  });
});
