import type { SlackCommands, Accepted, EvolutionRef, SlackActor } from '../../slack-commands.js';
import { decodeBackfillValue } from '../../blocks/action-ids.js';
import { plain } from '../../blocks/listing-messages.js';
import { botDeps } from '../bot-deps.js';
import { errorReply } from '../reply-error.js';
import type { ButtonArgs } from './approval-click.js';

export type BackfillControl = (
  service: SlackCommands,
  actor: SlackActor,
  target: EvolutionRef,
) => Promise<Accepted>;

/** Pause, Resume or Cancel on the status card: ack, one service call, the answer to the clicker only. */
export async function handleBackfillClick(
  args: ButtonArgs,
  control: BackfillControl,
): Promise<void> {
  const { ack, body, action, context, logger } = args;
  await ack();
  const { service, outbox } = botDeps(context);
  const channel = body.channel?.id ?? body.container.channel_id;
  const threadTs = (body.message?.thread_ts as string | undefined) ?? body.message?.ts;
  try {
    const { evolutionId } = decodeBackfillValue(action.value);
    const result = await control(
      service,
      { userId: body.user.id, channelId: channel },
      { evolutionId },
    );
    await outbox.postEphemeral(channel, body.user.id, plain(result.text), threadTs);
  } catch (err) {
    await outbox.postEphemeral(channel, body.user.id, errorReply(err, logger), threadTs);
  }
}
