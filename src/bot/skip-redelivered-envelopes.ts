import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { ReplayGuard } from './replay-guard.js';
import { EVENT_MEMORY_MS } from './slack-request-guard.js';

/** Slack redelivers a Socket Mode envelope it got no ack for within seconds; a few minutes cover every redelivery. */
export const ENVELOPE_MEMORY_MS = 10 * 60 * 1000;

/** The context key the Socket Mode receiver fills from each envelope (see createBoltApp). */
export const ENVELOPE_ID_KEY = 'envelopeId';

/**
 * Socket Mode has no signatures to replay, but Slack redelivers an envelope
 * whose ack it did not get in time, and retries an Events API event (same
 * `event_id`): a delivery seen before is acked and runs nothing. Requests
 * without an envelope id (HTTP mode, screened in front of Bolt) pass untouched.
 */
export function skipRedeliveredEnvelopes(guard: ReplayGuard): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const envelopeId = args.context[ENVELOPE_ID_KEY];
    if (typeof envelopeId !== 'string') {
      await args.next();
      return;
    }
    const seen = !(await guard.firstSeen(`envelope:${envelopeId}`, ENVELOPE_MEMORY_MS));
    const eventId = eventIdOf(args.body);
    const eventSeen =
      !seen &&
      eventId !== undefined &&
      !(await guard.firstSeen(`event:${eventId}`, EVENT_MEMORY_MS));
    if (!seen && !eventSeen) {
      await args.next();
      return;
    }
    args.logger.info(
      `Skipped Socket Mode envelope ${envelopeId}${eventId ? ` (event ${eventId})` : ''}: already taken.`,
    );
    if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
  };
}

function eventIdOf(body: unknown): string | undefined {
  const { type, event_id: id } = (body ?? {}) as { type?: unknown; event_id?: unknown };
  return type === 'event_callback' && typeof id === 'string' ? id : undefined;
}
