/**
 * Node's TLS and OpenSSL error codes of a failed handshake: an untrusted,
 * expired or misnamed certificate, a protocol mismatch. Flink's and Kafka's
 * errors both turn them into "set the CA file" advice.
 */
export function isTlsFailure(codeOrReason: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|EPROTO|HOSTNAME_MISMATCH|ALERT/.test(
    codeOrReason,
  );
}
