import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Processes the launcher started, recorded as pid files so that `down` stops
 * only what `up` started (never a Redis or Kafka the user already had).
 */
export class ProcessRegistry {
  constructor(
    private readonly runDir: string,
    private readonly logDir: string,
  ) {
    mkdirSync(runDir, { recursive: true });
    mkdirSync(logDir, { recursive: true });
  }

  logFile(name: string): string {
    return join(this.logDir, `${name}.log`);
  }

  pid(name: string): number | undefined {
    const file = join(this.runDir, `${name}.pid`);
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return pid;
    rmSync(file, { force: true });
    return undefined;
  }

  start(
    name: string,
    command: string,
    args: string[],
    options: { cwd: string; env?: NodeJS.ProcessEnv },
  ): number {
    const out = openSync(this.logFile(name), 'a');
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      detached: true,
      stdio: ['ignore', out, out],
    });
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    child.unref();
    writeFileSync(join(this.runDir, `${name}.pid`), String(child.pid));
    return child.pid;
  }

  /** SIGTERM, then SIGKILL after the grace period; true if it was running. */
  async stop(name: string, graceMs = 15_000): Promise<boolean> {
    const pid = this.pid(name);
    if (pid === undefined) return false;
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(200);
    if (isAlive(pid)) signal(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(100);
    rmSync(join(this.runDir, `${name}.pid`), { force: true });
    return true;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    // Negative pid: the whole process group, so wrappers take their children along.
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
