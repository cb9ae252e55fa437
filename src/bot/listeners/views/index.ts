import type { App, ViewSubmitAction } from '@slack/bolt';
import { VIEW_IDS } from '../../blocks/action-ids.js';
import { developSubmitCallback } from './develop-submit.js';
import { registerSubmitCallback } from './register-submit.js';

export function register(app: App): void {
  app.view<ViewSubmitAction>(VIEW_IDS.develop, developSubmitCallback);
  app.view<ViewSubmitAction>(VIEW_IDS.register, registerSubmitCallback);
}
