import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRuntime, type Runtime } from '../../src/app/create-runtime.js';
import { startSlackBot, type SlackBotProcess } from '../../src/app/start-slack-bot.js';
import { ACTION_IDS } from '../../src/bot/blocks/action-ids.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import type { Evolution } from '../../src/evolution/evolution.js';
import {
  blockActionsBody,
  FakeSlackApi,
  sendSignedRequest,
  slashCommandBody,
  type FakeMessage,
} from '../../src/slack-fake/index.js';
import { THREAD_GONE_LINE } from '../../src/slack-writer/slack-entry-poster.js';
import { RedisSlackThreads } from '../../src/slack-writer/slack-threads.js';
import { RedisKeys } from '../../src/store/redis-keys.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';
import { FakeClock } from '../support/fake-clock.js';
import { aPipeline } from '../support/pipeline-fixture.js';
import { deleteKeysWithPrefix } from '../support/redis-test-keys.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';

const SECRET = 'thread-restart-signing-secret';
const CHANNEL = 'C0RESTART';
const OWNER = 'U0OWNER1';
const APPROVER = 'U0APPR1';

/**
 * The bot (Bolt over signed HTTP, the Slack writer) and a "worker" runtime
 * on its own Redis connection, as `evolve worker` runs it: no Slack token,
 * it only appends. No Flink: steps are not run, their reports are.
 */
describe('one Slack writer through bot restarts (signed HTTP, fake Slack Web API, real Redis)', () => {
  const e = stackEndpoints();
  const run = uniqueName('restart');
  const prefix = `${run}:`;
  const fake = new FakeSlackApi();
  let flinkStub: Server;
  const runningShadows = new Set<string>();
  let config: Config;
  let bot: SlackBotProcess | undefined;
  let worker: Runtime;
  let redis: Redis;

  const startBot = async () => {
    bot = await startSlackBot(config, {
      namespace: run,
      keyPrefix: prefix,
      port: 0,
      slackWriterLeaseMs: 1_000,
    });
    return `http://127.0.0.1:${bot.port}/slack/events`;
  };

  beforeAll(async () => {
    // No Flink here: the overview says the shadows of this file's evolutions run (a deploy
    // request checks that first); whatever else asks gets a 500 at once.
    flinkStub = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/jobs/overview') {
        const jobs = [...runningShadows].map((jid) => ({
          jid,
          name: `shadow ${jid}`,
          state: 'RUNNING',
          'start-time': Date.now() - 60_000,
          'end-time': -1,
          tasks: { total: 2, running: 2 },
        }));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jobs }));
        return;
      }
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => flinkStub.listen(0, '127.0.0.1', resolve));
    const flinkUrl = `http://127.0.0.1:${(flinkStub.address() as AddressInfo).port}`;
    const apiUrl = await fake.start();
    const common = {
      EVOLVE_REDIS_URL: e.redisUrl,
      EVOLVE_REDIS_PREFIX: prefix,
      EVOLVE_QUEUE_NAMESPACE: run,
      EVOLVE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
      EVOLVE_FLINK_REST_URL: flinkUrl,
      EVOLVE_FLINK_GATEWAY_URL: flinkUrl,
    };
    config = loadConfig({
      ...common,
      EVOLVE_SLACK_MODE: 'http',
      EVOLVE_SLACK_API_URL: apiUrl,
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: SECRET,
      // The outbox's real pacing: 1 message/s per channel.
    });
    worker = await createRuntime(loadConfig(common), { namespace: run, keyPrefix: prefix });
    redis = new Redis(e.redisUrl);
  });

  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
  });

  afterAll(async () => {
    await worker.queues.obliterate().catch(() => undefined);
    await worker.close();
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
    await fake.stop();
    flinkStub.close();
  });

  async function anActiveEvolution(): Promise<Evolution> {
    const pipeline = aPipeline({
      name: uniqueName('thr').toLowerCase(),
      flink: { restUrl: config.flink.restUrl, gatewayUrl: config.flink.gatewayUrl },
      owners: [OWNER],
      approvers: [APPROVER],
    });
    await worker.service.registerFromFile(pipeline);
    const ev = anEvolutionIn('SHADOW_RUNNING', new FakeClock(Date.now()), pipeline, {
      slack: { channel: CHANNEL },
    });
    if (ev.shadow.jobId) runningShadows.add(ev.shadow.jobId);
    return worker.workflow.evolutions.create({ ...ev, approval: undefined });
  }

  const command = async (url: string, text: string, userId: string) => {
    const responseUrl = fake.createResponseUrl();
    const res = await sendSignedRequest(
      url,
      slashCommandBody({ text, userId, channelId: CHANNEL, responseUrl }),
      SECRET,
    );
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(fake.responsesTo(responseUrl).length).toBeGreaterThan(0), {
      timeout: 20_000,
    });
    return String(fake.responsesTo(responseUrl)[0]?.text ?? '');
  };

  const thread = async (ev: Evolution) => {
    const ids = await new RedisSlackThreads(redis, new RedisKeys(prefix)).get(ev.id);
    return ids ? { ids, replies: fake.workspace.threadReplies(CHANNEL, ids.threadTs) } : undefined;
  };
  const texts = (replies: FakeMessage[]) => replies.map((m) => m.text.split('\n')[0]);

  const waitForReplies = async (ev: Evolution, n: number): Promise<FakeMessage[]> => {
    await vi.waitFor(
      async () => expect((await thread(ev))?.replies.length ?? 0).toBeGreaterThanOrEqual(n),
      { timeout: 30_000, interval: 100 },
    );
    // Long enough for a doubled post to show up behind the outbox's 1 s pacing.
    await new Promise((r) => setTimeout(r, 1_500));
    return (await thread(ev))!.replies;
  };

  it("a worker's milestones, the approval request and a bot killed and restarted: one thread, each once, in order; the buttons still work", async () => {
    const ev = await anActiveEvolution();
    let url = await startBot();
    await worker.workflow.notifier.postMilestone(ev, {
      kind: 'shadowStarted',
      text: 'Shadow running',
    });
    await worker.workflow.notifier.updateStatusCard(ev);
    const reply = await command(url, `deploy ${ev.pipeline}`, OWNER);
    expect(reply).toContain('Approval requested');
    await worker.workflow.notifier.postMilestone(ev, { kind: 'info', text: 'Worker line 1' });
    await waitForReplies(ev, 3);

    // As `kill -9` would leave it: the writer neither acks nor hands its lease back.
    await bot!.slackWriter.writer.abandon();
    await bot!.bot.stop();
    await bot!.runtime.close();
    bot = undefined;
    for (const text of ['Worker line 2 (bot down)', 'Worker line 3 (bot down)']) {
      await worker.workflow.notifier.postMilestone(ev, { kind: 'info', text });
    }
    const restartedAt = Date.now();
    url = await startBot();
    const replies = await waitForReplies(ev, 5);
    console.log(
      `[restart] thread after the restart (${Date.now() - restartedAt} ms incl. 1.5 s settle): ${JSON.stringify(texts(replies))}`,
    );
    expect(texts(replies)).toEqual([
      'Shadow running',
      expect.stringContaining('Approval needed: deploy v2'),
      'Worker line 1',
      'Worker line 2 (bot down)',
      'Worker line 3 (bot down)',
    ]);
    expect(
      fake.workspace.channelHistory(CHANNEL).filter((m) => m.text.includes(ev.id)),
    ).toHaveLength(1);

    const approval = replies[1]!;
    const responseUrl = fake.createResponseUrl({ channel: CHANNEL, messageTs: approval.ts });
    const click = blockActionsBody({
      user: { id: APPROVER },
      channelId: CHANNEL,
      message: {
        ts: approval.ts,
        text: approval.text,
        ...(approval.blocks ? { blocks: approval.blocks } : {}),
        ...(approval.threadTs ? { threadTs: approval.threadTs } : {}),
      },
      actionId: ACTION_IDS.approve,
      responseUrl,
    });
    expect((await sendSignedRequest(url, click, SECRET)).status).toBe(200);
    await vi.waitFor(
      async () => expect((await worker.service.evolution(ev.id)).status).toBe('DEPLOYING'),
      { timeout: 10_000 },
    );
  });

  it('after a restart whose channel lost the thread, /evolve deploy answers for its action and the thread is posted again with a line', async () => {
    const ev = await anActiveEvolution();
    await startBot();
    await worker.workflow.notifier.postMilestone(ev, {
      kind: 'shadowStarted',
      text: 'Shadow running',
    });
    const before = (await waitForReplies(ev, 1)) && (await thread(ev))!.ids;
    await bot!.stop();
    // What a restarted playground showed: the channel emptied under the bot.
    fake.workspace.deleteMessage(CHANNEL, before.cardTs);
    const url = await startBot();

    const reply = await command(url, `deploy ${ev.pipeline}`, OWNER);
    console.log(`[restart] /evolve deploy answered: ${reply.split('\n')[0]}`);
    expect(reply).toContain('Approval requested');
    expect(reply).not.toContain('unexpected');
    expect(reply).not.toContain('refused');
    await vi.waitFor(
      async () => expect((await thread(ev))?.ids.threadTs).not.toBe(before.threadTs),
      {
        timeout: 10_000,
      },
    );
    const replies = await waitForReplies(ev, 2);
    expect(texts(replies)).toEqual([
      THREAD_GONE_LINE,
      expect.stringContaining('Approval needed: deploy v2'),
    ]);
  });
});
