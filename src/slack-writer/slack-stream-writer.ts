import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../store/redis-keys.js';
import { RedisLease } from '../store/redis-lease.js';
import { decodeEntry, entryChannel, type SlackStreamEntry } from './slack-stream-entry.js';
import { isTransientSlackError } from './slack-error-kind.js';
import { supersededCards } from './superseded-cards.js';

export interface SlackStreamWriterOptions {
  redis: Redis;
  keys: RedisKeys;
  poster: {
    handle(entry: SlackStreamEntry, entryId: string): Promise<string>;
    alreadyPosted(entry: SlackStreamEntry, entryId: string): Promise<string | undefined>;
  };
  /** Consumer name in the group; default host, pid and a random suffix. */
  consumer?: string;
  /** The writer lease; a killed writer's entries are taken over this long after its last renewal. */
  leaseMs?: number;
  /** Longest wait for new entries in one read. */
  blockMs?: number;
  batchSize?: number;
  /** Pause before retrying entries whose post failed for a reason that may pass. */
  retryDelayMs?: number;
  logger?: { warn(message: string): void };
}

const GROUP = 'slack-writer';
type Raw = [id: string, fields: string[]];

/**
 * The one process that talks to Slack about threads. It reads the stream
 * with a consumer group, posts through the poster (the paced outbox), and
 * acknowledges an entry only after Slack accepted it. A lease in Redis makes
 * it the only writer; whoever takes the lease first claims every pending
 * entry (a dead writer's), so nothing is lost. What was posted for an entry
 * is recorded before the ack, so an entry posted but not acknowledged
 * (killed in between) is acknowledged on its second run, not posted again.
 */
export class SlackStreamWriter {
  private readonly consumer: string;
  private readonly leaseMs: number;
  private readonly blockMs: number;
  private readonly batchSize: number;
  private readonly retryDelayMs: number;
  private reader: Redis | undefined;
  private loop: Promise<void> | undefined;
  private lease: RedisLease | undefined;
  private stopping = false;
  private dead = false;

  constructor(private readonly o: SlackStreamWriterOptions) {
    this.consumer = o.consumer ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.leaseMs = o.leaseMs ?? 10_000;
    this.blockMs = o.blockMs ?? 2_000;
    this.batchSize = o.batchSize ?? 100;
    this.retryDelayMs = o.retryDelayMs ?? 2_000;
  }

  async start(): Promise<void> {
    // Blocking reads get their own connection so they do not stall the process's other commands.
    this.reader = this.o.redis.duplicate();
    await this.o.redis.xgroup('CREATE', this.key, GROUP, '0', 'MKSTREAM').catch((err: unknown) => {
      if (!String(err).includes('BUSYGROUP')) throw err;
    });
    this.loop = this.run();
  }

  /**
   * Finishes the posts in flight (the rest of the batch stays pending), then
   * hands the lease back so the next writer takes over at once, not after it lapses.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.lease?.release();
    this.lease = undefined;
    await this.reader?.quit().catch(() => undefined);
  }

  /** As a crash would: no more acks, the lease left to expire (tests). */
  async abandon(): Promise<void> {
    this.stopping = true;
    this.dead = true;
    this.lease?.abandon();
    this.reader?.disconnect();
    await this.loop?.catch(() => undefined);
  }

  private get key(): string {
    return this.o.keys.slackStream();
  }

  private get leaseKey(): string {
    return this.o.keys.slackWriterLease();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        if (!this.holding && !(await this.takeLease())) {
          await sleep(Math.min(this.leaseMs / 2, 1_000));
          continue;
        }
        // First what this consumer holds and has not acknowledged (retries), in order; then new.
        let batch = await this.read('0');
        if (batch.length === 0) batch = await this.read('>');
        if (!(await this.process(batch)) && !this.stopping) await sleep(this.retryDelayMs);
      } catch (err) {
        if (this.stopping) return;
        this.o.logger?.warn(`Slack writer: ${String(err)}; trying again`);
        await sleep(this.retryDelayMs);
      }
    }
  }

  /** Ours while the lease is renewed (also while stopping: the posts in flight keep it). */
  private get holding(): boolean {
    return this.lease?.held === true;
  }

  private async takeLease(): Promise<boolean> {
    const lease = await RedisLease.tryAcquire(this.o.redis, this.leaseKey, {
      ttlMs: this.leaseMs,
      renewEveryMs: Math.max(50, Math.floor(this.leaseMs / 3)),
      owner: this.consumer,
    });
    if (!lease) return false;
    lease.signal.addEventListener('abort', () =>
      this.o.logger?.warn('Slack writer: lease lost (another writer took over)'),
    );
    this.lease = lease;
    await this.claimAll();
    return true;
  }

  /** The lease is ours, so no other writer is alive: its pending entries are ours now. */
  private async claimAll(): Promise<void> {
    let cursor = '0-0';
    do {
      const reply = (await this.o.redis.xautoclaim(
        this.key,
        GROUP,
        this.consumer,
        0,
        cursor,
        'COUNT',
        500,
        'JUSTID',
      )) as [string, string[]];
      cursor = reply[0];
    } while (cursor !== '0-0');
    const consumers = (await this.o.redis.xinfo('CONSUMERS', this.key, GROUP)) as unknown[][];
    for (const c of consumers) {
      const name = String(c[1]);
      if (name !== this.consumer && Number(c[3]) === 0) {
        await this.o.redis.xgroup('DELCONSUMER', this.key, GROUP, name);
      }
    }
  }

  private async read(from: '0' | '>'): Promise<Raw[]> {
    const block = from === '>' ? ['BLOCK', String(this.blockMs)] : [];
    const reply = (await this.reader!.call(
      'XREADGROUP',
      'GROUP',
      GROUP,
      this.consumer,
      'COUNT',
      String(this.batchSize),
      ...block,
      'STREAMS',
      this.key,
      from,
    )) as [string, Raw[]][] | null;
    const entries = reply?.[0]?.[1] ?? [];
    // A pending entry the cap trimmed away comes back without fields: nothing to post.
    const trimmed = entries.filter((e) => !Array.isArray(e[1])).map((e) => e[0]);
    if (trimmed.length > 0) await this.o.redis.xack(this.key, GROUP, ...trimmed);
    return entries.filter((e): e is Raw => Array.isArray(e[1]));
  }

  /**
   * Channels are worked in parallel (the outbox paces each), each in stream
   * order; a channel stops at its first entry that may succeed later, so
   * nothing after it overtakes it. False when something is left for a retry.
   */
  private async process(batch: readonly Raw[]): Promise<boolean> {
    const decoded = batch.map(([id, fields]) => ({ id, entry: decodeEntry(fields) }));
    const superseded = supersededCards(decoded);
    const lanes = new Map<string, typeof decoded>();
    for (const d of decoded) {
      const channel = d.entry ? entryChannel(d.entry) : '';
      lanes.set(channel, [...(lanes.get(channel) ?? []), d]);
    }
    const results = await Promise.all(
      [...lanes.values()].map(async (lane) => {
        for (const { id, entry } of lane) {
          if (!(await this.one(id, entry, superseded.has(id)))) return false;
        }
        return true;
      }),
    );
    return results.every(Boolean);
  }

  private async one(
    id: string,
    entry: SlackStreamEntry | undefined,
    skip: boolean,
  ): Promise<boolean> {
    // Without the lease another writer may hold this entry now; it stays pending for it,
    // as does everything not yet started when the writer stops.
    if (this.dead || this.stopping || !this.holding) return false;
    if (!entry) {
      this.o.logger?.warn(`Slack writer: entry ${id} is not readable; skipped`);
    } else if (!skip) {
      try {
        await this.post(id, entry);
      } catch (err) {
        if (isTransientSlackError(err)) {
          this.o.logger?.warn(`Slack writer: entry ${id} not posted yet: ${String(err)}`);
          return false;
        }
        this.o.logger?.warn(
          `Slack writer: Slack refused entry ${id} (${entry.op === 'announce' ? `announce in ${entry.channel}` : `${entry.op} of ${entry.evolution.id}`}) for good: ${String(err)}; skipped`,
        );
      }
    }
    if (this.dead) return false;
    await this.o.redis.multi().xack(this.key, GROUP, id).hdel(this.postedKey, id).exec();
    return true;
  }

  /**
   * Posts once across writers: '' is recorded before the call and the ts
   * after it. A ts means done; '' means a writer died in between, and only
   * Slack knows, so the thread is asked for a reply tagged with the entry.
   */
  private async post(id: string, entry: SlackStreamEntry): Promise<void> {
    const mark = await this.o.redis.hget(this.postedKey, id);
    if (mark) return;
    if (mark === '') {
      const found = await this.o.poster.alreadyPosted(entry, id).catch((err: unknown) => {
        this.o.logger?.warn(
          `Slack writer: could not look for entry ${id} in its thread: ${String(err)}`,
        );
        return undefined;
      });
      if (found) return void (await this.o.redis.hset(this.postedKey, id, found));
    } else {
      await this.o.redis.hset(this.postedKey, id, '');
    }
    if (this.dead) throw new Error('the writer was abandoned');
    const ts = await this.o.poster.handle(entry, id);
    await this.o.redis.hset(this.postedKey, id, ts);
  }

  private get postedKey(): string {
    return this.o.keys.slackStreamPosted();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
