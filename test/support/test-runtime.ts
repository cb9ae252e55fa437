import { loadConfig } from '../../src/config/load-config.js';
import { createRuntime, type Runtime } from '../../src/app/create-runtime.js';
import type { Notifier } from '../../src/evolution/ports/notifier.js';
import { deleteKeysWithPrefix } from './redis-test-keys.js';
import { stackEndpoints } from './stack-endpoints.js';
import { uniqueName } from './unique-name.js';

/** A runtime on the real stack with its own queue namespace and Redis key prefix. */
export async function testRuntime(
  notifier: Notifier,
  env: Record<string, string> = {},
): Promise<Runtime> {
  const e = stackEndpoints();
  const name = uniqueName('rt');
  const config = loadConfig({
    EVOLVE_REDIS_URL: e.redisUrl,
    EVOLVE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
    EVOLVE_FLINK_REST_URL: e.flinkRestUrl,
    EVOLVE_FLINK_GATEWAY_URL: e.flinkGatewayUrl,
    EVOLVE_SLACK_MODE: 'http',
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: 'test-signing-secret',
    EVOLVE_DEPLOY_RUNNING_TIMEOUT_MS: '90000',
    ...env,
  });
  return createRuntime(config, { notifiers: [notifier], namespace: name, keyPrefix: `${name}:` });
}

/** Deletes every Redis key of a test runtime (its prefix) and its queues. */
export async function disposeRuntime(rt: Runtime): Promise<void> {
  await rt.queues.obliterate().catch(() => undefined);
  await deleteKeysWithPrefix(rt.redis, rt.keyPrefix);
  await rt.close();
}
