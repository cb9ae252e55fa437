import type { AuditLog } from '../ports/audit-log.js';
import type { Clock } from '../ports/clock.js';
import type { EvolutionRepository } from '../ports/evolution-repository.js';
import type { FlinkPort } from '../ports/flink-port.js';
import type { KafkaPort } from '../ports/kafka-port.js';
import type { Notifier } from '../ports/notifier.js';
import type { PipelineRegistry } from '../ports/pipeline-registry.js';
import type { ShadowPlanner } from '../ports/shadow-planner.js';
import type { Pipeline } from '../pipeline.js';

/**
 * What the step workflows need. Flink and Kafka are per pipeline (each
 * pipeline names its own cluster endpoints), so they come from factories.
 */
export interface WorkflowDeps {
  evolutions: EvolutionRepository;
  pipelines: PipelineRegistry;
  audit: AuditLog;
  clock: Clock;
  flinkFor(pipeline: Pick<Pipeline, 'flink'>): FlinkPort;
  kafkaFor(pipeline: Pipeline): KafkaPort;
  notifier: Notifier;
  shadowPlanner: ShadowPlanner;
  /** A fresh Flink savepoint trigger id (32 hex chars). */
  newTriggerId(): string;
  /** How long v2 (or the shadow, or a rolled-back v1) may take to reach RUNNING. */
  runningTimeoutMs: number;
  /** How long v2 must then stay RUNNING, without a restart or failure, to count as up (0: not watched). */
  stableMs: number;
  /**
   * EVOLVE_ROLLBACK_WINDOW: how long after a cutover S1 and v1's answers are
   * kept for a rollback, unless the pipeline sets its own (0: not kept).
   */
  rollbackWindowMs?: number;
}

/** Flink `pipeline.name` of each job an evolution submits: how a resumed step finds it. */
export function jobName(
  pipeline: string,
  evolutionId: string,
  role: 'shadow' | 'v2' | 'rollback',
): string {
  return `evolve/${pipeline}/${evolutionId}/${role}`;
}
