import { describe, expect, it } from 'vitest';
import { PartitionsChangedError } from '../../src/kafka/kafka-errors.js';
import { PartitionCountWatch } from '../../src/kafka/partition-count-watch.js';

/** An admin whose topic has `count` partitions, answering when `release` is called. */
function fakeAdmin(count: { value: number }) {
  const waiting: Array<() => void> = [];
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    answerAll() {
      for (const w of waiting.splice(0)) w();
    },
    assertPartitionCount(topic: string, expected: number): Promise<void> {
      calls++;
      return new Promise<void>((resolve, reject) =>
        waiting.push(() =>
          count.value === expected
            ? resolve()
            : reject(new PartitionsChangedError(topic, expected, count.value)),
        ),
      );
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('PartitionCountWatch', () => {
  it('asks at most once per interval and never twice at once', async () => {
    const admin = fakeAdmin({ value: 4 });
    const watch = new PartitionCountWatch(admin, 'prod', 4, 60_000);
    watch.poll();
    watch.poll();
    admin.answerAll();
    await tick();
    watch.poll();
    expect(admin.calls).toBe(1);
    const fast = new PartitionCountWatch(admin, 'prod', 4, 0);
    fast.poll();
    fast.poll(); // the first is still unanswered
    expect(admin.calls).toBe(2);
    admin.answerAll();
    await fast.settle();
    fast.poll();
    expect(admin.calls).toBe(3);
    admin.answerAll();
  });

  it('stops the next chunk once a background check saw the count change', async () => {
    const count = { value: 4 };
    const admin = fakeAdmin(count);
    const watch = new PartitionCountWatch(admin, 'prod', 4, 0);
    count.value = 6;
    watch.poll(); // the check starts; the chunk it was asked for goes on
    admin.answerAll();
    await watch.settle();
    expect(() => watch.poll()).toThrow(PartitionsChangedError);
    expect(() => watch.poll()).toThrow(/has 6 partitions but had 4/);
  });

  it('assert waits for the answer and throws what it found', async () => {
    const count = { value: 5 };
    const admin = fakeAdmin(count);
    const watch = new PartitionCountWatch(admin, 'prod', 4);
    const asserted = watch.assert();
    await tick();
    admin.answerAll();
    await expect(asserted).rejects.toBeInstanceOf(PartitionsChangedError);
  });
});
