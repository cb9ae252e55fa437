import { handleApprovalClick, type ButtonArgs } from './approval-click.js';

export async function approveDeployCallback(args: ButtonArgs): Promise<void> {
  await handleApprovalClick(args, 'approve');
}
