import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { ReplayGuard } from './replay-guard.js';

/** Slack redelivers a Socket Mode envelope it got no ack for within seconds; a few minutes cover every redelivery. */
export const ENVELOPE_MEMORY_MS = 10 * 60 * 1000;

/** The context key the Socket Mode receiver fills from each envelope (see createBoltApp). */
export const ENVELOPE_ID_KEY = 'envelopeId';

/**
 * Socket Mode has no signatures to replay, but Slack redelivers an envelope
 * whose ack it did not get in time: the second delivery is acked and runs
 * nothing. Requests without an envelope id (HTTP mode) pass untouched.
 */
export function skipRedeliveredEnvelopes(guard: ReplayGuard): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const envelopeId = args.context[ENVELOPE_ID_KEY];
    if (
      typeof envelopeId !== 'string' ||
      (await guard.firstSeen(`envelope:${envelopeId}`, ENVELOPE_MEMORY_MS))
    ) {
      await args.next();
      return;
    }
    args.logger.info(`Skipped Socket Mode envelope ${envelopeId}: already taken.`);
    if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
  };
}
