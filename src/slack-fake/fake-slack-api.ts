import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkMessageLimits, checkViewLimits } from './check-message-limits.js';
import { FakeSlackWorkspace, type FakeResponseUrl } from './fake-slack-workspace.js';
import { parseSlackBody, type ParsedSlackBody } from './parse-slack-body.js';
import { webApiMethods, type MethodContext, type MethodResult } from './web-api-methods.js';

export interface FakeSlackApiOptions {
  /** The only token the fake accepts (Authorization: Bearer, or a `token` field). */
  botToken?: string;
  teamId?: string;
  botUserId?: string;
  botId?: string;
  now?: () => number;
}

export interface RecordedCall {
  /** Web API method (`chat.postMessage`), or `response_url` / `file_upload`. */
  method: string;
  args: Record<string, unknown>;
  at: number;
  httpStatus: number;
  ok: boolean;
  error?: string;
}

const MAX_RESPONSE_URL_USES = 5;

const DEFAULTS = {
  botToken: 'xoxb-fake-bot-token',
  teamId: 'T0FAKE',
  botUserId: 'U0BOT',
  botId: 'B0BOT',
} as const;

/**
 * A local stand-in for Slack's Web API, for tests and the playground. It
 * decodes what the real WebClient sends, records every call, keeps the
 * channels' state with edits applied, and can be told to rate-limit.
 */
export class FakeSlackApi {
  readonly workspace: FakeSlackWorkspace;
  readonly calls: RecordedCall[] = [];
  readonly botToken: string;
  readonly teamId: string;
  readonly botUserId: string;
  readonly botId: string;
  private readonly now: () => number;
  private readonly rateLimits = new Map<string, { remaining: number; retryAfterSeconds: number }>();
  private readonly refusals: {
    method: string;
    error: string;
    when: (args: Record<string, unknown>) => boolean;
  }[] = [];
  private server: Server | undefined;
  private baseUrl: string | undefined;
  private beforeAnswer: (() => Promise<void>) | undefined;

  constructor(options: FakeSlackApiOptions = {}) {
    this.botToken = options.botToken ?? DEFAULTS.botToken;
    this.teamId = options.teamId ?? DEFAULTS.teamId;
    this.botUserId = options.botUserId ?? DEFAULTS.botUserId;
    this.botId = options.botId ?? DEFAULTS.botId;
    this.now = options.now ?? Date.now;
    this.workspace = new FakeSlackWorkspace(this.now);
  }

  /** Listens on 127.0.0.1; returns the Web API base URL to give `clientOptions.slackApiUrl`. */
  async start(port = 0): Promise<string> {
    if (this.server) throw new Error('FakeSlackApi is already started; call stop() first.');
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'fatal_error' });
        else res.end();
        void err;
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const { port: bound } = server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${bound}`;
    return this.apiUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Base URL of the Web API, ending in `/api/` like `https://slack.com/api/`. */
  get apiUrl(): string {
    return `${this.origin}/api/`;
  }

  /**
   * Web API calls (and response_url posts) are answered only once `save`
   * resolved: the playground saves its workspace there, so a message the
   * bot was told is posted survives the process being killed right after.
   */
  saveBeforeAnswering(save: () => Promise<void>): void {
    this.beforeAnswer = save;
  }

  /** The next `times` calls of `method` answer HTTP 429 with `Retry-After: retryAfterSeconds`. */
  rateLimitNext(method: string, times: number, retryAfterSeconds: number): void {
    this.rateLimits.set(method, { remaining: times, retryAfterSeconds });
  }

  /**
   * The next call of `method` whose arguments match `when` answers
   * `{ ok: false, error }`, as Slack does for a refused call (not retried by
   * the WebClient, unlike a 429).
   */
  refuseNext(
    method: string,
    error: string,
    when: (args: Record<string, unknown>) => boolean = () => true,
  ): void {
    this.refusals.push({ method, error, when });
  }

  /** A response_url as Slack hands out with commands and interactions; bound to a message for replace_original. */
  createResponseUrl(target: { channel?: string; messageTs?: string } = {}): string {
    const id = this.workspace.nextId('R');
    this.workspace.responseUrls.set(id, { id, ...target, posts: [] });
    return `${this.origin}/response/${id}`;
  }

  /** What was posted to a response_url, in order. */
  responsesTo(responseUrl: string): Record<string, unknown>[] {
    const id = responseUrl.split('/').pop() ?? '';
    return this.workspace.responseUrls.get(id)?.posts ?? [];
  }

  /** GET this URL for the workspace as JSON (what the playground page renders). */
  get stateUrl(): string {
    return `${this.origin}/_fake/state`;
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  setUserGroup(groupId: string, userIds: readonly string[]): void {
    this.workspace.userGroups.set(groupId, [...userIds]);
  }

  /** A person of the workspace, as users.info answers for them. */
  setUser(id: string, name: string): void {
    this.workspace.users.set(id, { name });
  }

  private get origin(): string {
    if (!this.baseUrl) throw new Error('FakeSlackApi is not started; call start() first.');
    return this.baseUrl;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (req.method === 'GET' && path === '/_fake/state') {
      return sendJson(res, 200, this.workspace.snapshot());
    }
    const raw = await readBody(req);
    const body = await parseSlackBody(raw, req.headers['content-type']);
    if (req.method !== 'POST')
      return sendJson(res, 405, { ok: false, error: 'method_not_allowed' });
    const [, kind, name = ''] = path.split('/');
    if (kind === 'api') return this.handleMethod(name, req, body, res);
    if (kind === 'upload') return this.handleUpload(name, body, raw, res);
    if (kind === 'response') return this.handleResponseUrl(name, body, res);
    sendJson(res, 404, { ok: false, error: 'unknown_path' });
  }

  private async handleMethod(
    method: string,
    req: IncomingMessage,
    body: ParsedSlackBody,
    res: ServerResponse,
  ): Promise<void> {
    const { token, ...args } = body.fields;
    const limited = this.rateLimits.get(method);
    if (limited && limited.remaining > 0) {
      limited.remaining -= 1;
      this.record(method, args, 429, { ok: false, error: 'ratelimited' });
      res.setHeader('Retry-After', String(limited.retryAfterSeconds));
      return sendJson(res, 429, { ok: false, error: 'ratelimited' });
    }
    const handler = webApiMethods[method];
    const presented =
      bearer(req.headers.authorization) ?? (typeof token === 'string' ? token : undefined);
    let result: MethodResult;
    if (!handler) result = { ok: false, error: 'unknown_method' };
    else if (presented === undefined) result = { ok: false, error: 'not_authed' };
    else if (presented !== this.botToken) result = { ok: false, error: 'invalid_auth' };
    else {
      const refusal = this.refusals.findIndex((r) => r.method === method && r.when(args));
      if (refusal >= 0) result = { ok: false, error: this.refusals.splice(refusal, 1)[0]!.error };
      else result = handler(args, this.context());
    }
    this.record(method, args, 200, result);
    await this.beforeAnswer?.();
    sendJson(res, 200, result);
  }

  private handleUpload(
    fileId: string,
    body: ParsedSlackBody,
    raw: Buffer,
    res: ServerResponse,
  ): void {
    const file = this.workspace.files.get(fileId);
    const bytes = body.files[0]?.bytes ?? raw;
    if (!file) {
      this.record('file_upload', { fileId }, 404, { ok: false, error: 'file_not_found' });
      res.writeHead(404).end('file not found');
      return;
    }
    file.bytes = bytes;
    this.record('file_upload', { fileId, length: bytes.length }, 200, { ok: true });
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${bytes.length}`);
  }

  private async handleResponseUrl(
    id: string,
    body: ParsedSlackBody,
    res: ServerResponse,
  ): Promise<void> {
    const target = this.workspace.responseUrls.get(id);
    if (!target) {
      this.record('response_url', { id }, 404, { ok: false, error: 'expired_url' });
      res.writeHead(404).end('expired_url');
      return;
    }
    // Slack honours a response_url up to 5 times (within 30 minutes).
    if (target.posts.length >= MAX_RESPONSE_URL_USES) {
      this.record('response_url', { id, ...body.fields }, 404, { ok: false, error: 'used_url' });
      res.writeHead(404).end('used_url');
      return;
    }
    target.posts.push(body.fields);
    this.applyResponse(target, body.fields);
    this.record('response_url', { id, ...body.fields }, 200, { ok: true });
    await this.beforeAnswer?.();
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  }

  /** replace_original edits the message the interaction came from; delete_original removes it. */
  private applyResponse(target: FakeResponseUrl, fields: Record<string, unknown>): void {
    if (!target.channel || !target.messageTs) return;
    if (fields.delete_original === true || fields.delete_original === 'true') {
      this.workspace.deleteMessage(target.channel, target.messageTs);
    } else if (fields.replace_original === true || fields.replace_original === 'true') {
      const limitError = checkMessageLimits(fields.text, fields.blocks);
      if (limitError) return;
      this.workspace.updateMessage({
        channel: target.channel,
        ts: target.messageTs,
        text: typeof fields.text === 'string' ? fields.text : '',
        ...(Array.isArray(fields.blocks) ? { blocks: fields.blocks as unknown[] } : {}),
      });
    }
  }

  private context(): MethodContext {
    return {
      workspace: this.workspace,
      origin: this.origin,
      now: this.now,
      teamId: this.teamId,
      botUserId: this.botUserId,
      botId: this.botId,
      checkMessageLimits,
      checkViewLimits,
    };
  }

  private record(
    method: string,
    args: Record<string, unknown>,
    httpStatus: number,
    result: MethodResult,
  ): void {
    const error = typeof result.error === 'string' ? result.error : undefined;
    this.calls.push({
      method,
      args,
      at: this.now(),
      httpStatus,
      ok: result.ok === true,
      ...(error !== undefined ? { error } : {}),
    });
  }
}

function bearer(header: string | undefined): string | undefined {
  const match = header !== undefined ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
