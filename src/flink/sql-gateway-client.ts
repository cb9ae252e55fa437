import { z } from 'zod';
import {
  FlinkUnexpectedResponseError,
  FlinkVersionUnsupportedError,
  SqlScriptInvalidError,
} from './flink-errors.js';
import {
  gatewayInfoSchema,
  hasVersionedOption,
  isSupportedFlink,
  optionsForFlink,
  parseFlinkVersion,
  type FlinkVersion,
} from './flink-version.js';
import { FlinkHttp, type FlinkHttpOptions } from './flink-http.js';
import { collectOperation, type StatementResult } from './gateway-operation.js';
import { openSessionSchema, operationHandleSchema } from './sql-gateway-schemas.js';
import {
  explainStatement,
  isJobStatement,
  isQueryStatement,
  statementBody,
} from './statement-kind.js';

export type { StatementResult } from './gateway-operation.js';

export type SqlGatewayClientOptions = FlinkHttpOptions;

/**
 * Per-statement configuration, sent with the statement only (it does not
 * change the session): `pipeline.name`, `execution.savepoint.path`,
 * `execution.savepoint.ignore-unclaimed-state`, `parallelism.default`, ...
 * Recovery options are named with their Flink 1.x keys; on a Flink 2 gateway
 * they are sent under the 2.x names (flink-version.ts).
 */
export type ExecutionConfig = Record<string, string>;

export interface StatementOptions {
  /** How long to wait for the statement to finish (an INSERT: until its job is submitted). Default 3 min. */
  timeoutMs?: number;
  /** Index in its script, for error messages. */
  statementIndex?: number;
}

export interface SessionOptions {
  sessionName?: string;
  /** Session-wide configuration (applies to every statement of the session). */
  properties?: Record<string, string>;
}

export interface KeepAlive {
  stop(): void;
}

/**
 * Flink SQL Gateway REST API, v2 (the 1.20 gateway serves v1, v2 and v3, the
 * 2.2 gateway v1 to v4, with the same v2 shapes; v2 has everything used here: sessions, heartbeats, statements with a
 * per-statement executionConfig, and paged results with the job id).
 *
 * What happens to a job when its session closes, verified on the local
 * 1.20.3 session cluster (execution.target remote): the job keeps RUNNING
 * and checkpointing after `DELETE /v2/sessions/:handle`. The gateway's
 * idle-session cleanup (sql-gateway.session.idle-timeout, 10 min by default)
 * goes through the same SessionManagerImpl.closeSession (read in the 1.20.3
 * classes; not waited out in a test). A session holds only catalog objects,
 * configuration and operation results, not the job. So submitScript closes
 * its session as soon as it has the job id, and nothing has to heartbeat for
 * a running pipeline; keepAlive() is for long interactive sessions only.
 * Test: test/flink/sql-gateway-client.int.test.ts.
 */
export class SqlGatewayClient {
  private readonly http: FlinkHttp;
  /** The gateway's release, asked once per client (a failed ask is asked again). */
  private version: Promise<FlinkVersion> | undefined;

  constructor(options: SqlGatewayClientOptions) {
    this.http = new FlinkHttp('Flink SQL Gateway', options);
  }

  async openSession(options: SessionOptions = {}): Promise<string> {
    const body: Record<string, unknown> = { properties: options.properties ?? {} };
    if (options.sessionName !== undefined) body.sessionName = options.sessionName;
    // Not idempotent (a retry after a reset would leak a session), but harmless enough
    // that only "never delivered" failures are retried, like any other non-idempotent call.
    const res = await this.http.send({
      method: 'POST',
      path: '/v2/sessions',
      endpoint: 'POST /v2/sessions',
      body,
      idempotent: false,
    });
    return this.http.expect(res, openSessionSchema, [200]).sessionHandle;
  }

  /** The Flink release the gateway runs (`GET /v1/info`). */
  flinkVersion(): Promise<FlinkVersion> {
    this.version ??= this.askVersion().catch((err: unknown) => {
      this.version = undefined;
      throw err;
    });
    return this.version;
  }

  private async askVersion(): Promise<FlinkVersion> {
    const res = await this.http.send({
      method: 'GET',
      path: '/v1/info',
      endpoint: 'GET /v1/info',
      idempotent: true,
    });
    const text = this.http.expect(res, gatewayInfoSchema, [200]).version;
    const version = parseFlinkVersion(text);
    if (!version) {
      throw new FlinkUnexpectedResponseError(
        'Flink SQL Gateway',
        'GET /v1/info',
        200,
        `the version "${text}" is not a Flink release number`,
      );
    }
    return version;
  }

  /** The gateway's release, or FlinkVersionUnsupportedError naming it and `feature`. */
  async supportedVersion(feature: string): Promise<FlinkVersion> {
    const version = await this.flinkVersion();
    if (!isSupportedFlink(version)) {
      throw new FlinkVersionUnsupportedError('Flink SQL Gateway', version.text, feature);
    }
    return version;
  }

  /** Tells the gateway the session is in use (idle sessions expire, 10 min by default). */
  async heartbeat(session: string): Promise<void> {
    const res = await this.http.send({
      method: 'POST',
      path: `/v2/sessions/${encodeURIComponent(session)}/heartbeat`,
      endpoint: 'POST /v2/sessions/:session/heartbeat',
      idempotent: true,
    });
    this.http.expect(res, z.unknown(), [200]);
  }

  /** Heartbeats every `intervalMs` until stopped; failures go to `onError` and do not stop the timer. */
  keepAlive(session: string, intervalMs = 60_000, onError?: (err: unknown) => void): KeepAlive {
    if (!(Number.isFinite(intervalMs) && intervalMs > 0)) {
      throw new RangeError('intervalMs must be a finite number greater than 0');
    }
    const timer = setInterval(() => {
      this.heartbeat(session).catch((err: unknown) => onError?.(err));
    }, intervalMs);
    // A heartbeat alone must not keep the process alive.
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }

  async closeSession(session: string): Promise<void> {
    const res = await this.http.send({
      method: 'DELETE',
      path: `/v2/sessions/${encodeURIComponent(session)}`,
      endpoint: 'DELETE /v2/sessions/:session',
      idempotent: true,
    });
    this.http.expect(res, z.unknown(), [200]);
  }

  /**
   * Runs one statement and waits for it: DDL until done, an INSERT until its
   * job is submitted (its id is in `jobId`). The statement is sent once and
   * never retried after it may have arrived, since a second INSERT would be a
   * second job; after an ambiguous failure look the job up by `pipeline.name`.
   */
  async executeStatement(
    session: string,
    statement: string,
    executionConfig: ExecutionConfig = {},
    options: StatementOptions = {},
  ): Promise<StatementResult> {
    const index = options.statementIndex ?? 0;
    const sessionPath = `/v2/sessions/${encodeURIComponent(session)}`;
    const config = hasVersionedOption(executionConfig)
      ? optionsForFlink(await this.supportedVersion('restoring from a savepoint'), executionConfig)
      : executionConfig;
    const submitted = await this.http.send({
      method: 'POST',
      path: `${sessionPath}/statements`,
      endpoint: 'POST /v2/sessions/:session/statements',
      body: { statement: statementBody(statement), executionConfig: config },
      idempotent: false,
    });
    const operation = this.http.expect(submitted, operationHandleSchema, [200]).operationHandle;
    const operationPath = `${sessionPath}/operations/${encodeURIComponent(operation)}`;
    try {
      return await collectOperation(this.http, operationPath, operation, {
        statement,
        statementIndex: index,
        timeoutMs: options.timeoutMs ?? 180_000,
      });
    } finally {
      // Frees the result on the gateway; the job an INSERT started is not affected.
      await this.http
        .send({
          method: 'DELETE',
          path: `${operationPath}/close`,
          endpoint: 'DELETE /v2/sessions/:session/operations/:operation/close',
          idempotent: true,
        })
        .catch(() => undefined);
    }
  }

  /**
   * Submits a pipeline: every statement but the last in order (DDL, SET,
   * ...), then the last one, which must start the job (INSERT or STATEMENT
   * SET), with `executionConfig`. Returns the job id. The session is closed
   * right after: the job does not depend on it (see the class comment).
   */
  async submitScript(
    statements: readonly string[],
    executionConfig: ExecutionConfig,
    options: SessionOptions & { timeoutMs?: number } = {},
  ): Promise<{ jobId: string }> {
    const last = statements.at(-1);
    if (last === undefined || !isJobStatement(last)) {
      throw new SqlScriptInvalidError(
        'it must end with the INSERT INTO (or STATEMENT SET) that starts the pipeline',
      );
    }
    const early = statements
      .slice(0, -1)
      .findIndex((s) => isJobStatement(s) || isQueryStatement(s));
    if (early >= 0) {
      throw new SqlScriptInvalidError(
        `statement ${early + 1} would start a job before the last statement; a pipeline has exactly one INSERT INTO or STATEMENT SET, at the end`,
      );
    }
    // Before any DDL runs: an unsupported release fails here, naming itself.
    await this.supportedVersion('running a pipeline');
    const session = await this.openSession(options);
    try {
      for (const [statementIndex, statement] of statements.slice(0, -1).entries()) {
        await this.executeStatement(
          session,
          statement,
          {},
          { statementIndex, timeoutMs: options.timeoutMs },
        );
      }
      const result = await this.executeStatement(session, last, executionConfig, {
        statementIndex: statements.length - 1,
        timeoutMs: options.timeoutMs,
      });
      if (!result.jobId) {
        throw new FlinkUnexpectedResponseError(
          'Flink SQL Gateway',
          'GET /v2/sessions/:session/operations/:operation/result/:token',
          200,
          'the INSERT finished without a job id',
        );
      }
      return { jobId: result.jobId };
    } finally {
      await this.closeSession(session).catch(() => undefined);
    }
  }

  /**
   * Dry run: the script's DDL in a throwaway session, then `EXPLAIN` of the
   * statements that would start a job. Nothing is submitted. A rejected
   * statement throws SqlStatementFailedError with the planner's root cause.
   * Returns the plans, one per explained statement.
   *
   * The DDL does run: in the default in-memory catalog it vanishes with the
   * session, but a script that switches to a persistent catalog (Hive, JDBC)
   * would create its tables there.
   */
  async explain(
    statements: readonly string[],
    options: SessionOptions & { timeoutMs?: number } = {},
  ): Promise<string[]> {
    if (statements.length === 0) throw new SqlScriptInvalidError('it has no statements');
    const session = await this.openSession({ sessionName: 'flink-evolve-explain', ...options });
    const plans: string[] = [];
    try {
      for (const [statementIndex, statement] of statements.entries()) {
        const explainable = isJobStatement(statement) || isQueryStatement(statement);
        const sent = explainable ? explainStatement(statement) : statement;
        const result = await this.executeStatement(
          session,
          sent,
          {},
          { statementIndex, timeoutMs: options.timeoutMs },
        );
        if (explainable) plans.push(result.rows.map((r) => String(r[0] ?? '')).join('\n'));
      }
      return plans;
    } finally {
      await this.closeSession(session).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
