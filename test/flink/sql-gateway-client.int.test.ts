import { describe, expect, it } from 'vitest';
import {
  FlinkUnexpectedResponseError,
  SqlScriptInvalidError,
  SqlStatementFailedError,
} from '../../src/flink/flink-errors.js';
import { SqlInvalidError } from '../../src/flink/sql-invalid-error.js';
import { inScript } from '../../src/flink/statement-error-position.js';
import { uniqueName } from '../support/unique-name.js';
import {
  eventually,
  ordersSourceDdl,
  TOTALS_INSERT,
  totalsScript,
  totalsSinkDdl,
  useFlinkTestResources,
  waitForRunningTasks,
} from './flink-test-kit.js';

const GENERATOR =
  "CREATE TABLE gen (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5')";
const BLACKHOLE = "CREATE TABLE sink (n BIGINT) WITH ('connector' = 'blackhole')";

describe('SqlGatewayClient against the real gateway', () => {
  const { rest, gateway, resources } = useFlinkTestResources();

  it('executes DDL and an INSERT in a session; the INSERT returns its job, named by the statement config', async () => {
    const session = await gateway.openSession({ sessionName: uniqueName('evolve-test') });
    try {
      const ddl = await gateway.executeStatement(session, GENERATOR);
      expect(ddl.jobId).toBeUndefined();
      expect(ddl.rows).toEqual([['OK']]);
      await gateway.executeStatement(session, BLACKHOLE);
      const name = uniqueName('evolve-test/execute');
      const insert = await gateway.executeStatement(
        session,
        'INSERT INTO sink SELECT n FROM gen;',
        {
          'pipeline.name': name,
          'parallelism.default': '1',
        },
      );
      expect(insert.jobId).toMatch(/^[0-9a-f]{32}$/);
      resources.job(insert.jobId ?? '');
      expect((await rest.getJob(insert.jobId ?? '')).name).toBe(name);
      // The config belonged to that statement only, not to the session.
      const show = await gateway.executeStatement(session, 'SET');
      expect(show.rows.some((r) => r[0] === 'pipeline.name')).toBe(false);
    } finally {
      await gateway.closeSession(session);
    }
  });

  it('a job keeps running after its session is closed', async () => {
    const session = await gateway.openSession();
    await gateway.executeStatement(session, GENERATOR);
    await gateway.executeStatement(session, BLACKHOLE);
    const insert = await gateway.executeStatement(session, 'INSERT INTO sink SELECT n FROM gen', {
      'pipeline.name': uniqueName('evolve-test/session-close'),
      'parallelism.default': '1',
    });
    const jobId = resources.job(insert.jobId ?? '');
    await waitForRunningTasks(rest, jobId);
    await gateway.heartbeat(session);
    await gateway.closeSession(session);
    // The session is really gone...
    await expect(gateway.heartbeat(session)).rejects.toBeInstanceOf(FlinkUnexpectedResponseError);
    // ...and the job goes on: it completes two more checkpoints (5 s interval) after the close.
    const closedAt = (await rest.getCheckpoints(jobId)).counts.completed;
    await eventually('checkpoints after the session closed', async () =>
      (await rest.getCheckpoints(jobId)).counts.completed >= closedAt + 2 ? true : undefined,
    );
    expect(await rest.getJobState(jobId)).toBe('RUNNING');
  });

  it('submitScript runs the DDL then the INSERT and returns the running job', async () => {
    const input = await resources.topic('gw-in');
    const output = await resources.topic('gw-out');
    const name = uniqueName('evolve-test/submit');
    const { jobId } = await gateway.submitScript(
      totalsScript(input, output, resources.group('gw-g')),
      {
        'pipeline.name': name,
        'parallelism.default': '1',
      },
    );
    resources.job(jobId);
    await waitForRunningTasks(rest, jobId);
    expect((await rest.findJobsByName(name)).map((j) => j.jid)).toEqual([jobId]);
  });

  it('submitScript refuses a script that does not end with the INSERT, before sending anything', async () => {
    const jobsBefore = (await rest.listJobs()).length;
    await expect(gateway.submitScript([GENERATOR, BLACKHOLE], {})).rejects.toBeInstanceOf(
      SqlScriptInvalidError,
    );
    await expect(
      gateway.submitScript([GENERATOR, 'INSERT INTO sink SELECT n FROM gen', BLACKHOLE], {}),
    ).rejects.toMatchObject({ code: 'SQL_INVALID' });
    expect((await rest.listJobs()).length).toBe(jobsBefore);
  });

  it('explain returns the plan of a valid script and submits nothing', async () => {
    const jobsBefore = (await rest.listJobs()).length;
    const plans = await gateway.explain([
      ordersSourceDdl('t-in', 'g'),
      totalsSinkDdl('t-out'),
      TOTALS_INSERT,
    ]);
    expect(plans).toHaveLength(1);
    expect(plans[0]).toContain('== Optimized Execution Plan ==');
    expect(plans[0]).toContain('GroupAggregate');
    expect((await rest.listJobs()).length).toBe(jobsBefore);
  });

  it('a planner error maps to the line and column of the whole script (real planner positions)', async () => {
    const script = [
      `${GENERATOR};`,
      `${BLACKHOLE};`,
      '',
      '-- v2',
      'INSERT INTO sink',
      'SELECT m FROM gen;',
    ].join('\n');
    const statements = script
      .split(';')
      .filter((t) => t.trim() !== '')
      .map((raw) => {
        const text = raw.replace(/^\s*(?:--[^\n]*\n\s*)*/, '');
        return { range: { start: script.indexOf(text) }, text, executable: text };
      });
    const err = await gateway
      .explain(statements.map((st) => st.executable))
      .catch((e: unknown) => inScript(e, script, statements));
    console.log(`[gateway] planner error in the script: ${(err as SqlInvalidError).userMessage}`);
    expect(err).toBeInstanceOf(SqlInvalidError);
    expect((err as SqlInvalidError).positions[0]).toMatchObject({ line: 6, column: 8 });
    expect((err as SqlInvalidError).positions[0]?.message).toMatch(/Column 'm' not found/);
  });

  it.each([
    [
      'an unknown table',
      [GENERATOR, BLACKHOLE, 'INSERT INTO sink SELECT n FROM nope'],
      2,
      "Object 'nope' not found",
    ],
    [
      'an unknown column',
      [GENERATOR, BLACKHOLE, 'INSERT INTO sink SELECT m FROM gen'],
      2,
      "Column 'm' not found",
    ],
    [
      'a syntax error',
      ["CREATE TABLE gen (n BIGINT) WITH ('connector' = 'datagen'", BLACKHOLE],
      0,
      'Encountered',
    ],
    [
      'an unknown connector',
      ["CREATE TABLE gen (n BIGINT) WITH ('connector' = 'nope')", 'INSERT INTO gen SELECT 1'],
      1,
      "'nope'",
    ],
  ])(
    'explain of a script with %s throws the planner’s root cause',
    async (_what, script, index, cause) => {
      const err = await gateway.explain(script).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SqlStatementFailedError);
      const failed = err as SqlStatementFailedError;
      expect(failed.code).toBe('FLINK_STATEMENT_FAILED');
      expect(failed.statementIndex).toBe(index);
      expect(failed.flinkCause).toContain(cause);
      expect(failed.userMessage).toContain(cause);
      expect(failed.userMessage).not.toMatch(/\tat |Exception|SqlGateway/);
    },
  );
});
