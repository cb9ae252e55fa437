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

/**
 * The broker refused who we are (SASL credentials, mechanism): another try
 * with the same settings is refused the same way. kafkajs throws it as is,
 * or as the cause of the error it gave up with.
 */
export function isAuthenticationError(err: unknown): boolean {
  for (
    let e = err as { name?: string; type?: string; cause?: unknown } | undefined, depth = 0;
    e && depth < 4;
    depth++
  ) {
    if (e.name === 'KafkaJSSASLAuthenticationError') return true;
    if (
      e.type === 'SASL_AUTHENTICATION_FAILED' ||
      e.type === 'UNSUPPORTED_SASL_MECHANISM' ||
      e.type === 'ILLEGAL_SASL_STATE'
    )
      return true;
    e = e.cause as typeof e;
  }
  return false;
}

/**
 * The TLS code (Node's, from OpenSSL) of a failed handshake with a broker:
 * an untrusted or expired certificate, a wrong host name. kafkajs keeps it
 * as the `code` of its connection error, itself often the cause of the error
 * it gave up with.
 */
export function tlsFailureCode(err: unknown): string | undefined {
  for (
    let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 4;
    depth++
  ) {
    if (typeof e.code === 'string' && TLS_CODE.test(e.code)) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

const TLS_CODE =
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|EPROTO|HOSTNAME_MISMATCH/;
