import type { Redis } from 'ioredis';
import type { RedisKeys } from '../store/redis-keys.js';
import type { Observation } from './observation-changes.js';
import type { WatchedRole } from './observe-job.js';

/** Longer than any evolution is active, so a forgotten key still goes away. */
const KEPT_MS = 30 * 24 * 3600_000;

/**
 * Writes `next` only if the key still holds what this look read ('' for
 * none): of two looks that overlap (two workers, a slow one), only the first
 * to write tells the thread.
 */
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

/** The last look at each watched job, kept in Redis so a healthy job stays quiet and a restarted worker does not post again. */
export class KeptObservations {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** The kept look and the raw value it came from (the compare-and-set's expectation). */
  async load(
    evolutionId: string,
    role: WatchedRole,
  ): Promise<{ raw: string | null; previous: Observation | undefined }> {
    const raw = await this.redis.get(this.keys.observation(evolutionId, role));
    return { raw, previous: parseObservation(raw) };
  }

  /** Keeps `next` if nobody wrote since `raw` was read; false when another look came first. */
  async replace(
    evolutionId: string,
    role: WatchedRole,
    raw: string | null,
    next: Observation,
  ): Promise<boolean> {
    const stored = await this.redis.eval(
      COMPARE_AND_SET,
      1,
      this.keys.observation(evolutionId, role),
      raw ?? '',
      JSON.stringify(next),
      KEPT_MS,
    );
    return stored === 1;
  }
}

/** The kept look; a bare state is what the observer kept before it read restarts and lag. */
function parseObservation(raw: string | null): Observation | undefined {
  if (raw === null) return undefined;
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'state' in parsed)
      return parsed as Observation;
  } catch {
    // not JSON: the older format
  }
  return { state: raw };
}
