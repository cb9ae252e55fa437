import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  loadPipelinesFile,
  parsePipelines,
  PipelinesFileError,
} from '../../src/config/pipelines-file.js';

const SQL = 'INSERT INTO revenue SELECT region, SUM(amount) FROM orders GROUP BY region;';
const ALLOWED = { flinkAllowedOrigins: ['http://flink:8081', 'http://flink:8083'] };

const yamlWithSqlFile = (sqlFile: string) =>
  stringify({
    pipelines: {
      revenue: {
        flink: { restUrl: 'http://flink:8081', gatewayUrl: 'http://flink:8083' },
        kafka: { outputTopic: 'revenue-by-region', keyFormat: 'json' },
        production: { sqlFile, flinkJobId: 'a'.repeat(32) },
        owners: ['U0OWNER1'],
        approvers: ['U0APPR1'],
      },
    },
  });

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PipelinesFileError);
  const message = (err as PipelinesFileError).message;
  // Whatever the path, nothing of the bot's environment comes back in the message.
  for (const value of [process.env.PATH, process.env.HOME])
    if (value && value.length > 3) expect(message).not.toContain(value);
  return message;
}

// The attack of issue #11: a registration naming /proc/self/environ made the
// develop modal show the bot's environment. Whatever folder the caller
// passes (the Slack path passed process.cwd()), nothing outside it is read.
describe('production.sqlFile stays inside the pipelines file folder', () => {
  let dir: string;
  let outside: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evolve-sqlfile-'));
    outside = await mkdtemp(join(tmpdir(), 'evolve-outside-'));
    await mkdir(join(dir, 'sql'));
    await writeFile(join(dir, 'sql', 'revenue.sql'), SQL);
    await writeFile(join(outside, 'secret.sql'), 'SLACK_SIGNING_SECRET=stolen');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  const parseIn = (baseDir: string | undefined, sqlFile: string) =>
    parsePipelines(yamlWithSqlFile(sqlFile), {
      fileName: 'pipeline',
      ...(baseDir !== undefined ? { baseDir } : {}),
      defaults: ALLOWED,
    });

  it('from Slack (no folder given) every sqlFile is refused: SQL is inline only', async () => {
    for (const path of ['/proc/self/environ', 'sql/revenue.sql', '../../../../proc/self/environ']) {
      expect(await refusal(parseIn(undefined, path))).toBe(
        "pipeline: pipeline 'revenue' field 'production.sqlFile' is refused: From Slack, give the production SQL inline (production.sql); sqlFile is read only from the pipelines file on the bot's host",
      );
    }
  });

  it('refuses /proc/self/environ and ../ escapes whatever folder the caller passes (even the working directory)', async () => {
    for (const baseDir of [process.cwd(), dir]) {
      expect(await refusal(parseIn(baseDir, '/proc/self/environ'))).toBe(
        "pipeline: pipeline 'revenue' field 'production.sqlFile' names '/proc/self/environ', an absolute path; give a path relative to the pipelines file, inside its folder",
      );
      expect(await refusal(parseIn(baseDir, '../../../../proc/self/environ'))).toContain(
        "field 'production.sqlFile' names '../../../../proc/self/environ', which leaves the pipelines file's folder",
      );
    }
    expect(
      await refusal(parseIn(dir, `../${join(outside.split('/').pop()!, 'secret.sql')}`)),
    ).toContain("which leaves the pipelines file's folder");
    expect(await refusal(parseIn(dir, join(outside, 'secret.sql')))).toContain('an absolute path');
  });

  it('refuses a symlink inside the folder that points outside it (realpath), and reads one that stays inside', async () => {
    await symlink(join(outside, 'secret.sql'), join(dir, 'sql', 'link-out.sql'));
    await symlink('/proc/self/environ', join(dir, 'environ.sql'));
    await symlink(join(dir, 'sql', 'revenue.sql'), join(dir, 'link-in.sql'));
    // A linked folder leads outside as well.
    await symlink(outside, join(dir, 'linked-dir'));
    for (const path of ['sql/link-out.sql', 'environ.sql', 'linked-dir/secret.sql']) {
      const message = await refusal(parseIn(dir, path));
      expect(message).toContain(
        `pipeline: pipeline 'revenue' field 'production.sqlFile' names '${path}', a link to a file outside the pipelines file's folder`,
      );
      expect(message).not.toContain('stolen');
    }
    const [p] = await parseIn(dir, 'link-in.sql');
    expect(p?.production.sql).toBe(SQL);
  });

  it('reads paths that stay inside, and refuses what is not a regular file', async () => {
    const [p] = await parseIn(dir, './sql/../sql/revenue.sql');
    expect(p?.production.sql).toBe(SQL);
    expect(await refusal(parseIn(dir, 'sql'))).toContain(
      "names 'sql', which is not a regular file",
    );
    expect(await refusal(parseIn(dir, '.'))).toContain(
      "names '.', which leaves the pipelines file's folder",
    );
  });

  it('the CLI and the worker (loadPipelinesFile) resolve sqlFile against the file, not the working directory', async () => {
    await writeFile(join(dir, 'pipelines.yaml'), yamlWithSqlFile('sql/revenue.sql'));
    const [p] = await loadPipelinesFile(join(dir, 'pipelines.yaml'), ALLOWED);
    expect(p?.production.sql).toBe(SQL);
    await writeFile(join(dir, 'evil.yaml'), yamlWithSqlFile('/proc/self/environ'));
    expect(await refusal(loadPipelinesFile(join(dir, 'evil.yaml'), ALLOWED))).toContain(
      "evil.yaml: pipeline 'revenue' field 'production.sqlFile' names '/proc/self/environ', an absolute path",
    );
  });
});
