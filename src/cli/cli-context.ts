import { createRuntime, type Runtime } from '../app/create-runtime.js';
import { loadConfig, type Config } from '../config/load-config.js';
import type { CliNames } from './cli-names.js';
import { cliNames } from './read-context.js';

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
  const names = cliNames(config, runtime.redis, runtime.keyPrefix);
  return { config, runtime, names, close: () => runtime.close() };
}
