import { stackConfig } from '../stack/stack-config.js';

export interface BenchEndpoints {
  brokers: string[];
  restUrl: string;
  gatewayUrl: string;
  redisUrl: string;
}

/**
 * Where the Flink benches find the stack: the local one on its configured
 * ports, unless EVOLVE_BENCH_* points elsewhere (a bench run against a
 * bigger cluster without touching the stack's settings).
 */
export function benchEndpoints(env: NodeJS.ProcessEnv = process.env): BenchEndpoints {
  const cfg = stackConfig(env);
  return {
    brokers: (env.EVOLVE_BENCH_KAFKA_BROKERS ?? `127.0.0.1:${cfg.kafka.port}`).split(','),
    restUrl: env.EVOLVE_BENCH_FLINK_REST_URL ?? `http://127.0.0.1:${cfg.flink.restPort}`,
    gatewayUrl: env.EVOLVE_BENCH_FLINK_GATEWAY_URL ?? `http://127.0.0.1:${cfg.flink.gatewayPort}`,
    redisUrl: env.EVOLVE_BENCH_REDIS_URL ?? `redis://127.0.0.1:${cfg.redis.port}`,
  };
}
