import type { Logger } from '@slack/bolt';
import { EvolveError } from '../../errors.js';
import { plain } from '../blocks/listing-messages.js';
import { defuseMrkdwn } from '../blocks/slack-limits.js';
import type { SlackMessage } from '../blocks/status-card.js';

/**
 * What the person sees when their command or click fails: the EvolveError's
 * own message (it says what to do next), or a generic one for anything
 * unexpected, which is logged with its cause and never shown raw. Messages
 * may echo input (a topic name from the SQL, a pipeline name from the CLI),
 * so only the mentions and dates we build stay live.
 */
export function errorReply(err: unknown, logger: Logger): SlackMessage {
  if (err instanceof EvolveError) return plain(`:warning: ${defuseMrkdwn(err.userMessage)}`);
  logger.error('Unexpected error in a Slack listener', err);
  return plain(
    ':warning: Something unexpected went wrong. Check `/evolve status <pipeline>` to see what happened ' +
      'before trying again; if it keeps failing, ask an operator to check the bot logs.',
  );
}

/** The text of an error for an inline modal field. */
export function errorText(err: unknown, logger: Logger): string {
  return errorReply(err, logger).text.replace(/^:warning: /, '');
}
