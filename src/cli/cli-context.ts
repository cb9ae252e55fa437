import { createRuntime, type Runtime } from '../app/create-runtime.js';
import { loadConfig, type Config } from '../config/load-config.js';
import { RedisUserNames } from '../store/redis-user-names.js';
import { CliNames } from './cli-names.js';
import { lookUpSlackNames } from './slack-user-lookup.js';

/** What a CLI call waits for Slack to name people it has not seen; then it prints their ids. */
export const SLACK_NAMES_TIMEOUT_MS = 800;

export interface CliContext {
  config: Config;
  runtime: Runtime;
  /** Prints lines with people named (learnt from Slack requests, or users.info with a bot token). */
  names: CliNames;
  close(): Promise<void>;
}

/**
 * A runtime for one CLI verb. The CLI talks to Redis like the bot does: the
 * work itself is done by `evolve worker` processes, and the CLI follows the
 * evolution's thread from the Redis thread log.
 */
export async function cliContext(env: NodeJS.ProcessEnv = process.env): Promise<CliContext> {
  const config = loadConfig(env);
  const runtime = await createRuntime(config, {});
  const slack = config.slack;
  const names = new CliNames(
    new RedisUserNames(runtime.redis, runtime.keyPrefix),
    slack
      ? (ids) =>
          lookUpSlackNames(ids, {
            botToken: slack.botToken,
            ...(slack.apiUrl ? { apiUrl: slack.apiUrl } : {}),
            timeoutMs: SLACK_NAMES_TIMEOUT_MS,
          })
      : undefined,
  );
  return { config, runtime, names, close: () => runtime.close() };
}
