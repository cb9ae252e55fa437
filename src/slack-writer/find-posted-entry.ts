import type { WebClient } from '@slack/web-api';
import { ENTRY_METADATA_TYPE, type FindPostedEntry } from './slack-entry-poster.js';

/**
 * Looks through the thread's replies since the entry was appended for one
 * tagged with its id (needs the channels:history / groups:history scopes;
 * without them the writer posts again, as it would have before).
 */
export function findPostedEntry(client: Pick<WebClient, 'conversations'>): FindPostedEntry {
  return async (thread, entryId, sinceMs) => {
    let cursor: string | undefined;
    do {
      const page = await client.conversations.replies({
        channel: thread.channel,
        ts: thread.threadTs,
        oldest: ((sinceMs - 1_000) / 1000).toFixed(6),
        include_all_metadata: true,
        limit: 200,
        ...(cursor ? { cursor } : {}),
      });
      const hit = page.messages?.find(
        (m) =>
          m.metadata?.event_type === ENTRY_METADATA_TYPE &&
          (m.metadata.event_payload as { entry?: unknown } | undefined)?.entry === entryId,
      );
      if (hit?.ts) return hit.ts;
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    return undefined;
  };
}
