import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  HTTPModuleFunctions,
  verifySlackRequest,
  type HTTPReceiver,
  type Logger,
} from '@slack/bolt';
import type { ReplayGuard } from './replay-guard.js';

/** Slack's rule for a request's age, which Bolt 5 applies to the past only. */
export const SLACK_MAX_CLOCK_SKEW_S = 5 * 60;

/**
 * A signature is accepted while its timestamp is within 5 minutes of now on
 * either side, so at most 10 minutes after it is first seen; one minute more
 * covers our own clock stepping.
 */
export const SIGNATURE_MEMORY_MS = (2 * SLACK_MAX_CLOCK_SKEW_S + 60) * 1000;

/** Slack retries an event at once, after 1 minute and after 5, signing each retry anew. */
export const EVENT_MEMORY_MS = 60 * 60 * 1000;

/** Under Slack's 3 s: a Redis that does not answer must not hold the request until Slack gives up. */
const REPLAY_CHECK_BUDGET_MS = 1500;

export interface SlackRequestGuardOptions {
  signingSecret: string;
  /** The receiver's event paths; other routes go straight to Bolt. */
  endpoints: readonly string[];
  replayGuard: ReplayGuard;
  logger: Logger;
  now?: () => number;
}

/**
 * Puts a check in front of Bolt's HTTP request listener for what Bolt 5 does
 * not check (read from its verify-request.js): a timestamp more than 5
 * minutes in the future, and a signed request seen before. Bolt still
 * verifies every request's signature and age after us; we record only
 * signatures that verify, so forged requests cannot fill Redis or pre-empt
 * a genuine one.
 */
export function guardSlackRequests(
  receiver: HTTPReceiver,
  options: SlackRequestGuardOptions,
): void {
  const boltListener = receiver.requestListener;
  receiver.requestListener = (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method?.toUpperCase() !== 'POST' || !options.endpoints.includes(path)) {
      // Synchronously, so Bolt's own routing errors still reach its dispatch error handler.
      boltListener(req, res);
      return;
    }
    screenRequest(req, res, options)
      .then((pass) => {
        if (pass) boltListener(req, res);
      })
      .catch((err: unknown) => {
        options.logger.error('Slack request guard failed; the request was refused', err);
        if (!res.headersSent) answer(res, 503);
      });
  };
}

/** Resolves true when Bolt should take the request; otherwise it has been answered. */
async function screenRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: SlackRequestGuardOptions,
): Promise<boolean> {
  const { logger } = options;
  let rawBody: Buffer;
  try {
    // Bolt reuses a buffered body (rawBody) instead of reading the stream again.
    rawBody = (
      await HTTPModuleFunctions.bufferIncomingMessage(req, HTTPModuleFunctions.defaultBodyLimit)
    ).rawBody;
  } catch (err) {
    const tooLarge = HTTPModuleFunctions.isRawBodyError(err) && err.statusCode === 413;
    answer(res, tooLarge ? 413 : 400);
    return false;
  }
  const signature = req.headers['x-slack-signature'];
  const timestampHeader = req.headers['x-slack-request-timestamp'];
  // Missing headers (and Slack's unsigned ssl_check) are Bolt's to judge.
  if (typeof signature !== 'string' || typeof timestampHeader !== 'string') return true;

  const timestamp = Number(timestampHeader);
  const nowS = Math.floor((options.now ?? Date.now)() / 1000);
  if (timestamp > nowS + SLACK_MAX_CLOCK_SKEW_S) {
    logger.warn(
      `Refused a Slack request timestamped ${timestamp - nowS} s in the future (over ${SLACK_MAX_CLOCK_SKEW_S} s): a forged or pre-signed request, or this server's clock is behind.`,
    );
    answer(res, 401);
    return false;
  }
  const body = rawBody.toString();
  if (!signatureVerifies(options.signingSecret, body, signature, timestamp)) return true;

  if (
    !(await withinBudget(options.replayGuard.firstSeen(`sig:${signature}`, SIGNATURE_MEMORY_MS)))
  ) {
    logger.warn('Refused a replayed Slack request: its signature was already taken.');
    answer(res, 401);
    return false;
  }
  const eventId = eventIdOf(body, req.headers['content-type']);
  if (
    eventId &&
    !(await withinBudget(options.replayGuard.firstSeen(`event:${eventId}`, EVENT_MEMORY_MS)))
  ) {
    // A retry of an event already taken: a 2xx stops Slack's retries, and nothing runs again.
    logger.info(
      `Skipped Slack event ${eventId}: already taken (retry ${String(req.headers['x-slack-retry-num'] ?? '?')}).`,
    );
    answer(res, 200, { 'X-Slack-No-Retry': '1' });
    return false;
  }
  return true;
}

function signatureVerifies(
  signingSecret: string,
  body: string,
  signature: string,
  timestamp: number,
): boolean {
  try {
    verifySlackRequest({
      signingSecret,
      body,
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
    });
    return true;
  } catch {
    return false;
  }
}

/** Events API deliveries carry a stable `event_id` across Slack's retries; commands and interactions are not retried. */
function eventIdOf(body: string, contentType: string | undefined): string | undefined {
  if (!contentType?.startsWith('application/json')) return undefined;
  try {
    const parsed = JSON.parse(body) as { type?: unknown; event_id?: unknown };
    return parsed.type === 'event_callback' && typeof parsed.event_id === 'string'
      ? parsed.event_id
      : undefined;
  } catch {
    return undefined;
  }
}

async function withinBudget<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `the replay check did not answer within ${REPLAY_CHECK_BUDGET_MS} ms (is Redis reachable?)`,
          ),
        ),
      REPLAY_CHECK_BUDGET_MS,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function answer(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, headers);
  res.end();
}
