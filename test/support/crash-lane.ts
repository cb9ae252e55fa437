import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Runtime } from '../../src/app/create-runtime.js';
import { DEPLOY_STEPS, type Evolution } from '../../src/evolution/evolution.js';
import type { EvolutionStatus } from '../../src/evolution/evolution-status.js';
import { jobName } from '../../src/evolution/workflow/workflow-deps.js';
import type { FlinkRestClient } from '../../src/flink/flink-rest-client.js';

/** Waits for an evolution to reach `want`; a failure state ends the wait at once with its error. */
export async function untilStatus(
  rt: Runtime,
  id: string,
  want: EvolutionStatus,
  timeoutMs = 180_000,
): Promise<Evolution> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ev = await rt.workflow.evolutions.load(id);
    if (ev.status === want) return ev;
    if (
      ['FAILED', 'ROLLED_BACK', 'DEPLOY_FAILED', 'ABORTED'].includes(ev.status) ||
      Date.now() > deadline
    )
      throw new Error(
        `evolution ${id} is ${ev.status}, not ${want}${ev.error ? `: ${ev.error.step}: ${ev.error.message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Deploy step markers as one line: `stopShadow:done stopV1:intent recordCutover:- ...`. */
export function describeSteps(ev: Evolution): string {
  return DEPLOY_STEPS.filter((s) => s !== 'restartV1')
    .map((s) => {
      const m = ev.deploy?.steps[s];
      return `${s}:${m ? (m.doneAt !== undefined ? 'done' : 'intent') : '-'}`;
    })
    .join(' ');
}

/** The jobs of an evolution in Flink, by the pipeline.name the workflow gives them. */
export async function evolutionJobs(rest: FlinkRestClient, pipeline: string, evolutionId: string) {
  const [shadow, v2, rollback] = await Promise.all(
    (['shadow', 'v2', 'rollback'] as const).map((role) =>
      rest.findJobsByName(jobName(pipeline, evolutionId, role)),
    ),
  );
  return { shadow: shadow!, v2: v2!, rollback: rollback! };
}

/**
 * Savepoints Flink took of a job: the savepoint entries of its checkpoint
 * history, and the directories `savepoint-<job id prefix>-*` next to the one
 * Flink reports (when that folder is readable from here). The folder comes
 * from Flink, not from this checkout: the stack may be another checkout's.
 */
export async function savepointsOf(
  rest: FlinkRestClient,
  jobId: string,
): Promise<{ history: number; directories: number | undefined }> {
  const stats = await rest.getCheckpoints(jobId);
  const savepoints = stats.history.filter((c) => c.is_savepoint);
  const history = savepoints.length;
  const reported = savepoints.map((c) => c.external_path).find((p) => p?.startsWith('file:'));
  if (!reported) return { history, directories: undefined };
  const dir = dirname(fileURLToPath(reported));
  if (!existsSync(dir)) return { history, directories: undefined };
  const entries = await readdir(dir);
  const directories = entries.filter((e) => e.startsWith(`savepoint-${jobId.slice(0, 6)}-`)).length;
  return { history, directories };
}
