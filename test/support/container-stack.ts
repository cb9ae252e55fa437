import { resolve } from 'node:path';
import {
  DockerComposeEnvironment,
  Wait,
  getContainerRuntimeClient,
  type StartedDockerComposeEnvironment,
} from 'testcontainers';

/**
 * The integration stack in containers, for hosts with a Docker engine
 * (EVOLVE_TEST_STACK=testcontainers). It starts the repository's own
 * docker-compose.yml, so the containers and the local stack share one
 * topology and the same host ports; savepoints live inside the Flink
 * containers (file:///flink/savepoints).
 */
export interface ContainerStack {
  env: Record<string, string>;
  describe: string;
  stop(): Promise<void>;
}

async function dockerAnswers(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export async function startContainerStack(): Promise<ContainerStack | undefined> {
  if (!(await dockerAnswers())) return undefined;
  const root = resolve(new URL('../..', import.meta.url).pathname);
  const env: StartedDockerComposeEnvironment = await new DockerComposeEnvironment(
    root,
    'docker-compose.yml',
  )
    .withWaitStrategy('kafka-1', Wait.forLogMessage(/Kafka Server started/))
    .withWaitStrategy('flink-jobmanager-1', Wait.forHttp('/overview', 8081))
    .withWaitStrategy('flink-sql-gateway-1', Wait.forHttp('/v1/info', 8083))
    .withStartupTimeout(300_000)
    .up();
  return {
    describe:
      'docker-compose.yml: redis, kafka, flink-jobmanager, flink-taskmanager, flink-sql-gateway',
    env: {
      EVOLVE_TEST_STACK_KIND: 'testcontainers',
      EVOLVE_TEST_KAFKA_BROKERS: '127.0.0.1:9092',
      EVOLVE_TEST_FLINK_KAFKA_BROKERS: 'kafka:29092',
      EVOLVE_TEST_FLINK_REST_URL: 'http://127.0.0.1:8081',
      EVOLVE_TEST_FLINK_GATEWAY_URL: 'http://127.0.0.1:8083',
      EVOLVE_TEST_REDIS_URL: 'redis://127.0.0.1:6379',
      EVOLVE_TEST_SAVEPOINT_DIR: 'file:///flink/savepoints',
    },
    stop: async () => {
      await env.down({ removeVolumes: true });
    },
  };
}
