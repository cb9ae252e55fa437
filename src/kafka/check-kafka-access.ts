import type { Kafka } from 'kafkajs';
import type { EvolveError } from '../errors.js';
import { tlsFailureCode } from './kafka-error-kinds.js';
import { KafkaAuthenticationError, kafkaCallFailure } from './kafka-errors.js';

const WHAT = 'checking the connection before taking any work';

/**
 * Asks the cluster once, at a process's start, whether it accepts this
 * process's credentials and TLS settings. Refused credentials, or a broker
 * certificate the configured CA does not verify, are the operator's settings
 * and no retry changes them: they are thrown, so the process stops before it
 * takes a step that would fail an evolution (a worker with a wrong password
 * took develop steps and failed them, while a correct worker stood by).
 * Kafka not answering is not refused: the brokers may come up after the
 * workers, and steps that need Kafka wait and retry. It is returned, for the
 * process to say.
 */
export async function checkKafkaAccess(kafka: Kafka): Promise<EvolveError | undefined> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return undefined;
  } catch (err) {
    const failure = kafkaCallFailure(WHAT, err);
    if (failure instanceof KafkaAuthenticationError || tlsFailureCode(err) !== undefined)
      throw failure;
    return failure;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
