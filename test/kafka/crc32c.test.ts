import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/kafka/wire/crc32c.js';

// kafkajs's byte-at-a-time CRC-32C: the reference.
const require = createRequire(import.meta.url);
const reference = require('kafkajs/src/protocol/recordBatch/crc32C') as (b: Buffer) => number;

describe('crc32c', () => {
  it('gives the published check value of CRC-32C', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it('agrees with the byte-at-a-time reference on every length around the 8-byte step', () => {
    let seed = 7;
    const byte = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (let n = 0; n <= 70; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, byte));
      expect(crc32c(bytes), `length ${n}`).toBe(reference(bytes));
    }
    const large = Buffer.from(Array.from({ length: 100_003 }, byte));
    expect(crc32c(large)).toBe(reference(large));
    // A view into a larger buffer reads only its own bytes.
    expect(crc32c(large.subarray(5, 50_005))).toBe(reference(large.subarray(5, 50_005)));
  });
});
