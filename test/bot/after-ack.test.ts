import { describe, expect, it } from 'vitest';
import { AfterAckQueue } from '../../src/bot/after-ack.js';

describe('AfterAckQueue', () => {
  it('runs at most `limit` at a time, the rest in arrival order, and frees a turn on failure', async () => {
    const q = new AfterAckQueue(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    // Promise.withResolvers is Node 22+; the product runs on Node 20.
    const gates = Array.from({ length: 5 }, () => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    });
    const all = gates.map((gate, i) =>
      q
        .run(async () => {
          started.push(i);
          running++;
          peak = Math.max(peak, running);
          await gate.promise;
          running--;
          if (i === 0) throw new Error('listener failed');
          return i;
        })
        .catch((e: Error) => e.message),
    );
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    expect(q.queued).toBe(3);
    gates[0]!.resolve();
    await new Promise((r) => setImmediate(r));
    expect(started, 'a failed call frees its turn').toEqual([0, 1, 2]);
    for (const g of gates) g.resolve();
    expect(await Promise.all(all)).toEqual(['listener failed', 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(q.queued).toBe(0);
  });

  it('refuses a limit that would run nothing', () => {
    expect(() => new AfterAckQueue(0)).toThrow(RangeError);
  });
});
