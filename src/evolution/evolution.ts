import type { ApprovalWarning } from './approval-warnings.js';
import type { EvolutionStatus } from './evolution-status.js';
import type { BackfillMode, ShadowStartupMode } from './pipeline.js';
import type { PipelineSnapshot } from './pipeline-snapshot.js';

export interface SqlVersion {
  sql: string;
  hash: string;
}

export interface SavepointRecord {
  /** Job the savepoint was taken of. */
  jobId: string;
  /** Chosen by us and persisted before the call, so a retry re-polls instead of re-triggering. */
  triggerId: string;
  location?: string;
  requestedAt: number;
  completedAt?: number;
}

export interface PartitionOffset {
  partition: number;
  /** Kafka offsets are int64: kept as decimal strings. */
  offset: string;
}

export type ApprovalDecisionKind = 'approved' | 'rejected';

export interface ApprovalRecord {
  requestedBy: string;
  /** Hash of the v2 SQL shown in the approval message; a click is bound to it. */
  shownSqlHash: string;
  requestedAt: number;
  expiresAt: number;
  decidedBy?: string;
  decision?: ApprovalDecisionKind;
  decidedAt?: number;
  /** The diff's projection shown to the approver; absent when the diff could not be read. */
  projected?: BackfillProjection;
  /** What the approval message warned about, kept so `status` and the CLI show the same. */
  warnings?: ApprovalWarning[];
}

/**
 * A run's outcome per key: refreshed + deleted + unchanged + ownedByV2 +
 * dropped + keptByMode + repaired = keys (PROD and TEMP keys at the run's
 * start). The fields after durationMs are absent in reports of older runs.
 */
export interface BackfillReport {
  refreshed: number;
  deleted: number;
  unchanged: number;
  /** Keys whose backfill record v2 had overwritten, written back with v2's value. */
  repaired: number;
  /** Keys whose latest record still differs from v2 after verification (goal: 0). */
  conflicts: number;
  durationMs: number;
  /** Keys v2 had written since the cutover when the run started: left alone. */
  ownedByV2?: number;
  /** Planned keys v2 wrote while the run was writing: not written. */
  dropped?: number;
  /** Keys a `refresh-only` run leaves although v2 has no value for them. */
  keptByMode?: number;
  /** Distinct keys of PROD and TEMP the run indexed. */
  keys?: number;
  /** Records the run wrote (refreshes, deletes and repairs), for its rate. */
  written?: number;
}

/** What the approval message projected for the backfill (from the diff when approval was requested). */
export interface BackfillProjection {
  upserts: number;
  deletes: number;
}

/** The run's phases in order: read both topics, write the plan, verify the production topic. */
export type BackfillStage = 'index' | 'emit' | 'verify';

export interface BackfillProgress {
  /** Keys written so far (the emit phase). */
  emitted: number;
  /** Keys planned, once every partition has been indexed. */
  planned?: number;
  updatedAt: number;
  /** The phase every partition has reached (absent in records written before phases). */
  stage?: BackfillStage;
  /** Done and total of that phase over all partitions; the total is fixed when it starts. */
  done?: number;
  total?: number;
  /** Records/s written over the last seconds (emit phase), never above the limit. */
  rate?: number;
  /** Seconds left in this phase, at the measured rate; absent when not known. */
  etaSeconds?: number;
}

export interface BackfillRun {
  runId: string;
  requestedBy: string;
  /** records/s, summed over all workers. */
  rate: number;
  mode: BackfillMode;
  startedAt: number;
  paused: boolean;
  progress?: BackfillProgress;
  report?: BackfillReport;
  finishedAt?: number;
  /** Last failure of a run; the evolution goes back to LIVE and the backfill can be started again. */
  error?: EvolutionError;
}

/** Deploy steps in order; the rollback step only runs after a failure. */
export const DEPLOY_STEPS = [
  'stopShadow',
  'stopV1',
  'recordCutover',
  'startV2',
  'verifyV2',
  'restartV1',
] as const;
export type DeployStep = (typeof DEPLOY_STEPS)[number];

export interface StepMarker {
  /** Written before the side effect: a resumed worker observes Flink/Kafka before acting again. */
  intentAt: number;
  doneAt?: number;
}

export interface DeployRecord {
  startedAt: number;
  steps: Partial<Record<DeployStep, StepMarker>>;
  /** Time production had no running job: v1 stopped -> v2 RUNNING. */
  cutoverGapMs?: number;
  finishedAt?: number;
}

/**
 * v1's answers at the cutover, kept for a rollback (DESIGN.md section 12):
 * PROD below C[p] copied into a compacted topic owned by the evolution, and
 * S1 not disposed, until the rollback window ends.
 */
export interface V1Snapshot {
  /** `<output>.evolve.<evolution-id>.v1`. */
  topic: string;
  /** End of the rollback window (ms): then S1 is disposed and the topic deleted. */
  until: number;
  /** Set once every partition below the cutover is copied: only then may a rollback start. */
  completedAt?: number;
  records?: number;
  /** When the window's end was acted on (S1 disposed, topic deleted). */
  disposedAt?: number;
  /** Why the copy could not be made (then no rollback of this evolution is possible). */
  error?: string;
  /**
   * The rollback of this evolution that went live and completed: what was
   * kept served it and can serve nothing else, so the window ended then
   * (`until`) instead of at its full length.
   */
  releasedBy?: string;
}

/** What a rollback evolution reverses and restores from. */
export interface RollbackOrigin {
  /** The evolution that went live and is rolled back. */
  evolutionId: string;
  /** Its S1: v1's state at that cutover, which the rollback's shadow restores. */
  savepoint: string;
  /** Its v1 snapshot: a key's value where the rollback's TEMP has none. */
  baseTopic: string;
  /**
   * When the base's keys TEMP lacks were appended to TEMP (after the deploy,
   * TEMP being static then): the backfill waits for it.
   */
  mergedAt?: number;
  /** Keys appended by that merge. */
  merged?: number;
  /** Why the merge could not be done (the backfill is refused with it). */
  mergeError?: string;
  /**
   * The reversed evolution's backfill had not finished when the rollback was
   * asked ('running': the request cancelled it; 'not-run': it was LIVE). The
   * request completed it all the same, so a rollback that ends without going
   * live leaves keys v2 has not written since that cutover as they were.
   */
  unfinishedBackfill?: 'running' | 'not-run';
}

/** An input topic's end offsets when v1 was stopped: S1's positions are at or below them. */
export interface InputOffsets {
  topic: string;
  offsets: PartitionOffset[];
}

export interface EvolutionError {
  code: string;
  message: string;
  /** Step or action that failed, e.g. 'startV2' or 'shadowFailed'. */
  step: string;
  at: number;
}

export interface Evolution {
  id: string;
  pipeline: string;
  v1: SqlVersion;
  v2: SqlVersion;
  requester: string;
  /** What the evolution depends on, as the pipeline was when it started (absent in older records). */
  snapshot?: PipelineSnapshot;
  slack: { channel: string; threadTs?: string; statusMessageTs?: string };
  status: EvolutionStatus;
  /** Incremented on every write; the store compares and sets it. */
  version: number;
  shadow: {
    jobId?: string;
    tempTopic: string;
    groupIds: string[];
    startupMode: ShadowStartupMode;
  };
  savepoints: { s1?: SavepointRecord; s2?: SavepointRecord };
  cutover?: {
    offsets: PartitionOffset[];
    recordedAt: number;
    /** v1's Kafka inputs when it stopped (absent when they could not be named, and in older records). */
    inputs?: InputOffsets[];
  };
  /** Kept after go-live for a rollback (absent in records written before rollbacks). */
  v1Snapshot?: V1Snapshot;
  /** Set on a rollback evolution: production goes back to `v2` (the old v1) from this. */
  rollbackOf?: RollbackOrigin;
  /** Set on an evolution a rollback reversed: the rollback's id. */
  rolledBackBy?: string;
  /** v2's production job, once submitted. */
  v2JobId?: string;
  /** v1 restarted from S1 by the automatic rollback. */
  rollbackJobId?: string;
  approval?: ApprovalRecord;
  backfill?: BackfillRun;
  deploy?: DeployRecord;
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
  error?: EvolutionError;
  /**
   * Set when the owner ended a live evolution without a backfill (/evolve
   * complete): v2 stays production; the cleanup step then removes TEMP.
   */
  completedWithoutBackfill?: { by: string; at: number };
  /** When the cleanup step after an abort ended (shadow and TEMP removed, or left to a human); until then the reconcile loop keeps its job queued. */
  cleanupEndedAt?: number;
}
