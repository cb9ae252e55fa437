import type { Evolution } from '../evolution/evolution.js';
import { loadPipelineFor } from '../evolution/pipeline-snapshot.js';
import type { WorkflowDeps } from '../evolution/workflow/workflow-deps.js';
import type { TopicAdmin } from '../kafka/topic-admin.js';
import type { KeptObservations } from './kept-observations.js';
import { observationChanges } from './observation-changes.js';
import { lastFailure, milestoneOf } from './observation-milestone.js';
import { observeJob, watchedJob, type WatchedRole } from './observe-job.js';

export interface ObserverDeps {
  workflow: Pick<WorkflowDeps, 'pipelines' | 'flinkFor' | 'notifier'>;
  kept: KeptObservations;
  /** Reads the shadow's consumer lag behind its inputs. */
  admin: Pick<TopicAdmin, 'consumerLag'>;
  /** Input records above which the shadow counts as behind (EVOLVE_OBSERVE_LAG_THRESHOLD). */
  lagThreshold: number;
}

export interface ObserveResult {
  watched?: WatchedRole;
  state?: string;
  restarts?: number;
  lagRecords?: number;
}

/**
 * One look at an active evolution's watched job, in three moves: observe
 * (Flink's state and restarts, the shadow's lag), compare with the kept
 * look (observationChanges decides which changes count), act (each change
 * becomes a milestone in the thread, then the card). Only the look that
 * wins the compare-and-set acts, so overlapping looks never post twice.
 */
export async function observeEvolution(d: ObserverDeps, ev: Evolution): Promise<ObserveResult> {
  const watched = watchedJob(ev);
  if (!watched) return {};
  const flink = d.workflow.flinkFor(await loadPipelineFor(d.workflow.pipelines, ev));
  const reading = await observeJob(ev, watched, flink, d.admin);
  const { jobId: _read, ...figures } = reading;
  const result: ObserveResult = { watched: watched.role, ...figures };

  const { raw, previous } = await d.kept.load(ev.id, watched.role);
  const { observation, changes } = observationChanges(previous, reading, d.lagThreshold);
  const won = await d.kept.replace(ev.id, watched.role, raw, observation);
  if (!won || changes.length === 0) return result;

  const unhealthy = changes.some(
    (c) => c.kind === 'restarts' || (c.kind === 'state' && c.to !== 'RUNNING'),
  );
  const failure = unhealthy ? await lastFailure(() => flink.lastFailure(watched.jobId)) : undefined;
  for (const change of changes) {
    await d.workflow.notifier.postMilestone(
      ev,
      milestoneOf(change, {
        ev,
        role: watched.role,
        jobId: watched.jobId,
        failure,
        lagThreshold: d.lagThreshold,
      }),
    );
  }
  await d.workflow.notifier.updateStatusCard(ev);
  return result;
}
