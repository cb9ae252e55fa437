import { describe, expect, it } from 'vitest';
import { runAbort } from '../../../src/evolution/workflow/run-abort.js';
import { cleanupGaveUp, runCleanup } from '../../../src/evolution/workflow/run-cleanup.js';
import { runDevelop } from '../../../src/evolution/workflow/run-develop.js';
import { FlinkUnreachableError } from '../../../src/flink/flink-errors.js';
import { workflowWorld } from '../../support/workflow-world.js';

describe('abort and its cleanup step', () => {
  it('abort records the decision; the cleanup step stops the shadow and deletes TEMP and its groups, once', async () => {
    const w = await workflowWorld();
    const developed = await runDevelop(w.deps, w.evolution.id);
    const shadow = developed.shadow.jobId!;
    const ev = await runAbort(w.deps, developed.id, 'U0OWNER1', { reason: 'wrong join' });
    expect(ev.status).toBe('ABORTED');
    // Only the decision so far: a crash here leaves the work to the queued cleanup step.
    expect(w.flink.jobs.get(shadow)?.state).toBe('RUNNING');
    expect(w.kafka.topics.has(ev.shadow.tempTopic)).toBe(true);
    expect(w.notifier.milestones.at(-1)?.text).toMatch(/^Aborted by <@U0OWNER1> \(wrong join\)/);

    await runCleanup(w.deps, ev.id);
    expect(w.flink.jobs.get(shadow)?.state).toBe('CANCELED');
    expect(w.kafka.topics.has(ev.shadow.tempTopic)).toBe(false);
    expect([...w.kafka.groups]).not.toContain(ev.shadow.groupIds[0]);
    expect(w.notifier.milestones.at(-1)?.text).toContain(`${ev.shadow.tempTopic} deleted`);
    // Run again (a retried or duplicated job): nothing left to do, nothing fails.
    await expect(runCleanup(w.deps, ev.id)).resolves.toMatchObject({ status: 'ABORTED' });
    expect(w.flink.jobs.get(w.v1JobId)?.state, 'production untouched').toBe('RUNNING');
  });

  it('cleans only an aborted evolution', async () => {
    const w = await workflowWorld();
    const developed = await runDevelop(w.deps, w.evolution.id);
    const ev = await runCleanup(w.deps, developed.id);
    expect(ev.status).toBe('SHADOW_RUNNING');
    expect(w.flink.jobs.get(developed.shadow.jobId!)?.state).toBe('RUNNING');
    expect(w.kafka.topics.has(developed.shadow.tempTopic)).toBe(true);
  });

  it('an abort while develop is starting the shadow leaves no shadow and no TEMP, whichever runs first', async () => {
    const w = await workflowWorld();
    const submit = w.flink.submitJob.bind(w.flink);
    // The abort and its cleanup land while the submit is in flight: the
    // cleanup finds no shadow yet, then the submit completes.
    w.flink.submitJob = async (sql, config) => {
      await runAbort(w.deps, w.evolution.id, 'U0OWNER1');
      await runCleanup(w.deps, w.evolution.id);
      return submit(sql, config);
    };
    const ev = await runDevelop(w.deps, w.evolution.id);
    expect(ev.status).toBe('ABORTED');
    expect(w.flink.submissions).toBe(1);
    expect(w.flink.running().map((j) => j.config['pipeline.name'])).toEqual(['revenue-v1']);
    expect(w.kafka.topics.has(ev.shadow.tempTopic)).toBe(false);
    // A develop job that runs again after the abort (crash, retry) cleans too and starts nothing.
    w.kafka.addTopic(ev.shadow.tempTopic);
    await runDevelop(w.deps, ev.id);
    expect(w.kafka.topics.has(ev.shadow.tempTopic)).toBe(false);
    expect(w.flink.submissions).toBe(1);
  });

  it('a cleanup that outlasts its retries says what is left to remove by hand', async () => {
    const w = await workflowWorld();
    const developed = await runDevelop(w.deps, w.evolution.id);
    await runAbort(w.deps, developed.id, 'U0OWNER1');
    const outage = new FlinkUnreachableError(
      'Flink REST API',
      'http://jm:8081',
      'GET /jobs/overview',
      3,
      'ECONNREFUSED',
    );
    await cleanupGaveUp(w.deps, developed.id, outage);
    const last = w.notifier.milestones.at(-1)!;
    expect(last.kind).toBe('failed');
    expect(last.text).toContain(`cancel the shadow job ${developed.shadow.jobId}`);
    expect(last.text).toContain(`delete the topic ${developed.shadow.tempTopic}`);
  });
});
