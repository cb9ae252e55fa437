import type { Evolution } from '../evolution/evolution.js';
import type { Milestone, Notifier } from '../evolution/ports/notifier.js';
import type { ApprovalMessageInput } from '../bot/blocks/approval-message.js';
import { approvalMessage } from '../bot/blocks/approval-message.js';
import { milestoneReply } from '../bot/blocks/milestone-reply.js';
import { statusCard } from '../bot/blocks/status-card.js';
import type { ShadowHealth } from '../bot/slack-commands.js';
import type { SlackOutbox } from './slack-outbox.js';

export interface SlackThreadNotifierOptions {
  now?: () => number;
  /** Latest observed shadow health to show on the card, when the caller has one. */
  shadowHealth?: (evolution: Evolution) => ShadowHealth | undefined;
  logger?: { warn(message: string): void };
}

/**
 * The domain's Notifier over Slack: one thread per evolution whose parent
 * is the status card (edited in place, coalesced by the outbox), milestones
 * as replies in order, and the approval request in the same thread.
 */
export class SlackThreadNotifier implements Notifier {
  private readonly now: () => number;

  constructor(
    private readonly outbox: SlackOutbox,
    private readonly options: SlackThreadNotifierOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async ensureThread(evolution: Evolution): Promise<{ threadTs: string; statusMessageTs: string }> {
    const { threadTs, statusMessageTs } = evolution.slack;
    if (threadTs && statusMessageTs) return { threadTs, statusMessageTs };
    const { ts } = await this.outbox.post(evolution.slack.channel, this.card(evolution));
    return { threadTs: threadTs ?? ts, statusMessageTs: ts };
  }

  /**
   * Queues the edit and returns: rapid updates coalesce, so a worker
   * reporting progress is never slowed down by Slack's pacing. A failed edit
   * is logged; the next update carries the whole card again.
   */
  async updateStatusCard(evolution: Evolution): Promise<void> {
    const { statusMessageTs } = evolution.slack.statusMessageTs
      ? { statusMessageTs: evolution.slack.statusMessageTs }
      : await this.ensureThread(evolution);
    this.outbox
      .update(evolution.slack.channel, statusMessageTs, this.card(evolution))
      .catch((err: unknown) =>
        this.options.logger?.warn(`status card of ${evolution.id} not updated: ${String(err)}`),
      );
  }

  /** Resolves once the reply is in the thread: milestones are never dropped or reordered. */
  async postMilestone(evolution: Evolution, milestone: Milestone): Promise<void> {
    const { threadTs } = await this.ensureThread(evolution);
    await this.outbox.post(evolution.slack.channel, milestoneReply(milestone), threadTs);
  }

  /** Posts the approval request in the thread; a diff too large for a message follows as a file. */
  async postApprovalRequest(
    evolution: Evolution,
    input: Omit<ApprovalMessageInput, 'evolution' | 'now'> = {},
  ): Promise<{ messageTs: string }> {
    const { threadTs } = await this.ensureThread(evolution);
    const message = approvalMessage({ ...input, evolution, now: this.now() });
    const { ts } = await this.outbox.post(
      evolution.slack.channel,
      { text: message.text, blocks: message.blocks },
      threadTs,
    );
    if (message.diffFile) {
      await this.outbox.uploadFile(
        evolution.slack.channel,
        {
          ...message.diffFile,
          title: `SQL diff of ${evolution.id}`,
          comment: 'The whole SQL diff (too large for the message).',
        },
        threadTs,
      );
    }
    return { messageTs: ts };
  }

  private card(evolution: Evolution) {
    const shadow = this.options.shadowHealth?.(evolution);
    return statusCard({ evolution, now: this.now(), ...(shadow ? { shadow } : {}) });
  }
}
