import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseEvolveCommand, type EvolveCommand } from '../../evolve-command.js';
import { helpMessage } from '../../blocks/help-message.js';
import { afterAck } from '../../after-ack.js';
import { runEvolveVerb } from '../../run-evolve-verb.js';
import { botDeps } from '../bot-deps.js';
import { errorReply } from '../reply-error.js';

/**
 * `/evolve …`: bad input and `help` are answered in the ack itself; every
 * other verb is acked empty first (Slack's 3 s), then runs one service call
 * whose result comes back ephemeral through the response_url.
 */
export async function evolveCommandCallback({
  command,
  ack,
  respond,
  client,
  context,
  logger,
}: AllMiddlewareArgs & SlackCommandMiddlewareArgs): Promise<void> {
  let parsed: EvolveCommand;
  try {
    parsed = parseEvolveCommand(command.text);
  } catch (err) {
    await ack({ response_type: 'ephemeral', ...errorReply(err, logger) });
    return;
  }
  if (parsed.verb === 'help') {
    await ack({ response_type: 'ephemeral', ...helpMessage() });
    return;
  }
  await ack();
  const { service, notifier, now } = botDeps(context);
  try {
    const reply = await afterAck.run(() =>
      runEvolveVerb(parsed, {
        service,
        notifier,
        now,
        client,
        triggerId: command.trigger_id,
        actor: { userId: command.user_id, channelId: command.channel_id, teamId: command.team_id },
      }),
    );
    if (reply) await respond({ response_type: 'ephemeral', ...reply });
  } catch (err) {
    await respond({ response_type: 'ephemeral', ...errorReply(err, logger) });
  }
}
