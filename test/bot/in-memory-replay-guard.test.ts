import { describe, expect, it } from 'vitest';
import { InMemoryReplayGuard } from '../../src/bot/in-memory-replay-guard.js';

describe('InMemoryReplayGuard', () => {
  it('says true the first time, false while remembered, true again once the TTL has passed', async () => {
    let now = 1_000_000;
    const guard = new InMemoryReplayGuard(() => now);
    expect(await guard.firstSeen('sig:a', 1000)).toBe(true);
    expect(await guard.firstSeen('sig:a', 1000)).toBe(false);
    expect(await guard.firstSeen('sig:b', 1000)).toBe(true);
    now += 999;
    expect(await guard.firstSeen('sig:a', 1000)).toBe(false);
    now += 1;
    expect(await guard.firstSeen('sig:a', 1000)).toBe(true);
  });
});
