import type { Evolution } from './evolution.js';
import type { Pipeline, PipelineConfig } from './pipeline.js';
import type { PipelineRegistry } from './ports/pipeline-registry.js';

/**
 * What an evolution depends on, copied from its pipeline when it starts
 * (DESIGN 10): where production runs and writes, and who approves. Steps
 * read these from the evolution, so a later change of the pipeline (refused
 * while the evolution is active anyway) can never redirect a step.
 */
export interface PipelineSnapshot {
  flink: { restUrl: string; gatewayUrl: string };
  kafka: Pipeline['kafka'];
  approvers: readonly string[];
  allowSelfApproval: boolean;
}

export function snapshotOf(config: PipelineConfig): PipelineSnapshot {
  return {
    flink: { restUrl: config.flink.restUrl, gatewayUrl: config.flink.gatewayUrl },
    kafka: { outputTopic: config.kafka.outputTopic, keyFormat: config.kafka.keyFormat },
    approvers: [...config.approvers],
    allowSelfApproval: config.allowSelfApproval,
  };
}

/** The pipeline as the evolution saw it when it started (records without a snapshot: as it is). */
export function pipelineForEvolution(
  pipeline: Pipeline,
  ev: Pick<Evolution, 'snapshot'>,
): Pipeline {
  const s = ev.snapshot;
  if (!s) return pipeline;
  return {
    ...pipeline,
    flink: { ...s.flink },
    kafka: { ...s.kafka },
    approvers: [...s.approvers],
    allowSelfApproval: s.allowSelfApproval,
  };
}

/** Loads the evolution's pipeline with the evolution's snapshot over it. */
export async function loadPipelineFor(
  pipelines: Pick<PipelineRegistry, 'load'>,
  ev: Pick<Evolution, 'pipeline' | 'snapshot'>,
): Promise<Pipeline> {
  return pipelineForEvolution(await pipelines.load(ev.pipeline), ev);
}
