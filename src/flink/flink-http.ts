import type { ConnectionOptions } from 'node:tls';
import { Agent, request } from 'undici';
import type { z } from 'zod';
import {
  FlinkUnexpectedResponseError,
  FlinkUnreachableError,
  type FlinkEndpoint,
  type FlinkService,
} from './flink-errors.js';
import { javaRootCauseLine } from './java-root-cause.js';
import { withRetry } from './retry.js';

export type FlinkTlsOptions = Pick<
  ConnectionOptions,
  'ca' | 'cert' | 'key' | 'passphrase' | 'rejectUnauthorized' | 'servername'
>;

export interface FlinkHttpOptions {
  /** e.g. `https://flink.example.com/` ; a path prefix (behind a proxy) is kept. */
  baseUrl: string;
  /** Sent with every request (e.g. Authorization); never shown in messages. */
  headers?: Record<string, string>;
  /** Per attempt, for the response headers and for each gap in the body. Default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt on transient failures. Default 3. */
  retries?: number;
  /** First backoff delay, doubled per retry. Default 250 ms. */
  retryDelayMs?: number;
  tls?: FlinkTlsOptions;
}

export interface FlinkRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path below the base URL, with its query string. */
  path: string;
  /** Route for messages and errors: "POST /jobs/:jobid/stop". */
  endpoint: FlinkEndpoint;
  body?: unknown;
  /**
   * Whether sending the request twice does no harm. Requests that are not
   * (submitting an INSERT, disposing a savepoint) are retried only when they
   * certainly never reached the server (connection refused), never after a
   * reset or a timeout, because the first attempt may have taken effect.
   */
  idempotent: boolean;
}

export interface FlinkResponse {
  status: number;
  body: unknown;
  endpoint: FlinkEndpoint;
}

/** The request never left: safe to retry even when not idempotent. */
const NOT_DELIVERED = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
]);
/** The request may have arrived: retry only when idempotent. */
const MAYBE_DELIVERED = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
/** A proxy or load balancer in front of Flink could not reach it. */
const TRANSIENT_STATUS = new Set([502, 503, 504]);

class TransientStatus extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/** JSON over HTTP to a Flink endpoint: timeouts, retries, and Flink's error bodies made readable. */
export class FlinkHttp {
  readonly origin: string;
  private readonly basePath: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly agent: Agent;

  constructor(
    readonly service: FlinkService,
    options: FlinkHttpOptions,
  ) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch (err) {
      throw new TypeError(`${service} baseUrl must be an absolute http(s) URL`, { cause: err });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`${service} baseUrl must use http or https, not ${url.protocol}`);
    }
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = options.retries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 250;
    if (!(Number.isFinite(this.timeoutMs) && this.timeoutMs > 0)) {
      throw new RangeError('timeoutMs must be a finite number greater than 0');
    }
    if (!(Number.isInteger(this.retries) && this.retries >= 0)) {
      throw new RangeError('retries must be an integer >= 0');
    }
    if (!(Number.isFinite(this.retryDelayMs) && this.retryDelayMs >= 0)) {
      throw new RangeError('retryDelayMs must be a finite number >= 0');
    }
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.headers = { ...options.headers };
    this.agent = new Agent({
      connect: { timeout: this.timeoutMs, ...options.tls },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
  }

  async send(req: FlinkRequest): Promise<FlinkResponse> {
    let attempts = 0;
    try {
      return await withRetry(
        async () => {
          attempts++;
          const res = await this.once(req);
          if (TRANSIENT_STATUS.has(res.status)) throw new TransientStatus(res.status);
          return res;
        },
        {
          retries: this.retries,
          baseDelayMs: this.retryDelayMs,
          isTransient: (err) => isTransient(err, req.idempotent),
        },
      );
    } catch (err) {
      // Everything thrown here means no usable HTTP answer: refused, reset, timed out, TLS
      // refused, or a proxy's 502/503/504.
      throw new FlinkUnreachableError(
        this.service,
        this.origin,
        req.endpoint,
        attempts,
        failureReason(err),
        { cause: err },
      );
    }
  }

  /** The body, validated; any other status or shape is a FlinkUnexpectedResponseError. */
  expect<T>(
    res: FlinkResponse,
    schema: z.ZodType<T>,
    okStatuses: readonly number[] = [200, 201, 202],
  ): T {
    if (!okStatuses.includes(res.status)) throw this.unexpected(res);
    const parsed = schema.safeParse(res.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
      throw new FlinkUnexpectedResponseError(
        this.service,
        res.endpoint,
        res.status,
        `${where}: ${issue?.message ?? 'invalid'}`,
        { cause: parsed.error },
      );
    }
    return parsed.data;
  }

  unexpected(res: FlinkResponse): FlinkUnexpectedResponseError {
    return new FlinkUnexpectedResponseError(
      this.service,
      res.endpoint,
      res.status,
      flinkErrorLine(res.body),
      {
        cause: res.body,
      },
    );
  }

  /** Closes the connections; safe to call twice. */
  async close(): Promise<void> {
    if (this.agent.closed || this.agent.destroyed) return;
    await this.agent.close();
  }

  private async once(req: FlinkRequest): Promise<FlinkResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.headers };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] = 'application/json';
    }
    const res = await request(`${this.origin}${this.basePath}${req.path}`, {
      method: req.method,
      headers,
      body,
      dispatcher: this.agent,
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: parseJson(text), endpoint: req.endpoint };
  }
}

/** Flink's error body (`{"errors": [...]}`) as one line; stack traces reduced to their root cause. */
export function flinkErrorLine(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 300) || 'empty body';
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return 'no error details';
  const texts = errors.filter((e): e is string => typeof e === 'string');
  const trace = texts.find((t) => t.includes('\n')) ?? texts.join('; ');
  return javaRootCauseLine(trace, 'no error details');
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function failureReason(err: unknown): string {
  if (err instanceof TransientStatus) return err.message;
  const code = (err as { code?: unknown } | null)?.code;
  const causeCode = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof code === 'string') return code;
  if (typeof causeCode === 'string') return causeCode;
  return err instanceof Error ? err.name : 'unknown error';
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  const causeCode = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  const found =
    typeof code === 'string' ? code : typeof causeCode === 'string' ? causeCode : undefined;
  return found !== undefined && (NOT_DELIVERED.has(found) || MAYBE_DELIVERED.has(found))
    ? found
    : undefined;
}

function isTransient(err: unknown, idempotent: boolean): boolean {
  if (err instanceof TransientStatus) return idempotent;
  const code = errorCode(err);
  if (code === undefined) return false;
  return NOT_DELIVERED.has(code) || (idempotent && MAYBE_DELIVERED.has(code));
}
