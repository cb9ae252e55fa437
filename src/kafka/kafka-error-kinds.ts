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
