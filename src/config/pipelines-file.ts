import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { EvolveError } from '../errors.js';
import type { Pipeline } from '../evolution/pipeline.js';
import { PIPELINE_NAME_PATTERN } from '../evolution/pipeline.js';
import { sqlHash } from '../evolution/sql-hash.js';
import {
  pipelineEntrySchema,
  type PipelineDefaults,
  type PipelineEntry,
} from './pipeline-schema.js';
import { readSqlFile } from './read-sql-file.js';

export class PipelinesFileError extends EvolveError {
  constructor(readonly problems: readonly string[]) {
    super('CONFIG_INVALID', problems.join('\n'));
  }
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) =>
      typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key),
    '',
  );
}

function describeIssue(file: string, pipeline: string, issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length > 0 ? ` in '${fieldPath(issue.path)}'` : '';
    return `${file}: pipeline '${pipeline}' has unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}${where}; check the spelling against pipelines.example.yaml`;
  }
  const field = fieldPath(issue.path);
  return field
    ? `${file}: pipeline '${pipeline}' field '${field}' ${issue.message}`
    : `${file}: pipeline '${pipeline}' ${issue.message}`;
}

export interface ParsePipelinesOptions {
  /** Shown in messages, e.g. 'pipelines.yaml'. */
  fileName: string;
  /**
   * The folder of the pipelines file, which sqlFile paths are relative to and
   * may not leave. Omit it for YAML that did not come from a file on this
   * host (Slack): every sqlFile is then refused and the SQL must be inline.
   */
  baseDir?: string;
  defaults?: PipelineDefaults;
}

/**
 * Parses a pipelines file: `pipelines: { <name>: {...} }`. All problems are
 * collected, each naming the file, the pipeline, the field and the fix.
 */
export async function parsePipelines(
  text: string,
  options: ParsePipelinesOptions,
): Promise<Pipeline[]> {
  const file = options.fileName;
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new PipelinesFileError(
      doc.errors.map((e) => `${file}: not valid YAML: ${e.message.split('\n')[0]}`),
    );
  }
  const root: unknown = doc.toJS();
  const entries = (root as { pipelines?: unknown } | null)?.pipelines;
  if (!entries || typeof entries !== 'object' || Array.isArray(entries)) {
    throw new PipelinesFileError([
      `${file}: must have a 'pipelines' map with one entry per pipeline name (see pipelines.example.yaml)`,
    ]);
  }
  const extra = Object.keys(root as object).filter((k) => k !== 'pipelines');
  const problems: string[] = extra.map(
    (k) => `${file}: unknown top-level field '${k}'; only 'pipelines' is read`,
  );
  const pipelines: Pipeline[] = [];
  const schema = pipelineEntrySchema(options.defaults);
  for (const [name, value] of Object.entries(entries as Record<string, unknown>)) {
    if (!PIPELINE_NAME_PATTERN.test(name)) {
      problems.push(
        `${file}: pipeline name '${name}' must be 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit (it becomes part of topic, job and key names)`,
      );
      continue;
    }
    const parsed = schema.safeParse(value ?? {});
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((issue) => describeIssue(file, name, issue)));
      continue;
    }
    try {
      pipelines.push(await toPipeline(name, parsed.data, options));
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (problems.length > 0) throw new PipelinesFileError(problems);
  return pipelines;
}

async function toPipeline(
  name: string,
  entry: PipelineEntry,
  options: ParsePipelinesOptions,
): Promise<Pipeline> {
  const { production, ...config } = entry;
  const sql =
    production.sqlFile === undefined
      ? production.sql
      : await readSqlFile({
          fileName: options.fileName,
          pipeline: name,
          sqlFile: production.sqlFile,
          baseDir: options.baseDir,
        });
  const text = sql ?? '';
  return {
    name,
    ...config,
    production: {
      sql: text,
      sqlHash: sqlHash(text),
      flinkJobId: production.flinkJobId,
      ...(production.lastSavepoint ? { lastSavepoint: production.lastSavepoint } : {}),
    },
  };
}

/** Reads and validates a pipelines YAML file; Flink endpoints and TTL/rate default from `defaults`. */
export async function loadPipelinesFile(
  path: string,
  defaults: PipelineDefaults = {},
): Promise<Pipeline[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new PipelinesFileError([
      `${basename(path)}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); check EVOLVE_PIPELINES_FILE`,
    ]);
  }
  return parsePipelines(text, {
    fileName: basename(path),
    baseDir: dirname(resolve(path)),
    defaults,
  });
}

/** What a pipeline leaves out of the file comes from the environment's configuration. */
export function pipelineDefaultsFrom(config: {
  flink: { restUrl: string; gatewayUrl: string; allowedOrigins: readonly string[] };
  approvalTtlMs: number;
  backfillDefaultRate: number;
}): PipelineDefaults {
  return {
    flinkRestUrl: config.flink.restUrl,
    flinkGatewayUrl: config.flink.gatewayUrl,
    flinkAllowedOrigins: config.flink.allowedOrigins,
    approvalTtlMs: config.approvalTtlMs,
    backfillRate: config.backfillDefaultRate,
  };
}
