import type { Command } from 'commander';

/**
 * `evolve worker | bot | all | start`, registered without loading what they
 * run: Bolt, BullMQ, Kafka and the SQL parser load when one of them starts,
 * so `evolve --help` and the quick verbs do not pay for them.
 */
export function registerProcessCommands(program: Command): void {
  program
    .command('worker')
    .description(
      'work on the develop / deploy / backfill queues (run as many as you like, on any host reaching Redis)',
    )
    .option('--partitions <n>', 'backfill partitions worked on at once by this process', Number, 2)
    .action(async (o: { partitions: number }) => {
      const { runWorker } = await import('./run-worker.js');
      await runWorker({ partitions: o.partitions });
      await new Promise(() => undefined); // until a signal
    });

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
        const { runBot } = await import('./run-bot.js');
        await runBot(withWorkers, o.partitions);
      });
  }

  program
    .command('start')
    .description(
      'run flink-evolve with the demo pipeline (local stack and Slack playground unless configured otherwise)',
    )
    .option('--playground-port <n>', 'port of the Slack playground page', Number, 3030)
    .option('--no-demo', 'do not create or run the demo pipeline')
    .option(
      '--demo-prefix <prefix>',
      'names the demo pipeline <prefix>-revenue and its topics <prefix>.orders and <prefix>.revenue, for a cluster shared with another demo',
      'demo',
    )
    .action(async (o: { playgroundPort: number; demo: boolean; demoPrefix: string }) => {
      const { runStart } = await import('./run-start.js');
      await runStart(o);
    });
}
