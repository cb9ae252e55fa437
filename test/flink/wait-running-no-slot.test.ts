import { afterEach, describe, expect, it } from 'vitest';
import { FlinkAdapter } from '../../src/flink/flink-adapter.js';
import { FlinkRestClient } from '../../src/flink/flink-rest-client.js';
import { SqlGatewayClient } from '../../src/flink/sql-gateway-client.js';
import { FakeFlinkServer, json } from './fake-flink-server.js';

// The exception history of a job submitted to a full Flink 1.20.3 cluster
// (standalone, fixed-delay restarts), as GET /jobs/:id/exceptions sent it
// (frames shortened): Flink fails such a job at once and restarts it.
const NO_SLOT_TRACE = `org.apache.flink.runtime.JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=3, backoffTimeMS=2000)
\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:219)
Caused by: java.util.concurrent.CompletionException: java.util.concurrent.CompletionException: org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException: Could not acquire the minimum required resources.
\t... 40 more
Caused by: java.util.concurrent.CompletionException: org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException: Could not acquire the minimum required resources.
\t... 38 more
Caused by: org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException: Could not acquire the minimum required resources.
\tat org.apache.flink.runtime.scheduler.DefaultScheduler.lambda$assignResource$5(DefaultScheduler.java:419)
\t... 36 more
`;
const DIVIDE_TRACE = `java.lang.ArithmeticException: / by zero
\tat StreamExecCalc$6.processElement(Unknown Source)
`;
const JOB = 'a'.repeat(32);

describe('FlinkAdapter.waitRunning on a job that cannot get a task slot (a fake Flink)', () => {
  let server: FakeFlinkServer | undefined;
  let flink: FlinkAdapter | undefined;
  let rest: FlinkRestClient | undefined;

  async function flinkWith(state: string, trace: string, tasks: Record<string, number>) {
    server = new FakeFlinkServer((req, res) => {
      if (req.url.startsWith('/jobs/overview'))
        return json(res, 200, {
          jobs: [{ jid: JOB, name: 'v2', state, 'start-time': 1, 'end-time': -1, tasks }],
        });
      if (req.url.startsWith(`/jobs/${JOB}/exceptions`))
        return json(res, 200, {
          exceptionHistory: {
            entries: [{ exceptionName: 'x', stacktrace: trace, timestamp: 1 }],
          },
        });
      json(res, 404, { errors: ['not found'] });
    });
    const baseUrl = await server.start();
    rest = new FlinkRestClient({ baseUrl, retries: 0, retryDelayMs: 1 });
    flink = new FlinkAdapter(rest, new SqlGatewayClient({ baseUrl }));
    return flink;
  }

  afterEach(async () => {
    await rest?.close();
    await server?.stop();
  });

  it('stops at once on NoResourceAvailableException, and lastFailure names it', async () => {
    const f = await flinkWith('RESTARTING', NO_SLOT_TRACE, { total: 2, canceled: 2 });
    const started = Date.now();
    expect(await f.waitRunning(JOB, 60_000)).toBe('RESTARTING');
    const waited = Date.now() - started;
    console.log(`[no-slot] waitRunning returned RESTARTING after ${waited} ms (limit 60000 ms)`);
    expect(waited).toBeLessThan(5_000);
    expect(await f.lastFailure(JOB)).toBe(
      'NoResourceAvailableException: Could not acquire the minimum required resources.',
    );
  });

  it('waits out its limit for a job restarting for another reason', async () => {
    const f = await flinkWith('RESTARTING', DIVIDE_TRACE, { total: 2, canceled: 2 });
    const started = Date.now();
    expect(await f.waitRunning(JOB, 1_500)).toBe('RESTARTING');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
  });

  it('keeps waiting for a RUNNING job whose tasks deploy, even with an old no-slot failure', async () => {
    const f = await flinkWith('RUNNING', NO_SLOT_TRACE, { total: 2, deploying: 2 });
    const started = Date.now();
    expect(await f.waitRunning(JOB, 1_500)).toBe('INITIALIZING');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
  });
});
