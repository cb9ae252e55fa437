import type { Command } from 'commander';
import { startSlackBot } from '../app/start-slack-bot.js';
import { loadConfig } from '../config/load-config.js';

/**
 * `evolve bot` (the Slack app) and `evolve all` (the app and a worker in
 * one process, for small installations). Both stop cleanly on SIGTERM.
 */
export function registerBotCommands(program: Command): void {
  for (const withWorkers of [false, true]) {
    program
      .command(withWorkers ? 'all' : 'bot')
      .description(
        withWorkers
          ? 'the Slack app and a worker in one process'
          : 'the Slack app (Socket Mode or HTTP, from the configuration)',
      )
      .option('--partitions <n>', 'backfill partitions worked on at once (all)', Number, 2)
      .action(async (o: { partitions: number }) => {
        const config = loadConfig();
        const proc = await startSlackBot(config);
        const workers = withWorkers
          ? await proc.runtime.startWorkers({ partitionConcurrency: o.partitions })
          : undefined;
        const where =
          config.slack?.mode === 'socket'
            ? 'Socket Mode'
            : `HTTP on port ${proc.port}, /slack/events`;
        console.log(
          `[bot] connected to Slack (${where})${workers ? ' with a worker' : ''}; pid ${process.pid}`,
        );
        for (const signal of ['SIGTERM', 'SIGINT'] as const) {
          process.once(signal, () => {
            void (async () => {
              await workers?.close();
              await proc.stop();
              process.exit(0);
            })();
          });
        }
        await new Promise(() => undefined);
      });
  }
}
