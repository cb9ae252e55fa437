import { handleApprovalClick, type ButtonArgs } from './approval-click.js';

export async function rejectDeployCallback(args: ButtonArgs): Promise<void> {
  await handleApprovalClick(args, 'reject');
}
