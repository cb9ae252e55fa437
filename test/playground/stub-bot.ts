import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the stub bot received, decoded the way a Slack app decodes it. */
export interface ReceivedRequest {
  signatureValid: boolean;
  timestamp: number;
  contentType: string;
  /** Form fields of a slash command (or `payload` as a string for interactions). */
  fields: Record<string, string>;
  /** The JSON of an interaction's `payload` field, when there is one. */
  payload?: Record<string, unknown>;
}

export type StubAnswer = { status?: number; body?: unknown };

/**
 * A tiny Slack app endpoint for tests: checks every request's signature
 * with the signing secret (401 when it does not match, as Bolt does),
 * records it, and answers with what `answer` returns (an empty 200 ack by
 * default).
 */
export class StubBot {
  readonly received: ReceivedRequest[] = [];
  answer: (request: ReceivedRequest) => StubAnswer | Promise<StubAnswer> = () => ({});
  private server: Server | undefined;

  constructor(private readonly signingSecret: string) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req)
        .then(({ status, body }) => {
          if (body === undefined) {
            res.writeHead(status).end();
          } else {
            res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
          }
        })
        .catch(() => res.writeHead(500).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body?: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const timestamp = Number(req.headers['x-slack-request-timestamp']);
    const signature = String(req.headers['x-slack-signature'] ?? '');
    const fields = Object.fromEntries(new URLSearchParams(raw));
    const request: ReceivedRequest = {
      signatureValid: this.verify(raw, timestamp, signature),
      timestamp,
      contentType: String(req.headers['content-type'] ?? ''),
      fields,
      ...(fields.payload !== undefined
        ? { payload: JSON.parse(fields.payload) as Record<string, unknown> }
        : {}),
    };
    this.received.push(request);
    if (!request.signatureValid) return { status: 401 };
    const { status = 200, body } = await this.answer(request);
    return { status, ...(body !== undefined ? { body } : {}) };
  }

  private verify(raw: string, timestamp: number, signature: string): boolean {
    if (!Number.isFinite(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) return false;
    const expected = `v0=${createHmac('sha256', this.signingSecret).update(`v0:${timestamp}:${raw}`).digest('hex')}`;
    return (
      expected.length === signature.length &&
      timingSafeEqual(Buffer.from(expected), Buffer.from(signature))
    );
  }
}
