import type { Evolution } from '../evolution.js';
import type { FlinkJobState } from '../ports/flink-port.js';
import { jobName, type WorkflowDeps } from './workflow-deps.js';
import { loadPipelineFor } from '../pipeline-snapshot.js';

/** Job states after which nothing more runs: nothing to cancel. */
export const GONE: ReadonlySet<FlinkJobState> = new Set([
  'FAILED',
  'CANCELED',
  'FINISHED',
  'NOT_FOUND',
]);

/** Cancels the shadow if it still runs, deletes TEMP (ours by name and record) and the shadow's groups. */
export async function cleanupShadow(deps: WorkflowDeps, ev: Evolution): Promise<void> {
  const pipeline = await loadPipelineFor(deps.pipelines, ev);
  const flink = deps.flinkFor(pipeline);
  const kafka = deps.kafkaFor(pipeline);
  const shadow =
    ev.shadow.jobId ?? (await flink.findJobByName(jobName(pipeline.name, ev.id, 'shadow')))?.jobId;
  if (shadow && !GONE.has(await flink.jobState(shadow))) await flink.cancel(shadow);
  if (await kafka.topicExists(ev.shadow.tempTopic))
    await kafka.deleteTempTopic(ev.shadow.tempTopic);
  if (ev.shadow.groupIds.length > 0) await kafka.deleteConsumerGroups(ev.shadow.groupIds);
}
