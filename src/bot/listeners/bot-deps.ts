import type { Context } from '@slack/bolt';
import type { SlackCommands } from '../slack-commands.js';
import type { SlackOutbox } from '../../slack-writer/slack-outbox.js';
import type { ApprovalPoster } from '../run-evolve-verb.js';

/** What every listener needs, put on the Bolt context by createBoltApp's first middleware. */
export interface BotDeps {
  service: SlackCommands;
  outbox: SlackOutbox;
  notifier: ApprovalPoster;
  now: () => number;
  /** Time a modal's fast input check may take before the submission is accepted unchecked. */
  checkBudgetMs: number;
}

const KEY = 'evolveDeps';

export function provideBotDeps(context: Context, deps: BotDeps): void {
  context[KEY] = deps;
}

export function botDeps(context: Context): BotDeps {
  const deps = context[KEY] as BotDeps | undefined;
  if (!deps) throw new Error('Bot dependencies missing: build the app with createBoltApp().');
  return deps;
}
