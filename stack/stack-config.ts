import { resolve } from 'node:path';
import { stackVersions, type StackVersions } from './stack-versions.js';

/**
 * Where the local stack keeps everything (jars, data, savepoints, logs, pid
 * files) and which loopback ports it serves. One git-ignored folder, so that
 * `rm -rf .stack` is a full reset.
 */
export interface StackConfig {
  readonly dir: string;
  readonly libDir: string;
  readonly runDir: string;
  readonly logDir: string;
  readonly kafka: {
    readonly port: number;
    readonly controllerPort: number;
    /** A second listener that asks for SASL/PLAIN, so clients are tested as production authenticates them. */
    readonly sasl: { readonly port: number; readonly username: string; readonly password: string };
    /** A third listener that speaks TLS, with a certificate of the stack's own CA (`<dir>/kafka/tls/ca.pem`). */
    readonly tls: { readonly port: number; readonly caFile: string };
    readonly heap: string;
  };
  readonly flink: {
    readonly restPort: number;
    readonly gatewayPort: number;
    readonly rpcPort: number;
    readonly slots: number;
    readonly jobManagerProcessSize: string;
    readonly taskManagerProcessSize: string;
    readonly gatewayHeap: string;
  };
  readonly redis: { readonly port: number };
  readonly versions: StackVersions;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new Error(
      `${name}=${raw} is not a TCP port; use a whole number from 1 to 65535 or unset it.`,
    );
  }
  return n;
}

export function stackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const root = resolve(new URL('..', import.meta.url).pathname);
  const dir = resolve(env.EVOLVE_STACK_DIR || resolve(root, '.stack'));
  return {
    dir,
    libDir: resolve(dir, 'lib'),
    runDir: resolve(dir, 'run'),
    logDir: resolve(dir, 'logs'),
    kafka: {
      port: port(env, 'EVOLVE_STACK_KAFKA_PORT', 9092),
      controllerPort: port(env, 'EVOLVE_STACK_KAFKA_CONTROLLER_PORT', 9093),
      // A user of the local stack only, like its loopback-only ports: not a secret of anyone's.
      sasl: {
        port: port(env, 'EVOLVE_STACK_KAFKA_SASL_PORT', 9094),
        username: 'evolve-stack',
        password: 'evolve-stack-password',
      },
      tls: {
        port: port(env, 'EVOLVE_STACK_KAFKA_TLS_PORT', 9095),
        caFile: resolve(dir, 'kafka', 'tls', 'ca.pem'),
      },
      heap: '1g',
    },
    flink: {
      restPort: port(env, 'EVOLVE_STACK_FLINK_REST_PORT', 8081),
      gatewayPort: port(env, 'EVOLVE_STACK_FLINK_GATEWAY_PORT', 8083),
      rpcPort: port(env, 'EVOLVE_STACK_FLINK_RPC_PORT', 6123),
      // Tests run a v1 job, a shadow and a restored v2 side by side; 8 slots
      // leave room for that with parallelism up to 2.
      slots: 8,
      // Sized for a 2-core, 24 GiB machine: the whole stack stays under ~6 GiB.
      jobManagerProcessSize: '1200m',
      taskManagerProcessSize: '2560m',
      gatewayHeap: '768m',
    },
    redis: { port: port(env, 'EVOLVE_STACK_REDIS_PORT', 6379) },
    versions: stackVersions(env),
  };
}
