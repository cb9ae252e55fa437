/**
 * The worker processes of bench/backfill.ts: one OS process each (as the
 * product's workers are), spoken to over IPC. Partition p goes to worker
 * p % workers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { StampedEvent, WorkerTask } from './backfill-worker.js';

const workerFile = fileURLToPath(new URL('./backfill-worker.ts', import.meta.url));

type Reply = {
  ready?: true;
  id?: number;
  result?: unknown;
  error?: string;
  progress?: StampedEvent;
};

/**
 * BENCH_CPU_PROFILE_DIR=<dir> writes a CPU profile of every worker process
 * there; BENCH_WORKER_FLAGS adds node/V8 flags to them (e.g. a GC setting).
 */
function workerFlags(): string[] {
  const dir = process.env.BENCH_CPU_PROFILE_DIR;
  const extra = (process.env.BENCH_WORKER_FLAGS ?? '').split(' ').filter(Boolean);
  return ['--expose-gc', ...extra, ...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [])];
}

export class BenchWorkers {
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  onProgress: (e: StampedEvent) => void = () => undefined;

  private constructor(private readonly children: ChildProcess[]) {}

  static async start(count: number): Promise<BenchWorkers> {
    const children: ChildProcess[] = [];
    const ready: Promise<void>[] = [];
    for (let w = 0; w < count; w++) {
      const child = spawn(process.execPath, [...workerFlags(), '--import', 'tsx', workerFile], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: process.env,
      });
      children.push(child);
      ready.push(
        new Promise((resolve, reject) => {
          child.once('exit', (code) => reject(new Error(`bench worker exited ${code}`)));
          const onReady = (m: Reply): void => {
            if (!m.ready) return;
            child.off('message', onReady);
            resolve();
          };
          child.on('message', onReady);
        }),
      );
    }
    const pool = new BenchWorkers(children);
    for (const child of children) {
      child.on('message', (m: Reply) => pool.handle(m));
      child.on('exit', (code) => {
        if (code === 0) return;
        for (const w of pool.waiting.values()) w.reject(new Error(`bench worker exited ${code}`));
        pool.waiting.clear();
      });
    }
    await Promise.all(ready);
    return pool;
  }

  get size(): number {
    return this.children.length;
  }

  /** The partitions worker `w` runs. */
  partitionsOf(w: number, partitions: number): number[] {
    return Array.from({ length: partitions }, (_, p) => p).filter((p) => p % this.size === w);
  }

  /** Runs `task(w)` on every worker at once; resolves with their results in worker order. */
  all<T>(task: (w: number) => WorkerTask): Promise<T[]> {
    return Promise.all(this.children.map((child, w) => this.call<T>(child, task(w))));
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.send({ quit: true });
          }),
      ),
    );
  }

  private call<T>(child: ChildProcess, task: WorkerTask): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, task });
    });
  }

  private handle(m: Reply): void {
    if (m.progress) return this.onProgress(m.progress);
    if (m.id === undefined) return;
    const w = this.waiting.get(m.id);
    this.waiting.delete(m.id);
    if (m.error !== undefined) w?.reject(new Error(m.error));
    else w?.resolve(m.result);
  }
}
