/**
 * The machine's limit for a backfill, measured with kcat (librdkafka, C,
 * several threads): read PROD and TEMP to their ends, produce the planned
 * records with acks=all and idempotence, re-read what was written. No
 * decision is computed: this is the Kafka work alone, the least a backfill
 * can do on this broker.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plannedRecords } from './backfill-data.js';

export interface KcatLimit {
  seconds: number;
  readSeconds: number;
  produceSeconds: number;
  rereadSeconds: number;
  read: number;
  written: number;
  reread: number;
}

/** Where kcat is, installing the Debian package if it is missing and we may; undefined with the reason otherwise. */
export function findKcat(): { path?: string; reason?: string } {
  const which = (): string | undefined => {
    try {
      return (
        execFileSync('sh', ['-c', 'command -v kcat'], { encoding: 'utf8' }).trim() || undefined
      );
    } catch {
      return undefined;
    }
  };
  const found = which();
  if (found) return { path: found };
  if (process.getuid?.() !== 0) return { reason: 'kcat is not installed (apt-get install kcat)' };
  try {
    console.log('kcat missing: apt-get install -y kcat');
    execFileSync('apt-get', ['install', '-y', '-qq', 'kcat'], { stdio: 'ignore' });
  } catch {
    return { reason: 'kcat is not installed and apt-get install kcat failed' };
  }
  const installed = which();
  return installed ? { path: installed } : { reason: 'apt-get installed no kcat' };
}

/** Runs kcat; resolves with the bytes it printed (each consumed record prints one byte). */
function kcat(bin: string, args: string[], stdinFile?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const fd = stdinFile ? openSync(stdinFile, 'r') : 'ignore';
    const child = spawn(bin, args, { stdio: [fd, 'pipe', 'pipe'] });
    let bytes = 0;
    let err = '';
    child.stdout!.on('data', (d: Buffer) => void (bytes += d.length));
    child.stderr!.on('data', (d: Buffer) => void (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (typeof fd === 'number') closeSync(fd);
      if (code === 0) resolve(bytes);
      else reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${err.trim()}`));
    });
  });
}

export async function kcatLimit(opts: {
  bin: string;
  brokers: string;
  prodTopic: string;
  tempTopic: string;
  outTopic: string;
  keys: number;
  partitions: number;
  /**
   * PROD's records before the cutover: what is read of PROD, so that a pass
   * after the engine (which appended its writes) reads as much as one before.
   */
  prodRecords: number;
}): Promise<KcatLimit> {
  const { bin, brokers } = opts;
  const consume = (topic: string, count?: number): Promise<number> =>
    kcat(bin, [
      '-C',
      '-b',
      brokers,
      '-t',
      topic,
      '-o',
      'beginning',
      '-e',
      ...(count === undefined ? [] : ['-c', String(count)]),
      '-q',
      '-f',
      '.',
    ]);
  // The planned records as kcat input (key|value lines, an empty value for a tombstone), written before timing.
  const dir = mkdtempSync(join(tmpdir(), 'evolve-bench-kcat-'));
  try {
    const files = Array.from({ length: opts.partitions }, (_, p) => {
      const file = join(dir, `p${p}.txt`);
      const lines = plannedRecords(opts.keys, opts.partitions, p).map(
        (m) =>
          `${(m.key as Buffer).toString('latin1')}|${m.value ? m.value.toString('latin1') : ''}`,
      );
      writeFileSync(file, lines.join('\n') + '\n', 'latin1');
      return file;
    });
    let t = performance.now();
    const [prodRead, tempRead] = await Promise.all([
      consume(opts.prodTopic, opts.prodRecords),
      consume(opts.tempTopic),
    ]);
    const readSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const produce = ['-P', '-b', brokers, '-t', opts.outTopic, '-K', '|', '-Z'];
    const idempotent = ['-X', 'acks=all', '-X', 'enable.idempotence=true'];
    await Promise.all(
      files.map((file, p) => kcat(bin, [...produce, '-p', String(p), ...idempotent], file)),
    );
    const produceSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const reread = await consume(opts.outTopic);
    const rereadSeconds = (performance.now() - t) / 1000;
    const written = files.reduce(
      (a, _, p) => a + plannedRecords(opts.keys, opts.partitions, p).length,
      0,
    );
    return {
      seconds: readSeconds + produceSeconds + rereadSeconds,
      readSeconds,
      produceSeconds,
      rereadSeconds,
      read: prodRead + tempRead,
      written,
      reread,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
