import type { Redis } from 'ioredis';
import { BackfillAbortedError } from './kafka-errors.js';

/**
 * The reservation runs in Redis so that every worker of a run, on any host,
 * draws from one bucket with one clock (Redis TIME). Tokens may go negative:
 * a taker reserves what it asks for and sleeps off the debt, so concurrent
 * takers queue fairly and the sum never exceeds `rate` records/s plus the
 * burst. Returns -1 while paused, else the ms to wait before producing,
 * and the rate in force (so the next chunk is sized without another call).
 * It may also write one hash field in the same round trip: the emitter's
 * checkpoint of the chunk acknowledged before, written whatever the outcome.
 *
 * The burst defaults to one chunk (`chunkFor(rate)`), not a second's worth:
 * with a second's worth, idle tokens plus the steady rate let ~2R records
 * out within one second.
 */
const TAKE_SCRIPT = `
local key = KEYS[1]
local n = tonumber(ARGV[1])
if KEYS[2] then redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) end
local cfg = redis.call('HMGET', key, 'rate', 'paused', 'tokens', 'ts', 'burst')
local rate = tonumber(cfg[1])
if rate == nil then return redis.error_reply('ERR token bucket not configured') end
if cfg[2] == '1' or rate <= 0 then return {-1, cfg[1]} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tokens = tonumber(cfg[3]) or 0
local ts = tonumber(cfg[4]) or now
local burst = tonumber(cfg[5]) or rate
if burst < n then burst = n end
tokens = tokens + (now - ts) * rate / 1000
if tokens > burst then tokens = burst end
tokens = tokens - n
redis.call('HSET', key, 'tokens', tostring(tokens), 'ts', tostring(now))
if tokens >= 0 then return {0, cfg[1]} end
return {math.ceil(-tokens * 1000 / rate), cfg[1]}
`;

/**
 * A taker that slept off its debt asks once more before producing: if the run
 * was paused meanwhile, its tokens go back and it waits for the resume. So no
 * reservation made before a pause is spent after it (returns 1 to produce).
 */
const CONFIRM_SCRIPT = `
local key = KEYS[1]
local n = tonumber(ARGV[1])
local cfg = redis.call('HMGET', key, 'paused', 'tokens', 'burst')
if cfg[1] ~= '1' then return 1 end
local tokens = (tonumber(cfg[2]) or 0) + n
local burst = tonumber(cfg[3]) or n
if burst < n then burst = n end
if tokens > burst then tokens = burst end
redis.call('HSET', key, 'tokens', tostring(tokens))
return 0
`;

/** Records per chunk at `rate`: 1/20 s worth, so a 1-second window holds at most ~R plus one chunk. */
export function chunkFor(rate: number, max = 500): number {
  return Math.max(1, Math.min(max, Math.ceil(rate / 20)));
}

export interface TokenBucketConfig {
  /** Records per second for all workers together. */
  rate: number;
  /** Tokens that may accumulate while idle; defaults to one chunk (`chunkFor(rate)`). */
  burst?: number;
}

/** One hash field written by `take` in its own round trip (a checkpoint), before it reserves. */
export interface FieldWrite {
  key: string;
  field: string;
  value: string;
}

export interface TokenBucketOptions {
  /** How often a paused taker looks again. */
  pausedPollMs?: number;
}

/** A records/s throttle in Redis shared by every worker of a backfill run (invariant 7). */
export class TokenBucket {
  private readonly pausedPollMs: number;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    options: TokenBucketOptions = {},
  ) {
    if (!key) throw new Error('key must be a non-empty string');
    this.pausedPollMs = options.pausedPollMs ?? 200;
  }

  /** Creates or reconfigures the bucket. Starts empty, so a run never opens with a burst. */
  async configure(config: TokenBucketConfig): Promise<void> {
    assertRate(config.rate);
    const created = await this.redis.hsetnx(this.key, 'tokens', '0');
    if (created === 1) await this.redis.hset(this.key, 'paused', '0');
    await this.redis.hset(
      this.key,
      'rate',
      String(config.rate),
      'burst',
      String(config.burst ?? chunkFor(config.rate)),
    );
  }

  /** Takes effect at the next take of every worker. */
  async setRate(rate: number): Promise<void> {
    assertRate(rate);
    await this.redis.hset(this.key, 'rate', String(rate), 'burst', String(chunkFor(rate)));
  }

  /** How many records the next chunk may hold at the current rate (at most `max`). */
  async chunkSize(max: number): Promise<number> {
    const rate = Number(await this.redis.hget(this.key, 'rate'));
    return chunkFor(rate > 0 ? rate : 1, max);
  }

  async pause(): Promise<void> {
    await this.redis.hset(this.key, 'paused', '1');
  }

  async resume(): Promise<void> {
    // Idle time while paused must not turn into a burst: refill restarts now.
    const t = await this.redis.time();
    await this.redis.hset(
      this.key,
      'paused',
      '0',
      'ts',
      String(Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000)),
    );
  }

  async state(): Promise<{ rate: number; paused: boolean }> {
    const [rate, paused] = await this.redis.hmget(this.key, 'rate', 'paused');
    return { rate: Number(rate ?? 0), paused: paused === '1' };
  }

  async destroy(): Promise<void> {
    await this.redis.del(this.key);
  }

  /**
   * Waits until `n` records may be produced; returns the rate in force.
   * Returns only while the run is not paused: a reservation that slept
   * through a pause is handed back. `write` goes to Redis with the first
   * reservation, so a caller pays one round trip for its tokens and its
   * checkpoint when the bucket has tokens.
   */
  async take(n: number, signal?: AbortSignal, write?: FieldWrite): Promise<number> {
    if (!Number.isInteger(n) || n < 0) throw new Error('n must be a non-negative integer');
    if (n === 0) {
      if (write) await this.redis.hset(write.key, write.field, write.value);
      return (await this.state()).rate;
    }
    let pending = write;
    for (;;) {
      if (signal?.aborted) throw new BackfillAbortedError(-1, signal.reason);
      const [wait, rate] = await this.reserve(n, pending);
      pending = undefined;
      if (wait < 0) {
        await sleep(this.pausedPollMs, signal);
        continue;
      }
      // Reserved with tokens in hand: the same script saw the bucket not paused.
      if (wait === 0) return rate;
      await sleep(wait, signal);
      if ((await this.evalScript('confirm', CONFIRM_SCRIPT, [this.key], [n])) === 1) return rate;
    }
  }

  private async reserve(n: number, write?: FieldWrite): Promise<[number, number]> {
    const keys = write ? [this.key, write.key] : [this.key];
    const args = write ? [n, write.field, write.value] : [n];
    const [wait, rate] = (await this.evalScript('take', TAKE_SCRIPT, keys, args)) as [
      number,
      string,
    ];
    return [Number(wait), Number(rate)];
  }

  private readonly shas = new Map<string, string>();

  private async evalScript(
    name: string,
    script: string,
    keys: string[],
    args: Array<string | number>,
  ): Promise<unknown> {
    const sha = this.shas.get(name);
    if (sha) {
      try {
        return await this.redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (err) {
        if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      }
    }
    const loaded = String(await this.redis.script('LOAD', script));
    this.shas.set(name, loaded);
    return await this.redis.evalsha(loaded, keys.length, ...keys, ...args);
  }
}

function assertRate(rate: number): void {
  if (!Number.isFinite(rate) || rate <= 0)
    throw new Error('rate must be a finite number of records per second greater than 0');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new BackfillAbortedError(-1, signal.reason));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new BackfillAbortedError(-1, signal?.reason));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
