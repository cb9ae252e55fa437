import { EvolveError } from '../errors.js';

/**
 * BatchProducer's failures. The `type` of a broker's refusal is Kafka's name
 * for the error code (what kafkajs puts in its errors' `type`), so that
 * `isUnknownTopic` reads both producers' errors alike.
 */

/** The broker refused a batch with an error that a resend cannot fix (or that outlived the resends). */
export class ProduceRejectedError extends EvolveError {
  constructor(
    readonly topic: string,
    readonly partition: number,
    /** Kafka's error code. */
    readonly errorCode: number,
    /** Kafka's name of the error code, e.g. UNKNOWN_TOPIC_OR_PARTITION. */
    readonly type: string,
    detail?: string,
  ) {
    super(
      'KAFKA_PRODUCE_FAILED',
      `Kafka refused records for ${topic}[${partition}]: ${type} (error code ${errorCode})${detail ? `; ${detail}` : ''}. Nothing of this send is known to be written; retrying the step resends it.`,
    );
  }
}

/** The broker refused a batch above its max.message.bytes. */
export class BatchTooLargeError extends EvolveError {
  readonly type = 'MESSAGE_TOO_LARGE';
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly batchBytes: number,
  ) {
    super(
      'KAFKA_BATCH_TOO_LARGE',
      `Kafka refused a record batch of ${batchBytes} bytes for ${topic}[${partition}] as too large (MESSAGE_TOO_LARGE). Raise the topic's max.message.bytes, or send fewer records per send.`,
    );
  }
}

/**
 * The leader of a partition could not be reached, or did not answer, through
 * every resend. Named so that `isConnectionError` recognises it.
 */
export class ProduceUnreachableError extends EvolveError {
  constructor(what: string, attempts: number, cause: unknown) {
    super(
      'KAFKA_UNREACHABLE',
      `Kafka did not answer while ${what} (${attempts} attempts; last: ${messageOf(cause)}). Check that the brokers are up and reachable, then retry.`,
      { cause },
    );
  }
}

/** A send asks for something BatchProducer does not do. */
export class ProduceUnsupportedError extends EvolveError {
  constructor(what: string) {
    super('KAFKA_PRODUCE_UNSUPPORTED', `BatchProducer cannot send this: ${what}.`);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
