/**
 * Endpoints of the stack the integration tests run against. Global setup
 * fills these in (local stack or testcontainers) through the environment, so
 * each test file reads them the same way.
 */
export interface StackEndpoints {
  kafkaBrokers: string[];
  /** The same broker's SASL/PLAIN listener and its user; absent on a stack without one (testcontainers). */
  kafkaSasl?: { brokers: string[]; username: string; password: string };
  /** Its TLS listener and the CA that signed its certificate; absent likewise. */
  kafkaTls?: { brokers: string[]; caFile: string };
  /** The brokers as Flink's TaskManager reaches them: put these in SQL WITH options. */
  kafkaBrokersForFlink: string;
  flinkRestUrl: string;
  flinkGatewayUrl: string;
  redisUrl: string;
  /** Directory (file:// URL) where savepoints are written, as Flink sees it. */
  savepointDir: string;
  kind: 'local' | 'testcontainers';
}

export function stackEndpoints(env: NodeJS.ProcessEnv = process.env): StackEndpoints {
  return {
    kafkaBrokers: (env.EVOLVE_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    ...(env.EVOLVE_TEST_KAFKA_SASL_BROKERS
      ? {
          kafkaSasl: {
            brokers: env.EVOLVE_TEST_KAFKA_SASL_BROKERS.split(','),
            username: env.EVOLVE_TEST_KAFKA_SASL_USERNAME ?? '',
            password: env.EVOLVE_TEST_KAFKA_SASL_PASSWORD ?? '',
          },
        }
      : {}),
    ...(env.EVOLVE_TEST_KAFKA_TLS_BROKERS
      ? {
          kafkaTls: {
            brokers: env.EVOLVE_TEST_KAFKA_TLS_BROKERS.split(','),
            caFile: env.EVOLVE_TEST_KAFKA_TLS_CA_FILE ?? '',
          },
        }
      : {}),
    kafkaBrokersForFlink:
      env.EVOLVE_TEST_FLINK_KAFKA_BROKERS ?? env.EVOLVE_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092',
    flinkRestUrl: env.EVOLVE_TEST_FLINK_REST_URL ?? 'http://127.0.0.1:8081',
    flinkGatewayUrl: env.EVOLVE_TEST_FLINK_GATEWAY_URL ?? 'http://127.0.0.1:8083',
    redisUrl: env.EVOLVE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    savepointDir: env.EVOLVE_TEST_SAVEPOINT_DIR ?? '',
    kind: env.EVOLVE_TEST_STACK_KIND === 'testcontainers' ? 'testcontainers' : 'local',
  };
}
