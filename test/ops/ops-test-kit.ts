import type { Job } from 'bullmq';
import type { DestinationStream } from 'pino';

/** A BullMQ job as a processor sees it: only the fields the wrappers read. */
export function aJob<T>(
  name: string,
  data: T,
  o: { id?: string; queue?: string; attemptsMade?: number; attempts?: number } = {},
): Job<T> {
  return {
    id: o.id ?? `${name}-1`,
    name,
    data,
    queueName: o.queue ?? 'test-steps',
    attemptsMade: o.attemptsMade ?? 0,
    opts: { attempts: o.attempts ?? 1 },
  } as unknown as Job<T>;
}

/** pino's destination, kept in memory: every line the logger writes, raw and parsed. */
export function captureLines(): DestinationStream & {
  raw: string[];
  records(): Array<Record<string, unknown>>;
} {
  const raw: string[] = [];
  return {
    raw,
    write(line: string) {
      raw.push(line);
    },
    records: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition into samples (enough of the format for our assertions). */
export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(
      /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/g,
    )) {
      labels[l[1]!] = l[2]!;
    }
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample with this name and (at least) these labels. */
export function valueOf(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = parseSamples(text).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1)
    throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/** How often each `# TYPE name` line appears: a scrape with a repeated one is rejected. */
export function typeLineCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/^# TYPE (\S+) /gm))
    counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
  return counts;
}
