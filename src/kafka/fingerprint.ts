/**
 * 64-bit fingerprints of key and value bytes, as two 32-bit halves.
 *
 * Two murmur3-style lanes with different seeds and constants run over the
 * same words. Not cryptographic: keys come from our own pipeline, and a 2^-64
 * collision chance per pair keeps a 10M-key partition far below one expected
 * collision. Written with Math.imul so a 20-byte key costs tens of ns
 * (crypto.createHash costs about 1 us per call).
 */
export interface Fingerprint {
  hi: number;
  lo: number;
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/**
 * Writes the fingerprint of `bytes` (or of bytes[start, end)) into `out`
 * (reused to avoid an allocation per record).
 */
export function fingerprint(
  bytes: Uint8Array,
  out: Fingerprint,
  start = 0,
  end = bytes.length,
): Fingerprint {
  const len = end - start;
  let h1 = 0x9747b28c ^ len;
  let h2 = 0x1b873593 ^ Math.imul(len, 0x5bd1e995);
  const words = start + (len & ~3);
  let i = start;
  for (; i < words; i += 4) {
    const k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    let k1 = Math.imul(k, 0xcc9e2d51);
    k1 = Math.imul(rotl(k1, 15), 0x1b873593);
    h1 ^= k1;
    h1 = (Math.imul(rotl(h1, 13), 5) + 0xe6546b64) | 0;
    let k2 = Math.imul(k, 0x239b961b);
    k2 = Math.imul(rotl(k2, 17), 0xab0e9789);
    h2 ^= k2;
    h2 = (Math.imul(rotl(h2, 11), 5) + 0x561ccd1b) | 0;
  }
  const rest = len & 3;
  if (rest > 0) {
    let t = bytes[i]!;
    if (rest > 1) t ^= bytes[i + 1]! << 8;
    if (rest > 2) t ^= bytes[i + 2]! << 16;
    h1 ^= Math.imul(rotl(Math.imul(t, 0xcc9e2d51), 15), 0x1b873593);
    h2 ^= Math.imul(rotl(Math.imul(t, 0x239b961b), 17), 0xab0e9789);
  }
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  out.hi = h1 >>> 0;
  out.lo = h2 >>> 0;
  return out;
}

/** Kafka's default partitioner (Java client and kafkajs DefaultPartitioner): murmur2 of the key bytes. */
export function murmur2(bytes: Uint8Array): number {
  const len = bytes.length;
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ len;
  const words = len & ~3;
  let i = 0;
  for (; i < words; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = len & 3;
  if (rest > 2) h ^= bytes[i + 2]! << 16;
  if (rest > 1) h ^= bytes[i + 1]! << 8;
  if (rest > 0) {
    h ^= bytes[i]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h;
}

/** The partition Kafka's default partitioner picks for a key (toPositive(murmur2) % n, as in Java). */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
