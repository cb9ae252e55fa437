import { EvolveError } from '../errors.js';

export class KafkaUnreachableError extends EvolveError {
  constructor(what: string, cause?: unknown) {
    super(
      'KAFKA_UNREACHABLE',
      `Kafka did not answer while ${what}. Check that the brokers are up and reachable from the worker, then retry (the backfill resumes from its checkpoint).`,
      { cause },
    );
  }
}

export class TopicMissingError extends EvolveError {
  constructor(readonly topic: string) {
    super(
      'KAFKA_TOPIC_MISSING',
      `Topic ${topic} does not exist. Check the pipeline's output topic name (topics are never auto-created).`,
    );
  }
}

export class TopicNotOursError extends EvolveError {
  constructor(
    readonly topic: string,
    reason: string,
  ) {
    super(
      'KAFKA_TOPIC_NOT_OURS',
      `Refusing to delete topic ${topic}: ${reason}. flink-evolve only deletes the TEMP and v1 snapshot topics it created itself; delete it by hand if it really has to go.`,
    );
  }
}

export class PartitionsChangedError extends EvolveError {
  constructor(
    readonly topic: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(
      'KAFKA_PARTITIONS_CHANGED',
      `Topic ${topic} has ${actual} partitions but had ${expected} when this run started; keys may have moved between partitions. Start a new backfill (the run was stopped before writing anything more).`,
    );
  }
}

export class BackfillAbortedError extends EvolveError {
  constructor(
    readonly partition: number,
    cause?: unknown,
  ) {
    super(
      'BACKFILL_ABORTED',
      `The backfill of partition ${partition} was cancelled. Its progress is checkpointed; running it again resumes where it stopped.`,
      { cause },
    );
  }
}

/**
 * A copy between topics (the v1 snapshot, a rollback's merge into TEMP) was
 * cancelled. Both are safe to run again from the start, so nothing is lost.
 */
export class CopyAbortedError extends EvolveError {
  constructor(
    readonly what: string,
    cause?: unknown,
  ) {
    super(
      'KAFKA_COPY_ABORTED',
      `${what} was cancelled before it finished. Running it again starts over and gives the same result; what was already written stays correct.`,
      { cause },
    );
  }
}

/**
 * A partition holds record batches the scanner cannot decode. Definitive:
 * reading again finds the same bytes, so it is not retried.
 */
export class RecordsUnreadableError extends EvolveError {
  constructor(topic: string, partition: number, detail: string) {
    super('KAFKA_RECORDS_UNREADABLE', `Cannot read ${topic}[${partition}]: ${detail}.`);
  }
}
