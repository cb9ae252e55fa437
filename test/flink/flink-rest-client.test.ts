import { afterEach, describe, expect, it } from 'vitest';
import {
  FlinkUnexpectedResponseError,
  FlinkUnreachableError,
} from '../../src/flink/flink-errors.js';
import { FlinkRestClient, type SavepointProgress } from '../../src/flink/flink-rest-client.js';
import { FakeFlinkServer, json, type FakeHandler } from './fake-flink-server.js';

const JOB = 'a'.repeat(32);
const TRIGGER = 'b'.repeat(32);
const jobsOverview = {
  jobs: [{ jid: JOB, name: 'p', state: 'RUNNING', 'start-time': 1, 'end-time': -1 }],
};

describe('FlinkRestClient over HTTP (a fake Flink)', () => {
  let server: FakeFlinkServer | undefined;
  let client: FlinkRestClient | undefined;

  async function start(
    handler: FakeHandler,
    options: { retries?: number; timeoutMs?: number } = {},
  ) {
    server = new FakeFlinkServer(handler);
    const baseUrl = await server.start();
    client = new FlinkRestClient({
      baseUrl,
      retries: options.retries ?? 3,
      retryDelayMs: 1,
      timeoutMs: options.timeoutMs ?? 5_000,
      headers: { authorization: 'Bearer s3cret-token' },
    });
    return { server, client, baseUrl };
  }

  afterEach(async () => {
    await client?.close();
    await server?.stop();
    client = undefined;
    server = undefined;
  });

  it('retries 503 and succeeds when Flink answers', async () => {
    let calls = 0;
    const { server, client } = await start((_req, res) => {
      calls++;
      if (calls <= 2)
        json(res, 503, {
          errors: ['Service temporarily unavailable due to an ongoing leader election.'],
        });
      else json(res, 200, jobsOverview);
    });
    expect((await client.listJobs()).map((j) => j.jid)).toEqual([JOB]);
    expect(server.requests).toHaveLength(3);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer s3cret-token');
  });

  it("reads a job's state from the overview (live), never from the job details (cached for 3 s); a job not listed is not found", async () => {
    const { server, client } = await start((req, res) => {
      if (req.url === '/jobs/overview')
        json(res, 200, {
          jobs: [
            {
              ...jobsOverview.jobs[0],
              tasks: { total: 2, running: 1, deploying: 1, finished: 0 },
            },
          ],
        });
      else json(res, 500, { errors: ['job details must not be read'] });
    });
    expect(await client.getJobState(JOB)).toBe('RUNNING');
    expect((await client.getJobOverview(JOB)).tasks).toMatchObject({ total: 2, running: 1 });
    expect((await client.waitForJobState(JOB, ['RUNNING'])).state).toBe('RUNNING');
    await expect(client.getJobState('c'.repeat(32))).rejects.toMatchObject({
      code: 'FLINK_JOB_NOT_FOUND',
    });
    expect(server.requests.every((r) => r.url === '/jobs/overview')).toBe(true);
  });

  it('gives up on 502/503/504 after the retries with FlinkUnreachableError', async () => {
    const { server, client } = await start((_req, res) => json(res, 504, {}), { retries: 2 });
    const err = await client.listJobs().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlinkUnreachableError);
    expect(err).toMatchObject({ attempts: 3, endpoint: 'GET /jobs/overview', reason: 'HTTP 504' });
    expect(server.requests).toHaveLength(3);
    expect((err as FlinkUnreachableError).userMessage).not.toContain('s3cret');
  });

  it('never retries a 4xx, and names the status and the endpoint', async () => {
    const { server, client } = await start((_req, res) =>
      json(res, 400, {
        errors: [
          'org.apache.flink.runtime.rest.handler.RestHandlerException: Bad request\n\tat x.y(Z.java:1)',
        ],
      }),
    );
    const err = await client.triggerSavepoint(JOB, { triggerId: TRIGGER }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlinkUnexpectedResponseError);
    expect(err).toMatchObject({
      status: 400,
      endpoint: 'POST /jobs/:jobid/savepoints',
      detail: 'Bad request',
    });
    expect(server.requests).toHaveLength(1);
  });

  it('retries an idempotent request after a timeout, then reports Flink unreachable', async () => {
    // Never answers: every attempt runs into the client's timeout.
    const { server, client } = await start(() => undefined, { retries: 1, timeoutMs: 200 });
    const err = await client.getJob(JOB).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlinkUnreachableError);
    expect(err).toMatchObject({ reason: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(server.requests).toHaveLength(2);
  });

  it('reports a TLS failure as unreachable, with the reason, and does not retry it', async () => {
    const { server, baseUrl } = await start((_req, res) => json(res, 200, jobsOverview));
    // https to a plain-http server: the handshake fails, no request is ever made.
    const address = new URL(baseUrl);
    const tls = new FlinkRestClient({
      baseUrl: `https://${address.host}`,
      retries: 2,
      retryDelayMs: 1,
    });
    try {
      const err = await tls.listJobs().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FlinkUnreachableError);
      expect(err).toMatchObject({ attempts: 1 });
      expect((err as FlinkUnreachableError).reason).toMatch(/SSL|EPROTO|TLS/);
      expect(server.requests).toHaveLength(0);
    } finally {
      await tls.close();
    }
  });

  it('does not resend a non-idempotent request after a reset (it may have taken effect)', async () => {
    const { server, client } = await start((_req, res) => res.socket?.destroy());
    const err = await client
      .disposeSavepoint('file:/savepoints/savepoint-aaaaaa-1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlinkUnreachableError);
    expect(server.requests).toHaveLength(1);
  });

  it('rejects an answer of the wrong shape with FlinkUnexpectedResponseError naming the field', async () => {
    const { client } = await start((_req, res) =>
      json(res, 200, { jobs: [{ jid: JOB, state: 'DANCING' }] }),
    );
    const err = await client.listJobs().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlinkUnexpectedResponseError);
    expect((err as FlinkUnexpectedResponseError).detail).toMatch(/^jobs\.0\./);
  });

  it('sends the client-chosen trigger id with kebab-case savepoint and camelCase stop bodies', async () => {
    const { server, client } = await start((req, res) =>
      json(res, 202, { 'request-id': (req.body as { triggerId: string }).triggerId }),
    );
    await client.triggerSavepoint(JOB, { triggerId: TRIGGER, targetDirectory: 'file:///sp' });
    await client.stopWithSavepoint(JOB, { triggerId: TRIGGER, targetDirectory: 'file:///sp' });
    expect(server.requests.map((r) => [r.method, r.url, r.body])).toEqual([
      [
        'POST',
        `/jobs/${JOB}/savepoints`,
        { 'cancel-job': false, triggerId: TRIGGER, 'target-directory': 'file:///sp' },
      ],
      [
        'POST',
        `/jobs/${JOB}/stop`,
        { drain: false, triggerId: TRIGGER, targetDirectory: 'file:///sp' },
      ],
    ]);
  });

  it('waitForSavepoint reports acknowledged/total subtasks while in progress, then location and size', async () => {
    const location = 'file:/savepoints/savepoint-aaaaaa-0123456789ab';
    let polls = 0;
    const entry = (acknowledged: number, status: string, path: string | null) => ({
      id: 7,
      status,
      is_savepoint: true,
      trigger_timestamp: 1,
      num_subtasks: 3,
      num_acknowledged_subtasks: acknowledged,
      state_size: 4096,
      external_path: path,
    });
    const { client } = await start((req, res) => {
      if (req.url.startsWith(`/jobs/${JOB}/savepoints/`)) {
        polls++;
        if (polls <= 3) json(res, 200, { status: { id: 'IN_PROGRESS' } });
        else json(res, 200, { status: { id: 'COMPLETED' }, operation: { location } });
        return;
      }
      const ack = Math.min(polls, 2);
      const done = polls > 3;
      json(res, 200, {
        counts: {
          restored: 0,
          total: 1,
          in_progress: done ? 0 : 1,
          completed: done ? 1 : 0,
          failed: 0,
        },
        latest: {
          completed: null,
          savepoint: done ? entry(3, 'COMPLETED', location) : null,
          failed: null,
          restored: null,
        },
        history: [done ? entry(3, 'COMPLETED', location) : entry(ack, 'IN_PROGRESS', null)],
      });
    });
    const progress: SavepointProgress[] = [];
    const result = await client.waitForSavepoint(JOB, TRIGGER, {
      pollIntervalMs: 1,
      onProgress: (p) => progress.push(p),
    });
    expect(result).toEqual({ location, sizeBytes: 4096 });
    expect(progress).toEqual([
      { checkpointId: 7, acknowledged: 1, total: 3 },
      { checkpointId: 7, acknowledged: 2, total: 3 },
    ]);
  });

  it('refuses bad options at construction', () => {
    expect(() => new FlinkRestClient({ baseUrl: 'not a url' })).toThrow(/absolute http/);
    expect(() => new FlinkRestClient({ baseUrl: 'ftp://x' })).toThrow(/http or https/);
    expect(() => new FlinkRestClient({ baseUrl: 'http://x', retries: -1 })).toThrow(/retries/);
    expect(() => new FlinkRestClient({ baseUrl: 'http://x', timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});
