import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../src/bot/blocks/action-ids.js';
import { FlinkAdapter } from '../../src/flink/flink-adapter.js';
import { FlinkRestClient } from '../../src/flink/flink-rest-client.js';
import { SqlGatewayClient } from '../../src/flink/sql-gateway-client.js';
import { FakeSlackApi, type FakeMessage } from '../../src/slack-fake/index.js';
import { RedisKeys } from '../../src/store/redis-keys.js';
import { runEvolve } from '../support/evolve-cli.js';
import { freePort } from '../support/free-port.js';
import { deleteTopicsStartingWith, latestByKey, readAll } from '../support/kafka-test-client.js';
import { milestoneProblems, type ExpectedMilestone } from '../support/milestone-problems.js';
import { PERIODIC_LINES, storyMilestones } from '../support/story-milestones.js';
import {
  createOrdersTopics,
  expectedV2,
  makeOrders,
  onlyCancelledOrders,
  type Order,
  ordersPipelineSql,
  sendOrders,
} from '../support/orders-pipeline.js';
import { deleteKeysWithPrefix } from '../support/redis-test-keys.js';
import { SignedSlack } from '../support/signed-slack.js';
import { slackTranscript } from '../support/slack-transcript.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';
import { until } from '../support/until.js';
import { WorkerChild } from '../support/worker-child.js';

const OWNER = 'U0SPLITOWNER';
const APPROVER = 'U0SPLITAPPR';
const CHANNEL = 'C0SPLIT';
const CLI_CHANNEL = 'C0SPLITCLI';
const ADMIN = 'U0SPLITADMIN';
const SECRET = 'split-topology-signing-secret';
/** Flink, Kafka and two workers on a loaded 2-core machine set the pace: generous waits. */
const STATE_WAIT_MS = 150_000;
/**
 * About 220 keys to rewrite at this rate take some 45 s: the backfill outlives
 * the bot's restart (the dead writer's lease lapses within 10 s) several times over.
 */
const BACKFILL_RATE = 5;

const MILESTONES = storyMilestones({ owner: OWNER, approver: APPROVER });

/**
 * A round from the CLI: the approval request reaches the thread too, for the
 * approvers in Slack; once approved from the terminal its buttons give way to the decision.
 * Its backfill is quick; the first story covers progress lines.
 */
const CLI_MILESTONES: ExpectedMilestone[] = MILESTONES.filter(
  (m) => m.name !== 'backfill progress',
);

/**
 * How one worker reaches Kafka: production brokers ask for credentials and
 * TLS, so on the local stack one worker goes through its SASL/PLAIN listener
 * and the other through its TLS listener (a CA of the stack's own), as a user
 * configures them; a stack without them (testcontainers) leaves both plain.
 */
function saslEnv(): Record<string, string> {
  const sasl = stackEndpoints().kafkaSasl;
  if (sasl === undefined) return {};
  return {
    EVOLVE_KAFKA_BROKERS: sasl.brokers.join(','),
    EVOLVE_KAFKA_SASL_MECHANISM: 'plain',
    EVOLVE_KAFKA_SASL_USERNAME: sasl.username,
    EVOLVE_KAFKA_SASL_PASSWORD: sasl.password,
  };
}

function tlsEnv(): Record<string, string> {
  const tls = stackEndpoints().kafkaTls;
  if (tls === undefined) return {};
  return {
    EVOLVE_KAFKA_BROKERS: tls.brokers.join(','),
    EVOLVE_KAFKA_SSL: 'true',
    EVOLVE_KAFKA_SSL_CA_FILE: tls.caFile,
  };
}

/**
 * The product as users run it apart: `evolve bot` (HTTP mode, in front of
 * the fake Slack Web API) and two `evolve worker` processes (one reaching
 * Kafka over SASL/PLAIN, the other over TLS), each its own OS process group;
 * people act only through signed Slack requests. A real pipeline on the real
 * stack goes develop -> deploy -> approve -> backfill, and the bot is
 * SIGKILLed mid-backfill and started again.
 */
describe('split topology: a bot and two workers as separate processes, a real pipeline, signed Slack requests only', () => {
  const e = stackEndpoints();
  const run = uniqueName('split');
  const prefix = `${run}:`;
  const keys = new RedisKeys(prefix);
  const pipeline = uniqueName('split').toLowerCase();
  const cliPipeline = uniqueName('splitcli').toLowerCase();
  const ordersTopic = `${pipeline}-orders`;
  const revenueTopic = `${pipeline}-revenue`;
  const sql = ordersPipelineSql(ordersTopic, revenueTopic, `${pipeline}-v1`);
  // About 300 customers with five orders each: most have a cancelled one, so v2 changes their total.
  const orders = [...onlyCancelledOrders(), ...makeOrders('o', 1_500, 300)];
  const rest = new FlinkRestClient({ baseUrl: e.flinkRestUrl });
  const flink = new FlinkAdapter(rest, new SqlGatewayClient({ baseUrl: e.flinkGatewayUrl }));
  const fake = new FakeSlackApi();
  const children: WorkerChild[] = [];
  let redis: Redis;
  let steps: Queue;
  let dir: string;
  /** What every process gets; the bot adds its Slack settings (workers and the CLI need none). */
  let env: Record<string, string>;
  let slackEnv: Record<string, string>;
  let slack: SignedSlack;
  let firstBot: WorkerChild;

  const startBot = async (label: string, previousWriter?: string) => {
    const port = await freePort();
    const child = await WorkerChild.start(
      label,
      { ...env, ...slackEnv, EVOLVE_PORT: String(port) },
      // Ready when it is the Slack writer (its HTTP server listens before the writer starts).
      async () => {
        const holder = await redis.get(keys.slackWriterLease());
        return holder !== null && holder !== previousWriter;
      },
      'bot',
    );
    children.push(child);
    return {
      child,
      url: `http://127.0.0.1:${port}/slack/events`,
      writer: (await redis.get(keys.slackWriterLease()))!,
    };
  };

  const startWorker = async (label: string, kafkaEnv: Record<string, string>) => {
    const child = await WorkerChild.start(
      label,
      { ...env, ...kafkaEnv, EVOLVE_PIPELINES_FILE: join(dir, 'pipelines.yaml') },
      async () =>
        (await steps.getWorkersCount()) >= 2 && (await redis.exists(keys.pipeline(pipeline))) === 1,
    );
    children.push(child);
  };

  beforeAll(async () => {
    redis = new Redis(e.redisUrl);
    steps = new Queue(`${run}-steps`, { connection: redis.duplicate() });
    await createOrdersTopics(ordersTopic, revenueTopic);
    await sendOrders(ordersTopic, orders);
    const v1JobId = await flink.submitJob(sql.v1, { 'pipeline.name': `${pipeline}-v1` });
    expect(await flink.waitRunning(v1JobId, 90_000)).toBe('RUNNING');

    // The administrator's pipelines file, its SQL next to it (sqlFile stays inside its folder).
    dir = await mkdtemp(join(tmpdir(), 'split-topology-'));
    await writeFile(join(dir, 'v1.sql'), sql.v1);
    await writeFile(
      join(dir, 'pipelines.yaml'),
      [
        'pipelines:',
        `  ${pipeline}:`,
        `    kafka: { outputTopic: ${revenueTopic}, keyFormat: json }`,
        `    production: { sqlFile: v1.sql, flinkJobId: '${v1JobId}' }`,
        `    owners: [${OWNER}]`,
        `    approvers: [${APPROVER}]`,
        `    slackChannel: ${CHANNEL}`,
        '',
      ].join('\n'),
    );
    env = {
      EVOLVE_REDIS_URL: e.redisUrl,
      EVOLVE_REDIS_PREFIX: prefix,
      EVOLVE_QUEUE_NAMESPACE: run,
      EVOLVE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
      EVOLVE_FLINK_REST_URL: e.flinkRestUrl,
      EVOLVE_FLINK_GATEWAY_URL: e.flinkGatewayUrl,
      EVOLVE_DEPLOY_RUNNING_TIMEOUT_MS: '120000',
      // v2 must stay up this long after the cutover; shorter than the default keeps the file quick.
      EVOLVE_DEPLOY_STABLE_MS: '3000',
      EVOLVE_LOG_LEVEL: 'warn',
    };
    slackEnv = {
      EVOLVE_SLACK_MODE: 'http',
      EVOLVE_SLACK_API_URL: await fake.start(),
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: SECRET,
    };
    const [bot] = await Promise.all([
      startBot('bot-1'),
      startWorker('worker-1', saslEnv()),
      startWorker('worker-2', tlsEnv()),
    ]);
    firstBot = bot.child;
    slack = new SignedSlack(fake, SECRET, CHANNEL, bot.url);
    await until(
      'v1 output',
      async () => ((await readAll(revenueTopic)).length >= 300 ? true : undefined),
      STATE_WAIT_MS,
      1000,
    );
  });

  /** Cancels every running job of a pipeline (v1, shadow, v2: their names start with it). */
  const cancelJobsOf = async (name: string) => {
    const jobs = await rest.listJobs().catch(() => []);
    for (const job of jobs.filter((j) => j.name.includes(name) && j.state === 'RUNNING')) {
      await flink.cancel(job.jid).catch(() => undefined);
    }
  };

  afterAll(async () => {
    for (const c of children) {
      await c.killAndWait();
      // Warnings and errors only (EVOLVE_LOG_LEVEL=warn): what the processes complained about.
      if (c.output.length > 0) console.log(`[split] ${c.label} logged:\n${c.output.join('\n')}`);
    }
    await cancelJobsOf(pipeline);
    await cancelJobsOf(cliPipeline);
    await steps?.close();
    if (redis) {
      await deleteKeysWithPrefix(redis, prefix);
      await deleteKeysWithPrefix(redis, `bull:${run}-`);
      await redis.quit();
    }
    await fake.stop();
    await rest.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    await deleteTopicsStartingWith(`${pipeline}-`, `${cliPipeline}-`);
  });

  const statusOf = async (id: string): Promise<string | undefined> => {
    const data = await redis.hget(keys.evolution(id), 'data');
    return data === null ? undefined : (JSON.parse(data) as { status: string }).status;
  };
  const card = (id: string, channel = CHANNEL) =>
    fake.workspace.channelHistory(channel).find((m) => m.text.includes(id));
  const replies = (id: string, channel = CHANNEL): FakeMessage[] => {
    const c = card(id, channel);
    return c ? fake.workspace.threadReplies(channel, c.ts) : [];
  };
  /** The stream entry a reply was posted for (the writer tags each one with it). */
  const entryOf = (m: FakeMessage) =>
    (m.metadata?.event_payload as { entry?: string } | undefined)?.entry;
  /** Entries posted more than once, and replies that carry none (the check would miss them). */
  const doubledEntries = (messages: readonly FakeMessage[]): string[] => {
    const ids = messages.map(entryOf);
    return ids.flatMap((e, i) =>
      e === undefined ? [`untagged: ${messages[i]!.text}`] : ids.indexOf(e) !== i ? [e] : [],
    );
  };
  const reply = (id: string, what: string, pattern: RegExp, channel = CHANNEL) =>
    until(
      what,
      async () => replies(id, channel).find((m) => pattern.test(m.text)),
      STATE_WAIT_MS,
      200,
    );
  /** The production topic holds v2's answer for every key (deleted where v2 has none): the keys that do not. */
  const wrongKeys = async (topic: string, sent: readonly Order[]) => {
    const latest = latestByKey(await readAll(topic));
    return [...expectedV2(sent)]
      .filter(([customer, want]) => {
        const got = latest.get(JSON.stringify({ customer_id: customer }));
        if (want === null) return got !== null;
        const v = got ? (JSON.parse(got) as { total: number; orders: number }) : undefined;
        return v?.total !== want.total || v.orders !== want.orders;
      })
      .map(([customer]) => customer);
  };

  it('develop -> deploy -> approve -> backfill; the bot SIGKILLed mid-backfill and restarted: every milestone once, in order', async () => {
    // The workers registered the pipeline from the pipelines file: the channel was told.
    await until(
      'the pipelines file registration announced in the channel',
      async () =>
        fake.workspace
          .channelHistory(CHANNEL)
          .find(
            (m) =>
              m.text ===
              `The pipelines file registered pipeline \`${pipeline}\` (output ${revenueTopic}).`,
          ),
      60_000,
      200,
    );
    const started = Date.now();
    const answer = await slack.develop(pipeline, sql.v2, OWNER);
    const id = /Evolution (ev-[a-z0-9-]+) started/.exec(answer)?.[1];
    expect(id, answer).toBeDefined();
    const evolution = id!;
    await reply(evolution, 'shadow running in the thread', MILESTONES[0]!.pattern);

    expect(await slack.command(`deploy ${pipeline}`, OWNER)).toContain('Approval requested');
    const approval = await until(
      'the approval request with its buttons',
      async () =>
        replies(evolution).find((m) => JSON.stringify(m.blocks ?? []).includes(ACTION_IDS.approve)),
      STATE_WAIT_MS,
      200,
    );
    await slack.click(approval, ACTION_IDS.approve, APPROVER);
    await reply(evolution, 'v2 live in the thread', /^v2 is live: job/);

    const backfill = await slack.command(`backfill ${pipeline} rate=${BACKFILL_RATE}`, OWNER);
    console.log(`[split] /evolve backfill answered: ${backfill}`);
    // Mid-backfill is a fact: BACKFILLING in Redis, its start in the thread (its progress
    // is yet to come: the workers append it while no bot is there to post it).
    await reply(evolution, 'the backfill started in the thread', /^Backfill \S+ started by/);
    expect(await statusOf(evolution)).toBe('BACKFILLING');
    const previousWriter = (await redis.get(keys.slackWriterLease())) ?? undefined;
    await firstBot.killAndWait();
    const killedAt = Date.now();
    const atKill = replies(evolution).length;
    const bot = await startBot('bot-2', previousWriter);
    slack.url = bot.url;
    const tookOverMs = Date.now() - killedAt;
    const statusAtTakeOver = await statusOf(evolution);

    await until(
      'the evolution COMPLETED',
      async () => ((await statusOf(evolution)) === 'COMPLETED' ? true : undefined),
      STATE_WAIT_MS,
      500,
    );
    await reply(evolution, 'the completion in the thread', /^Backfill complete and verified/);
    await until(
      'the status card to say Completed',
      async () => (card(evolution)?.text.includes('Completed') ? true : undefined),
      60_000,
      200,
    );
    // Long enough for a doubled post to show behind the outbox's 1 s pacing.
    await new Promise((r) => setTimeout(r, 3_000));

    const texts = replies(evolution).map((m) => m.text.split('\n')[0]!);
    console.log(
      `[split] story took ${Math.round((Date.now() - started) / 1000)} s; bot SIGKILLed at ${atKill} replies, the second bot was the writer ${tookOverMs} ms later (evolution ${statusAtTakeOver}); thread: ${texts.length} replies\n[split] the channel as recorded:\n${slackTranscript(fake.workspace, CHANNEL)}`,
    );
    expect(statusAtTakeOver, 'the restarted bot took over mid-backfill').toBe('BACKFILLING');
    expect(milestoneProblems(texts, MILESTONES, PERIODIC_LINES)).toEqual([]);
    // Nothing posted twice, whatever its words: each reply carries the stream entry it was posted for.
    expect(doubledEntries(replies(evolution))).toEqual([]);
    // The status card is the thread's parent, edited in place: one top-level message for the evolution.
    const cards = fake.workspace.channelHistory(CHANNEL).filter((m) => m.text.includes(evolution));
    expect(cards).toHaveLength(1);
    expect(cards[0]!.editCount).toBeGreaterThan(0);

    expect(await wrongKeys(revenueTopic, orders)).toEqual([]);
    // Refused at start, a worker stops (it did start); refused later, its steps would go to the other.
    const refusals = children.flatMap((c) =>
      c.output.filter((l) => /authenticat|SASL|certificate|TLS|handshake/i.test(l)),
    );
    expect(refusals).toEqual([]);
    // Production stays up until the end of the file otherwise; the next story needs the slot more.
    await cancelJobsOf(pipeline);
  }, 600_000);

  it('a round driven from the CLI (register, develop, deploy, approve, backfill) gets its thread in the Slack channel', async () => {
    const started = Date.now();
    const name = cliPipeline;
    const cliSql = ordersPipelineSql(`${name}-orders`, `${name}-revenue`, `${name}-v1`);
    const cliOrders = [...onlyCancelledOrders(), ...makeOrders('c', 300, 40)];
    await createOrdersTopics(`${name}-orders`, `${name}-revenue`);
    await sendOrders(`${name}-orders`, cliOrders);
    const v1JobId = await flink.submitJob(cliSql.v1, { 'pipeline.name': `${name}-v1` });
    expect(await flink.waitRunning(v1JobId, 90_000)).toBe('RUNNING');
    await writeFile(join(dir, `${name}-v1.sql`), cliSql.v1);
    await writeFile(join(dir, `${name}-v2.sql`), cliSql.v2);
    await writeFile(
      join(dir, `${name}.yaml`),
      [
        'pipelines:',
        `  ${name}:`,
        `    kafka: { outputTopic: ${name}-revenue, keyFormat: json }`,
        `    production: { sqlFile: ${name}-v1.sql, flinkJobId: '${v1JobId}' }`,
        `    owners: [${OWNER}]`,
        `    approvers: [${APPROVER}]`,
        `    slackChannel: ${CLI_CHANNEL}`,
        '',
      ].join('\n'),
    );
    const cliEnv = { ...env, EVOLVE_ADMINS: ADMIN };
    const cli = async (...args: string[]) => {
      const out = await runEvolve(args, cliEnv);
      console.log(`[split-cli] evolve ${args.join(' ')}: exit ${out.code}\n${out.out}`);
      expect(out.code, out.out).toBe(0);
      return out.out;
    };
    await cli('register', join(dir, `${name}.yaml`), '--as', ADMIN);
    // Registrations outside Slack are announced in the pipeline's channel too (DESIGN 10).
    const announced = await until(
      'the registration announced in the channel',
      async () =>
        fake.workspace
          .channelHistory(CLI_CHANNEL)
          .find((m) => m.text.includes(`registered pipeline \`${name}\``)),
      60_000,
      200,
    );
    console.log(`[split-cli] announced: ${announced.text}`);
    expect(announced.text).toBe(
      `<@${ADMIN}> (from the CLI) registered pipeline \`${name}\` (output ${name}-revenue).`,
    );
    expect(announced.threadTs, 'a channel message, not a thread reply').toBeUndefined();
    await until(
      'v1 output',
      async () => ((await readAll(`${name}-revenue`)).length >= 40 ? true : undefined),
      STATE_WAIT_MS,
      1000,
    );
    const developed = await cli(
      'develop',
      name,
      '--sql-file',
      join(dir, `${name}-v2.sql`),
      '--as',
      OWNER,
    );
    const id = /evolution (ev-[a-z0-9-]+) started/.exec(developed)?.[1] ?? '';
    await cli('deploy', name, '--as', OWNER);
    await cli('approve', name, '--as', APPROVER);
    await cli('backfill', name, '--rate', '500', '--as', OWNER);
    await reply(id, 'the completion in the thread', /^Backfill complete and verified/, CLI_CHANNEL);
    await until(
      'the status card to say Completed',
      async () => (card(id, CLI_CHANNEL)?.text.includes('Completed') ? true : undefined),
      60_000,
      200,
    );
    await new Promise((r) => setTimeout(r, 3_000));
    const texts = replies(id, CLI_CHANNEL).map((m) => m.text.split('\n')[0]!);
    console.log(
      `[split-cli] round took ${Math.round((Date.now() - started) / 1000)} s\n[split-cli] the channel as recorded:\n${slackTranscript(fake.workspace, CLI_CHANNEL)}`,
    );
    expect(milestoneProblems(texts, CLI_MILESTONES, PERIODIC_LINES)).toEqual([]);
    expect(doubledEntries(replies(id, CLI_CHANNEL))).toEqual([]);
    const request = replies(id, CLI_CHANNEL).find((m) =>
      JSON.stringify(m.blocks ?? []).includes('Deploy v2 of'),
    );
    expect(request?.text).toBe(`Approved by <@${APPROVER}>`);
    expect(JSON.stringify(request?.blocks), 'no Approve button after a CLI approval').not.toContain(
      '"button"',
    );
    expect(JSON.stringify(request?.blocks)).toContain(`Approved by <@${APPROVER}>`);
    expect(
      fake.workspace.channelHistory(CLI_CHANNEL).filter((m) => m.text.includes(id)),
    ).toHaveLength(1);
    expect(await wrongKeys(`${name}-revenue`, cliOrders)).toEqual([]);
    await cancelJobsOf(name);
  }, 600_000);
});
