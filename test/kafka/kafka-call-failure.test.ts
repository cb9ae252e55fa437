import { describe, expect, it } from 'vitest';
import { isDefinitiveError, isTransientError } from '../../src/errors.js';
import {
  KafkaAuthenticationError,
  KafkaUnreachableError,
  kafkaCallFailure,
} from '../../src/kafka/kafka-errors.js';

/** kafkajs's shapes: the error it gives up with, wrapping the real one as `cause`. */
const gaveUp = (cause: object) =>
  Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded', cause });
const saslRefused = Object.assign(
  new Error(
    'SASL PLAIN authentication failed: Authentication failed: Invalid username or password',
  ),
  { name: 'KafkaJSSASLAuthenticationError' },
);

describe('kafkaCallFailure', () => {
  it('finds a refusal of our credentials under the error kafkajs gave up with', () => {
    const told = kafkaCallFailure('reading t[0]', gaveUp(saslRefused));
    expect(told).toBeInstanceOf(KafkaAuthenticationError);
    expect(isDefinitiveError(told)).toBe(true);
  });

  it('keeps an error WireCluster already typed, instead of wrapping its message again', () => {
    const typed = new KafkaAuthenticationError('sending Fetch', saslRefused);
    expect(kafkaCallFailure('reading t[0]', typed)).toBe(typed);
  });

  it('tells a failed TLS handshake apart from Kafka not answering, both waited out', () => {
    const tls = kafkaCallFailure(
      'reading t[0]',
      gaveUp({ name: 'KafkaJSConnectionError', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }),
    );
    const down = kafkaCallFailure('reading t[0]', {
      name: 'KafkaJSConnectionError',
      code: 'ECONNREFUSED',
    });
    expect(tls).toBeInstanceOf(KafkaUnreachableError);
    expect(tls.userMessage).toMatch(
      /^The TLS handshake with Kafka failed while reading t\[0\] \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)\. .*EVOLVE_KAFKA_SSL_CA_FILE/,
    );
    expect(down.userMessage).toMatch(/^Kafka did not answer while reading t\[0\]\./);
    expect([tls, down].every(isTransientError)).toBe(true);
  });
});
