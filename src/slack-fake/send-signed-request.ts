import { signSlackRequest } from './sign-slack-request.js';

export interface SignedRequestOptions {
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
  /** Sign with this secret instead (a wrong secret exercises the 401 path). */
  signWith?: string;
}

/** POSTs a form-encoded body to an app's request URL the way Slack does: signed. */
export async function sendSignedRequest(
  url: string,
  body: string,
  signingSecret: string,
  options: SignedRequestOptions = {},
): Promise<Response> {
  const headers = signSlackRequest(body, options.signWith ?? signingSecret, options.timestamp);
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
}
