/** Slack user id (U…/W…) or user group id (S…). */
export type SlackPrincipal = string;

export const KEY_FORMATS = ['raw', 'json', 'avro', 'string'] as const;
export type KeyFormat = (typeof KEY_FORMATS)[number];
export const SHADOW_STARTUP_MODES = ['earliest-offset', 'latest-offset', 'group-offsets'] as const;
export type ShadowStartupMode = (typeof SHADOW_STARTUP_MODES)[number];
export const BACKFILL_MODES = ['full', 'refresh-only'] as const;
export type BackfillMode = (typeof BACKFILL_MODES)[number];

export interface ProductionVersion {
  sql: string;
  sqlHash: string;
  flinkJobId: string;
  /** Savepoint the current production job was started from or last stopped with. */
  lastSavepoint?: string;
}

/** What an operator configures; the production version is owned by the system once registered. */
export interface PipelineConfig {
  name: string;
  flink: { restUrl: string; gatewayUrl: string };
  kafka: { outputTopic: string; keyFormat: KeyFormat };
  owners: readonly SlackPrincipal[];
  approvers: readonly SlackPrincipal[];
  allowSelfApproval: boolean;
  approvalTtlMs: number;
  /** How long after a cutover a rollback stays possible; absent: EVOLVE_ROLLBACK_WINDOW. */
  rollbackWindowMs?: number;
  shadowStartupMode: ShadowStartupMode;
  backfill: { rate: number; mode: BackfillMode };
  /**
   * Slack channel id (C…/G…) of the pipeline's threads when an evolution is
   * started outside Slack (the CLI); a command typed in Slack uses its channel.
   */
  slackChannel?: string;
}

export interface Pipeline extends PipelineConfig {
  production: ProductionVersion;
}

/** Pipeline names become Redis keys, topic names and Flink job names: keep them plain. */
export const PIPELINE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const USER_ID_PATTERN = /^[UW][A-Z0-9]{2,}$/;
export const GROUP_ID_PATTERN = /^S[A-Z0-9]{2,}$/;
export const CHANNEL_ID_PATTERN = /^[CG][A-Z0-9]{2,}$/;

/** True when the actor is listed by user id or belongs to a listed user group. */
export function isPrincipalMember(
  principals: readonly SlackPrincipal[],
  actor: string,
  actorGroups: readonly string[] = [],
): boolean {
  return principals.some(
    (p) => p === actor || (GROUP_ID_PATTERN.test(p) && actorGroups.includes(p)),
  );
}
