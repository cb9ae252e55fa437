import type { Redis } from 'ioredis';
import type { Evolution } from '../evolution/evolution.js';
import type { Milestone, Notifier } from '../evolution/ports/notifier.js';
import type { RedisKeys } from '../store/redis-keys.js';
import {
  encodeEntry,
  entryChannel,
  type ApprovalFacts,
  type SlackStreamEntry,
} from './slack-stream-entry.js';

/**
 * The Notifier of every process (bot, workers, CLI): appends the update to
 * the installation's Slack stream and returns. The Slack writer posts it;
 * nothing here waits for Slack, so a step or a command never fails, or
 * slows down, because Slack did. The stream is capped; the writer keeps up
 * with far more than a cap's worth of entries between two looks.
 */
export class SlackStreamNotifier implements Notifier {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly maxLen = 10_000,
  ) {}

  /** Queues the card (the writer creates the thread); the ids are the writer's, kept in Redis. */
  async ensureThread(evolution: Evolution): Promise<{ threadTs: string; statusMessageTs: string }> {
    await this.append({ op: 'card', evolution: withoutSql(evolution) });
    return {
      threadTs: evolution.slack.threadTs ?? '',
      statusMessageTs: evolution.slack.statusMessageTs ?? '',
    };
  }

  async updateStatusCard(evolution: Evolution): Promise<void> {
    await this.append({ op: 'card', evolution: withoutSql(evolution) });
  }

  async postMilestone(evolution: Evolution, milestone: Milestone): Promise<void> {
    await this.append({ op: 'milestone', evolution: withoutSql(evolution), milestone });
  }

  /** The approval request goes through the stream too, so it keeps its place in the thread. */
  async postApprovalRequest(evolution: Evolution, approval: ApprovalFacts = {}): Promise<void> {
    await this.append({ op: 'approval', evolution, approval });
  }

  /** A line in a channel outside any thread (a registration from the CLI or the pipelines file). */
  async announce(channel: string, text: string): Promise<void> {
    await this.append({ op: 'announce', channel, text });
  }

  private async append(entry: SlackStreamEntry): Promise<void> {
    // An evolution started outside Slack for a pipeline that names no channel has no thread.
    if (!entryChannel(entry)) return;
    await this.redis.xadd(
      this.keys.slackStream(),
      'MAXLEN',
      '~',
      String(this.maxLen),
      '*',
      ...encodeEntry(entry),
    );
  }
}

/**
 * Cards and milestones show the versions' hashes, never their SQL: leaving
 * the scripts out keeps an entry near a kilobyte, so the cap holds many
 * hours of reports while the bot is down. The approval request keeps them
 * (it shows the diff).
 */
function withoutSql(ev: Evolution): Evolution {
  return { ...ev, v1: { ...ev.v1, sql: '' }, v2: { ...ev.v2, sql: '' } };
}
