import { describe, expect, it } from 'vitest';
import { isTransientError } from '../../src/errors.js';
import { readFailure } from '../../src/kafka/partition-scanner.js';
import {
  UnreadableBatchError,
  decodeRecordBatches,
} from '../../src/kafka/wire/record-batch-decoder.js';
import { encodeRecordBatch } from '../../src/kafka/wire/record-batch-encoder.js';

const identity = { producerId: -1n, producerEpoch: -1, baseSequence: -1 };

/** One record batch at offset 40 whose attributes claim `codec` (3 = lz4). */
function batchClaiming(codec: number): Buffer {
  const batch = encodeRecordBatch([{ key: 'k', value: 'v' }], identity);
  batch.writeBigInt64BE(40n, 0);
  batch.writeInt16BE(codec, 21);
  return batch;
}

describe('records the scanner cannot decode', () => {
  it('an lz4 batch is refused with what to write instead', () => {
    expect(() => decodeRecordBatches(batchClaiming(3), 0, [], () => undefined)).toThrow(
      /offset 40 is lz4-compressed; flink-evolve reads uncompressed, gzip.*properties\.compression\.type/,
    );
  });

  it('reach the reader as a definitive error naming the partition, not as Kafka being away', () => {
    let thrown: unknown;
    try {
      decodeRecordBatches(batchClaiming(2), 0, [], () => undefined);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UnreadableBatchError);
    const told = readFailure('revenue', 3, thrown);
    expect(told.code).toBe('KAFKA_RECORDS_UNREADABLE');
    expect(told.userMessage).toMatch(
      /^Cannot read revenue\[3\]: the record batch at offset 40 is snappy-compressed/,
    );
    // A transient error would be retried for ever: the same bytes are read again.
    expect(isTransientError(told)).toBe(false);
    expect(isTransientError(readFailure('revenue', 3, new Error('socket hang up')))).toBe(true);
  });
});
