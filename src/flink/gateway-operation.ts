import { setTimeout as sleep } from 'node:timers/promises';
import { SqlStatementFailedError } from './flink-errors.js';
import type { FlinkHttp, FlinkResponse } from './flink-http.js';
import { javaCauseChain, javaRootCause } from './java-root-cause.js';
import { fetchResultSchema, type FetchResult } from './sql-gateway-schemas.js';

export interface StatementResult {
  operationHandle: string;
  resultKind: string | undefined;
  /** The Flink job the statement submitted (INSERT, STATEMENT SET). */
  jobId: string | undefined;
  columns: string[];
  rows: unknown[][];
}

/**
 * Reads a gateway operation's result pages (`result/:token`, following
 * nextResultUri) until the end, or until an INSERT's job id: the operation
 * of a streaming query would page for as long as its job runs.
 */
export async function collectOperation(
  http: FlinkHttp,
  operationPath: string,
  operation: string,
  {
    statement,
    statementIndex,
    timeoutMs,
  }: { statement: string; statementIndex: number; timeoutMs: number },
): Promise<StatementResult> {
  const result: StatementResult = {
    operationHandle: operation,
    resultKind: undefined,
    jobId: undefined,
    columns: [],
    rows: [],
  };
  let next: string | undefined = `${operationPath}/result/0?rowFormat=JSON`;
  const started = performance.now();
  let delayMs = 50;
  while (next !== undefined) {
    const res = await http.send({
      method: 'GET',
      path: next,
      endpoint: 'GET /v2/sessions/:session/operations/:operation/result/:token',
      idempotent: true,
    });
    if (res.status !== 200) throw statementFailure(http, res, statement, statementIndex);
    const page: FetchResult = http.expect(res, fetchResultSchema, [200]);
    if (page.resultType === 'NOT_READY') {
      if (performance.now() - started > timeoutMs) {
        await cancelOperation(http, operationPath);
        throw new SqlStatementFailedError(
          `it did not finish within ${Math.round(timeoutMs / 1000)} s and was cancelled; if it was an INSERT, ` +
            'check whether its job was submitted anyway (look it up by pipeline.name) before submitting again',
          statementIndex,
          statement,
        );
      }
      await sleep(delayMs);
      delayMs = Math.min(1000, delayMs * 2);
      next = page.nextResultUri ?? next;
      continue;
    }
    result.resultKind = page.resultKind ?? result.resultKind;
    if (page.results?.columns && result.columns.length === 0)
      result.columns = page.results.columns.map((c) => c.name);
    for (const row of page.results?.data ?? []) result.rows.push(row.fields);
    if (page.jobID) {
      // An INSERT's only row is its job id; a query's rows would stream as long as its job runs.
      result.jobId = page.jobID;
      break;
    }
    next = page.resultType === 'EOS' ? undefined : page.nextResultUri;
  }
  return result;
}

function statementFailure(
  http: FlinkHttp,
  res: FlinkResponse,
  statement: string,
  statementIndex: number,
): Error {
  const errors = (res.body as { errors?: unknown } | undefined)?.errors;
  const trace = Array.isArray(errors)
    ? errors.filter((e): e is string => typeof e === 'string').join('\n')
    : '';
  // The gateway wraps a statement's failure as "Failed to execute the operation";
  // anything else (unknown session, gateway trouble) is not the statement's fault.
  const isStatementFailure = javaCauseChain(trace).some((c) =>
    c.message.startsWith('Failed to execute the operation'),
  );
  if (res.status !== 500 || !isStatementFailure) return http.unexpected(res);
  const root = javaRootCause(trace);
  return new SqlStatementFailedError(root?.message || 'no cause given', statementIndex, statement, {
    cause: trace,
  });
}

async function cancelOperation(http: FlinkHttp, operationPath: string): Promise<void> {
  await http
    .send({
      method: 'POST',
      path: `${operationPath}/cancel`,
      endpoint: 'POST /v2/sessions/:session/operations/:operation/cancel',
      idempotent: true,
    })
    .catch(() => undefined);
}
