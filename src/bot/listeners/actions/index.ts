import type { App, BlockButtonAction } from '@slack/bolt';
import { ACTION_IDS } from '../../blocks/action-ids.js';
import { approveDeployCallback } from './approve-deploy.js';
import { cancelBackfillCallback } from './cancel-backfill.js';
import { pauseBackfillCallback } from './pause-backfill.js';
import { rejectDeployCallback } from './reject-deploy.js';
import { resumeBackfillCallback } from './resume-backfill.js';

export function register(app: App): void {
  app.action<BlockButtonAction>(ACTION_IDS.approve, approveDeployCallback);
  app.action<BlockButtonAction>(ACTION_IDS.reject, rejectDeployCallback);
  app.action<BlockButtonAction>(ACTION_IDS.pauseBackfill, pauseBackfillCallback);
  app.action<BlockButtonAction>(ACTION_IDS.resumeBackfill, resumeBackfillCallback);
  app.action<BlockButtonAction>(ACTION_IDS.cancelBackfill, cancelBackfillCallback);
}
