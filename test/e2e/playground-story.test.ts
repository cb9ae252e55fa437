import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startSlackBot, type SlackBotProcess } from '../../src/app/start-slack-bot.js';
import { loadConfig } from '../../src/config/load-config.js';
import { sqlHash } from '../../src/evolution/sql-hash.js';
import { FlinkAdapter } from '../../src/flink/flink-adapter.js';
import { FlinkRestClient } from '../../src/flink/flink-rest-client.js';
import { SqlGatewayClient } from '../../src/flink/sql-gateway-client.js';
import { startPlayground, type RunningPlayground } from '../../src/playground/index.js';
import { FakeSlackApi } from '../../src/slack-fake/index.js';
import { ensureChromium } from '../support/ensure-chromium.js';
import { flinkSavepointDir } from '../support/flink-savepoint-dir.js';
import {
  deleteTopicsStartingWith,
  latestByKey,
  readAll,
  withAdmin,
} from '../support/kafka-test-client.js';
import {
  createOrdersTopics,
  expectedV2,
  makeOrders,
  onlyCancelledOrders,
  ordersPipelineSql,
  sendOrders,
} from '../support/orders-pipeline.js';
import { aPipeline } from '../support/pipeline-fixture.js';
import { deleteKeysWithPrefix } from '../support/redis-test-keys.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';
import { until } from '../support/until.js';

const OWNER = 'U0DEMOOWNER';
const APPROVER = 'U0DEMOAPPR';
const SECRET = 'playground-e2e-signing-secret';
const SHOTS = join('test-artifacts', 'playground');
/** Flink, Kafka and the workers set the pace: generous waits for each state. */
const STATE_WAIT_MS = 150_000;
const STORY_TIMEOUT_MS = 900_000;

describe('the playground in a real browser: develop -> approve -> deploy -> backfill on the real stack', () => {
  const e = stackEndpoints();
  const ordersTopic = uniqueName('pg-orders');
  const revenueTopic = uniqueName('pg-revenue');
  const pipelineName = uniqueName('pgrev').toLowerCase();
  const runName = uniqueName('pg');
  const keyPrefix = `${runName}:`;
  const sql = ordersPipelineSql(ordersTopic, revenueTopic, `${pipelineName}-v1`);
  // Customers whose every order was cancelled: v2 drops them, so the backfill deletes keys.
  const orders = [...onlyCancelledOrders(), ...makeOrders('o', 300, 40)];
  const rest = new FlinkRestClient({ baseUrl: e.flinkRestUrl });
  const gateway = new SqlGatewayClient({ baseUrl: e.flinkGatewayUrl });
  const flink = new FlinkAdapter(rest, gateway);
  const fake = new FakeSlackApi();
  let slackBot: SlackBotProcess | undefined;
  let playground: RunningPlayground | undefined;
  let context: BrowserContext | undefined;
  let userDataDir: string | undefined;
  let page: Page;

  beforeAll(async () => {
    const executablePath = await ensureChromium();
    await createOrdersTopics(ordersTopic, revenueTopic);
    await sendOrders(ordersTopic, orders);
    const v1JobId = await flink.submitJob(sql.v1, { 'pipeline.name': `${pipelineName}-v1` });
    expect(await flink.waitRunning(v1JobId, 90_000)).toBe('RUNNING');

    const apiUrl = await fake.start();
    const config = loadConfig({
      EVOLVE_REDIS_URL: e.redisUrl,
      EVOLVE_REDIS_PREFIX: keyPrefix,
      EVOLVE_QUEUE_NAMESPACE: runName,
      EVOLVE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
      EVOLVE_FLINK_REST_URL: e.flinkRestUrl,
      EVOLVE_FLINK_GATEWAY_URL: e.flinkGatewayUrl,
      EVOLVE_SLACK_MODE: 'http',
      EVOLVE_SLACK_API_URL: apiUrl,
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: SECRET,
      EVOLVE_DEPLOY_RUNNING_TIMEOUT_MS: '90000',
    });
    slackBot = await startSlackBot(config, { namespace: runName, keyPrefix, port: 0 });
    await slackBot.runtime.startWorkers({ observeEveryMs: 2_000 });
    await slackBot.runtime.service.registerFromFile(
      aPipeline({
        name: pipelineName,
        flink: { restUrl: e.flinkRestUrl, gatewayUrl: e.flinkGatewayUrl },
        kafka: { outputTopic: revenueTopic, keyFormat: 'json' },
        production: { sql: sql.v1, sqlHash: sqlHash(sql.v1), flinkJobId: v1JobId },
        owners: [OWNER],
        approvers: [APPROVER],
      }),
    );
    await until(
      'v1 output',
      async () => ((await readAll(revenueTopic)).length >= 30 ? true : undefined),
      STATE_WAIT_MS,
      1000,
    );

    playground = await startPlayground({
      fake,
      botEventsUrl: `http://127.0.0.1:${slackBot.port}/slack/events`,
      signingSecret: SECRET,
      demoV2Sql: sql.v2,
    });
    await mkdir(SHOTS, { recursive: true });
    userDataDir = await mkdtemp(join(tmpdir(), 'playground-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      viewport: { width: 1440, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    await playground?.stop();
    const jobs = await rest.listJobs().catch(() => []);
    for (const job of jobs.filter((j) => j.name.includes(pipelineName) && j.state === 'RUNNING')) {
      await flink.cancel(job.jid).catch(() => undefined);
    }
    if (slackBot) {
      await slackBot.runtime.queues.obliterate().catch(() => undefined);
      await deleteKeysWithPrefix(slackBot.runtime.redis, keyPrefix);
      await slackBot.stop();
    }
    await fake.stop();
    await Promise.all([rest.close(), gateway.close()]);
    await deleteTopicsStartingWith(ordersTopic, revenueTopic);
  });

  const channel = () => page.locator('#timeline');
  const thread = () => page.locator('#thread-pane');
  const statusCard = () => channel().locator('li.message:not(.ephemeral)').first();
  const waitForText = (where: Locator, text: string | RegExp) =>
    where.getByText(text).first().waitFor({ state: 'visible', timeout: STATE_WAIT_MS });
  /**
   * Screenshots go to docs/: the thread names savepoints under the stack's
   * folder on this machine, so that folder is shown as `<stack>` first.
   */
  const maskMachinePaths = async () => {
    const savepoints = await flinkSavepointDir(e.flinkRestUrl).catch(() => undefined);
    const folder = savepoints?.replace(/^file:\/\//, '').replace(/\/flink\/savepoints$/, '');
    if (!folder) return;
    // A string: the test's TypeScript has no DOM types; this runs in the page.
    await page.evaluate(`(() => {
      const path = ${JSON.stringify(folder)};
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode())
        if (n.nodeValue.includes(path)) n.nodeValue = n.nodeValue.split(path).join('<stack>');
    })()`);
  };
  const shot = async (name: string) => {
    await maskMachinePaths();
    await page.screenshot({ path: join(SHOTS, `${name}.png`) });
  };
  const command = async (text: string) => {
    await page.getByLabel('Send a slash command').fill(text);
    await page.getByLabel('Send a slash command').press('Enter');
  };
  const actAs = (user: string) => page.getByLabel('You are').selectOption(user);

  it(
    'goes through the story by clicking and typing, showing each step as Slack would',
    async () => {
      // What the page showed when a wait gave up is the first thing to look at.
      onTestFailed(async () => {
        await shot('failure').catch(() => undefined);
        const state = await fetch(`${playground!.url}api/state?user=${OWNER}`).then((r) =>
          r.text(),
        );
        await writeFile(join(SHOTS, 'failure-state.json'), state).catch(() => undefined);
      });
      await page.goto(`${playground!.url}?user=${OWNER}`);
      await page.getByRole('heading', { name: '# evolve' }).waitFor();
      expect(await page.getByLabel('You are').inputValue()).toBe(OWNER);

      // develop: the modal opens, prefilled with v1; the demo button puts v2 in.
      await command(`/evolve develop ${pipelineName}`);
      const modal = page.locator('#modal');
      await modal.getByRole('heading', { name: 'Develop v2' }).waitFor({ timeout: 30_000 });
      const sqlField = modal.getByLabel(`Flink SQL for ${pipelineName}`);
      expect(await sqlField.inputValue()).toBe(sql.v1);
      await modal.getByRole('button', { name: 'Use the demo v2 SQL' }).click();
      expect(await sqlField.inputValue()).toBe(sql.v2);
      await shot('01-develop-modal');
      await modal.getByRole('button', { name: 'Start shadow' }).click();
      await modal.waitFor({ state: 'hidden', timeout: 30_000 });

      // The status card appears in the channel and turns to "Shadow running"; the thread has the milestone.
      await waitForText(channel(), `${pipelineName} · ev-`);
      await waitForText(statusCard(), 'Shadow running');
      expect(await statusCard().textContent()).toContain('Olivia (owner)');
      await statusCard()
        .getByRole('button', { name: /View thread/ })
        .click();
      await waitForText(thread(), /Shadow job \w+ is RUNNING/);
      await shot('02-shadow-running');

      // diff: the approver's facts, to the person who asked (keys same / changed / to delete).
      await command(`/evolve diff ${pipelineName}`);
      const diffReply = channel().locator('li.ephemeral', { hasText: 'Same' }).last();
      await diffReply.waitFor({ timeout: 60_000 });
      expect(await diffReply.textContent()).toMatch(/Changed/);

      // deploy: the approval request lands in the thread with the SQL diff and the buttons.
      await command(`/evolve deploy ${pipelineName}`);
      await waitForText(thread(), `Deploy v2 of ${pipelineName}?`);
      const approval = thread().locator('li.message', { hasText: `Deploy v2 of ${pipelineName}?` });
      expect(await approval.locator('pre').first().textContent()).toContain(
        "+WHERE status <> 'cancelled'",
      );
      await waitForText(statusCard(), 'Awaiting approval');
      await shot('03-approval-request');

      // The requester may not approve: the refusal is shown to them only, in the thread.
      await approval.getByRole('button', { name: 'Approve', exact: true }).click();
      await page.locator('#confirm').getByRole('button', { name: 'Approve and deploy' }).click();
      await thread().locator('li.ephemeral').first().waitFor({ timeout: 30_000 });
      const refusal = (await thread().locator('li.ephemeral').first().textContent()) ?? '';
      expect(refusal).toContain('⚠️');
      expect(refusal).toContain('Only visible to you');
      expect(await approval.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(1);

      // The approver approves, after the confirm dialog.
      await actAs(APPROVER);
      await thread().locator('li.ephemeral').first().waitFor({ state: 'detached' });
      await approval.getByRole('button', { name: 'Approve', exact: true }).click();
      const confirm = page.locator('#confirm');
      await confirm.getByRole('heading', { name: 'Deploy v2 to production?' }).waitFor();
      await shot('04-confirm-approve');
      await confirm.getByRole('button', { name: 'Approve and deploy' }).click();
      await waitForText(approval, 'Approved by @Arjun (approver)');
      expect(await approval.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);

      // The deploy runs: milestones in the thread, the card says Live.
      await waitForText(thread(), /v2 is live: job \w+ RUNNING/);
      await waitForText(statusCard(), '✅ Live');
      await shot('05-live');

      // backfill, as the owner: progress, then completion with its report. At 100 records/s
      // each phase lasts a few seconds, so the page shows a step below 100% while it runs.
      await actAs(OWNER);
      await command(`/evolve backfill ${pipelineName} rate=100`);
      await waitForText(thread(), /Backfill \S+ started by/);
      await waitForText(thread(), /Step [123] of 3, [^(]*\(\d{1,2}%\)/);
      await shot('06-backfill-progress');
      await waitForText(thread(), 'Backfill complete and verified');
      await waitForText(statusCard(), '🎉 Completed');
      // Progress was shown below 100% before the completion, as the person watching saw it.
      const threadText = (await thread().textContent()) ?? '';
      const progress = /Step [123] of 3, [^(]*\((\d{1,2})%\)/.exec(threadText);
      expect(progress, threadText).not.toBeNull();
      expect(progress!.index).toBeLessThan(threadText.indexOf('Backfill complete and verified'));
      const cardText = (await statusCard().textContent()) ?? '';
      expect(cardText).toMatch(/\b3 deleted\b/);
      await shot('07-backfill-completed');

      // The page showed what the service did: the evolution really completed.
      const evolution = await until(
        'the evolution COMPLETED',
        async () => {
          const view = await slackBot!.runtime.service.status(pipelineName);
          return view.evolution?.status === 'COMPLETED' ? view.evolution : undefined;
        },
        STATE_WAIT_MS,
        1000,
      );
      expect(evolution.requester).toBe(OWNER);
      expect(evolution.approval?.decidedBy).toBe(APPROVER);
      // And the production topic says what v2 says, for every key; TEMP is gone.
      expect(await withAdmin((a) => a.listTopics())).not.toContain(evolution.shadow.tempTopic);
      const latest = latestByKey(await readAll(revenueTopic));
      for (const [customer, want] of expectedV2(orders)) {
        const got = latest.get(JSON.stringify({ customer_id: customer }));
        if (want === null) expect(got, customer).toBeNull();
        else
          expect(JSON.parse(got ?? 'null'), customer).toMatchObject({
            total: want.total,
            orders: want.orders,
          });
      }
    },
    STORY_TIMEOUT_MS,
  );
});
