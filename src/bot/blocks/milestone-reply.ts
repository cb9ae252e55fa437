import type { KnownBlock } from '@slack/types';
import type { Milestone, MilestoneKind } from '../../evolution/ports/notifier.js';
import { formatCount, formatDuration, progressBar } from './format.js';
import { defuseMrkdwn, escapeMrkdwn, fitMessage } from './slack-limits.js';
import type { SlackMessage } from './status-card.js';

const ICONS: Readonly<Record<MilestoneKind, string>> = {
  shadowStarted: ':ghost:',
  savepointTriggered: ':camera:',
  savepointProgress: ':hourglass_flowing_sand:',
  savepointCompleted: ':floppy_disk:',
  jobStarted: ':arrow_forward:',
  deployCompleted: ':rocket:',
  deployFailed: ':x:',
  rolledBack: ':leftwards_arrow_with_hook:',
  backfillProgress: ':arrows_counterclockwise:',
  backfillCompleted: ':tada:',
  failed: ':rotating_light:',
  info: ':information_source:',
};

/**
 * A thread reply for one milestone: the sentence, then its details (location, size, rate, ETA…).
 * Data in the sentence was quoted where it entered (dataText), so what is left live is what the
 * product wrote: mentions of validated ids (who approved, who aborted). defuseMrkdwn turns any
 * other angle bracket into text and leaves the quoted entities as they are (no double escape).
 */
export function milestoneReply(milestone: Milestone): SlackMessage {
  const text = `${ICONS[milestone.kind]} ${defuseMrkdwn(milestone.text)}`;
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text } }];
  const details = milestone.details ?? {};
  if (milestone.kind === 'backfillProgress') return backfillProgressReply(text, milestone);
  const bar = progressLine(milestone.kind, details);
  if (bar) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: bar } });
  const entries = Object.entries(details).filter(([k]) => DETAIL_LABELS[k] !== undefined);
  if (entries.length > 0) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: entries
            .map(([k, v]) => `${DETAIL_LABELS[k]}: ${escapeMrkdwn(formatDetail(k, v))}`)
            .join('  ·  '),
        },
      ],
    });
  }
  return { text: `${milestone.text}`, blocks: fitMessage(blocks) };
}

/**
 * The details worth a line under the sentence, in a person's words. The
 * sentence already names jobs, savepoints and figures; the rest of the
 * details (ids, bands, raw counters like cutoverGapMs) are for the thread
 * log and the CLI, not for people reading Slack.
 */
const DETAIL_LABELS: Readonly<Record<string, string>> = { sizeBytes: 'size' };

/** The sentence says the phase, figures, rate and time left; the bar shows them, nothing else. */
function backfillProgressReply(text: string, milestone: Milestone): SlackMessage {
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text } }];
  const { done, total } = milestone.details ?? {};
  if (typeof done === 'number' && typeof total === 'number' && total > 0)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `\`${progressBar(done, total)}\`` }],
    });
  return { text: milestone.text, blocks: fitMessage(blocks) };
}

function progressLine(
  kind: MilestoneKind,
  details: Readonly<Record<string, string | number>>,
): string | undefined {
  const done = details.emitted ?? details.acknowledged;
  const total = details.planned ?? details.total;
  if (typeof done !== 'number' || typeof total !== 'number') return undefined;
  const unit =
    kind === 'savepointProgress' || kind === 'savepointCompleted'
      ? 'subtasks acknowledged'
      : 'records';
  return `\`${progressBar(done, total)}\` ${formatCount(done)} / ${formatCount(total)} ${unit}`;
}

function formatDetail(key: string, value: string | number): string {
  if (typeof value !== 'number') return value;
  if (/ms$|Ms$|duration/i.test(key)) return formatDuration(value);
  if (/bytes|size/i.test(key)) return `${(value / 1024 / 1024).toFixed(1)} MiB`;
  return formatCount(value);
}
