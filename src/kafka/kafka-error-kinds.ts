import { isTlsFailure } from '../tls-failure.js';

/** How kafkajs reports the failures the product turns into its own typed errors. */

export function isUnknownTopic(err: unknown): boolean {
  const e = err as { type?: string; message?: string } | undefined;
  return (
    e?.type === 'UNKNOWN_TOPIC_OR_PARTITION' ||
    /does not host this topic-partition|UNKNOWN_TOPIC/i.test(e?.message ?? '')
  );
}

export function isConnectionError(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name ?? '';
  return /KafkaJSConnectionError|KafkaJSNumberOfRetriesExceeded|KafkaJSBrokerNotFound|KafkaJSRequestTimeoutError|ProduceUnreachableError/.test(
    name,
  );
}

/** The error and the causes it wraps (kafkajs gives up with an error whose `cause` is the real one). */
interface ErrorLike {
  name?: unknown;
  type?: unknown;
  code?: unknown;
  cause?: unknown;
}

function* causes(err: unknown): Generator<ErrorLike> {
  let e = err as ErrorLike | null | undefined;
  for (let depth = 0; e !== null && typeof e === 'object' && depth < 4; depth++) {
    yield e;
    e = e.cause as typeof e;
  }
}

/**
 * The broker refused who we are (SASL credentials, mechanism): another try
 * with the same settings is refused the same way.
 */
export function isAuthenticationError(err: unknown): boolean {
  for (const e of causes(err))
    if (e.name === 'KafkaJSSASLAuthenticationError' || SASL_TYPES.has(e.type as string))
      return true;
  return false;
}

const SASL_TYPES: ReadonlySet<string> = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
]);

/** The TLS code (Node's, from OpenSSL) of a failed handshake with a broker, kept by kafkajs as its error's `code`. */
export function tlsFailureCode(err: unknown): string | undefined {
  for (const e of causes(err))
    if (typeof e.code === 'string' && isTlsFailure(e.code)) return e.code;
  return undefined;
}
