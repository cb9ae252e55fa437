import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { StackConfig } from './stack-config.js';
import { isAlive, type ProcessRegistry } from './process-registry.js';
import { waitUntil } from './wait-until.js';

/** Sends PING over plain RESP; resolves true on +PONG. */
export function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setTimeout(1000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

function installRedis(log: (l: string) => void): void {
  log('redis-server is not installed; installing Debian package redis-server');
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'redis-server']]) {
    const r = spawnSync('apt-get', args, {
      encoding: 'utf8',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.status !== 0) {
      throw new Error(
        `apt-get ${args.join(' ')} failed (${r.stderr.trim().split('\n').pop() ?? r.error?.message}); install redis-server yourself or start a Redis on 127.0.0.1:6379`,
      );
    }
  }
}

/** Reuses a Redis that already answers; otherwise starts (and if need be installs) one. */
export async function startRedis(
  cfg: StackConfig,
  procs: ProcessRegistry,
  log: (l: string) => void,
): Promise<'started' | 'running' | 'external'> {
  if (procs.pid('redis') !== undefined) return 'running';
  if (await redisPing(cfg.redis.port)) return 'external';
  if (!hasRedisServer()) installRedis(log);
  const dir = join(cfg.dir, 'redis');
  mkdirSync(dir, { recursive: true });
  const pid = procs.start(
    'redis',
    'redis-server',
    [
      '--port',
      String(cfg.redis.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      // BullMQ loses jobs if Redis evicts keys.
      '--maxmemory-policy',
      'noeviction',
    ],
    { cwd: dir },
  );
  await waitUntil('Redis', async () => ((await redisPing(cfg.redis.port)) ? true : undefined), {
    timeoutMs: 20_000,
    alive: () => isAlive(pid),
    logFile: procs.logFile('redis'),
  });
  return 'started';
}
