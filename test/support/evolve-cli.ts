import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The CLI as users run it: its own process, node running bin/evolve.mjs,
 * with only the environment given (and PATH, HOME). Resolves with the exit
 * code and everything it printed.
 */
export function runEvolve(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/evolve.mjs', ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    let out = '';
    for (const s of [child.stdout, child.stderr])
      s.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 1, out: out.trim() }));
  });
}
