import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSlackBot, type SlackBotProcess } from '../../src/app/start-slack-bot.js';
import { loadConfig } from '../../src/config/load-config.js';
import { sqlHash } from '../../src/evolution/sql-hash.js';
import { FakeSlackApi } from '../../src/slack-fake/index.js';
import { runEvolve } from '../support/evolve-cli.js';
import { ordersPipelineSql } from '../support/orders-pipeline.js';
import { aPipeline } from '../support/pipeline-fixture.js';
import { deleteKeysWithPrefix } from '../support/redis-test-keys.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';

const OWNER = 'U0CLIOWNER';
const CHANNEL = 'C0CLITHREAD';

describe("an evolution started from the CLI gets its thread in the pipeline's Slack channel", () => {
  const e = stackEndpoints();
  const run = uniqueName('clithread');
  const prefix = `${run}:`;
  const name = uniqueName('clith').toLowerCase();
  const sql = ordersPipelineSql(`${name}-orders`, `${name}-revenue`, `${name}-v1`);
  const fake = new FakeSlackApi();
  const env = {
    EVOLVE_REDIS_URL: e.redisUrl,
    EVOLVE_REDIS_PREFIX: prefix,
    EVOLVE_QUEUE_NAMESPACE: run,
    EVOLVE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
    EVOLVE_FLINK_REST_URL: e.flinkRestUrl,
    EVOLVE_FLINK_GATEWAY_URL: e.flinkGatewayUrl,
    EVOLVE_LOG_LEVEL: 'warn',
  };
  let bot: SlackBotProcess;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-thread-'));
    await writeFile(join(dir, 'v2.sql'), sql.v2);
    const apiUrl = await fake.start();
    bot = await startSlackBot(
      loadConfig({
        ...env,
        EVOLVE_SLACK_MODE: 'http',
        EVOLVE_SLACK_API_URL: apiUrl,
        SLACK_BOT_TOKEN: fake.botToken,
        SLACK_SIGNING_SECRET: 'cli-thread-secret',
      }),
      { namespace: run, keyPrefix: prefix, port: 0 },
    );
    await bot.runtime.service.registerFromFile(
      aPipeline({
        name,
        flink: { restUrl: e.flinkRestUrl, gatewayUrl: e.flinkGatewayUrl },
        kafka: { outputTopic: `${name}-revenue`, keyFormat: 'json' },
        production: { sql: sql.v1, sqlHash: sqlHash(sql.v1), flinkJobId: 'd'.repeat(32) },
        owners: [OWNER],
        slackChannel: CHANNEL,
      }),
    );
  });

  afterAll(async () => {
    await bot?.runtime.queues.obliterate().catch(() => undefined);
    const redis = bot?.runtime.redis;
    await bot?.stop();
    await fake.stop();
    if (redis) {
      const { Redis } = await import('ioredis');
      const r = new Redis(e.redisUrl);
      await deleteKeysWithPrefix(r, prefix);
      await r.quit();
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('the CLI develops (no workers needed for this), and the bot posts its card in the channel', async () => {
    const out = await runEvolve(
      ['develop', name, '--sql-file', join(dir, 'v2.sql'), '--as', OWNER, '--no-wait'],
      env,
    );
    console.log(`[cli-thread] evolve develop: exit ${out.code}: ${out.out}`);
    expect(out.code).toBe(0);
    expect(out.out).toContain(`its thread is in Slack channel ${CHANNEL}`);
    const id = /evolution (ev-[a-z0-9-]+) started/.exec(out.out)?.[1] ?? '';
    await vi.waitFor(
      () =>
        expect(fake.workspace.channelHistory(CHANNEL).some((m) => m.text.includes(id))).toBe(true),
      { timeout: 20_000, interval: 200 },
    );
    const card = fake.workspace.channelHistory(CHANNEL).find((m) => m.text.includes(id));
    console.log(`[cli-thread] card in ${CHANNEL}: ${card?.text.split('\n')[0]}`);
  });
});
