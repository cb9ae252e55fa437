import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  loadPipelinesFile,
  parsePipelines,
  pipelineDefaultsFrom,
  PipelinesFileError,
} from '../../src/config/pipelines-file.js';
import { loadConfig } from '../../src/config/load-config.js';
import { sqlHash } from '../../src/evolution/sql-hash.js';

const SQL = 'INSERT INTO revenue SELECT region, SUM(amount) FROM orders GROUP BY region;';

function entry(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    flink: { restUrl: 'http://flink:8081', gatewayUrl: 'http://flink:8083' },
    kafka: { outputTopic: 'revenue-by-region', keyFormat: 'json' },
    production: { sql: SQL, flinkJobId: 'a'.repeat(32) },
    owners: ['U0OWNER1', 'S0OWNERS'],
    approvers: ['U0APPR1'],
    ...overrides,
  };
}

// The endpoints of entry(): an administrator's allow-list, as pipelineDefaultsFrom passes it.
const ALLOWED = { flinkAllowedOrigins: ['http://flink:8081', 'http://flink:8083'] };

const parse = (pipelines: Record<string, unknown>, baseDir = '.') =>
  parsePipelines(stringify({ pipelines }), {
    fileName: 'pipelines.yaml',
    baseDir,
    defaults: ALLOWED,
  });

async function problemsOf(pipelines: Record<string, unknown>): Promise<string[]> {
  const error = await parse(pipelines).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PipelinesFileError);
  expect((error as PipelinesFileError).code).toBe('CONFIG_INVALID');
  return [...(error as PipelinesFileError).problems];
}

describe('parsePipelines', () => {
  it('reads a pipeline with defaults filled in and the SQL hashed', async () => {
    const [p] = await parse({ revenue: entry() });
    expect(p).toEqual({
      name: 'revenue',
      flink: { restUrl: 'http://flink:8081', gatewayUrl: 'http://flink:8083' },
      kafka: { outputTopic: 'revenue-by-region', keyFormat: 'json' },
      production: { sql: SQL, sqlHash: sqlHash(SQL), flinkJobId: 'a'.repeat(32) },
      owners: ['U0OWNER1', 'S0OWNERS'],
      approvers: ['U0APPR1'],
      allowSelfApproval: false,
      approvalTtlMs: 86_400_000,
      shadowStartupMode: 'earliest-offset',
      backfill: { rate: 1000, mode: 'full' },
    });
  });

  it('takes Flink endpoints, TTL and rate from the environment defaults when the file leaves them out', async () => {
    const { flink: _flink, ...withoutFlink } = entry();
    const [p] = await parsePipelines(stringify({ pipelines: { revenue: withoutFlink } }), {
      fileName: 'pipelines.yaml',
      baseDir: '.',
      defaults: {
        flinkRestUrl: 'http://jm:8081',
        flinkGatewayUrl: 'http://gw:8083',
        approvalTtlMs: 120_000,
        backfillRate: 42,
      },
    });
    expect(p?.flink).toEqual({ restUrl: 'http://jm:8081', gatewayUrl: 'http://gw:8083' });
    expect(p?.approvalTtlMs).toBe(120_000);
    expect(p?.backfill.rate).toBe(42);
  });

  it('names the pipeline, the field and the fix', async () => {
    expect(await problemsOf({ revenue: entry({ approvers: [] }) })).toEqual([
      "pipelines.yaml: pipeline 'revenue' field 'approvers' must list at least one Slack user id (U…) or user group id (S…)",
    ]);
    expect(await problemsOf({ revenue: entry({ owners: ['U0OK1', 'bob'] }) })).toEqual([
      expect.stringMatching(
        /^pipelines.yaml: pipeline 'revenue' field 'owners\[1\]' 'bob' is not a Slack user id \(U…\) or user group id \(S…\)/,
      ),
    ]);
  });

  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['missing kafka', { kafka: undefined }, "field 'kafka' must have outputTopic and keyFormat"],
    [
      'bad topic',
      { kafka: { outputTopic: 'a topic', keyFormat: 'json' } },
      "field 'kafka.outputTopic' must be a Kafka topic name",
    ],
    [
      'TEMP-like topic',
      { kafka: { outputTopic: 'x.evolve.ev-1-2', keyFormat: 'json' } },
      'reserved for the TEMP topics',
    ],
    [
      'bad key format',
      { kafka: { outputTopic: 't', keyFormat: 'protobuf' } },
      "field 'kafka.keyFormat' must be one of raw, json, avro, string",
    ],
    [
      'bad job id',
      { production: { sql: SQL, flinkJobId: 'job-1' } },
      "field 'production.flinkJobId' must be a Flink job id",
    ],
    [
      'no sql',
      { production: { flinkJobId: 'a'.repeat(32) } },
      "field 'production' must give exactly one of sql (inline) or sqlFile",
    ],
    [
      'both sql and file',
      { production: { sql: SQL, sqlFile: 'x.sql', flinkJobId: 'a'.repeat(32) } },
      'exactly one of sql',
    ],
    [
      'bad flink url',
      { flink: { restUrl: 'flink:8081', gatewayUrl: 'http://g:8083' } },
      "field 'flink.restUrl' must be an http:// or https:// URL",
    ],
    ['short ttl', { approvalTtlMs: 1000 }, "field 'approvalTtlMs' must be at least 60000"],
    ['zero rate', { backfill: { rate: 0 } }, "field 'backfill.rate' must be greater than 0"],
    [
      'bad mode',
      { backfill: { mode: 'partial' } },
      "field 'backfill.mode' must be full or refresh-only",
    ],
    [
      'bad startup mode',
      { shadowStartupMode: 'timestamp' },
      "field 'shadowStartupMode' must be earliest-offset",
    ],
    [
      'string boolean',
      { allowSelfApproval: 'yes' },
      "field 'allowSelfApproval' must be true or false",
    ],
    ['misspelt field', { approver: ['U0X1'] }, "has unknown field 'approver'; check the spelling"],
  ];
  for (const [name, overrides, expected] of cases) {
    it(`refuses ${name}`, async () => {
      const problems = await problemsOf({ revenue: entry(overrides) });
      expect(
        problems.some(
          (p) => p.startsWith("pipelines.yaml: pipeline 'revenue' ") && p.includes(expected),
        ),
      ).toBe(true);
    });
  }

  it('refuses a pipeline name that cannot become part of topic and key names', async () => {
    expect(await problemsOf({ 'Revenue EU': entry() })).toEqual([
      expect.stringContaining("pipeline name 'Revenue EU' must be 1-63 lowercase letters"),
    ]);
  });

  it('reports problems of every pipeline at once', async () => {
    const problems = await problemsOf({
      a: entry({ approvers: [] }),
      b: entry(),
      c: entry({ owners: [] }),
    });
    expect(problems.map((p) => p.match(/pipeline '(\w)'/)?.[1])).toEqual(['a', 'c']);
  });

  it('refuses files that are not YAML or have no pipelines map', async () => {
    const opts = { fileName: 'pipelines.yaml', baseDir: '.', defaults: ALLOWED };
    await expect(parsePipelines('pipelines: [unclosed', opts)).rejects.toThrow(
      /pipelines.yaml: not valid YAML/,
    );
    await expect(parsePipelines('pipeline:\n  a: {}\n', opts)).rejects.toThrow(
      /must have a 'pipelines' map/,
    );
    await expect(parsePipelines('pipelines:\n  a: {}\n  a: {}\n', opts)).rejects.toThrow(
      /not valid YAML/,
    );
  });
});

describe('loadPipelinesFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evolve-pipelines-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads sqlFile relative to the pipelines file, byte for byte', async () => {
    const sql = `-- v1\n${SQL}\n`;
    await mkdir(join(dir, 'sql'));
    await writeFile(join(dir, 'sql', 'revenue.sql'), sql);
    await writeFile(
      join(dir, 'pipelines.yaml'),
      stringify({
        pipelines: {
          revenue: entry({
            production: { sqlFile: 'sql/revenue.sql', flinkJobId: 'b'.repeat(32) },
          }),
        },
      }),
    );
    const [p] = await loadPipelinesFile(join(dir, 'pipelines.yaml'), ALLOWED);
    expect(p?.production).toEqual({ sql, sqlHash: sqlHash(sql), flinkJobId: 'b'.repeat(32) });
  });

  it('names a sqlFile that cannot be read', async () => {
    await writeFile(
      join(dir, 'pipelines.yaml'),
      stringify({
        pipelines: {
          revenue: entry({ production: { sqlFile: 'missing.sql', flinkJobId: 'b'.repeat(32) } }),
        },
      }),
    );
    await expect(loadPipelinesFile(join(dir, 'pipelines.yaml'), ALLOWED)).rejects.toThrow(
      "pipelines.yaml: pipeline 'revenue' field 'production.sqlFile' names 'missing.sql', which cannot be read",
    );
  });

  it('says which variable to check when the file itself is missing', async () => {
    await expect(loadPipelinesFile(join(dir, 'nope.yaml'))).rejects.toThrow(
      /nope.yaml: cannot be read \(ENOENT\); check EVOLVE_PIPELINES_FILE/,
    );
  });

  it('the example file at the repository root is valid', async () => {
    const pipelines = await loadPipelinesFile(
      new URL('../../pipelines.example.yaml', import.meta.url).pathname,
      pipelineDefaultsFrom(loadConfig({})),
    );
    expect(pipelines.map((p) => p.name)).toEqual(['revenue']);
    expect(pipelines[0]?.production.sql).toContain('INSERT INTO revenue_by_region');
  });

  it('defaults come from the environment configuration', async () => {
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1',
      EVOLVE_FLINK_REST_URL: 'http://jm.internal:8081',
      EVOLVE_BACKFILL_DEFAULT_RATE: '77',
    });
    const { flink: _flink, ...withoutFlink } = entry();
    await writeFile(join(dir, 'p.yaml'), stringify({ pipelines: { revenue: withoutFlink } }));
    const [p] = await loadPipelinesFile(join(dir, 'p.yaml'), pipelineDefaultsFrom(config));
    expect(p?.flink).toEqual({
      restUrl: 'http://jm.internal:8081',
      gatewayUrl: 'http://127.0.0.1:8083',
    });
    expect(p?.backfill.rate).toBe(77);
    expect(p?.approvalTtlMs).toBe(config.approvalTtlMs);
  });
});
