import type { BackfillMode } from '../evolution/pipeline.js';
import type { Evolution } from '../evolution/evolution.js';
import type { EvolutionStatus } from '../evolution/evolution-status.js';
import type { ApprovalDecisionKind } from '../evolution/evolution.js';
import type { ApprovalWarning } from '../evolution/approval-warnings.js';
import type { ShadowHealth } from '../evolution/shadow-health.js';

/**
 * What the Slack listeners call. One method per /evolve verb, plus the
 * approval decision, the backfill buttons and the modal submissions. The
 * workflow side implements it (enqueueing jobs); listeners ack first and
 * then call exactly one method. Methods throw EvolveError (its userMessage
 * is shown to the person, ephemeral) for anything the person can fix,
 * including the domain's PermissionDeniedError and ApprovalRefusedError.
 */
export interface SlackCommands {
  listPipelines(actor: SlackActor): Promise<readonly PipelineSummary[]>;

  /** Refuses (PermissionDeniedError) someone who may not register or change any pipeline, before the form opens. */
  assertMayRegister(actor: SlackActor): Promise<void>;
  /** Fast check for the register form (must answer well within Slack's 3 s). */
  checkPipelineYaml(actor: SlackActor, yaml: string): Promise<readonly InputIssue[]>;
  registerPipeline(actor: SlackActor, yaml: string): Promise<Accepted>;

  /** What the develop form is prefilled with: v1's SQL as production runs it. */
  developForm(actor: SlackActor, pipeline: string): Promise<DevelopForm>;
  /**
   * Fast syntax check of the v2 SQL for inline modal errors (parser only, no
   * gateway round trip). Positions are 1-based, as an editor shows them.
   */
  checkDevelopSql(actor: SlackActor, pipeline: string, sql: string): Promise<readonly InputIssue[]>;
  /** Starts the evolution (the thread appears in actor.channelId); `sqlUrl` is fetched from allow-listed hosts only. */
  startDevelop(actor: SlackActor, request: DevelopRequest): Promise<Accepted>;

  status(actor: SlackActor, pipeline: string): Promise<StatusView>;
  diff(actor: SlackActor, pipeline: string): Promise<DiffView>;
  /** Records the request; the bot then posts the approval message (Approve/Reject) in the thread. */
  requestDeploy(actor: SlackActor, pipeline: string): Promise<Accepted>;
  decideApproval(actor: SlackActor, decision: ApprovalClick): Promise<ApprovalOutcome>;

  startBackfill(actor: SlackActor, request: BackfillRequest): Promise<Accepted>;
  throttleBackfill(actor: SlackActor, target: EvolutionRef, rate: number): Promise<Accepted>;
  pauseBackfill(actor: SlackActor, target: EvolutionRef): Promise<Accepted>;
  resumeBackfill(actor: SlackActor, target: EvolutionRef): Promise<Accepted>;
  cancelBackfill(actor: SlackActor, target: EvolutionRef): Promise<Accepted>;

  /** Ends a LIVE evolution without a backfill; TEMP is removed next. */
  complete(actor: SlackActor, pipeline: string): Promise<Accepted>;
  abort(actor: SlackActor, pipeline: string): Promise<Accepted>;
  /** Starts the evolution back to the v1 of the newest evolution that went live. */
  rollback(actor: SlackActor, pipeline: string): Promise<Accepted>;
  history(actor: SlackActor, pipeline: string): Promise<HistoryView>;
}

/** Who clicked or typed, and where. Group membership is resolved by the service (see SlackGroupDirectory). */
export interface SlackActor {
  userId: string;
  channelId: string;
  teamId?: string;
}

/** Commands name a pipeline (its active evolution); buttons carry the evolution id they were drawn for. */
export type EvolutionRef = { pipeline: string } | { evolutionId: string };

/** The short confirmation shown to the person who asked; progress follows in the thread. */
export interface Accepted {
  text: string;
  evolutionId?: string;
  /**
   * For requestDeploy: what the approval message shows (the evolution as
   * just transitioned, with the diff report and shadow health already
   * computed). Without it the bot asks diff() for the same facts.
   */
  approvalRequest?: DiffView;
  /** Posted in the channel for everyone (a registration: who changed which rule). */
  announcement?: string;
}

export interface InputIssue {
  message: string;
  line?: number;
  column?: number;
}

export interface DevelopForm {
  pipeline: string;
  v1Sql: string;
  v1Hash: string;
}

export interface DevelopRequest {
  pipeline: string;
  sql?: string;
  sqlUrl?: string;
}

export interface BackfillRequest {
  pipeline: string;
  rate?: number;
  mode?: BackfillMode;
}

/** A click on Approve or Reject, bound to the SQL hash the message showed. */
export interface ApprovalClick {
  evolutionId: string;
  sqlHash: string;
  decision: 'approve' | 'reject';
}

export interface ApprovalOutcome {
  evolutionId: string;
  decision: ApprovalDecisionKind;
  decidedBy: string;
  decidedAt: number;
}

export interface PipelineSummary {
  name: string;
  outputTopic: string;
  owners: readonly string[];
  approvers: readonly string[];
  active?: { evolutionId: string; status: EvolutionStatus; requester: string };
}

/** The shadow job as the service observed it just now. */
export type { ShadowHealth } from '../evolution/shadow-health.js';

/** Counts and sample keys of v1's output against v2's TEMP (same shape as the Kafka diff report). */
export interface DiffReportView {
  counts: { same: number; changed: number; onlyProduction: number; onlyTemp: number };
  samples: { same: string[]; changed: string[]; onlyProduction: string[]; onlyTemp: string[] };
}

export interface StatusView {
  pipeline: string;
  /** Undefined when the pipeline has no active evolution. */
  evolution?: Evolution;
  shadow?: ShadowHealth;
  /** What the pending approval request warned about (AWAITING_APPROVAL only). */
  warnings?: readonly ApprovalWarning[];
}

export interface DiffView {
  evolution: Evolution;
  shadow?: ShadowHealth;
  report?: DiffReportView;
  /** The pipeline's backfill mode: refresh-only projects no deletes. */
  backfillMode?: BackfillMode;
  /** The domain's approval warnings for these facts (approval-warnings.ts). */
  warnings?: readonly ApprovalWarning[];
}

export interface HistoryView {
  pipeline: string;
  /** Newest first. */
  evolutions: readonly Evolution[];
}
