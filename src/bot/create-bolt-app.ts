import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import {
  App,
  HTTPReceiver,
  LogLevel,
  SocketModeReceiver,
  type Logger,
  type Receiver,
} from '@slack/bolt';
import { EvolveError } from '../errors.js';
import type { SlackCommands } from './slack-commands.js';
import type { SlackOutbox } from '../slack-writer/slack-outbox.js';
import { provideBotDeps } from './listeners/bot-deps.js';
import { registerListeners } from './listeners/index.js';
import { InMemoryReplayGuard } from './in-memory-replay-guard.js';
import type { ReplayGuard } from './replay-guard.js';
import type { ApprovalPoster } from './run-evolve-verb.js';
import { ENVELOPE_ID_KEY, skipRedeliveredEnvelopes } from './skip-redelivered-envelopes.js';
import { guardSlackRequests } from './slack-request-guard.js';
import type { UserNames } from '../evolution/ports/user-names.js';
import { namedUserOf } from './named-user-of.js';

export interface BoltAppConfig {
  /** `http`: Slack posts signed requests to a public URL; `socket`: the app dials out (no public URL). */
  mode: 'http' | 'socket';
  botToken: string;
  /** Required in HTTP mode: every request's signature is checked with it. */
  signingSecret?: string;
  /** Required in Socket Mode (xapp-…). */
  appToken?: string;
  /** Another Slack Web API (the local fake in tests and the playground). */
  slackApiUrl?: string;
  /** HTTP mode; 0 picks a free port. */
  port?: number;
  /** Budget of a modal's fast input check (default 2000 ms, under Slack's 3 s). */
  checkBudgetMs?: number;
  logLevel?: LogLevel;
  logger?: Logger;
  /**
   * Remembers the deliveries already taken (replayed signatures, redelivered
   * envelopes); share one (Redis) between bot processes. Default: this process's memory.
   */
  replayGuard?: ReplayGuard;
  /**
   * Where approval requests and the card edits commands cause go: the Slack
   * stream the process's one Slack writer posts from.
   */
  threadUpdates: ApprovalPoster;
  /**
   * The Slack writer's paced outbox (built from the token alone, before the
   * app): ephemeral replies and modals share its pacing and Retry-After.
   */
  outbox: SlackOutbox;
  /** Where the names Slack gives request senders are kept, so the CLI can name people too. */
  userNames?: Pick<UserNames, 'remember'>;
}

const EVENTS_PATH = '/slack/events';

export interface BoltBot {
  app: App;
  /** Verifies the bot token (auth.test) and starts listening; resolves with the HTTP server and port in HTTP mode. */
  start(): Promise<{ port?: number; server?: Server }>;
  stop(): Promise<void>;
}

/**
 * Builds the Bolt app with every listener over the Slack writer's outbox
 * and thread updates (the app builds no Slack path of its own).
 * Configuration mistakes fail here, naming the variable to fix.
 */
export function createBoltApp(config: BoltAppConfig, service: SlackCommands): BoltBot {
  const receiver = buildReceiver(config);
  const replayGuard = config.replayGuard ?? new InMemoryReplayGuard();
  const app = new App({
    token: config.botToken,
    receiver,
    deferInitialization: true,
    ...(config.logger ? { logger: config.logger } : {}),
    logLevel: config.logLevel ?? LogLevel.WARN,
    clientOptions: {
      ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
      // Pacing and Retry-After are the outbox's job; a client that sleeps on 429 by itself would defeat it.
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    },
  });
  const { outbox } = config;
  if (receiver instanceof HTTPReceiver) {
    guardSlackRequests(receiver, {
      signingSecret: config.signingSecret ?? '',
      endpoints: [EVENTS_PATH],
      replayGuard,
      logger: app.logger,
    });
  }
  const deps = {
    service,
    outbox,
    notifier: config.threadUpdates,
    now: Date.now,
    checkBudgetMs: config.checkBudgetMs ?? 2000,
  };
  // First, so a redelivered envelope reaches no listener.
  app.use(skipRedeliveredEnvelopes(replayGuard));
  app.use(async ({ context, next }) => {
    provideBotDeps(context, deps);
    await next();
  });
  const { userNames } = config;
  if (userNames) {
    app.use(async ({ body, next }) => {
      const sender = namedUserOf(body);
      // Never in the way of the ack: a name not kept now is kept at the person's next request.
      if (sender)
        void userNames.remember(sender.id, sender.name).catch((err: unknown) => {
          app.logger.warn('Could not keep a user name', err);
        });
      await next();
    });
  }
  registerListeners(app);
  app.error(async (err) => {
    app.logger.error('Unhandled error in a Slack listener', err);
  });

  return {
    app,
    async start() {
      try {
        await app.init();
      } catch (err) {
        throw new EvolveError(
          'CONFIG_INVALID',
          'Slack refused the bot token (auth.test failed). Check SLACK_BOT_TOKEN (xoxb-…) and that the app is installed in the workspace.',
          { cause: err },
        );
      }
      if (config.mode === 'socket') {
        await app.start();
        return {};
      }
      const server = (await app.start(config.port ?? 3000)) as Server;
      return { port: (server.address() as AddressInfo).port, server };
    },
    async stop() {
      await app.stop();
      await outbox.idle();
    },
  };
}

function buildReceiver(config: BoltAppConfig): Receiver {
  if (!config.botToken?.startsWith('xoxb-')) {
    throw configError(
      'SLACK_BOT_TOKEN',
      'must be a bot token starting with xoxb- (OAuth & Permissions page of the Slack app)',
    );
  }
  if (config.mode === 'socket') {
    if (!config.appToken) {
      throw configError(
        'SLACK_APP_TOKEN',
        'is required for Socket Mode: create an app-level token with the connections:write scope (xapp-…), or use HTTP mode with SLACK_SIGNING_SECRET',
      );
    }
    if (!config.appToken.startsWith('xapp-')) {
      throw configError(
        'SLACK_APP_TOKEN',
        'must be an app-level token starting with xapp- (Basic Information page of the Slack app)',
      );
    }
    return new SocketModeReceiver({
      appToken: config.appToken,
      customPropertiesExtractor: (args: { envelope_id?: unknown }) => ({
        [ENVELOPE_ID_KEY]: args.envelope_id,
      }),
    });
  }
  if (!config.signingSecret) {
    throw configError(
      'SLACK_SIGNING_SECRET',
      "is required in HTTP mode to verify Slack's request signatures (Basic Information page of the Slack app)",
    );
  }
  return new HTTPReceiver({
    signingSecret: config.signingSecret,
    endpoints: EVENTS_PATH,
    // Respond to Slack as soon as a listener acks; the work continues after.
    processBeforeResponse: false,
    signatureVerification: true,
    ...(config.port !== undefined ? { port: config.port } : {}),
  });
}

function configError(variable: string, problem: string): EvolveError {
  return new EvolveError('CONFIG_INVALID', `${variable} ${problem}.`);
}
