import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEvolution } from '../../src/evolution/start-evolution.js';
import { RedisAuditLog } from '../../src/store/redis-audit-log.js';
import { RedisEvolutionStore } from '../../src/store/redis-evolution-store.js';
import { systemClock } from '../../src/store/system-clock.js';
import { RedisKeys } from '../../src/store/redis-keys.js';
import { RedisPipelineRegistry } from '../../src/store/redis-pipeline-registry.js';
import { runEvolve } from '../support/evolve-cli.js';
import { deleteKeysWithPrefix } from '../support/redis-test-keys.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';

const ADMIN = 'U0CLIADMIN';
const OWNER = 'U0CLIOWNER';
const ORIGIN = `cli ${userInfo().username}@${hostname()}`;

describe('CLI identity: --as names a known person, never the workers, and is audited with the OS user and host', () => {
  const e = stackEndpoints();
  const run = uniqueName('cli');
  const prefix = `${run}:`;
  const name = uniqueName('clipipe').toLowerCase();
  const redis = new Redis(e.redisUrl);
  const env = {
    EVOLVE_REDIS_URL: e.redisUrl,
    EVOLVE_REDIS_PREFIX: prefix,
    EVOLVE_QUEUE_NAMESPACE: run,
    EVOLVE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
    EVOLVE_FLINK_REST_URL: e.flinkRestUrl,
    EVOLVE_FLINK_GATEWAY_URL: e.flinkGatewayUrl,
    EVOLVE_ADMINS: ADMIN,
    EVOLVE_LOG_LEVEL: 'warn',
  };
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-identity-'));
    file = join(dir, 'pipelines.yaml');
    await writeFile(join(dir, 'v1.sql'), 'INSERT INTO out SELECT 1;\n');
    await writeFile(
      file,
      [
        'pipelines:',
        `  ${name}:`,
        '    kafka: { outputTopic: cli-out, keyFormat: json }',
        `    production: { sqlFile: v1.sql, flinkJobId: "${'c'.repeat(32)}" }`,
        `    owners: [${OWNER}]`,
        '    approvers: [U0CLIAPPR]',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  });

  const registry = () => new RedisPipelineRegistry({ redis, prefix });

  it('refuses --as system, a missing --as and a non-administrator, and registers nothing', async () => {
    const asSystem = await runEvolve(['register', file, '--as', 'system'], env);
    console.log(`[cli] register --as system: exit ${asSystem.code}: ${asSystem.out}`);
    expect(asSystem.code).toBe(1);
    expect(asSystem.out).toMatch(/workers' own actor and cannot be used from the CLI/);

    const nobody = await runEvolve(['register', file], env);
    expect(nobody.code).toBe(1);
    expect(nobody.out).toMatch(/Say who is acting: --as/);

    const owner = await runEvolve(['register', file, '--as', OWNER], env);
    console.log(`[cli] register --as a non-administrator: exit ${owner.code}: ${owner.out}`);
    expect(owner.code).toBe(1);
    expect(owner.out).toMatch(/only administrators register pipelines/);
    expect(await registry().get(name)).toBeUndefined();
    const refusals = await new RedisAuditLog({ redis, keys: new RedisKeys(prefix) }).list(name);
    expect(refusals.map((a) => [a.actor, a.action, a.accepted, a.origin])).toEqual([
      ['system', 'cli register', false, ORIGIN],
      [OWNER, 'cli register', false, ORIGIN],
    ]);
  });

  it('an administrator registers; the audit names the OS user and host; deploy --as a stranger is refused', async () => {
    const ok = await runEvolve(['register', file, '--as', ADMIN], env);
    console.log(`[cli] register --as an administrator: exit ${ok.code}: ${ok.out}`);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`registered ${name}`);
    expect((await registry().get(name))?.production.sql).toBe('INSERT INTO out SELECT 1;\n');

    const audit = await new RedisAuditLog({ redis, keys: new RedisKeys(prefix) }).list(name);
    expect(audit.filter((a) => a.accepted)).toMatchObject([
      {
        actor: ADMIN,
        action: 'registerPipeline',
        accepted: true,
        origin: `cli ${userInfo().username}@${hostname()}`,
      },
    ]);

    const stranger = await runEvolve(['deploy', name, '--as', 'U0CLISTRANGER'], env);
    expect(stranger.code).toBe(1);
    expect(stranger.out).toMatch(/is not listed by user id among the owners or approvers/);
    const approveAsSystem = await runEvolve(['approve', name, '--as', 'system'], env);
    expect(approveAsSystem.code).toBe(1);
    expect(approveAsSystem.out).toMatch(/workers' own actor/);

    const history = await runEvolve(['history', name], env);
    console.log(`[cli] history:\n${history.out}`);
    expect(history.out).toContain(
      `${ADMIN} (cli ${userInfo().username}@${hostname()}) registerPipeline`,
    );
    expect(history.out.split('\n')[0]).toBe(`pipeline ${name}`);
  });

  it('history shows each evolution with its own events under it, an aborted one included', async () => {
    const store = new RedisEvolutionStore({
      redis,
      pipelines: registry(),
      clock: systemClock,
      prefix,
    });
    const pipeline = await registry().load(name);
    const first = await startEvolution(
      { evolutions: store, audit: store.audit },
      {
        pipeline,
        v2Sql: 'INSERT INTO out SELECT 2;',
        requester: OWNER,
        slack: { channel: '' },
        clock: systemClock,
      },
    );
    await store.transition(first.id, { type: 'abort', reason: 'wrong join' }, OWNER);
    await redis.del(new RedisKeys(prefix).activeEvolution(name));
    const second = await startEvolution(
      { evolutions: store, audit: store.audit },
      {
        pipeline,
        v2Sql: 'INSERT INTO out SELECT 3;',
        requester: OWNER,
        slack: { channel: '' },
        clock: systemClock,
      },
    );
    const history = await runEvolve(['history', name], env);
    console.log(`[cli] history with two evolutions:\n${history.out}`);
    const lines = history.out.split('\n');
    const at = (id: string) => lines.findIndex((l) => l.startsWith(id));
    // Newest first; each header is followed by its own events only.
    expect(at(second.id)).toBe(0);
    expect(lines[1]).toMatch(new RegExp(`${OWNER} develop `));
    expect(at(first.id)).toBe(2);
    expect(lines[3]).toMatch(new RegExp(`${OWNER} develop `));
    expect(lines[4]).toMatch(new RegExp(`${OWNER} abort DEVELOPING -> ABORTED`));
    expect(lines[5]).toBe(`pipeline ${name}`);
  });
});
