import type { KnownBlock } from '@slack/types';
import { ErrorCode, type WebClient } from '@slack/web-api';

export interface OutgoingMessage {
  text: string;
  blocks?: KnownBlock[];
  /** Slack message metadata: the Slack writer tags each post with its stream entry. */
  metadata?: { event_type: string; event_payload: Record<string, string> };
}

export interface SlackOutboxOptions {
  /** Minimum time between two calls on one channel (Slack: about 1 message/s per channel). */
  minIntervalMs?: number;
  /** Give up on a call after this many attempts (429s and network errors). */
  maxAttempts?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  logger?: { warn(message: string): void };
}

type Send = () => Promise<unknown>;

interface Task {
  /** Set on message edits: a queued edit of the same message is replaced, not repeated. */
  coalesceKey?: string;
  send: Send;
  attempts: number;
  inFlight: boolean;
  waiters: { resolve: (value: unknown) => void; reject: (err: unknown) => void }[];
}

interface Lane {
  queue: Task[];
  nextAllowedAt: number;
  running: boolean;
}

type PostResult = { ts: string };

/**
 * Every post and edit the bot makes goes through here: one queue per
 * channel, at most one call per `minIntervalMs`, Retry-After honoured on
 * 429, edits of one message coalesced so only the latest content is sent.
 * Posts (milestones) are queued and never dropped. The WebClient given must
 * be built with `rejectRateLimitedCalls: true` so that pacing is ours.
 */
export class SlackOutbox {
  private readonly lanes = new Map<string, Lane>();
  private readonly minIntervalMs: number;
  private readonly maxAttempts: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly logger: { warn(message: string): void } | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly client: Pick<WebClient, 'chat' | 'filesUploadV2'>,
    options: SlackOutboxOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.maxAttempts = options.maxAttempts ?? 8;
    if (!Number.isFinite(this.minIntervalMs) || this.minIntervalMs < 0) {
      throw new Error('minIntervalMs must be a finite number >= 0');
    }
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new Error('maxAttempts must be an integer >= 1');
    }
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.logger = options.logger;
  }

  /** Posts a message (a thread reply when threadTs is given); resolves with its ts once sent. */
  async post(channel: string, message: OutgoingMessage, threadTs?: string): Promise<PostResult> {
    const result = await this.enqueue(channel, undefined, () =>
      this.client.chat.postMessage({
        channel,
        text: message.text,
        ...(message.blocks ? { blocks: message.blocks } : {}),
        ...(message.metadata ? { metadata: message.metadata } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      }),
    );
    const ts = (result as { ts?: string }).ts;
    if (!ts) throw new Error(`chat.postMessage on ${channel} returned no ts`);
    return { ts };
  }

  /**
   * Edits a message. If an edit of the same message is still waiting, its
   * content is replaced by this one and both callers resolve when it is sent.
   */
  async update(channel: string, ts: string, message: OutgoingMessage): Promise<void> {
    await this.enqueue(channel, `update:${ts}`, () =>
      this.client.chat.update({
        channel,
        ts,
        text: message.text,
        ...(message.blocks ? { blocks: message.blocks } : {}),
      }),
    );
  }

  async postEphemeral(
    channel: string,
    user: string,
    message: OutgoingMessage,
    threadTs?: string,
  ): Promise<void> {
    await this.enqueue(channel, undefined, () =>
      this.client.chat.postEphemeral({
        channel,
        user,
        text: message.text,
        ...(message.blocks ? { blocks: message.blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      }),
    );
  }

  /** Uploads a file into a thread (files upload v2), paced like a post. */
  async uploadFile(
    channel: string,
    file: { filename: string; content: string; title?: string; comment?: string },
    threadTs?: string,
  ): Promise<void> {
    const common = {
      filename: file.filename,
      content: file.content,
      ...(file.title ? { title: file.title } : {}),
      ...(file.comment ? { initial_comment: file.comment } : {}),
    };
    await this.enqueue(channel, undefined, () =>
      threadTs
        ? this.client.filesUploadV2({ ...common, channel_id: channel, thread_ts: threadTs })
        : this.client.filesUploadV2({ ...common, channel_id: channel }),
    );
  }

  /** Resolves when every queue is empty and nothing is in flight. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue(channel: string, coalesceKey: string | undefined, send: Send): Promise<unknown> {
    const lane = this.lane(channel);
    return new Promise((resolve, reject) => {
      const waiting = coalesceKey
        ? lane.queue.find((t) => t.coalesceKey === coalesceKey && !t.inFlight)
        : undefined;
      if (waiting) {
        waiting.send = send;
        waiting.waiters.push({ resolve, reject });
      } else {
        lane.queue.push({
          ...(coalesceKey ? { coalesceKey } : {}),
          send,
          attempts: 0,
          inFlight: false,
          waiters: [{ resolve, reject }],
        });
      }
      if (!lane.running) void this.drain(lane);
    });
  }

  private async drain(lane: Lane): Promise<void> {
    lane.running = true;
    try {
      for (let task = lane.queue[0]; task; task = lane.queue[0]) {
        const wait = lane.nextAllowedAt - this.now();
        if (wait > 0) await this.sleep(wait);
        task.attempts += 1;
        task.inFlight = true;
        try {
          const result = await task.send();
          task.inFlight = false;
          lane.nextAllowedAt = this.now() + this.minIntervalMs;
          lane.queue.shift();
          for (const w of task.waiters) w.resolve(result);
        } catch (err) {
          task.inFlight = false;
          const retryAfterMs = retryDelayMs(err, task.attempts);
          lane.nextAllowedAt = this.now() + Math.max(this.minIntervalMs, retryAfterMs ?? 0);
          if (retryAfterMs !== undefined && task.attempts < this.maxAttempts) {
            this.logger?.warn(
              `Slack call delayed ${retryAfterMs} ms (attempt ${task.attempts}): ${describe(err)}`,
            );
            // Stays at the head: a later edit arriving meanwhile replaces its stale content.
            continue;
          }
          lane.queue.shift();
          for (const w of task.waiters) w.reject(err);
        }
      }
    } finally {
      lane.running = false;
      this.forgetQuietLanes();
      if (this.isIdle()) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
    }
  }

  /** A lane whose pacing window has passed holds nothing worth keeping; channels come and go. */
  private forgetQuietLanes(): void {
    const now = this.now();
    for (const [channel, lane] of this.lanes) {
      if (!lane.running && lane.queue.length === 0 && lane.nextAllowedAt <= now)
        this.lanes.delete(channel);
    }
  }

  private isIdle(): boolean {
    return [...this.lanes.values()].every((l) => !l.running && l.queue.length === 0);
  }

  private lane(channel: string): Lane {
    let lane = this.lanes.get(channel);
    if (!lane) {
      lane = { queue: [], nextAllowedAt: 0, running: false };
      this.lanes.set(channel, lane);
    }
    return lane;
  }
}

/** Slack's Retry-After for 429s; a short backoff for network failures; undefined when retrying cannot help. */
function retryDelayMs(err: unknown, attempt: number): number | undefined {
  const coded = err as { code?: string; retryAfter?: number };
  if (coded.code === ErrorCode.RateLimitedError && typeof coded.retryAfter === 'number') {
    return coded.retryAfter * 1000;
  }
  if (coded.code === ErrorCode.RequestError) return Math.min(30_000, 500 * 2 ** (attempt - 1));
  return undefined;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
