import { describe, expect, it } from 'vitest';
import { nextSequence } from '../../src/kafka/wire/batch-producer.js';

describe('nextSequence', () => {
  it('adds the batch size, and wraps from 2^31-1 to 0 as Kafka does', () => {
    expect(nextSequence(0, 5)).toBe(5);
    expect(nextSequence(2 ** 31 - 6, 5)).toBe(2 ** 31 - 1);
    expect(nextSequence(2 ** 31 - 5, 5)).toBe(0);
    expect(nextSequence(2 ** 31 - 1, 1)).toBe(0);
    expect(nextSequence(2 ** 31 - 2, 10)).toBe(8);
  });
});
