import { EvolveError } from '../errors.js';
import { isAuthenticationError, tlsFailureCode } from './kafka-error-kinds.js';

export class KafkaUnreachableError extends EvolveError {
  constructor(what: string, cause?: unknown) {
    const tls = tlsFailureCode(cause);
    super(
      'KAFKA_UNREACHABLE',
      tls === undefined
        ? `Kafka did not answer while ${what}. Check that the brokers are up and reachable from the worker, then retry (the backfill resumes from its checkpoint).`
        : `The TLS handshake with Kafka failed while ${what} (${tls}). When the brokers' certificate is signed by a private CA, set EVOLVE_KAFKA_SSL_CA_FILE to that CA's PEM file (with EVOLVE_KAFKA_SSL=true), restart the bot and workers, then retry (the backfill resumes from its checkpoint).`,
      { cause },
    );
  }
}

/**
 * Kafka refused the product's credentials. Definitive: retrying with the same
 * settings is refused the same way, so the user is told at once what to fix.
 * The broker's reason is kept (it never holds the password).
 */
export class KafkaAuthenticationError extends EvolveError {
  constructor(what: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'KAFKA_AUTH_FAILED',
      `Kafka refused flink-evolve's credentials while ${what} (${reason}). Check EVOLVE_KAFKA_SASL_MECHANISM, EVOLVE_KAFKA_SASL_USERNAME and EVOLVE_KAFKA_SASL_PASSWORD against the cluster's users, restart the bot and workers, then retry (a backfill resumes from its checkpoint).`,
      { cause },
    );
  }
}

/**
 * What a failed connection or request to Kafka is to the user: refused
 * credentials, else Kafka not answering. An error already typed (WireCluster
 * types refusals) is kept as it is.
 */
export function kafkaCallFailure(what: string, err: unknown): EvolveError {
  if (err instanceof KafkaAuthenticationError) return err;
  return isAuthenticationError(err)
    ? new KafkaAuthenticationError(what, err)
    : new KafkaUnreachableError(what, err);
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
