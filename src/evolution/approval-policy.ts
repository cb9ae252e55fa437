import type { Evolution } from './evolution.js';
import type { Pipeline } from './pipeline.js';
import { isPrincipalMember } from './pipeline.js';
import { mention } from './evolution-errors.js';
import { shortHash } from './sql-hash.js';

export interface ApprovalAttempt {
  actor: string;
  /** Slack user groups the actor belongs to (S… ids), looked up by the caller. */
  actorGroups?: readonly string[];
  /** Hash carried by the button that was clicked: what the approver actually saw. */
  shownSqlHash: string;
  now: number;
  decision?: 'approve' | 'reject';
}

export type ApprovalDecision = { allowed: true } | { allowed: false; reason: string };

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * What is wrong with approving this evolution now, judged from the evolution
 * alone (state of the request, stale message, expiry); undefined when nothing.
 * The transition table applies it too, so an approval read before a
 * concurrent change is checked again on the record being written.
 */
export function approvalStateIssue(
  ev: Evolution,
  shownSqlHash: string,
  now: number,
): string | undefined {
  const approval = ev.approval;
  if (!approval) return 'no deploy was requested; run /evolve deploy first';
  if (shownSqlHash !== ev.v2.hash || shownSqlHash !== approval.shownSqlHash) {
    return (
      `the message you clicked shows SQL ${shortHash(shownSqlHash)} but evolution ${ev.id} would deploy ` +
      `${shortHash(ev.v2.hash)}; use the latest approval message`
    );
  }
  if (now >= approval.expiresAt) {
    return (
      `the approval request expired at ${iso(approval.expiresAt)}; ` +
      `${mention(approval.requestedBy)} can request it again with /evolve deploy ${ev.pipeline}`
    );
  }
  return undefined;
}

/**
 * Invariant 5: promotion only by an authorized approver who is not the
 * requester (unless the pipeline allows it), bound to the SQL that was shown,
 * before expiry, and only while the request is pending.
 */
export function decideApproval(
  pipeline: Pipeline,
  evolution: Evolution,
  attempt: ApprovalAttempt,
): ApprovalDecision {
  const refuse = (reason: string): ApprovalDecision => ({ allowed: false, reason });
  const decision = attempt.decision ?? 'approve';
  const verb = decision === 'approve' ? 'approve' : 'reject';
  if (evolution.pipeline !== pipeline.name) {
    return refuse(
      `Evolution ${evolution.id} belongs to pipeline '${evolution.pipeline}', not '${pipeline.name}'.`,
    );
  }
  if (!isPrincipalMember(pipeline.approvers, attempt.actor, attempt.actorGroups)) {
    return refuse(
      `${mention(attempt.actor)} is not an approver of pipeline '${pipeline.name}' and cannot ${verb} ` +
        `${evolution.id}. Ask one of: ${pipeline.approvers.map(mention).join(', ')}.`,
    );
  }
  if (evolution.status !== 'AWAITING_APPROVAL') {
    const a = evolution.approval;
    if (a?.decision && a.decidedBy && a.decidedAt !== undefined) {
      return refuse(
        `Evolution ${evolution.id} was already ${a.decision} by ${mention(a.decidedBy)} at ${iso(a.decidedAt)}; ` +
          `it is now ${evolution.status}.`,
      );
    }
    return refuse(`Evolution ${evolution.id} is ${evolution.status}; no approval is pending.`);
  }
  if (decision === 'reject') return { allowed: true };
  const requesters = new Set([evolution.requester, evolution.approval?.requestedBy]);
  if (requesters.has(attempt.actor) && !pipeline.allowSelfApproval) {
    return refuse(
      `${mention(attempt.actor)} requested evolution ${evolution.id} and cannot approve it too: ` +
        `pipeline '${pipeline.name}' requires another approver.`,
    );
  }
  const issue = approvalStateIssue(evolution, attempt.shownSqlHash, attempt.now);
  return issue === undefined
    ? { allowed: true }
    : refuse(`Cannot approve ${evolution.id}: ${issue}.`);
}
