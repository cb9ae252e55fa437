import { vi } from 'vitest';
import { createBoltApp, type BoltBot } from '../../src/bot/create-bolt-app.js';
import type { ReplayGuard } from '../../src/bot/replay-guard.js';
import type { Evolution } from '../../src/evolution/evolution.js';
import {
  FakeSlackApi,
  blockActionsBody,
  sendSignedRequest,
  slashCommandBody,
  viewSubmissionBody,
  type FakeMessage,
  type SignedRequestOptions,
} from '../../src/slack-fake/index.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';
import { FakeClock } from '../support/fake-clock.js';
import { aPipeline } from '../support/pipeline-fixture.js';
import { RecordingSlackCommands } from './recording-slack-commands.js';
import { WebClient } from '@slack/web-api';
import { SlackOutbox } from '../../src/slack-writer/slack-outbox.js';
import { SlackThreadNotifier } from '../../src/slack-writer/slack-thread-notifier.js';

/**
 * The Slack side a Bolt app needs, without Redis: an unpaced outbox and a
 * thread notifier that posts straight through it (a running bot gives the
 * Slack writer's outbox and its stream instead).
 */
export function directSlack(
  botToken: string,
  slackApiUrl?: string,
): { outbox: SlackOutbox; threadUpdates: SlackThreadNotifier } {
  const client = new WebClient(botToken, {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
  const outbox = new SlackOutbox(client, { minIntervalMs: 0 });
  return { outbox, threadUpdates: new SlackThreadNotifier(outbox) };
}

export const SIGNING_SECRET = 'test-signing-secret';
export const CHANNEL = 'C0EVOLVE';

/** The real Bolt HTTP receiver on a free port, its WebClient pointed at the fake Slack API. */
export interface BoltHarness {
  fake: FakeSlackApi;
  bot: BoltBot;
  /** Posts threads, cards and approval requests straight to the fake. */
  notifier: SlackThreadNotifier;
  service: RecordingSlackCommands;
  evolution: Evolution;
  url: string;
  command(
    text: string,
    userId: string,
    options?: SignedRequestOptions,
  ): Promise<{ res: Response; responseUrl: string; ms: number }>;
  click(
    message: FakeMessage,
    actionId: string,
    userId: string,
  ): Promise<{ res: Response; ms: number }>;
  submitView(
    view: Record<string, unknown>,
    values: Record<string, Record<string, string>>,
    userId: string,
  ): Promise<{ res: Response; ms: number }>;
  close(): Promise<void>;
}

export async function startBoltHarness(
  status: Evolution['status'] = 'AWAITING_APPROVAL',
  options: { replayGuard?: ReplayGuard } = {},
): Promise<BoltHarness> {
  const fake = new FakeSlackApi();
  const apiUrl = await fake.start();
  const pipeline = aPipeline();
  const evolution = anEvolutionIn(status, new FakeClock(Date.now()), pipeline, {
    slack: { channel: CHANNEL },
  });
  const service = new RecordingSlackCommands(pipeline, evolution);
  const slack = directSlack(fake.botToken, apiUrl);
  const bot = createBoltApp(
    {
      mode: 'http',
      botToken: fake.botToken,
      signingSecret: SIGNING_SECRET,
      slackApiUrl: apiUrl,
      port: 0,
      ...slack,
      ...(options.replayGuard ? { replayGuard: options.replayGuard } : {}),
    },
    service,
  );
  const { port } = await bot.start();
  const url = `http://127.0.0.1:${port}/slack/events`;

  const timed = async (send: () => Promise<Response>) => {
    const started = performance.now();
    const res = await send();
    return { res, ms: performance.now() - started };
  };

  return {
    fake,
    bot,
    notifier: slack.threadUpdates,
    service,
    evolution,
    url,
    async command(text, userId, options) {
      const responseUrl = fake.createResponseUrl();
      const body = slashCommandBody({ text, userId, channelId: CHANNEL, responseUrl });
      return {
        ...(await timed(() => sendSignedRequest(url, body, SIGNING_SECRET, options))),
        responseUrl,
      };
    },
    async click(message, actionId, userId) {
      const responseUrl = fake.createResponseUrl({
        channel: message.channel,
        messageTs: message.ts,
      });
      const body = blockActionsBody({
        user: { id: userId },
        channelId: message.channel,
        message: {
          ts: message.ts,
          text: message.text,
          ...(message.blocks ? { blocks: message.blocks } : {}),
          ...(message.threadTs ? { threadTs: message.threadTs } : {}),
        },
        actionId,
        responseUrl,
      });
      return timed(() => sendSignedRequest(url, body, SIGNING_SECRET));
    },
    async submitView(view, values, userId) {
      const body = viewSubmissionBody({ user: { id: userId }, view, values });
      return timed(() => sendSignedRequest(url, body, SIGNING_SECRET));
    },
    async close() {
      service.release();
      await bot.stop();
      await fake.stop();
    },
  };
}

/**
 * vi.waitFor with room for a loaded machine: its default (1 s) failed in a
 * busy run where the receiver took longer than that to reach the fake Slack
 * API. What is waited for is still checked every 50 ms.
 */
export function eventually<T>(
  check: () => T | Promise<T>,
  options: { timeout?: number; interval?: number } = {},
): Promise<T> {
  return vi.waitFor(check, { timeout: 10_000, interval: 50, ...options });
}
