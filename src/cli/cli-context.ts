import { createRuntime, type Runtime } from '../app/create-runtime.js';
import { loadConfig, type Config } from '../config/load-config.js';

export interface CliContext {
  config: Config;
  runtime: Runtime;
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
  return { config, runtime, close: () => runtime.close() };
}
