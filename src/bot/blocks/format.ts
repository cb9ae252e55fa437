import { stagePercent } from '../../evolution/backfill-progress-text.js';
import type { DisplayState } from '../../evolution/display-state.js';

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

export const STATE_LABELS: Readonly<Record<DisplayState, string>> = {
  DEVELOPING: ':hourglass_flowing_sand: Developing (starting the shadow)',
  SHADOW_RUNNING: ':ghost: Shadow running',
  AWAITING_APPROVAL: ':raised_hand: Awaiting approval',
  APPROVAL_EXPIRED: ':alarm_clock: Approval expired',
  REJECTED: ':no_entry_sign: Rejected (shadow still running)',
  DEPLOYING: ':rocket: Deploying',
  LIVE: ':white_check_mark: Live',
  BACKFILLING: ':arrows_counterclockwise: Backfilling',
  BACKFILL_PAUSED: ':double_vertical_bar: Backfill paused',
  COMPLETED: ':tada: Completed',
  ABORTED: ':stop_sign: Aborted',
  DEPLOY_FAILED: ':warning: Deploy failed (rolling back)',
  ROLLED_BACK: ':leftwards_arrow_with_hook: Rolled back to v1',
  FAILED: ':rotating_light: Failed (needs a human)',
};
