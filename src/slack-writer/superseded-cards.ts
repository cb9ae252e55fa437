import type { SlackStreamEntry } from './slack-stream-entry.js';

/** A card entry followed by a later card of the same evolution in the batch shows nothing new. */
export function supersededCards(
  batch: readonly { id: string; entry: SlackStreamEntry | undefined }[],
): Set<string> {
  const lastCard = new Map<string, string>();
  for (const { id, entry } of batch) {
    if (entry?.op === 'card') lastCard.set(entry.evolution.id, id);
  }
  const superseded = new Set<string>();
  for (const { id, entry } of batch) {
    if (entry?.op === 'card' && lastCard.get(entry.evolution.id) !== id) superseded.add(id);
  }
  return superseded;
}
