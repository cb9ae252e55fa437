/**
 * CRC-32C (Castagnoli), the checksum of a Kafka record batch, computed eight
 * bytes at a time ("slicing-by-8"): kafkajs's byte-at-a-time version read
 * 0.41 GB/s and was 0.16-0.27 s of a bench worker's emission CPU in profiled
 * runs; this one reads 1.35-1.44 GB/s on the same 512 KB batch.
 */
const POLY = 0x82f63b78;

/** Eight 256-entry tables: T[k][b] is the CRC of byte b followed by k zero bytes. */
const T = buildTables();

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[i] = c;
  }
  for (let i = 0; i < 256; i++)
    for (let k = 1; k < 8; k++) {
      const prev = t[(k - 1) * 256 + i]!;
      t[k * 256 + i] = (prev >>> 8) ^ t[prev & 0xff]!;
    }
  return t;
}

/** CRC-32C of `bytes`, as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array): number {
  const end = bytes.length;
  let crc = -1;
  let i = 0;
  for (; i + 8 <= end; i += 8) {
    crc ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    crc =
      T[1792 + (crc & 0xff)]! ^
      T[1536 + ((crc >>> 8) & 0xff)]! ^
      T[1280 + ((crc >>> 16) & 0xff)]! ^
      T[1024 + (crc >>> 24)]! ^
      T[768 + bytes[i + 4]!]! ^
      T[512 + bytes[i + 5]!]! ^
      T[256 + bytes[i + 6]!]! ^
      T[bytes[i + 7]!]!;
  }
  for (; i < end; i++) crc = T[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
