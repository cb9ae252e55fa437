import type { Evolution } from '../evolution/evolution.js';
import { approvalMessage, withApprovalDecision } from '../bot/blocks/approval-message.js';
import { milestoneReply } from '../bot/blocks/milestone-reply.js';
import { statusCard } from '../bot/blocks/status-card.js';
import { plain } from '../bot/blocks/listing-messages.js';
import type { OutgoingMessage, SlackOutbox } from './slack-outbox.js';
import type { SlackStreamEntry } from './slack-stream-entry.js';
import type { SlackThreadIds, SlackThreads } from './slack-threads.js';
import { slackErrorCode } from './slack-error-kind.js';

/** The metadata type every thread reply the writer posts carries, with its stream entry id. */
export const ENTRY_METADATA_TYPE = 'evolve_thread_entry';

/** Finds a reply carrying an entry id in a thread (conversations.replies); its ts, or undefined. */
export type FindPostedEntry = (
  thread: SlackThreadIds,
  entryId: string,
  sinceMs: number,
) => Promise<string | undefined>;

export const THREAD_GONE_LINE = '(The earlier thread is gone from Slack; continuing here.)';

/** Slack no longer has the card, the thread or the channel it was in. */
const GONE = new Set(['thread_not_found', 'message_not_found', 'channel_not_found']);

/**
 * Turns one stream entry into Slack calls through the paced outbox: the
 * status card is the thread's parent (created on first need, then edited),
 * milestones and the approval request are replies. A thread Slack no longer
 * has is started again, with a line saying so, and the entry posted there.
 */
export class SlackEntryPoster {
  constructor(
    private readonly outbox: SlackOutbox,
    private readonly threads: SlackThreads,
    private readonly findPosted?: FindPostedEntry,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether a reply for this entry is already in the thread: asked when a
   * writer died after it started posting the entry and before it recorded
   * the result, the one moment Slack alone knows. Cards (edits) are simply
   * redone.
   */
  async alreadyPosted(entry: SlackStreamEntry, entryId: string): Promise<string | undefined> {
    // Announcements are not tagged in a thread: one may show twice after a writer died mid-post.
    if (entry.op === 'card' || entry.op === 'announce' || !this.findPosted) return undefined;
    const thread = await this.threads.get(entry.evolution.id);
    if (!thread) return undefined;
    // The stream id starts with the append time; the reply came after it.
    return this.findPosted(thread, entryId, Number(entryId.split('-')[0]));
  }

  /** Resolves with the ts of what was posted (the card's when only the card changed). */
  async handle(entry: SlackStreamEntry, entryId?: string): Promise<string> {
    if (entry.op === 'announce')
      return (await this.outbox.post(entry.channel, plain(entry.text))).ts;
    const ev = entry.evolution;
    const tag = entryId
      ? { metadata: { event_type: ENTRY_METADATA_TYPE, event_payload: { entry: entryId } } }
      : {};
    switch (entry.op) {
      case 'card':
        return this.inThread(ev, async (t, fresh) => {
          // A card just posted already shows this evolution.
          if (!fresh) await this.outbox.update(t.channel, t.cardTs, this.card(ev));
          await this.closeDecidedApproval(ev, t);
          return t.cardTs;
        });
      case 'milestone':
        return this.inThread(ev, async (t) => {
          const { ts } = await this.outbox.post(
            t.channel,
            { ...milestoneReply(entry.milestone), ...tag },
            t.threadTs,
          );
          return ts;
        });
      case 'approval':
        return this.inThread(ev, (t) => this.postApproval(ev, entry.approval, t, tag));
    }
  }

  private async postApproval(
    ev: Evolution,
    facts: Extract<SlackStreamEntry, { op: 'approval' }>['approval'],
    t: SlackThreadIds,
    tag: Pick<OutgoingMessage, 'metadata'>,
  ): Promise<string> {
    const message = approvalMessage({ ...facts, evolution: ev, now: this.now() });
    const { ts } = await this.outbox.post(
      t.channel,
      { text: message.text, blocks: message.blocks, ...tag },
      t.threadTs,
    );
    await this.threads.setApproval(ev.id, { ts, blocks: message.blocks });
    if (message.diffFile) {
      await this.outbox.uploadFile(
        t.channel,
        {
          ...message.diffFile,
          title: `SQL diff of ${ev.id}`,
          comment: 'The whole SQL diff (too large for the message).',
        },
        t.threadTs,
      );
    }
    return ts;
  }

  /**
   * A decision made anywhere (a click, the CLI) takes the buttons off the
   * request it answers, once: nobody should click a request that is decided.
   * A click's own handler edits the message too; this covers the CLI.
   */
  private async closeDecidedApproval(ev: Evolution, t: SlackThreadIds): Promise<void> {
    const a = ev.approval;
    if (!a?.decision || !a.decidedBy || a.decidedAt === undefined) return;
    const posted = await this.threads.approval(ev.id);
    const shown = `${a.decision} ${a.decidedBy} ${a.decidedAt}`;
    if (!posted || posted.closed === shown) return;
    const outcome = {
      evolutionId: ev.id,
      decision: a.decision,
      decidedBy: a.decidedBy,
      decidedAt: a.decidedAt,
    };
    await this.outbox.update(t.channel, posted.ts, {
      text: `${a.decision === 'approved' ? 'Approved' : 'Rejected'} by <@${a.decidedBy}>`,
      blocks: withApprovalDecision(posted.blocks, outcome),
    });
    await this.threads.setApproval(ev.id, { ...posted, closed: shown });
  }

  /** Runs `act` in the evolution's thread; once more in a new thread if Slack lost the old one. */
  private async inThread(
    ev: Evolution,
    act: (t: SlackThreadIds, fresh: boolean) => Promise<string>,
  ): Promise<string> {
    const known = await this.known(ev);
    if (!known) return act(await this.startThread(ev, false), true);
    try {
      return await act(known, false);
    } catch (err) {
      if (!GONE.has(slackErrorCode(err) ?? '')) throw err;
      await this.threads.forget(ev.id);
      return act(await this.startThread(ev, true), true);
    }
  }

  /** The writer's ids; else those an older bot stored on the evolution record. */
  private async known(ev: Evolution): Promise<SlackThreadIds | undefined> {
    const ids = await this.threads.get(ev.id);
    if (ids) return ids;
    const { channel, threadTs, statusMessageTs } = ev.slack;
    return threadTs && statusMessageTs ? { channel, threadTs, cardTs: statusMessageTs } : undefined;
  }

  private async startThread(ev: Evolution, gone: boolean): Promise<SlackThreadIds> {
    const { ts } = await this.outbox.post(ev.slack.channel, this.card(ev));
    const ids = { channel: ev.slack.channel, threadTs: ts, cardTs: ts };
    await this.threads.set(ev.id, ids);
    if (gone) await this.outbox.post(ids.channel, { text: THREAD_GONE_LINE }, ids.threadTs);
    return ids;
  }

  private card(ev: Evolution) {
    return statusCard({ evolution: ev, now: this.now() });
  }
}
