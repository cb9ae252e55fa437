import { createHmac } from 'node:crypto';

export interface SlackSignatureHeaders {
  'X-Slack-Signature': string;
  'X-Slack-Request-Timestamp': string;
}

/**
 * The headers Slack puts on every request to an app: `v0=` + hex
 * HMAC-SHA256 of `v0:{timestamp}:{raw body}` keyed with the signing secret.
 * `timestamp` is in seconds; pass an old one to exercise replay protection.
 */
export function signSlackRequest(
  body: string,
  signingSecret: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): SlackSignatureHeaders {
  const digest = createHmac('sha256', signingSecret)
    .update(`v0:${timestamp}:${body}`)
    .digest('hex');
  return { 'X-Slack-Signature': `v0=${digest}`, 'X-Slack-Request-Timestamp': String(timestamp) };
}
