import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { checkKafkaAtStart } from '../app/check-kafka-at-start.js';
import { startSlackBot } from '../app/start-slack-bot.js';
import { loadConfig } from '../config/load-config.js';
import { DEMO, demoNames, demoWelcome, setupDemo } from '../demo/setup-demo.js';
import { EvolveError } from '../errors.js';
import { PIPELINE_NAME_PATTERN } from '../evolution/pipeline.js';
import { startPlayground } from '../playground/index.js';
import {
  FakeSlackApi,
  persistWorkspaceInRedis,
  type PersistedWorkspace,
} from '../slack-fake/index.js';
import { RedisKeys } from '../store/redis-keys.js';

/** Variables that point flink-evolve at clusters of the user's own: then nothing is started locally. */
const EXTERNAL = [
  'EVOLVE_KAFKA_BROKERS',
  'EVOLVE_FLINK_REST_URL',
  'EVOLVE_FLINK_GATEWAY_URL',
  'EVOLVE_REDIS_URL',
] as const;

/** A port nothing listens on now, for the bot's own events endpoint behind the playground. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function startLocalStack(): void {
  const up = spawnSync('npx', ['tsx', 'stack/stack.ts', 'up'], { stdio: 'inherit' });
  if (up.status !== 0) {
    throw new Error(
      'the local stack did not come up; see `npm run stack -- logs`, fix, and run `npm start` again',
    );
  }
}

/**
 * The playground's channel survives a restart: restored from Redis before
 * the bot starts (so it continues its threads in place), saved as it changes.
 */
async function keepPlaygroundInRedis(
  fake: FakeSlackApi,
  redisConfig: { url: string; keyPrefix: string },
): Promise<{ stop(): Promise<void> }> {
  const redis = new Redis(redisConfig.url, { maxRetriesPerRequest: 3 });
  let persisted: PersistedWorkspace;
  try {
    persisted = await persistWorkspaceInRedis({
      workspace: fake.workspace,
      redis,
      key: new RedisKeys(redisConfig.keyPrefix).playgroundWorkspace(),
      onError: (err) =>
        console.warn(
          `[start] could not save the playground's channel to Redis (${err instanceof Error ? err.message : String(err)}); retrying with the next message`,
        ),
    });
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  // Slack keeps what it answered ok for; so does the playground, before it answers.
  fake.saveBeforeAnswering(() => persisted.flush());
  if (persisted.restored > 0)
    console.log(`[start] playground: ${persisted.restored} messages restored from Redis`);
  return {
    async stop() {
      await persisted.stop();
      await redis.quit();
    },
  };
}

/**
 * `npm start`: the whole product on one machine. With nothing configured it
 * starts the local stack, the worker and the bot, runs the demo pipeline,
 * and serves the Slack playground; with Slack tokens it connects to that
 * workspace instead; with external Kafka/Flink/Redis it starts nothing
 * locally.
 */
export interface StartOptions {
  playgroundPort: number;
  demo: boolean;
  demoPrefix: string;
}

export async function runStart(o: StartOptions): Promise<void> {
  const started = Date.now();
  const names = demoNames(o.demoPrefix);
  if (!PIPELINE_NAME_PATTERN.test(names.pipeline)) {
    throw new EvolveError(
      'INPUT_INVALID',
      `--demo-prefix ${o.demoPrefix} makes the pipeline name ${names.pipeline}; use lowercase letters, digits, '-' or '_', starting with a letter or digit.`,
    );
  }
  const external = EXTERNAL.filter((name) => process.env[name]);
  if (external.length === 0) startLocalStack();
  else
    console.log(
      `[start] using the clusters configured by ${external.join(', ')}; nothing started locally`,
    );

  let env: NodeJS.ProcessEnv = process.env;
  let fake: FakeSlackApi | undefined;
  const signingSecret = randomBytes(16).toString('hex');
  if (!process.env.SLACK_BOT_TOKEN) {
    // No workspace: a local fake of the Slack Web API, and the bot in HTTP mode in front of it.
    const botToken = `xoxb-playground-${randomBytes(6).toString('hex')}`;
    fake = new FakeSlackApi({ botToken });
    const apiUrl = await fake.start();
    env = {
      ...process.env,
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      EVOLVE_SLACK_MODE: 'http',
      EVOLVE_SLACK_API_URL: apiUrl,
      EVOLVE_PORT: process.env.EVOLVE_PORT ?? String(await freePort()),
      // The playground's Ada is its administrator (she may register pipelines).
      EVOLVE_ADMINS: process.env.EVOLVE_ADMINS ?? DEMO.admin.id,
    };
  }
  const config = loadConfig(env);
  await checkKafkaAtStart(config, (m) => console.warn(`[start] ${m}`)).catch(async (err) => {
    await fake?.stop();
    throw err;
  });
  const kept = fake ? await keepPlaygroundInRedis(fake, config.redis) : undefined;
  const proc = await startSlackBot(config);
  const workers = await proc.runtime.startWorkers();
  const demo = o.demo
    ? await setupDemo(proc.runtime, (l) => console.log(`[demo] ${l}`), names)
    : undefined;
  const playground = fake
    ? await startPlayground({
        fake,
        botEventsUrl: `http://127.0.0.1:${proc.port}/slack/events`,
        signingSecret,
        port: o.playgroundPort,
        users: [DEMO.owner, DEMO.approver, DEMO.admin],
        channel: DEMO.channel,
        ...(demo ? { demoV2Sql: demo.v2Sql, welcome: demoWelcome(names) } : {}),
      })
    : undefined;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\n[start] ready in ${seconds}s`);
  if (playground) {
    console.log(`[start] Slack playground: ${playground.url}`);
    if (demo)
      console.log(
        `[start] try: /evolve develop ${names.pipeline}   (as ${DEMO.owner.name}; approve as ${DEMO.approver.name})`,
      );
  } else {
    console.log(
      `[start] connected to your Slack workspace; in a channel with the app: /evolve help`,
    );
  }
  console.log(
    '[start] Ctrl-C stops flink-evolve (the local stack keeps running: npm run stack -- down)',
  );
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void (async () => {
        await playground?.stop();
        await demo?.stop();
        await workers.close();
        await proc.stop();
        await fake?.stop();
        await kept?.stop();
        process.exit(0);
      })();
    });
  }
  await new Promise(() => undefined);
}
