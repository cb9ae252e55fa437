import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Runtime } from '../../src/app/create-runtime.js';
import { stackEndpoints } from './stack-endpoints.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `evolve worker` as a real child process, started as users start it: node
 * runs bin/evolve.mjs (tsx registered in-process), in its own process group,
 * so SIGKILL reaches the process that holds the jobs and every process it
 * started. Not through tsx's CLI: that is a second process which relays
 * SIGTERM and SIGKILLs its child when the child's event loop does not answer
 * within 30 ms (a worker busy indexing, once in a fresh-clone run: exit 143
 * instead of a clean hand-back).
 */
export class WorkerChild {
  readonly output: string[] = [];
  private exited = false;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
  ) {
    child.once('exit', () => (this.exited = true));
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) if (line.trim()) this.output.push(line);
      });
    }
  }

  /**
   * Starts a worker and resolves once `ready` says so (the test asks BullMQ
   * how many workers listen on the queue: a fact, unlike a log line's wording).
   */
  static async start(
    label: string,
    env: Record<string, string>,
    ready: () => Promise<boolean>,
    /** Another `evolve` command run the same way (`bot`). */
    command = 'worker',
  ): Promise<WorkerChild> {
    return WorkerChild.launch(label, process.execPath, ['bin/evolve.mjs', command], env, ready);
  }

  /**
   * Any program from the checkout's root (`npm start`, say), started the
   * same way: detached in its own process group, only `env` (and PATH, HOME).
   */
  static async launch(
    label: string,
    file: string,
    args: readonly string[],
    env: Record<string, string>,
    ready: () => Promise<boolean>,
  ): Promise<WorkerChild> {
    const child = spawn(file, args, {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    const worker = new WorkerChild(label, child);
    // Generous: tsx compiles the sources on start, slow on a busy 2-core machine.
    const deadline = Date.now() + 180_000;
    while (!(await ready())) {
      if (worker.exited || Date.now() > deadline) {
        worker.kill();
        throw new Error(`worker ${label} did not start:\n${worker.output.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return worker;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** SIGKILL to the whole process group: no handler runs, no lock is released, like a lost host. */
  kill(): void {
    if (this.exited) return;
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  /**
   * SIGTERM to the worker process only (tsx passes it on to the node process
   * running the worker; signalling the whole group would deliver it twice),
   * as an orchestrator stopping a pod does. Resolves with the exit code and
   * how long the shutdown took, or SIGKILLs after `timeoutMs`.
   */
  async terminate(timeoutMs = 60_000): Promise<{ code: number | null; ms: number }> {
    if (this.exited) return { code: this.child.exitCode, ms: 0 };
    const started = Date.now();
    const exit = once(this.child, 'exit') as Promise<[number | null, string | null]>;
    process.kill(this.pid, 'SIGTERM');
    const timer = setTimeout(() => this.kill(), timeoutMs);
    const [code] = await exit;
    clearTimeout(timer);
    return { code, ms: Date.now() - started };
  }

  async killAndWait(): Promise<void> {
    if (this.exited) return;
    const exit = once(this.child, 'exit');
    this.kill();
    await exit;
  }
}

/** The environment of an `evolve worker` child that works on the queues and keys of `rt`. */
export function workerEnv(rt: Runtime): Record<string, string> {
  const e = stackEndpoints();
  return {
    EVOLVE_REDIS_URL: e.redisUrl,
    EVOLVE_REDIS_PREFIX: rt.keyPrefix,
    EVOLVE_QUEUE_NAMESPACE: rt.queues.names.steps.replace(/-steps$/, ''),
    EVOLVE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
    EVOLVE_FLINK_REST_URL: e.flinkRestUrl,
    EVOLVE_FLINK_GATEWAY_URL: e.flinkGatewayUrl,
    EVOLVE_DEPLOY_RUNNING_TIMEOUT_MS: '180000',
    EVOLVE_LOG_LEVEL: 'warn',
  };
}
