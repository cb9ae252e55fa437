import { stagePercent } from '../../evolution/backfill-progress-text.js';
import { STATE_WORDS, type DisplayState } from '../../evolution/display-state.js';

/** Slack renders this in each reader's time zone; the fallback is UTC ISO. */
export function slackDate(ms: number): string {
  const iso = new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time_secs}|${iso}>`;
}

/** Reads 100% only when done reaches total (a rounded 99.6% is not done). */
export function progressBar(done: number, total: number, width = 20): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled =
    total <= 0 ? 0 : done < total ? Math.min(width - 1, Math.round(ratio * width)) : width;
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${stagePercent(done, total)}%`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}m`;
}

const STATE_ICONS: Readonly<Record<DisplayState, string>> = {
  DEVELOPING: ':hourglass_flowing_sand:',
  SHADOW_RUNNING: ':ghost:',
  AWAITING_APPROVAL: ':raised_hand:',
  APPROVAL_EXPIRED: ':alarm_clock:',
  REJECTED: ':no_entry_sign:',
  DEPLOYING: ':rocket:',
  LIVE: ':white_check_mark:',
  BACKFILLING: ':arrows_counterclockwise:',
  BACKFILL_PAUSED: ':double_vertical_bar:',
  COMPLETED: ':tada:',
  ABORTED: ':stop_sign:',
  DEPLOY_FAILED: ':warning:',
  ROLLED_BACK: ':leftwards_arrow_with_hook:',
  FAILED: ':rotating_light:',
};

/** The card's state: the domain's words with an icon. */
export const STATE_LABELS: Readonly<Record<DisplayState, string>> = Object.fromEntries(
  (Object.keys(STATE_WORDS) as DisplayState[]).map((s) => [
    s,
    `${STATE_ICONS[s]} ${STATE_WORDS[s]}`,
  ]),
) as Record<DisplayState, string>;
