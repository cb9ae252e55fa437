import type { ActionsBlock, KnownBlock } from '@slack/types';
import { createTwoFilesPatch } from 'diff';
import type { Evolution } from '../../evolution/evolution.js';
import { mention } from '../../evolution/evolution-errors.js';
import type { BackfillMode } from '../../evolution/pipeline.js';
import { shortHash } from '../../evolution/sql-hash.js';
import {
  approvalWarnings,
  DEFAULT_LAG_THRESHOLD,
  type ApprovalWarning,
} from '../../evolution/approval-warnings.js';
import { plural } from '../../evolution/plural.js';
import type { ApprovalOutcome, DiffReportView, ShadowHealth } from '../slack-commands.js';
import { ACTION_IDS, encodeApprovalValue } from './action-ids.js';
import { formatCount, slackDate } from './format.js';
import { TRUNCATION_MARK, codeBlock, escapeMrkdwn, fitMessage, fitText } from './slack-limits.js';
import type { SlackMessage } from './status-card.js';

export interface ApprovalMessageInput {
  evolution: Evolution;
  now: number;
  shadow?: ShadowHealth;
  report?: DiffReportView;
  /** Backfill mode the deploy will be followed by; refresh-only never deletes. */
  backfillMode?: BackfillMode;
  /** Without buttons: the same facts for `/evolve diff`. */
  withButtons?: boolean;
  /**
   * The domain's warnings as the service computed them (with both sinks and
   * the lag threshold); without them, those the report and shadow alone give.
   */
  warnings?: readonly ApprovalWarning[];
}

export interface ApprovalMessage extends SlackMessage {
  /** The whole SQL diff, to upload as a file when it did not fit in the message. */
  diffFile?: { filename: string; content: string };
}

/** Above this the diff goes to a file and the message shows its beginning. */
const INLINE_DIFF_CHARS = 2500;
const SAMPLES_SHOWN = 5;
export const APPROVAL_ACTIONS_BLOCK = 'approval_actions';

export function sqlDiff(ev: Evolution): string {
  const patch = createTwoFilesPatch(
    `v1.sql (${shortHash(ev.v1.hash)})`,
    `v2.sql (${shortHash(ev.v2.hash)})`,
    ev.v1.sql.endsWith('\n') ? ev.v1.sql : `${ev.v1.sql}\n`,
    ev.v2.sql.endsWith('\n') ? ev.v2.sql : `${ev.v2.sql}\n`,
  );
  // The library opens with a row of '=' (an svn-style index line): noise above `--- v1.sql`.
  return patch.replace(/^=+\n/, '');
}

/** What an approver needs to decide, with Approve/Reject bound to the v2 hash shown. */
export function approvalMessage(input: ApprovalMessageInput): ApprovalMessage {
  const { evolution: ev, report, shadow } = input;
  const diff = sqlDiff(ev);
  const large = diff.length > INLINE_DIFF_CHARS;
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: 'approval_title',
      text: {
        type: 'mrkdwn',
        text: `${titleOf(input)}\nv1 \`${shortHash(ev.v1.hash)}\` → v2 \`${shortHash(ev.v2.hash)}\``,
      },
    },
    {
      type: 'section',
      block_id: 'sql_diff',
      text: {
        type: 'mrkdwn',
        text: large
          ? codeBlock(`${diff.slice(0, INLINE_DIFF_CHARS)}\n${TRUNCATION_MARK}`)
          : codeBlock(diff),
      },
    },
    { type: 'section', block_id: 'shadow', text: { type: 'mrkdwn', text: shadowLine(shadow) } },
    ...reportBlocks(report, input.backfillMode ?? 'full'),
  ];
  const warnings = input.warnings ?? warningsOf(input);
  if (warnings.length > 0) {
    blocks.push({
      type: 'section',
      block_id: 'warnings',
      text: {
        type: 'mrkdwn',
        text: warnings.map((w) => `:warning: ${escapeMrkdwn(w.text)}`).join('\n'),
      },
    });
  }
  const asDiff = input.withButtons === false;
  if (ev.approval && !asDiff)
    blocks.push(context(`Request expires ${slackDate(ev.approval.expiresAt)}`));
  if (!asDiff) blocks.push(decisionButtons(ev));
  return {
    text: asDiff
      ? `Diff of v2 for ${ev.pipeline} (${ev.id})`
      : ev.rollbackOf
        ? `Approval needed: roll ${ev.pipeline} back to the v1 of ${ev.rollbackOf.evolutionId} (${ev.id})`
        : `Approval needed: deploy v2 of ${ev.pipeline} (${ev.id})`,
    blocks: fitMessage(blocks),
    ...(large ? { diffFile: { filename: `${ev.pipeline}-${ev.id}.diff`, content: diff } } : {}),
  };
}

/** An approval request asks; `/evolve diff` (no buttons) only shows. */
function titleOf(input: ApprovalMessageInput): string {
  const ev = input.evolution;
  const rollback = ev.rollbackOf
    ? `\n:rewind: *This is a rollback* of \`${ev.rollbackOf.evolutionId}\`: production goes back to that evolution's v1 (shown as v2 below; the diff reads current production → v1), restored from its S1, and the backfill restores v1's answers in the output topic.`
    : '';
  if (input.withButtons === false)
    return `*Diff of v2 for \`${ev.pipeline}\`*: evolution \`${ev.id}\`, started by ${mention(ev.requester)}.${rollback}`;
  return (
    `*${ev.rollbackOf ? 'Roll back' : 'Deploy v2 of'} \`${ev.pipeline}\`?* Evolution \`${ev.id}\`, requested by ` +
    `${mention(ev.approval?.requestedBy ?? ev.requester)}.${rollback}`
  );
}

/** What Approve's confirmation says will happen. */
function confirmText(ev: Evolution): string {
  if (ev.rollbackOf)
    return `v2 stops with a savepoint and the v1 of \`${ev.rollbackOf.evolutionId}\` (\`${shortHash(ev.v2.hash)}\`, restored from its S1) takes over \`${ev.pipeline}\`'s output topic. If it does not start, v2 is restarted automatically.`;
  return `v1 stops with a savepoint and v2 \`${shortHash(ev.v2.hash)}\` takes over \`${ev.pipeline}\`'s output topic. If v2 does not start, v1 is restarted automatically.`;
}

/** After a decision the buttons give way to who decided and when, so nobody clicks a stale request. */
export function withApprovalDecision(
  blocks: readonly KnownBlock[],
  outcome: ApprovalOutcome,
): KnownBlock[] {
  const verdict =
    outcome.decision === 'approved'
      ? `:white_check_mark: Approved by ${mention(outcome.decidedBy)} ${slackDate(outcome.decidedAt)}`
      : `:no_entry_sign: Rejected by ${mention(outcome.decidedBy)} ${slackDate(outcome.decidedAt)}`;
  const decided: KnownBlock = {
    type: 'context',
    block_id: 'approval_decision',
    elements: [{ type: 'mrkdwn', text: verdict }],
  };
  const replaced = blocks.map((b) => (b.block_id === APPROVAL_ACTIONS_BLOCK ? decided : b));
  if (!replaced.includes(decided)) replaced.push(decided);
  return fitMessage(replaced);
}

/** For a message drawn without the service's warnings (an entry queued by an older version). */
function warningsOf({ report, shadow, backfillMode }: ApprovalMessageInput): ApprovalWarning[] {
  return approvalWarnings({
    ...(report ? { diff: report.counts } : {}),
    backfillMode: backfillMode ?? 'full',
    ...(shadow ? { shadow } : {}),
    lagThreshold: DEFAULT_LAG_THRESHOLD,
  });
}

function shadowLine(shadow: ShadowHealth | undefined): string {
  if (!shadow) return '*Shadow* health unknown';
  const parts = [`*Shadow* ${escapeMrkdwn(shadow.state)}`];
  if (shadow.lagRecords !== undefined) parts.push(`lag ${formatCount(shadow.lagRecords)} records`);
  if (shadow.lastCheckpointAt !== undefined)
    parts.push(`last checkpoint ${slackDate(shadow.lastCheckpointAt)}`);
  if (shadow.restarts !== undefined) parts.push(plural(shadow.restarts, 'restart'));
  return parts.join(' · ');
}

function reportBlocks(report: DiffReportView | undefined, mode: BackfillMode): KnownBlock[] {
  if (!report) return [];
  const c = report.counts;
  const upserts = c.changed + c.onlyTemp;
  const deletes = mode === 'full' ? c.onlyProduction : 0;
  const samples = (label: string, keys: readonly string[]) =>
    keys.length === 0
      ? ''
      : `\n_${label}_: ${keys
          .slice(0, SAMPLES_SHOWN)
          .map((k) => `\`${escapeMrkdwn(fitText(k, 80, '…'))}\``)
          .join(', ')}`;
  return [
    {
      type: 'section',
      block_id: 'diff_report',
      fields: [
        { type: 'mrkdwn', text: `*Same*\n${formatCount(c.same)}` },
        { type: 'mrkdwn', text: `*Changed*\n${formatCount(c.changed)}` },
        {
          type: 'mrkdwn',
          text: `*Only in v1 (would be deleted)*\n${formatCount(c.onlyProduction)}`,
        },
        { type: 'mrkdwn', text: `*Only in v2 (new)*\n${formatCount(c.onlyTemp)}` },
      ],
    },
    {
      type: 'section',
      block_id: 'projection',
      text: {
        type: 'mrkdwn',
        text:
          `*Backfill projection* (${mode}): ${formatCount(upserts)} upserts, ${formatCount(deletes)} deletes` +
          samples('changed', report.samples.changed) +
          samples('deleted', mode === 'full' ? report.samples.onlyProduction : []) +
          samples('new', report.samples.onlyTemp),
      },
    },
  ];
}

function decisionButtons(ev: Evolution): ActionsBlock {
  const value = encodeApprovalValue({
    evolutionId: ev.id,
    sqlHash: ev.approval?.shownSqlHash ?? ev.v2.hash,
  });
  return {
    type: 'actions',
    block_id: APPROVAL_ACTIONS_BLOCK,
    elements: [
      {
        type: 'button',
        action_id: ACTION_IDS.approve,
        text: { type: 'plain_text', text: 'Approve' },
        style: 'primary',
        value,
        confirm: {
          title: {
            type: 'plain_text',
            text: ev.rollbackOf ? 'Roll back production?' : 'Deploy v2 to production?',
          },
          text: { type: 'mrkdwn', text: confirmText(ev) },
          confirm: { type: 'plain_text', text: 'Approve and deploy' },
          deny: { type: 'plain_text', text: 'Not yet' },
        },
      },
      {
        type: 'button',
        action_id: ACTION_IDS.reject,
        text: { type: 'plain_text', text: 'Reject' },
        style: 'danger',
        value,
      },
    ],
  };
}

function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text }] };
}
