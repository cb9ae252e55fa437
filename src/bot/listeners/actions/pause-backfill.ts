import { type ButtonArgs } from './approval-click.js';
import { handleBackfillClick } from './backfill-click.js';

export async function pauseBackfillCallback(args: ButtonArgs): Promise<void> {
  await handleBackfillClick(args, (service, actor, target) => service.pauseBackfill(actor, target));
}
