import { describe, expect, it } from 'vitest';
import { newKafkaClusterId } from '../../stack/kafka-node.js';

describe('newKafkaClusterId', () => {
  it("never starts with '-', which kafka-storage would take for an option", () => {
    // 0xf8 makes the first base64url character '-' (62).
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x11)];
    const id = newKafkaClusterId(() => draws.shift()!);
    expect(Buffer.alloc(16, 0xf8).toString('base64url').startsWith('-')).toBe(true);
    expect(id).toBe(Buffer.alloc(16, 0x11).toString('base64url'));
    expect(draws).toEqual([]);
  });
});
