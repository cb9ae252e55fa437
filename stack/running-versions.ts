import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackConfig } from './stack-config.js';
import { httpJson } from './wait-until.js';

/** What the processes on the stack's ports run, as far as they say. */
export interface RunningVersions {
  readonly flink: string | undefined;
  readonly gateway: string | undefined;
  readonly kafka: string | undefined;
}

/**
 * Flink names its release (`GET /config` flink-version, gateway `/v1/info`
 * version). A Kafka broker does not say its release over the wire, so the
 * stack records the one it started; a broker it did not start stays unknown.
 */
export async function runningVersions(
  cfg: StackConfig,
  kafkaStartedHere: boolean,
): Promise<RunningVersions> {
  const ask = async (url: string, field: string) =>
    httpJson(url).then(
      (o) => {
        const v = (o as Record<string, unknown>)[field];
        return typeof v === 'string' ? v : undefined;
      },
      () => undefined,
    );
  const kafkaFile = kafkaVersionFile(cfg);
  return {
    flink: await ask(`http://127.0.0.1:${cfg.flink.restPort}/config`, 'flink-version'),
    gateway: await ask(`http://127.0.0.1:${cfg.flink.gatewayPort}/v1/info`, 'version'),
    kafka:
      kafkaStartedHere && existsSync(kafkaFile)
        ? readFileSync(kafkaFile, 'utf8').trim() || undefined
        : undefined,
  };
}

function kafkaVersionFile(cfg: StackConfig): string {
  return join(cfg.runDir, 'kafka.version');
}

export function recordKafkaVersion(cfg: StackConfig): void {
  writeFileSync(kafkaVersionFile(cfg), cfg.versions.kafka);
}

/**
 * `up` reuses what already runs on the ports; a cluster of another release
 * than the one asked for would make a test run on the wrong version silently.
 */
export function versionMismatches(cfg: StackConfig, running: RunningVersions): string[] {
  const want = cfg.versions;
  const out: string[] = [];
  for (const [what, have] of [
    ['Flink', running.flink],
    ['the SQL Gateway', running.gateway],
  ] as const) {
    if (have !== undefined && have !== want.flink) {
      out.push(
        `${what} on these ports runs ${have} but EVOLVE_STACK_FLINK_VERSION asks for ${want.flink}`,
      );
    }
  }
  if (running.kafka && running.kafka !== want.kafka) {
    out.push(
      `Kafka on port ${cfg.kafka.port} runs ${running.kafka} but EVOLVE_STACK_KAFKA_VERSION asks for ${want.kafka}`,
    );
  }
  return out;
}
