import { signSlackRequest } from '../slack-fake/index.js';

/** What Slack makes of the app's answer to a request it sent. */
export type BotAnswer =
  | { ok: true; status: number; body: unknown }
  | {
      ok: false;
      /** Slack's own words for it, as its client shows them. */
      error: 'operation_timeout' | 'dispatch_failed' | 'http_service_error';
      status?: number;
      detail: string;
    };

/**
 * POSTs a form-encoded body to the bot the way Slack does: signed, and
 * given up on after `timeoutMs` (Slack waits 3 s for the ack). The answer
 * body is parsed as JSON when it is some (an ack with a payload).
 */
export async function sendToBot(
  url: string,
  body: string,
  signingSecret: string,
  timeoutMs: number,
): Promise<BotAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...signSlackRequest(body, signingSecret),
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    return timedOut
      ? {
          ok: false,
          error: 'operation_timeout',
          detail: `the app did not answer within ${timeoutMs} ms`,
        }
      : { ok: false, error: 'dispatch_failed', detail: `the app is not reachable at ${url}` };
  }
  const text = await res.text();
  if (!res.ok) {
    return {
      ok: false,
      error: 'http_service_error',
      status: res.status,
      detail: `the app answered HTTP ${res.status}`,
    };
  }
  return { ok: true, status: res.status, body: parseJson(text) };
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
