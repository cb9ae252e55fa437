import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SIGNATURE_MEMORY_MS } from '../../src/bot/slack-request-guard.js';
import { sendSignedRequest, slashCommandBody } from '../../src/slack-fake/index.js';
import { RedisKeys } from '../../src/store/redis-keys.js';
import { RedisReplayGuard } from '../../src/store/redis-replay-guard.js';
import { CHANNEL, SIGNING_SECRET, startBoltHarness } from '../bot/bolt-test-kit.js';
import { deleteKeysWithPrefix } from '../support/redis-test-keys.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';

describe('RedisReplayGuard (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let guard: RedisReplayGuard;

  beforeAll(() => {
    redis = new Redis(stackEndpoints().redisUrl, { lazyConnect: false });
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(() => {
    prefix = `${uniqueName('test-replay')}:`;
    guard = new RedisReplayGuard(redis, prefix);
  });
  afterEach(async () => {
    await deleteKeysWithPrefix(redis, prefix);
  });

  it("says true once, then false; the key is under the installation's prefix and lapses with the replay window", async () => {
    expect(await guard.firstSeen('sig:v0=abc', SIGNATURE_MEMORY_MS)).toBe(true);
    expect(await guard.firstSeen('sig:v0=abc', SIGNATURE_MEMORY_MS)).toBe(false);
    const key = new RedisKeys(prefix).slackDelivery('sig:v0=abc');
    expect(key.startsWith(prefix)).toBe(true);
    const ttl = await redis.pttl(key);
    console.log(`replay key ${key} PTTL ${ttl} ms (window ${SIGNATURE_MEMORY_MS} ms)`);
    expect(ttl).toBeGreaterThan(SIGNATURE_MEMORY_MS - 5000);
    expect(ttl).toBeLessThanOrEqual(SIGNATURE_MEMORY_MS);
  });

  it('of 20 concurrent deliveries of one request, exactly one is taken', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => guard.firstSeen('sig:v0=race', 60_000)),
    );
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it('forgets a delivery once its TTL has passed', async () => {
    expect(await guard.firstSeen('event:Ev1', 150)).toBe(true);
    expect(await guard.firstSeen('event:Ev1', 150)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await guard.firstSeen('event:Ev1', 150)).toBe(true);
  });

  it('a signed request replayed to another bot process of the installation is refused there and runs nothing', async () => {
    const first = await startBoltHarness('AWAITING_APPROVAL', { replayGuard: guard });
    const second = await startBoltHarness('AWAITING_APPROVAL', {
      replayGuard: new RedisReplayGuard(redis, prefix),
    });
    try {
      const responseUrl = first.fake.createResponseUrl();
      const body = slashCommandBody({
        text: 'status revenue',
        userId: 'U0OWNER1',
        channelId: CHANNEL,
        responseUrl,
      });
      const timestamp = Math.floor(Date.now() / 1000);
      const taken = await sendSignedRequest(first.url, body, SIGNING_SECRET, { timestamp });
      expect(taken.status).toBe(200);
      await vi.waitFor(() => expect(first.fake.responsesTo(responseUrl)).toHaveLength(1));

      const replayed = await sendSignedRequest(second.url, body, SIGNING_SECRET, { timestamp });
      console.log(`replay to the second process: HTTP ${replayed.status}`);
      expect(replayed.status).toBe(401);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(second.service.calls).toHaveLength(0);
      expect(first.service.callsOf('status')).toHaveLength(1);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
