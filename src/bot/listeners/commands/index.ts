import type { App } from '@slack/bolt';
import { evolveCommandCallback } from './evolve-command.js';

export function register(app: App): void {
  app.command('/evolve', evolveCommandCallback);
}
