import type { KnownBlock } from '@slack/types';
import type { Evolution } from '../../evolution/evolution.js';
import { mention } from '../../evolution/evolution-errors.js';
import { shortHash } from '../../evolution/sql-hash.js';
import type { HistoryView, PipelineSummary } from '../slack-commands.js';
import { slackDate } from './format.js';
import { SLACK_LIMITS, fitMessage, fitText } from './slack-limits.js';
import type { SlackMessage } from './status-card.js';

export function pipelinesMessage(pipelines: readonly PipelineSummary[]): SlackMessage {
  if (pipelines.length === 0) {
    return plain('No pipelines are registered yet. Use `/evolve register` to add one.');
  }
  const blocks: KnownBlock[] = pipelines.map((p) => ({
    type: 'section',
    text: {
      type: 'mrkdwn',
      text:
        `*${p.name}* → \`${p.outputTopic}\`\n` +
        `Owners ${p.owners.map(mention).join(', ') || 'none'} · approvers ${p.approvers.map(mention).join(', ') || 'none'}\n` +
        (p.active
          ? `Active: \`${p.active.evolutionId}\` (${p.active.status}) by ${mention(p.active.requester)}`
          : 'No active evolution'),
    },
  }));
  return { text: `${pipelines.length} pipelines`, blocks: fitMessage(blocks) };
}

export function historyMessage(view: HistoryView): SlackMessage {
  if (view.evolutions.length === 0) {
    return plain(
      `Pipeline \`${view.pipeline}\` has no evolutions yet. Start one with \`/evolve develop ${view.pipeline}\`.`,
    );
  }
  const line = (e: Evolution) =>
    `\`${e.id}\` ${e.status} · v2 \`${shortHash(e.v2.hash)}\` · by ${mention(e.requester)} · ${slackDate(e.createdAt)}` +
    (e.finishedAt !== undefined ? ` → ${slackDate(e.finishedAt)}` : '') +
    (e.rollbackOf ? ` · :rewind: rollback of \`${e.rollbackOf.evolutionId}\`` : '') +
    (e.rolledBackBy ? ` · rolled back by \`${e.rolledBackBy}\`` : '');
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*History of \`${view.pipeline}\`*` } },
    ...view.evolutions.map((e): KnownBlock => ({
      type: 'section',
      text: { type: 'mrkdwn', text: line(e) },
    })),
  ];
  return { text: `History of ${view.pipeline}`, blocks: fitMessage(blocks) };
}

export function plain(text: string): SlackMessage {
  return {
    text: fitText(text, SLACK_LIMITS.messageText),
    blocks: fitMessage([{ type: 'section', text: { type: 'mrkdwn', text } }]),
  };
}
