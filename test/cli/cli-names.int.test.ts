import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSlackBot, type SlackBotProcess } from '../../src/app/start-slack-bot.js';
import { loadConfig } from '../../src/config/load-config.js';
import { startEvolution } from '../../src/evolution/start-evolution.js';
import { FakeSlackApi, sendSignedRequest, slashCommandBody } from '../../src/slack-fake/index.js';
import { RedisEvolutionStore } from '../../src/store/redis-evolution-store.js';
import { RedisKeys } from '../../src/store/redis-keys.js';
import { RedisPipelineRegistry } from '../../src/store/redis-pipeline-registry.js';
import { systemClock } from '../../src/store/system-clock.js';
import { runEvolve } from '../support/evolve-cli.js';
import { deleteKeysWithPrefix } from '../support/redis-test-keys.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';

const ADMIN = 'U0NAMESADM';
const OWNER = 'U0NAMESOWN';
const STRANGER = 'U0NAMESZOE';
const GHOST = 'U0NAMESGHOST';
const SECRET = 'cli-names-secret';

describe('the CLI prints people by name: learnt from Slack requests, else users.info, else @id', () => {
  const e = stackEndpoints();
  const run = uniqueName('clinames');
  const prefix = `${run}:`;
  const name = uniqueName('clinames').toLowerCase();
  const redis = new Redis(e.redisUrl);
  const fake = new FakeSlackApi();
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
  let slackEnv: Record<string, string>;
  let bot: SlackBotProcess;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-names-'));
    await writeFile(
      join(dir, 'pipelines.yaml'),
      [
        'pipelines:',
        `  ${name}:`,
        '    kafka: { outputTopic: cli-names-out, keyFormat: json }',
        `    production: { sql: "INSERT INTO out SELECT 1;", flinkJobId: "${'e'.repeat(32)}" }`,
        `    owners: [${OWNER}]`,
        '    approvers: [U0NAMESAPPR]',
      ].join('\n'),
    );
    const apiUrl = await fake.start();
    slackEnv = {
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: SECRET,
      EVOLVE_SLACK_API_URL: apiUrl,
    };
    bot = await startSlackBot(loadConfig({ ...env, ...slackEnv, EVOLVE_SLACK_MODE: 'http' }), {
      namespace: run,
      keyPrefix: prefix,
      port: 0,
    });
  });

  afterAll(async () => {
    await bot?.runtime.queues.obliterate().catch(() => undefined);
    await bot?.stop();
    await fake.stop();
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  });

  it('status, history and refusals name Dana (learnt from her /evolve) and Zoe (users.info); a stranger to both stays @id', async () => {
    const registered = await runEvolve(
      ['register', join(dir, 'pipelines.yaml'), '--as', ADMIN],
      env,
    );
    expect(registered.out).toContain(`registered ${name}`);
    const registry = new RedisPipelineRegistry({ redis, prefix });
    const store = new RedisEvolutionStore({
      redis,
      pipelines: registry,
      clock: systemClock,
      prefix,
    });
    const ev = await startEvolution(
      { evolutions: store, audit: store.audit },
      {
        pipeline: await registry.load(name),
        v2Sql: 'INSERT INTO out SELECT 2;',
        requester: OWNER,
        slack: { channel: '' },
        clock: systemClock,
      },
    );
    // Dana types a command in Slack: the signed request names her.
    const res = await sendSignedRequest(
      `http://127.0.0.1:${bot.port}/slack/events`,
      slashCommandBody({
        text: 'help',
        userId: OWNER,
        userName: 'dana',
        channelId: 'C0NAMES',
        responseUrl: fake.createResponseUrl(),
      }),
      SECRET,
    );
    expect(res.status).toBe(200);
    const names = new RedisKeys(prefix).userNames();
    await vi.waitFor(async () => expect(await redis.hget(names, OWNER)).toBe('dana'), {
      timeout: 10_000,
    });
    // Zoe never used the bot; Slack knows her.
    fake.setUser(STRANGER, 'Zoe Park');

    const status = await runEvolve(['status', name], env);
    console.log(`[cli-names] evolve status:\n${status.out}`);
    expect(status.out).toContain(`requested by dana (${OWNER})`);
    expect(status.out).not.toMatch(/<@|@U0/);

    for (const who of [STRANGER, GHOST]) {
      const refused = await runEvolve(['abort', name, '--as', who], { ...env, ...slackEnv });
      expect(refused.code).toBe(1);
    }
    const history = await runEvolve(['history', name], { ...env, ...slackEnv });
    console.log(`[cli-names] evolve history (with a bot token):\n${history.out}`);
    expect(history.out).toContain(`${ev.id} DEVELOPING`);
    expect(history.out).toMatch(new RegExp(`by dana \\(${OWNER}\\)`));
    expect(history.out).toContain(`Zoe Park (${STRANGER}) (cli `);
    expect(history.out).toContain(`@${GHOST} (cli `);
    expect(history.out).not.toContain('<@');
    // What Slack told is kept: the next call without a token names Zoe too.
    expect(await redis.hget(names, STRANGER)).toBe('Zoe Park');
    const again = await runEvolve(['history', name], env);
    expect(again.out).toContain(`Zoe Park (${STRANGER}) (cli `);
  });
});
