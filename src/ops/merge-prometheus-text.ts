interface Family {
  help?: string;
  type?: string;
  samples: string[];
}

const COMMENT = /^#\s+(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s+(.*))?$/;
const SAMPLE_NAME = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/;

const SUFFIXES = ['', '_bucket', '_sum', '_count', '_total', '_created', '_info'];

function belongsTo(sample: string, familyName: string): boolean {
  return SUFFIXES.some((s) => sample === familyName + s);
}

/**
 * Joins Prometheus text expositions into one. BullMQ's export repeats the
 * HELP and TYPE lines of `bullmq_job_count` for every queue, and a scrape
 * with a second TYPE line for a metric is rejected whole; so each family is
 * written once, with its samples from every input together.
 */
export function mergePrometheusText(texts: readonly string[]): string {
  const families = new Map<string, Family>();
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) {
      f = { samples: [] };
      families.set(name, f);
    }
    return f;
  };
  for (const text of texts) {
    let current: string | undefined;
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line === '') continue;
      const comment = COMMENT.exec(line);
      if (comment) {
        const [, kind, name, rest = ''] = comment as unknown as [string, string, string, string?];
        const f = family(name);
        if (kind === 'HELP') f.help ??= rest;
        else f.type ??= rest;
        current = name;
        continue;
      }
      if (line.startsWith('#')) continue;
      const name = SAMPLE_NAME.exec(line)?.[1];
      if (!name) continue;
      // Histogram and summary samples (_bucket, _sum, _count) belong to the family announced above them.
      family(current && belongsTo(name, current) ? current : name).samples.push(line);
    }
  }
  const out: string[] = [];
  for (const [name, f] of families) {
    if (f.help !== undefined) out.push(`# HELP ${name} ${f.help}`);
    if (f.type !== undefined) out.push(`# TYPE ${name} ${f.type}`);
    out.push(...f.samples);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
