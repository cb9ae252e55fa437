import type { KnownBlock } from '@slack/types';
import { EVOLVE_USAGE } from '../evolve-command.js';
import type { SlackMessage } from './status-card.js';

export function helpMessage(): SlackMessage {
  const lines = Object.values(EVOLVE_USAGE).map(
    ({ usage, summary }) => `\`${usage}\` — ${summary}`,
  );
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '*/evolve* moves a Flink SQL pipeline from v1 to v2: shadow, approve, deploy, backfill.',
      },
    },
    { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: 'Each evolution gets one thread with a status card; milestones follow as replies.',
        },
      ],
    },
  ];
  return { text: lines.join('\n'), blocks };
}
