import type { Server } from 'node:http';
import type { Logger } from '@slack/bolt';
import type { BoltBot } from '../bot/create-bolt-app.js';
import { createBoltApp } from '../bot/create-bolt-app.js';
import { SlackGroupDirectory } from '../bot/slack-group-directory.js';
import type { Config } from '../config/load-config.js';
import { EvolveError } from '../errors.js';
import { RedisReplayGuard } from '../store/redis-replay-guard.js';
import type { Evolution } from '../evolution/evolution.js';
import type { Milestone, Notifier } from '../evolution/ports/notifier.js';
import { createRuntime, type Runtime, type RuntimeOptions } from './create-runtime.js';
import { SlackEvolveService } from './slack-evolve-service.js';

export interface SlackBotProcess {
  runtime: Runtime;
  bot: BoltBot;
  port?: number;
  /** The HTTP server of HTTP mode (benchmarks time requests on it). */
  httpServer?: Server;
  stop(): Promise<void>;
}

/**
 * The Slack side of a process: the runtime (queues, stores, clients) with
 * the bot's thread notifier among its notifiers, and the Bolt app calling
 * the service. The notifier is handed over once the app exists, since the
 * app in turn needs the service built on the runtime.
 */
export async function startSlackBot(
  config: Config,
  options: Omit<RuntimeOptions, 'notifiers'> & { port?: number; logger?: Logger } = {},
): Promise<SlackBotProcess> {
  const slack = config.slack;
  if (!slack) {
    throw new EvolveError(
      'CONFIG_INVALID',
      'No Slack workspace is configured: set SLACK_BOT_TOKEN (and SLACK_APP_TOKEN for Socket Mode, or SLACK_SIGNING_SECRET for HTTP), or try the local playground with `npm start`.',
    );
  }
  // Filled in once the Bolt app exists (it needs the service, which needs the runtime).
  const late: { notifier?: Notifier; directory?: SlackGroupDirectory } = {};
  const handedOver = (): Notifier => {
    if (!late.notifier) throw new Error('the Slack notifier is not ready yet');
    return late.notifier;
  };
  const deferred: Notifier = {
    ensureThread: (ev: Evolution) => handedOver().ensureThread(ev),
    updateStatusCard: (ev: Evolution) => handedOver().updateStatusCard(ev),
    postMilestone: (ev: Evolution, m: Milestone) => handedOver().postMilestone(ev, m),
  };
  const runtime = await createRuntime(config, { ...options, notifiers: [deferred] });
  const service = new SlackEvolveService({
    service: runtime.service,
    config,
    groupsOf: (user, candidates) =>
      late.directory?.groupsOf(user, candidates) ?? Promise.resolve([]),
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
    },
    service,
  );
  late.notifier = bot.notifier;
  late.directory = new SlackGroupDirectory(bot.app.client);
  const started = await bot.start();
  return {
    runtime,
    bot,
    ...(started.port !== undefined ? { port: started.port } : {}),
    ...(started.server ? { httpServer: started.server } : {}),
    async stop() {
      await bot.stop();
      await runtime.close();
    },
  };
}
