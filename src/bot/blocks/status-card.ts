import type { ActionsBlock, Button, KnownBlock, MrkdwnElement } from '@slack/types';
import { backfillProgressText } from '../../evolution/backfill-progress-text.js';
import { plural } from '../../evolution/plural.js';
import { backfillSummaryText } from '../../evolution/backfill-summary-text.js';
import type { BackfillRun, Evolution, SavepointRecord } from '../../evolution/evolution.js';
import { displayState } from '../../evolution/display-state.js';
import { mention } from '../../evolution/evolution-errors.js';
import { productionNow, type ProductionNow } from '../../evolution/production-now.js';
import { rollbackWindowText } from '../../evolution/rollback-window-text.js';
import { shortHash } from '../../evolution/sql-hash.js';
import type { ApprovalWarning } from '../../evolution/approval-warnings.js';
import { followedState, type ShadowHealth } from '../../evolution/shadow-health.js';
import { ACTION_IDS, encodeBackfillValue } from './action-ids.js';
import { STATE_LABELS, formatCount, progressBar, slackDate } from './format.js';
import { escapeMrkdwn, fitMessage } from './slack-limits.js';

export interface SlackMessage {
  /** Fallback text for notifications and screen readers. */
  text: string;
  blocks: KnownBlock[];
}

export interface StatusCardInput {
  evolution: Evolution;
  now: number;
  shadow?: ShadowHealth;
  /** What the pending approval request warned about. */
  warnings?: readonly ApprovalWarning[];
}

const field = (label: string, value: string): MrkdwnElement => ({
  type: 'mrkdwn',
  text: `*${label}*\n${value}`,
});

/** The card at the top of an evolution's thread, edited in place as the evolution moves. */
export function statusCard({
  evolution: ev,
  now,
  shadow,
  warnings,
}: StatusCardInput): SlackMessage {
  const state = displayState(ev, now);
  // Flink's word wins over the stored state while the shadow is what is evaluated.
  const stateText =
    followedState(state, shadow) === state
      ? STATE_LABELS[state]
      : `:warning: Shadow job ${escapeMrkdwn(shadow?.state ?? '')} in Flink\n${STATE_LABELS[state]}`;
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: ev.rollbackOf
          ? `${ev.pipeline} · ${ev.id} · rollback of ${ev.rollbackOf.evolutionId}`
          : `${ev.pipeline} · ${ev.id}`,
      },
    },
    {
      type: 'section',
      block_id: 'state',
      fields: [
        field('State', stateText),
        field('Requested by', mention(ev.requester)),
        field('v1 (production)', `\`${shortHash(ev.v1.hash)}\``),
        field('v2', `\`${shortHash(ev.v2.hash)}\``),
        field('Shadow', shadowText(ev, shadow)),
        field('Savepoints', savepointsText(ev)),
      ],
    },
  ];
  if (ev.approval?.decision && ev.approval.decidedBy && ev.approval.decidedAt !== undefined) {
    blocks.push(
      context(
        `${ev.approval.decision === 'approved' ? 'Approved' : 'Rejected'} by ${mention(ev.approval.decidedBy)} ${slackDate(ev.approval.decidedAt)}`,
      ),
    );
  }
  const rollback = rollbackWindowText(ev, now);
  if (rollback)
    blocks.push(
      context(
        `:rewind: ${escapeMrkdwn(rollback.text)}${rollback.open ? ` (\`/evolve rollback ${ev.pipeline}\`)` : ''}`,
      ),
    );
  const production = productionNow(ev);
  if (production) blocks.push(context(productionText(production)));
  else if (ev.rollbackJobId)
    blocks.push(context(`v1 restarted from S1 as job \`${ev.rollbackJobId}\``));
  else if (ev.v2JobId) blocks.push(context(`v2 job \`${ev.v2JobId}\``));
  if (warnings && warnings.length > 0) {
    blocks.push({
      type: 'section',
      block_id: 'approval_warnings',
      text: {
        type: 'mrkdwn',
        text: `*Approval warnings*\n${warnings.map((w) => `:warning: ${escapeMrkdwn(w.text)}`).join('\n')}`,
      },
    });
  }
  blocks.push(...backfillBlocks(ev, state === 'BACKFILLING' || state === 'BACKFILL_PAUSED'));
  if (ev.error) {
    blocks.push({
      type: 'section',
      block_id: 'error',
      text: {
        type: 'mrkdwn',
        text: `:warning: *${escapeMrkdwn(ev.error.step)}*: ${escapeMrkdwn(ev.error.message)}`,
      },
    });
  }
  blocks.push(context(`Updated ${slackDate(now)}`));
  return {
    text: `${ev.pipeline} ${ev.id}: ${STATE_LABELS[state].replace(/^:[a-z_]+: /, '')}`,
    blocks: fitMessage(blocks),
  };
}

/** "Production runs v2 `abc123` as job `…` since <date>, approved by @x." */
function productionText(p: ProductionNow): string {
  const since = p.since !== undefined ? ` since ${slackDate(p.since)}` : '';
  const by = p.approvedBy ? `, approved by ${mention(p.approvedBy)}` : '';
  const what = p.version === 'v1' ? 'v1 again (restarted from S1)' : 'v2';
  return `Production runs ${what} \`${shortHash(p.hash)}\` as job \`${p.jobId}\`${since}${by}.`;
}

/** The shadow's parts while they exist; once stopped or deleted, said so instead of their names. */
function shadowText(ev: Evolution, shadow: ShadowHealth | undefined): string {
  const tempGone =
    ev.cleanupEndedAt !== undefined ||
    (ev.status === 'COMPLETED' && ev.completedWithoutBackfill === undefined);
  const jobGone = ev.savepoints.s2?.location !== undefined || ev.cleanupEndedAt !== undefined;
  const lines = [tempGone ? 'TEMP deleted' : `TEMP \`${ev.shadow.tempTopic}\``];
  if (jobGone) lines.push(ev.savepoints.s2?.location ? 'job stopped with S2' : 'job stopped');
  else if (ev.shadow.jobId) lines.push(`job \`${ev.shadow.jobId}\``);
  if (shadow && !jobGone) {
    const lag =
      shadow.lagRecords !== undefined ? `, lag ${formatCount(shadow.lagRecords)} records` : '';
    const restarts =
      shadow.restarts !== undefined && shadow.restarts > 0
        ? `, ${plural(shadow.restarts, 'restart')}`
        : '';
    lines.push(`${escapeMrkdwn(shadow.state)}${restarts}${lag}`);
    if (shadow.failure) lines.push(`last exception: ${escapeMrkdwn(shadow.failure)}`);
  }
  return lines.join('\n');
}

function savepointsText(ev: Evolution): string {
  const line = (name: string, sp: SavepointRecord | undefined): string | undefined => {
    if (!sp) return undefined;
    if (sp.location) return `${name}: \`${sp.location}\``;
    return `${name}: in progress (trigger \`${sp.triggerId.slice(0, 8)}\`)`;
  };
  const lines = [line('S1 (v1)', ev.savepoints.s1), line('S2 (shadow)', ev.savepoints.s2)].filter(
    (l): l is string => l !== undefined,
  );
  return lines.length > 0 ? lines.join('\n') : 'none yet';
}

function backfillBlocks(ev: Evolution, running: boolean): KnownBlock[] {
  const run = ev.backfill;
  if (!run) return [];
  const lines: string[] = [];
  lines.push(...backfillProgressLines(run, running));
  lines.push(`Mode \`${run.mode}\` · run \`${run.runId}\``);
  if (run.report) lines.push(`${backfillSummaryText(run.report)}.`);
  if (run.error) lines.push(`:warning: ${escapeMrkdwn(run.error.message)}`);
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: 'backfill',
      text: { type: 'mrkdwn', text: `*Backfill*\n${lines.join('\n')}` },
    },
  ];
  if (running) blocks.push(backfillButtons(ev.id, run.paused));
  return blocks;
}

/**
 * The running phase with its bar and the sentence the thread shows; the final
 * figures once complete; nothing for a run that stopped without finishing
 * (its error says why, a 0% bar would say nothing).
 */
export function backfillProgressLines(run: BackfillRun, running: boolean): string[] {
  const p = run.progress;
  if (running && p?.stage !== undefined && p.done !== undefined && p.total !== undefined) {
    const shown = {
      stage: p.stage,
      done: p.done,
      total: p.total,
      ...(p.rate !== undefined ? { rate: p.rate } : {}),
      ...(p.etaSeconds !== undefined ? { etaSeconds: p.etaSeconds } : {}),
    };
    return [`\`${progressBar(p.done, p.total)}\``, backfillProgressText(shown, run.paused)];
  }
  if (running && p?.planned !== undefined && p.planned > 0) {
    // A record written before runs had phases.
    const written = `${p.emitted.toLocaleString('en-US')} of ${plural(p.planned, 'key', 'keys')} written`;
    return [`\`${progressBar(p.emitted, p.planned)}\``, written];
  }
  if (running) {
    const limit = `up to ${plural(run.rate, 'record', 'records')}/s`;
    return [run.paused ? `Starting, paused · ${limit}` : `Starting: reading offsets · ${limit}`];
  }
  if (run.report && p?.planned !== undefined && p.planned > 0)
    return [`\`${progressBar(p.emitted, p.planned)}\``];
  return [];
}

function backfillButtons(evolutionId: string, paused: boolean): ActionsBlock {
  const value = encodeBackfillValue({ evolutionId });
  const toggle: Button = paused
    ? {
        type: 'button',
        action_id: ACTION_IDS.resumeBackfill,
        text: { type: 'plain_text', text: 'Resume' },
        value,
        style: 'primary',
      }
    : {
        type: 'button',
        action_id: ACTION_IDS.pauseBackfill,
        text: { type: 'plain_text', text: 'Pause' },
        value,
      };
  const cancel: Button = {
    type: 'button',
    action_id: ACTION_IDS.cancelBackfill,
    text: { type: 'plain_text', text: 'Cancel' },
    value,
    style: 'danger',
    confirm: {
      title: { type: 'plain_text', text: 'Cancel the backfill?' },
      text: {
        type: 'mrkdwn',
        text: 'Records already written stay. You can start a new backfill later.',
      },
      confirm: { type: 'plain_text', text: 'Cancel backfill' },
      deny: { type: 'plain_text', text: 'Keep running' },
      style: 'danger',
    },
  };
  return { type: 'actions', block_id: 'backfill_controls', elements: [toggle, cancel] };
}

function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text }] };
}
