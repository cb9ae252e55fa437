import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./fixtures/backfill-one-partition.ts', import.meta.url));

/**
 * SIGKILL to the child's whole process group. Killing only the spawned pid
 * once left the process that ran the backfill alive (npx and tsx each start a
 * child): it went on emitting beside the resumed run, and chunks were written
 * two and four times ('expected 560 to be less than or equal to 500').
 */
export function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Whether every process of the child's group is gone (reaped) within `ms`. */
export async function groupGone(child: ChildProcess, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      process.kill(-child.pid!, 0);
    } catch {
      return true;
    }
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface BackfillChild {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; out: string }>;
}

/**
 * One partition of a backfill in its own OS process (a worker, as far as the
 * shared throttle and the topic can tell), in its own process group; resolves
 * `done` when it exits. With `killAfterChunks`, it is SIGKILLed once it
 * printed that many chunk lines.
 */
export function startBackfillChild(
  args: object,
  children: ChildProcess[],
  killAfterChunks?: number,
): BackfillChild {
  // One node process runs the fixture (tsx as a loader, no launcher in between), in its own group.
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, EVOLVE_BACKFILL_ARGS: JSON.stringify(args) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let out = '';
  let chunks = 0;
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    chunks = (out.match(/^chunk /gm) ?? []).length;
    if (killAfterChunks !== undefined && chunks >= killAfterChunks && child.exitCode === null)
      killGroup(child);
  });
  child.stderr!.on('data', (d: Buffer) => void (out += d.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, out })),
  );
  return { child, done };
}
