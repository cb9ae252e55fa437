import type { App } from '@slack/bolt';
import * as actions from './actions/index.js';
import * as commands from './commands/index.js';
import * as views from './views/index.js';

export function registerListeners(app: App): void {
  commands.register(app);
  actions.register(app);
  views.register(app);
}
