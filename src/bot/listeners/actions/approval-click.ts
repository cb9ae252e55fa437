import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { decodeApprovalValue } from '../../blocks/action-ids.js';
import { withApprovalDecision } from '../../blocks/approval-message.js';
import type { ApprovalOutcome } from '../../slack-commands.js';
import { botDeps } from '../bot-deps.js';
import { errorReply } from '../reply-error.js';

export type ButtonArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockButtonAction>;

/**
 * Approve or Reject: ack, then one service call bound to the evolution id
 * and SQL hash the button carries. On success the buttons give way to who
 * decided and when; a refusal (not an approver, the requester, stale hash,
 * expired) goes to the clicker only.
 */
export async function handleApprovalClick(
  args: ButtonArgs,
  decision: 'approve' | 'reject',
): Promise<void> {
  const { ack, body, action, context, logger } = args;
  await ack();
  const { service, outbox } = botDeps(context);
  const channel = body.channel?.id ?? body.container.channel_id;
  const messageTs = body.message?.ts ?? body.container.message_ts;
  const threadTs = body.message?.thread_ts as string | undefined;
  let outcome: ApprovalOutcome;
  try {
    const value = decodeApprovalValue(action.value);
    outcome = await service.decideApproval(
      {
        userId: body.user.id,
        channelId: channel,
        ...(body.team?.id ? { teamId: body.team.id } : {}),
      },
      { ...value, decision },
    );
  } catch (err) {
    await outbox.postEphemeral(channel, body.user.id, errorReply(err, logger), threadTs);
    return;
  }
  // The decision stands even if this edit fails; the status card shows it too.
  const blocks = (body.message?.blocks ?? []) as KnownBlock[];
  await outbox
    .update(channel, messageTs, {
      text: `${outcome.decision === 'approved' ? 'Approved' : 'Rejected'} by <@${outcome.decidedBy}>`,
      blocks: withApprovalDecision(blocks, outcome),
    })
    .catch((err: unknown) => logger.warn(`approval message ${messageTs} not updated`, err));
}
