import type { Logger } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { InMemoryReplayGuard } from '../../src/bot/in-memory-replay-guard.js';
import {
  ENVELOPE_ID_KEY,
  skipRedeliveredEnvelopes,
} from '../../src/bot/skip-redelivered-envelopes.js';

const quiet = { info: () => undefined } as unknown as Logger;

/** What Bolt hands a global middleware, reduced to what this one reads. */
type Args = Parameters<ReturnType<typeof skipRedeliveredEnvelopes>>[0];

function delivery(
  envelopeId: string | undefined,
  counts: { next: number; acks: number },
  body: Record<string, unknown> = { type: 'block_actions' },
): Args {
  return {
    body,
    context: envelopeId === undefined ? {} : { [ENVELOPE_ID_KEY]: envelopeId },
    logger: quiet,
    next: async () => {
      counts.next += 1;
    },
    // Bolt acks Events API deliveries itself: their middleware gets no ack().
    ...(body.type === 'event_callback'
      ? {}
      : {
          ack: async () => {
            counts.acks += 1;
          },
        }),
  } as unknown as Args;
}

describe('skipRedeliveredEnvelopes (Socket Mode)', () => {
  it('passes an envelope on once; its redelivery is acked and reaches no listener', async () => {
    const middleware = skipRedeliveredEnvelopes(new InMemoryReplayGuard());
    const counts = { next: 0, acks: 0 };
    await middleware(delivery('env-1', counts));
    expect(counts).toEqual({ next: 1, acks: 0 });
    await middleware(delivery('env-1', counts));
    expect(counts).toEqual({ next: 1, acks: 1 });
    await middleware(delivery('env-2', counts));
    expect(counts).toEqual({ next: 2, acks: 1 });
  });

  it('a retried event (a new envelope, the same event_id) reaches no listener either', async () => {
    const middleware = skipRedeliveredEnvelopes(new InMemoryReplayGuard());
    const counts = { next: 0, acks: 0 };
    const event = { type: 'event_callback', event_id: 'Ev0RETRY' };
    await middleware(delivery('env-1', counts, event));
    await middleware(delivery('env-2', counts, event));
    expect(counts).toEqual({ next: 1, acks: 0 });
    await middleware(delivery('env-3', counts, { ...event, event_id: 'Ev0OTHER' }));
    expect(counts).toEqual({ next: 2, acks: 0 });
  });

  it('lets every HTTP-mode request through (no envelope id; signatures are guarded in front of Bolt)', async () => {
    const middleware = skipRedeliveredEnvelopes(new InMemoryReplayGuard());
    const counts = { next: 0, acks: 0 };
    await middleware(delivery(undefined, counts));
    await middleware(delivery(undefined, counts));
    expect(counts).toEqual({ next: 2, acks: 0 });
  });
});
