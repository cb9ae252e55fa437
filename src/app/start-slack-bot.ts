import type { Server } from 'node:http';
import type { Logger } from '@slack/bolt';
import type { BoltBot } from '../bot/create-bolt-app.js';
import { createBoltApp } from '../bot/create-bolt-app.js';
import { SlackGroupDirectory } from '../bot/slack-group-directory.js';
import type { Config } from '../config/load-config.js';
import { EvolveError } from '../errors.js';
import { createSlackWriter, type SlackWriter } from '../slack-writer/create-slack-writer.js';
import { RedisReplayGuard } from '../store/redis-replay-guard.js';
import { RedisUserNames } from '../store/redis-user-names.js';
import { createRuntime, type Runtime, type RuntimeOptions } from './create-runtime.js';
import { SlackCommandsAdapter } from '../bot/slack-commands-adapter.js';

export interface SlackBotProcess {
  runtime: Runtime;
  bot: BoltBot;
  /** Posts every process's thread updates from the Slack stream. */
  slackWriter: SlackWriter;
  port?: number;
  /** The HTTP server of HTTP mode (benchmarks time requests on it). */
  httpServer?: Server;
  stop(): Promise<void>;
}

/**
 * The Slack side of a process: the runtime (queues, stores, clients, the
 * Slack stream every process appends to), the Slack writer that posts that
 * stream, and the Bolt app calling the service. Thread updates never go
 * from the app to Slack directly: they take their place in the stream.
 */
export async function startSlackBot(
  config: Config,
  options: Omit<RuntimeOptions, 'notifiers'> & {
    port?: number;
    logger?: Logger;
    /** Writer lease (tests shorten it to take over a killed writer quickly). */
    slackWriterLeaseMs?: number;
  } = {},
): Promise<SlackBotProcess> {
  const slack = config.slack;
  if (!slack) {
    throw new EvolveError(
      'CONFIG_INVALID',
      'No Slack workspace is configured: set SLACK_BOT_TOKEN (and SLACK_APP_TOKEN for Socket Mode, or SLACK_SIGNING_SECRET for HTTP), or try the local playground with `npm start`.',
    );
  }
  const { slackWriterLeaseMs, ...runtimeOptions } = options;
  const runtime = await createRuntime(config, runtimeOptions);
  const slackWriter = createSlackWriter({
    botToken: slack.botToken,
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
    redis: runtime.redis,
    keyPrefix: runtime.keyPrefix,
    ...(slackWriterLeaseMs !== undefined ? { leaseMs: slackWriterLeaseMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  // Built from the token like the writer, so nothing waits for the Bolt app to exist.
  const directory = new SlackGroupDirectory(slackWriter.client);
  const service = new SlackCommandsAdapter({
    service: runtime.service,
    config,
    groupsOf: (user, candidates) => directory.groupsOf(user, candidates),
  });
  const bot = createBoltApp(
    {
      mode: slack.mode,
      botToken: slack.botToken,
      ...(slack.signingSecret ? { signingSecret: slack.signingSecret } : {}),
      ...(slack.appToken ? { appToken: slack.appToken } : {}),
      ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
      port: options.port ?? config.http.port,
      ...(options.logger ? { logger: options.logger } : {}),
      // In Redis, so a request replayed to another bot process is refused too.
      replayGuard: new RedisReplayGuard(runtime.redis, runtime.keyPrefix),
      threadUpdates: runtime.slackStream,
      outbox: slackWriter.outbox,
      userNames: new RedisUserNames(runtime.redis, runtime.keyPrefix),
    },
    service,
  );
  const started = await bot.start();
  await slackWriter.start();
  return {
    runtime,
    bot,
    slackWriter,
    ...(started.port !== undefined ? { port: started.port } : {}),
    ...(started.server ? { httpServer: started.server } : {}),
    async stop() {
      await bot.stop();
      await slackWriter.stop();
      await runtime.close();
    },
  };
}
