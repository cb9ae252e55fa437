import { signSlackRequest } from './sign-slack-request.js';

export interface SignedRequestOptions {
  /** Seconds since the epoch; defaults to now. The same body and timestamp give the same signature (a replay). */
  timestamp?: number;
  /** Sign with this secret instead (a wrong secret exercises the 401 path). */
  signWith?: string;
  /** Sends these signature headers instead of the body's own (a signature lifted from another request). */
  signatureHeaders?: Record<string, string>;
  /** Slack sends commands and interactions form-encoded, Events API deliveries as JSON. */
  contentType?: 'application/x-www-form-urlencoded' | 'application/json';
  /** More headers, e.g. `X-Slack-Retry-Num` on an Events API retry. */
  headers?: Record<string, string>;
}

/** POSTs a body to an app's request URL the way Slack does: signed. */
export async function sendSignedRequest(
  url: string,
  body: string,
  signingSecret: string,
  options: SignedRequestOptions = {},
): Promise<Response> {
  const signature =
    options.signatureHeaders ??
    signSlackRequest(body, options.signWith ?? signingSecret, options.timestamp);
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
      ...signature,
      ...options.headers,
    },
    body,
  });
}
