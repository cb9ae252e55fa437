import { ErrorCode } from '@slack/web-api';

/** Slack's error string (`thread_not_found`…) of a refused Web API call. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/** Refusals worth trying again later: Slack itself was unwell. */
const TRANSIENT_CODES = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/**
 * Whether a failed post may succeed later (network, 429 beyond the outbox's
 * attempts, Slack's 5xx) or never will (invalid blocks, not in channel…):
 * the writer retries the first and skips the second, so one bad entry
 * cannot stall every thread behind it.
 */
export function isTransientSlackError(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  if (
    code === ErrorCode.RequestError ||
    code === ErrorCode.RateLimitedError ||
    code === ErrorCode.HTTPError
  ) {
    return true;
  }
  if (code === ErrorCode.PlatformError) return TRANSIENT_CODES.has(slackErrorCode(err) ?? '');
  // Not from Slack (Redis, a bug): do not drop the entry.
  return true;
}
