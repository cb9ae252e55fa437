// The `evolve` process entry: `evolve worker`, `evolve bot`, `evolve all`, plus the Slack verbs for the
// terminal (`evolve develop <pipeline> --sql-file v2.sql --as U…`, ...).
import { Command } from 'commander';
import { EvolveError } from './errors.js';
import { terminalText } from './cli/terminal-text.js';
import { registerEvolveVerbs } from './cli/evolve-verbs.js';
import { registerProcessCommands } from './cli/process-commands.js';

const program = new Command('evolve')
  .description('Evolve production Flink SQL pipelines safely: shadow, approve, deploy, backfill.')
  .showHelpAfterError();
registerProcessCommands(program);
registerEvolveVerbs(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof EvolveError) {
    console.error(`evolve: ${terminalText(err.userMessage)}`);
  } else {
    console.error(`evolve: ${err instanceof Error ? err.message : String(err)}`);
  }
  process.exitCode = 1;
}
