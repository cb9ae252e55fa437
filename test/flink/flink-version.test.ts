import { afterEach, describe, expect, it } from 'vitest';
import { FlinkVersionUnsupportedError } from '../../src/flink/flink-errors.js';
import {
  isSupportedFlink,
  optionsForFlink,
  parseFlinkVersion,
} from '../../src/flink/flink-version.js';
import { SqlGatewayClient } from '../../src/flink/sql-gateway-client.js';
import { FakeFlinkServer, json } from './fake-flink-server.js';

const v = (text: string) => parseFlinkVersion(text)!;

describe('Flink versions', () => {
  it('reads the release numbers clusters report', () => {
    expect(v('1.20.3')).toEqual({ text: '1.20.3', major: 1, minor: 20 });
    expect(v('2.3-SNAPSHOT')).toMatchObject({ major: 2, minor: 3 });
    expect(parseFlinkVersion('<unknown>')).toBeUndefined();
  });

  it('supports 1.20 and 2.x only', () => {
    expect(
      ['1.19.2', '1.20.0', '2.0.0', '2.2.1', '3.0.0'].map((t) => isSupportedFlink(v(t))),
    ).toEqual([false, true, true, true, false]);
  });

  it('sends recovery options under the keys each line reads', () => {
    const config = {
      'pipeline.name': 'p',
      'execution.savepoint.path': 'file:///sp/1',
      'execution.savepoint.ignore-unclaimed-state': 'true',
    };
    expect(optionsForFlink(v('1.20.3'), config)).toEqual(config);
    expect(optionsForFlink(v('2.2.1'), config)).toEqual({
      'pipeline.name': 'p',
      'execution.state-recovery.path': 'file:///sp/1',
      'execution.state-recovery.ignore-unclaimed-state': 'true',
    });
  });
});

describe('SqlGatewayClient and the gateway release (a fake gateway)', () => {
  let server: FakeFlinkServer | undefined;
  let client: SqlGatewayClient | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.stop();
  });

  /** A gateway of `version` that accepts every statement and finishes it at once. */
  async function gateway(version: string) {
    server = new FakeFlinkServer((req, res) => {
      if (req.url === '/v1/info') return json(res, 200, { productName: 'Apache Flink', version });
      if (req.url === '/v2/sessions') return json(res, 200, { sessionHandle: 's-1' });
      if (req.url.endsWith('/statements')) return json(res, 200, { operationHandle: 'op-1' });
      if (req.method === 'DELETE') return json(res, 200, {});
      return json(res, 200, { resultType: 'EOS', jobID: 'a'.repeat(32), results: { data: [] } });
    });
    client = new SqlGatewayClient({ baseUrl: await server.start(), retries: 1, retryDelayMs: 1 });
    return { server, client };
  }
  const sentConfig = (s: FakeFlinkServer) =>
    s.requests
      .filter((r) => r.url.endsWith('/statements'))
      .map((r) => (r.body as { executionConfig: Record<string, string> }).executionConfig);

  for (const [version, key] of [
    ['1.20.3', 'execution.savepoint.path'],
    ['2.2.1', 'execution.state-recovery.path'],
  ] as const) {
    it(`a restore on a ${version} gateway names the savepoint with ${key}, asking the version once`, async () => {
      const { server, client } = await gateway(version);
      const restore = { 'execution.savepoint.path': 'file:///sp/1' };
      await client.submitScript(['CREATE TABLE t (a INT)', 'INSERT INTO t SELECT 1'], restore);
      await client.submitScript(['INSERT INTO t SELECT 1'], restore);
      expect(sentConfig(server)).toEqual([
        {},
        { [key]: 'file:///sp/1' },
        { [key]: 'file:///sp/1' },
      ]);
      expect(server.requests.filter((r) => r.url === '/v1/info')).toHaveLength(1);
    });
  }

  it('refuses to run a pipeline on a release it does not support, naming it, before any DDL', async () => {
    const { server, client } = await gateway('1.18.1');
    const err = await client.submitScript(['INSERT INTO t SELECT 1'], {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlinkVersionUnsupportedError);
    expect((err as FlinkVersionUnsupportedError).userMessage).toBe(
      'The Flink SQL Gateway runs Flink 1.18.1; running a pipeline needs Flink 1.20.x or 2.x. Point the pipeline at a cluster of a supported release (README, "Supported versions") or upgrade this one, then retry.',
    );
    expect(server.requests.map((r) => r.url)).toEqual(['/v1/info']);
  });
});
