import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import { parsePipelines, pipelineDefaultsFrom } from '../../src/config/pipelines-file.js';
import { EvolveError } from '../../src/errors.js';
import { aPipeline, V1_SQL, V2_SQL } from '../support/pipeline-fixture.js';
import { disposeRuntime, testRuntime } from '../support/test-runtime.js';
import { uniqueName } from '../support/unique-name.js';
import { RecordingNotifier } from '../support/workflow-world.js';

const CREDENTIAL = 'flink-S3CRET-credential';

/** A host of an attacker's choosing: counts TCP connections and keeps the headers of each request. */
interface Recorder {
  url: string;
  connections: number;
  headers: IncomingHttpHeaders[];
  server: Server;
}

async function recorder(): Promise<Recorder> {
  const r: Recorder = { url: '', connections: 0, headers: [], server: undefined as never };
  r.server = createServer((req, res) => {
    r.headers.push(req.headers);
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end('{"errors":["recorder"]}');
  });
  r.server.on('connection', () => r.connections++);
  await new Promise<void>((done) => r.server.listen(0, '127.0.0.1', done));
  r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
  return r;
}

async function refused(run: () => unknown): Promise<EvolveError> {
  const err = await Promise.resolve()
    .then(run)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(EvolveError);
  expect((err as EvolveError).code).toBe('CONFIG_INVALID');
  return err as EvolveError;
}

/**
 * Issue #11: a pipeline whose flink.gatewayUrl named a host of the
 * registrant's choosing made the bot send `Authorization:
 * <EVOLVE_FLINK_AUTH_HEADER>` there. A runtime on the real stack (Redis)
 * with an auth header and one extra allowed endpoint; a second local server,
 * not allowed, must never see a connection.
 */
describe('Flink endpoint allow-list: credentials go only to allowed endpoints', () => {
  let rt: Runtime;
  let foreign: Recorder;
  let listed: Recorder;

  beforeAll(async () => {
    foreign = await recorder();
    listed = await recorder();
    rt = await testRuntime(new RecordingNotifier(), {
      EVOLVE_FLINK_AUTH_HEADER: `Bearer ${CREDENTIAL}`,
      EVOLVE_FLINK_ALLOWED_URLS: listed.url,
    });
  });
  afterAll(async () => {
    if (rt) await disposeRuntime(rt);
    for (const r of [foreign, listed])
      await new Promise<void>((done) => r.server.close(() => done()));
  });

  it('a pipeline naming the foreign endpoint is refused when parsed, naming field, URL and variable', async () => {
    const yaml = `pipelines:
  revenue:
    flink: { restUrl: ${rt.config.flink.restUrl}, gatewayUrl: ${foreign.url} }
    kafka: { outputTopic: revenue-by-region, keyFormat: json }
    production: { sql: "${V1_SQL}", flinkJobId: "${'a'.repeat(32)}" }
    owners: [U0OWNER1]
    approvers: [U0APPR1]
`;
    const err = await parsePipelines(yaml, {
      fileName: 'pipeline',
      defaults: pipelineDefaultsFrom(rt.config),
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toContain(
      `pipeline: pipeline 'revenue' field 'flink.gatewayUrl' names ${foreign.url}, which is not an allowed Flink endpoint`,
    );
    expect(err?.message).toContain('EVOLVE_FLINK_ALLOWED_URLS');
  });

  it('a stored pipeline pointing there (written before the allow-list) gets no Flink client: develop, the SQL check and the workflow are refused', async () => {
    const name = uniqueName('allow');
    const pipeline = aPipeline({
      name,
      flink: { restUrl: rt.config.flink.restUrl, gatewayUrl: foreign.url },
    });
    await rt.workflow.pipelines.register(pipeline);
    const develop = await refused(() =>
      rt.service.develop({ pipeline: name, sql: V2_SQL, actor: { id: 'U0OWNER1' }, channel: 'C0' }),
    );
    expect(develop.userMessage).toBe(
      `The pipeline's flink.gatewayUrl ${foreign.url} is not an allowed Flink endpoint (allowed: ${rt.config.flink.allowedOrigins.join(', ')}); an administrator adds it to EVOLVE_FLINK_ALLOWED_URLS on the bot and the workers, or registers the pipeline again with an allowed endpoint. Nothing was sent to it.`,
    );
    await refused(() => rt.validateSql(V1_SQL, pipeline));
    await refused(() => rt.workflow.flinkFor(pipeline));
    await refused(() =>
      rt.flinkCluster({ flink: { restUrl: foreign.url, gatewayUrl: foreign.url } }),
    );
    // Refused before anything was recorded: no evolution exists for the pipeline.
    expect((await rt.service.status(name)).evolution).toBeUndefined();
    console.log(
      `foreign endpoint: ${foreign.connections} connections, ${foreign.headers.length} requests`,
    );
    expect(foreign.connections).toBe(0);
    expect(foreign.headers).toEqual([]);
  });

  it('control: an allowed endpoint does receive the Authorization header (so the recorder would have seen it)', async () => {
    const err = await rt
      .validateSql(V1_SQL, { flink: { restUrl: listed.url, gatewayUrl: listed.url } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(EvolveError);
    expect(listed.headers.length).toBeGreaterThan(0);
    expect(listed.headers[0]?.authorization).toBe(`Bearer ${CREDENTIAL}`);
    console.log(
      `listed endpoint: ${listed.connections} connections, ${listed.headers.length} requests, Authorization sent: ${listed.headers[0]?.authorization === `Bearer ${CREDENTIAL}`}`,
    );
    expect(foreign.connections).toBe(0);
  });
});
