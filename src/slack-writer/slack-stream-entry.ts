import type { Evolution } from '../evolution/evolution.js';
import type { Milestone } from '../evolution/ports/notifier.js';
import type { ApprovalMessageInput } from '../bot/blocks/approval-message.js';

/** The facts of an approval request besides the evolution (the writer adds the time it posts). */
export type ApprovalFacts = Omit<ApprovalMessageInput, 'evolution' | 'now' | 'withButtons'>;

/**
 * One update of an evolution's Slack thread, as appended to the stream.
 * Each carries the evolution as the appending process saw it, so the writer
 * renders without reading the store (a card is rendered from the latest one).
 */
export type SlackStreamEntry = ThreadEntry | AnnounceEntry;

export type ThreadEntry =
  | { op: 'card'; evolution: Evolution }
  | { op: 'milestone'; evolution: Evolution; milestone: Milestone }
  | { op: 'approval'; evolution: Evolution; approval: ApprovalFacts };

/** A line in a channel, outside any thread: a pipeline registered or changed from the CLI or the pipelines file. */
export interface AnnounceEntry {
  op: 'announce';
  channel: string;
  text: string;
}

/** The channel an entry goes to ('' when it names none). */
export function entryChannel(entry: SlackStreamEntry): string {
  return entry.op === 'announce' ? entry.channel : entry.evolution.slack.channel;
}

/** Flat field list for XADD. */
export function encodeEntry(entry: SlackStreamEntry): string[] {
  if (entry.op === 'announce')
    return [
      'op',
      'announce',
      'body',
      JSON.stringify({ channel: entry.channel, text: entry.text }),
      'at',
      String(Date.now()),
    ];
  const body =
    entry.op === 'milestone' ? entry.milestone : entry.op === 'approval' ? entry.approval : {};
  return [
    'op',
    entry.op,
    'evolution',
    JSON.stringify(entry.evolution),
    'body',
    JSON.stringify(body),
    'at',
    String(Date.now()),
  ];
}

/** The entry, or undefined for one this version cannot read (it is acknowledged and logged, not retried). */
export function decodeEntry(flat: readonly string[]): SlackStreamEntry | undefined {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i]!, flat[i + 1]!);
  try {
    if (f.get('op') === 'announce') {
      const a = JSON.parse(f.get('body') ?? '{}') as Partial<AnnounceEntry>;
      if (typeof a.channel !== 'string' || !a.channel || typeof a.text !== 'string')
        return undefined;
      return { op: 'announce', channel: a.channel, text: a.text };
    }
    const evolution = JSON.parse(f.get('evolution') ?? 'null') as Evolution | null;
    const body = JSON.parse(f.get('body') ?? '{}') as unknown;
    if (!evolution?.id || !evolution.slack?.channel) return undefined;
    switch (f.get('op')) {
      case 'card':
        return { op: 'card', evolution };
      case 'milestone':
        return { op: 'milestone', evolution, milestone: body as Milestone };
      case 'approval':
        return { op: 'approval', evolution, approval: body as ApprovalFacts };
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}
