import { Kafka, logLevel } from 'kafkajs';
import type { Config } from '../config/load-config.js';
import { checkKafkaAccess } from '../kafka/check-kafka-access.js';
import { kafkaConfig } from './create-runtime.js';

/**
 * Run by `evolve worker`, `evolve bot`, `evolve all` and `evolve start`
 * before anything else opens: throws (and the process exits 1 with the
 * message) when Kafka refuses the configured credentials or CA; warns and
 * goes on when Kafka does not answer. One quick attempt, through a client of
 * its own that logs nothing: the outcome is said once, in the product's words.
 */
export async function checkKafkaAtStart(
  config: Config,
  warn: (message: string) => void,
): Promise<void> {
  const kafka = new Kafka({
    ...kafkaConfig(config),
    logLevel: logLevel.NOTHING,
    retry: { retries: 1 },
  });
  const unreachable = await checkKafkaAccess(kafka);
  if (unreachable)
    warn(
      `Kafka did not answer at ${config.kafka.brokers.join(', ')} (${causeText(unreachable.cause)}). Going on: the brokers may come up later, and steps that need Kafka wait for them and retry. If this stays, check EVOLVE_KAFKA_BROKERS.`,
    );
}

function causeText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
