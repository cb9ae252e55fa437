import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { EvolveError } from '../errors.js';
import { plural } from '../evolution/plural.js';
import type { AuditEvent } from '../evolution/audit-event.js';
import type { DisplayState } from '../evolution/display-state.js';
import type { Evolution } from '../evolution/evolution.js';
import type { BackfillMode, Pipeline } from '../evolution/pipeline.js';
import { assertMayInspect, mayInspect } from '../evolution/access.js';
import {
  ConcurrentUpdateError,
  EvolutionConflictError,
  PermissionDeniedError,
} from '../evolution/evolution-errors.js';
import { loadPipelineFor } from '../evolution/pipeline-snapshot.js';
import { assertMayAct } from '../evolution/permissions.js';
import { PIPELINES_FILE_ACTOR } from '../evolution/registration-policy.js';
import type { TransitionOptions } from '../evolution/ports/evolution-repository.js';
import { assertSqlEvolves, startEvolution } from '../evolution/start-evolution.js';
import { rollbackOrigin } from '../evolution/rollback-policy.js';
import { isPrincipalMember } from '../evolution/pipeline.js';
import { updateLatest } from '../evolution/update-latest.js';
import { planRollback } from './start-rollback.js';
import { userText } from '../evolution/user-text.js';
import { runAbort } from '../evolution/workflow/run-abort.js';
import type { WorkflowDeps } from '../evolution/workflow/workflow-deps.js';
import { TokenBucket } from '../kafka/token-bucket.js';
import type { TopicAdmin } from '../kafka/topic-admin.js';
import { backfillFlow } from '../jobs/backfill-flow.js';
import {
  approvalWarnings,
  DEFAULT_LAG_THRESHOLD,
  type ApprovalWarning,
} from '../evolution/approval-warnings.js';
import { decideApproval } from '../evolution/approval-policy.js';
import type { ShadowHealth } from '../evolution/shadow-health.js';
import { assertShadowHealthy, readShadowHealth } from './read-shadow-health.js';
import { diffTopics, type DiffReport } from '../kafka/diff-report.js';
import type { EvolveQueues } from '../jobs/evolve-queues.js';
import {
  registerPipeline,
  registrationIssue,
  type RegistrarDeps,
  type Registration,
} from './register-pipeline.js';
import { RedisKeys } from '../store/redis-keys.js';
import { registrationAnnouncement } from '../evolution/registration-announcement.js';
import { EvolutionReader } from './evolution-reader.js';
import { releaseRolledBack } from '../evolution/workflow/release-rolled-back.js';

export type { Registration } from './register-pipeline.js';

export interface Actor {
  id: string;
  groups?: readonly string[];
  /** Where a non-Slack actor acted from (`cli <os user>@<host>`), for the audit. */
  origin?: string;
}

export interface EvolutionServiceDeps {
  workflow: WorkflowDeps;
  queues: EvolveQueues;
  redis: Redis;
  keyPrefix: string;
  kafka: Kafka;
  admin: TopicAdmin;
  /** EVOLVE_ADMINS: who registers pipelines and changes their rules. */
  admins: readonly string[];
  /**
   * Parses v2's SQL and dry-runs it (EXPLAIN); throws SqlInvalidError or the
   * planner's error, and returns the topic the script writes.
   */
  validateSql(sql: string, pipeline: Pipeline): Promise<{ outputTopic: string | undefined }>;
  /** EVOLVE_OBSERVE_LAG_THRESHOLD: a shadow lag at or below it is normal and does not warn. */
  lagThreshold?: number;
  /** Posts a line in a channel, outside any thread (through the Slack writer). */
  announce?: (channel: string, text: string) => Promise<void>;
}

/** What a deploy request recorded, with the facts its approval message shows. */
export interface DeployRequest {
  evolution: Evolution;
  diff?: DiffReport;
  shadow?: ShadowHealth;
  warnings: ApprovalWarning[];
}

/** States in which the shadow is the job under evaluation, so Flink's view of it is the news. */
const SHADOW_WATCHED: ReadonlySet<string> = new Set(['SHADOW_RUNNING', 'AWAITING_APPROVAL']);

export interface StatusView {
  pipeline: Pipeline;
  /** The active evolution, or else the most recent one. */
  evolution?: Evolution;
  /** True when `evolution` is the active one. */
  active: boolean;
  state?: DisplayState;
}

function transitionOptions(actor: Actor): TransitionOptions {
  return {
    ...(actor.groups ? { actorGroups: actor.groups } : {}),
    ...(actor.origin ? { origin: actor.origin } : {}),
  };
}

/**
 * What a person can ask of flink-evolve, from Slack or the CLI alike: each
 * method checks input before any side effect, changes state only through
 * the domain's transitions (audited, permission-checked) and hands long
 * work to the queues.
 */
export class EvolutionService {
  private readonly reader: EvolutionReader;

  constructor(private readonly d: EvolutionServiceDeps) {
    this.reader = new EvolutionReader(d.workflow);
  }

  private get w(): WorkflowDeps {
    return this.d.workflow;
  }

  pipelines(): Promise<Pipeline[]> {
    return this.reader.pipelines();
  }

  /**
   * Parses and dry-runs a v2 script for someone who may develop it; returns
   * the topic it writes. The permission comes first: the dry run calls the
   * pipeline's SQL Gateway.
   */
  async checkSql(
    sql: string,
    pipeline: Pipeline,
    actor: Actor,
  ): Promise<{ outputTopic: string | undefined }> {
    await this.assertMayDevelop(pipeline, actor);
    assertSqlEvolves(pipeline, sql);
    return this.d.validateSql(sql, pipeline);
  }

  /**
   * Refuses, before the editor opens: someone who may not develop (owners
   * only; audited like any other refusal, DESIGN 10), and a pipeline whose
   * active evolution must end first (the refusal says how).
   */
  async assertMayDevelop(pipeline: Pipeline, actor: Actor): Promise<void> {
    try {
      assertMayAct(pipeline, 'develop', { actor: actor.id, actorGroups: actor.groups });
      const active = await this.w.evolutions.activeFor(pipeline.name);
      if (active) throw new EvolutionConflictError(active);
    } catch (err) {
      if (err instanceof PermissionDeniedError)
        await this.auditRefusal(err, actor, {
          evolutionId: '',
          pipeline: pipeline.name,
          action: 'develop',
        });
      throw err;
    }
  }

  /** True when the actor may see live details (Flink, Kafka) of the pipeline. */
  mayInspect(pipeline: Pipeline, actor: Actor): boolean {
    return mayInspect(pipeline, { actor: actor.id, actorGroups: actor.groups }, this.d.admins);
  }

  pipelineNamed(name: string): Promise<Pipeline> {
    return this.w.pipelines.load(name);
  }

  /** The pipeline as this evolution runs it (its snapshot laid over the stored pipeline). */
  pipelineFor(ev: Evolution): Promise<Pipeline> {
    return loadPipelineFor(this.w.pipelines, ev);
  }

  evolution(id: string): Promise<Evolution> {
    return this.w.evolutions.load(id);
  }

  /**
   * The shadow as seen now: its Flink job state, restarts (with the last
   * exception when it failed or restarted) and how many input records it is
   * behind (summed over its source groups and topics).
   */
  async shadowHealth(ev: Evolution): Promise<ShadowHealth> {
    const flink = this.w.flinkFor(await loadPipelineFor(this.w.pipelines, ev));
    return readShadowHealth(ev, flink, this.d.admin);
  }

  /** The shadow's health while it is the job under evaluation; undefined otherwise or when Flink does not answer. */
  async watchedShadowHealth(ev: Evolution | undefined): Promise<ShadowHealth | undefined> {
    if (!ev?.shadow.jobId || !SHADOW_WATCHED.has(ev.status)) return undefined;
    return this.shadowHealth(ev).catch(() => undefined);
  }

  /** The approver's warnings for this evolution, from the diff, the two scripts' sinks and the shadow. */
  async approvalWarnings(
    ev: Evolution,
    diff: DiffReport | undefined,
    shadow: ShadowHealth | undefined,
  ): Promise<ApprovalWarning[]> {
    const pipeline = await loadPipelineFor(this.w.pipelines, ev);
    // The SQL parser loads on first use: status and the listing never need it.
    const { sinkSchemaOf } = await import('../flink/sink-schema-of.js');
    const v1Sink = sinkSchemaOf(ev.v1.sql);
    const v2Sink = sinkSchemaOf(ev.v2.sql);
    return approvalWarnings({
      ...(diff ? { diff: diff.counts } : {}),
      backfillMode: pipeline.backfill.mode,
      ...(v1Sink ? { v1Sink } : {}),
      ...(v2Sink ? { v2Sink } : {}),
      ...(shadow ? { shadow } : {}),
      lagThreshold: this.d.lagThreshold ?? DEFAULT_LAG_THRESHOLD,
    });
  }

  /** A job's state on the pipeline's Flink cluster ('NOT_FOUND' when Flink does not know it). */
  async jobState(ev: Evolution, jobId: string): Promise<string> {
    return this.w.flinkFor(await loadPipelineFor(this.w.pipelines, ev)).jobState(jobId);
  }

  /** Why this actor may not register `next` as it is (the refusal is audited), or undefined. */
  async registrationIssue(next: Pipeline, actor: Actor): Promise<string | undefined> {
    return registrationIssue(this.registrar, next, actor);
  }

  /**
   * Registers a pipeline or changes a known one, if the actor may; accepted
   * or refused, the attempt is audited with every field before and after.
   */
  async register(
    next: Pipeline,
    actor: Actor,
    o: { announceFrom?: 'the CLI' | 'the pipelines file' } = {},
  ): Promise<Registration> {
    const r = await registerPipeline(this.registrar, next, actor);
    // The Slack form announces in the channel it was opened from; the other
    // paths in the pipeline's own channel, when it names one (DESIGN 10).
    const channel = r.pipeline.slackChannel;
    const text =
      o.announceFrom &&
      registrationAnnouncement(r, actor.id, o.announceFrom === 'the CLI' ? 'the CLI' : undefined);
    if (channel && text) await this.d.announce?.(channel, text);
    return r;
  }

  private get registrar(): RegistrarDeps {
    return { ...this.w, admins: this.d.admins };
  }

  /**
   * The GitOps path: pipelines from EVOLVE_PIPELINES_FILE at start (whoever
   * controls that file is an administrator). Still audited, and still refused
   * when it would change what an active evolution depends on.
   */
  async registerFromFile(pipeline: Pipeline): Promise<Pipeline> {
    return (
      await this.register(
        pipeline,
        { id: PIPELINES_FILE_ACTOR },
        { announceFrom: 'the pipelines file' },
      )
    ).pipeline;
  }

  async active(pipelineName: string): Promise<Evolution> {
    await this.w.pipelines.load(pipelineName);
    const ev = await this.w.evolutions.activeFor(pipelineName);
    if (!ev) {
      throw new EvolveError(
        'EVOLUTION_NOT_FOUND',
        `Pipeline ${pipelineName} has no evolution in progress. Start one with /evolve develop ${pipelineName}.`,
      );
    }
    return ev;
  }

  /** Checks v2's SQL, then records the evolution and queues the develop step. */
  async develop(input: {
    pipeline: string;
    sql: string;
    actor: Actor;
    channel: string;
  }): Promise<Evolution> {
    const pipeline = await this.w.pipelines.load(input.pipeline);
    const { outputTopic } = await this.checkSql(input.sql, pipeline, input.actor);
    if (outputTopic !== undefined && outputTopic !== pipeline.kafka.outputTopic) {
      throw new EvolveError(
        'SQL_INVALID',
        `v2 writes to topic ${userText(outputTopic)}, but pipeline ${pipeline.name} writes ${pipeline.kafka.outputTopic}, and its clients read that topic. Make v2's INSERT target the same topic.`,
      );
    }
    let ev = await startEvolution(
      { evolutions: this.w.evolutions, audit: this.w.audit },
      {
        pipeline,
        v2Sql: input.sql,
        requester: input.actor.id,
        actorGroups: input.actor.groups,
        ...(input.actor.origin ? { origin: input.actor.origin } : {}),
        slack: { channel: input.channel },
        clock: this.w.clock,
      },
    );
    const thread = await this.w.notifier.ensureThread(ev);
    ev = await this.w.evolutions.update(ev.id, ev.version, (cur) => ({
      ...cur,
      slack: { ...cur.slack, ...thread },
    }));
    await this.d.queues.step('develop', ev.id);
    return ev;
  }

  /**
   * `/evolve rollback`: production back to the v1 of the pipeline's newest
   * evolution that went live (DESIGN.md section 12). Everything is checked
   * first (owner, the domain's refusals, the inputs' retention), audited
   * when refused, and nothing changes then. Allowed: a LIVE evolution is
   * completed (a running backfill cancelled first), and a new evolution
   * starts whose v2 is the old v1, its shadow restored from that S1; from
   * there it is an evolution like any other (approval, deploy, backfill).
   */
  async rollback(input: { pipeline: string; actor: Actor; channel: string }): Promise<Evolution> {
    const pipeline = await this.w.pipelines.load(input.pipeline);
    const start = (target: Evolution | undefined, refusal?: string) =>
      startEvolution(
        { evolutions: this.w.evolutions, audit: this.w.audit },
        {
          pipeline,
          v2Sql: target?.v1.sql ?? pipeline.production.sql,
          requester: input.actor.id,
          actorGroups: input.actor.groups,
          ...(input.actor.origin ? { origin: input.actor.origin } : {}),
          slack: { channel: input.channel },
          clock: this.w.clock,
          verb: 'rollback' as const,
          ...(refusal
            ? { refusal: { code: 'ROLLBACK_REFUSED' as const, message: refusal } }
            : { rollbackOf: rollbackOrigin(target!) }),
        },
      );
    // Permission before Kafka is asked anything: a stranger's request is
    // refused (and audited) by the same path as any start.
    if (!isPrincipalMember(pipeline.owners, input.actor.id, input.actor.groups))
      return start(undefined, 'not an owner');
    const plan = await planRollback(this.w, pipeline);
    const target = plan.target;
    if (plan.refusal || !target) return start(target, plan.refusal ?? 'no target');
    if (target.status === 'BACKFILLING') await this.cancel(pipeline.name, input.actor);
    if (target.status !== 'COMPLETED') await this.complete(pipeline.name, input.actor);
    let ev = await start(target);
    const reversed = await updateLatest(this.w.evolutions, target.id, (cur) => ({
      ...cur,
      rolledBackBy: ev.id,
    }));
    await this.w.notifier.postMilestone(reversed, {
      kind: 'info',
      text: `<@${input.actor.id}> asked to roll this evolution back: ${ev.id} returns production to its v1 (after an approval).`,
    });
    const thread = await this.w.notifier.ensureThread(ev);
    ev = await this.w.evolutions.update(ev.id, ev.version, (cur) => ({
      ...cur,
      slack: { ...cur.slack, ...thread },
    }));
    await this.w.notifier.postMilestone(ev, {
      kind: 'info',
      text: `Rollback of ${target.id} requested by <@${input.actor.id}>: v1 (sql ${target.v1.hash.slice(0, 12)}) restored from S1 (${ev.rollbackOf!.savepoint}) catches up on the inputs since the cutover into ${ev.shadow.tempTopic}; keys it does not write get v1's answer at the cutover from ${ev.rollbackOf!.baseTopic}.`,
    });
    await this.d.queues.step('develop', ev.id);
    return ev;
  }

  /**
   * Records a deploy request and gathers what its approval message shows. A
   * shadow Flink does not run now is refused first, with nothing recorded;
   * for someone who may not ask, the transition refuses (and audits) as before,
   * and Flink is not asked.
   */
  async requestDeploy(pipelineName: string, actor: Actor): Promise<DeployRequest> {
    const current = await this.active(pipelineName);
    // What the evolution snapshotted at its start (approvers, topic, endpoints), like its steps.
    const pipeline = await loadPipelineFor(this.w.pipelines, current);
    let shadow: ShadowHealth | undefined;
    if (this.mayAct(pipeline, 'requestApproval', actor) && SHADOW_WATCHED.has(current.status)) {
      shadow = await this.shadowHealth(current);
      await this.auditedShadowCheck(current, shadow, 'requestApproval', actor);
    }
    let evolution = await this.w.evolutions.transition(
      current.id,
      { type: 'requestApproval', shownSqlHash: current.v2.hash, ttlMs: pipeline.approvalTtlMs },
      actor.id,
      transitionOptions(actor),
    );
    const diff = await this.diffOf(evolution).catch(() => undefined);
    // Kept with the request: the warnings, so `status` and the CLI's approve show what the
    // approval message showed; the diff's projection, so the backfill's completion can be
    // compared with what was shown.
    const warnings = await this.approvalWarnings(evolution, diff, shadow);
    const c = diff?.counts;
    const projected = c && {
      upserts: c.changed + c.onlyTemp,
      deletes: pipeline.backfill.mode === 'full' ? c.onlyProduction : 0,
    };
    const requested = evolution;
    // An approver quick enough to change the record first wins: the request stands (it was
    // recorded above), only status and the completion then lack these facts.
    evolution = await this.w.evolutions
      .update(evolution.id, evolution.version, (cur) => ({
        ...cur,
        ...(cur.approval
          ? { approval: { ...cur.approval, warnings, ...(projected ? { projected } : {}) } }
          : {}),
      }))
      .catch((err: unknown) => {
        if (err instanceof ConcurrentUpdateError) return requested;
        throw err;
      });
    return { evolution, warnings, ...(diff ? { diff } : {}), ...(shadow ? { shadow } : {}) };
  }

  private mayAct(pipeline: Pipeline, action: 'requestApproval', actor: Actor): boolean {
    try {
      assertMayAct(pipeline, action, { actor: actor.id, actorGroups: actor.groups });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The keys v2 would change. It samples keys of the production topic, so
   * it is for owners, approvers and administrators, checked before Kafka is read.
   */
  async diff(pipelineName: string, actor: Actor): Promise<DiffReport> {
    const pipeline = await this.w.pipelines.load(pipelineName);
    assertMayInspect(
      pipeline,
      { actor: actor.id, actorGroups: actor.groups },
      this.d.admins,
      'the diff of its output topic',
    );
    return this.diffOf(await this.active(pipelineName));
  }

  private async diffOf(ev: Evolution): Promise<DiffReport> {
    // TEMP holds only what v1 changed since the cutover: against PROD it would
    // call every other key a delete. The backfill compares each key with v1's answer.
    if (ev.rollbackOf)
      throw new EvolveError(
        'INPUT_INVALID',
        `${ev.id} is a rollback: its keys are compared by its backfill (v1's answer at the cutover from ${ev.rollbackOf.baseTopic}, or what v1 wrote since), not by a diff of TEMP against the output topic.`,
      );
    const pipeline = await loadPipelineFor(this.w.pipelines, ev);
    return diffTopics(this.d.kafka, this.d.admin, pipeline.kafka.outputTopic, ev.shadow.tempTopic);
  }

  /** An Approve or Reject click, bound to the SQL hash the message showed. */
  async decide(input: {
    evolutionId: string;
    shownSqlHash: string;
    actor: Actor;
    decision: 'approve' | 'reject';
  }): Promise<Evolution> {
    if (input.decision === 'approve') await this.assertApprovableShadow(input);
    const action =
      input.decision === 'approve'
        ? { type: 'approve' as const, shownSqlHash: input.shownSqlHash }
        : { type: 'reject' as const };
    const ev = await this.w.evolutions.transition(
      input.evolutionId,
      action,
      input.actor.id,
      transitionOptions(input.actor),
    );
    if (ev.status === 'DEPLOYING') await this.d.queues.step('deploy', ev.id);
    await this.w.notifier.updateStatusCard(ev);
    return ev;
  }

  /**
   * A shadow that stopped running since the request was made cannot give the
   * deploy its savepoint: an approval that would be allowed is refused now,
   * with the reason, before anything is recorded. Whoever may not approve
   * anyway hears that from the transition (audited), without a call to Flink.
   */
  private async assertApprovableShadow(input: {
    evolutionId: string;
    shownSqlHash: string;
    actor: Actor;
  }): Promise<void> {
    const ev = await this.w.evolutions.load(input.evolutionId);
    const pipeline = await loadPipelineFor(this.w.pipelines, ev);
    const allowed = decideApproval(pipeline, ev, {
      actor: input.actor.id,
      ...(input.actor.groups ? { actorGroups: input.actor.groups } : {}),
      shownSqlHash: input.shownSqlHash,
      now: this.w.clock.now(),
    }).allowed;
    if (allowed && ev.shadow.jobId)
      await this.auditedShadowCheck(ev, await this.shadowHealth(ev), 'approve', input.actor);
  }

  /** A refusal for the shadow's health is an attempt like any other: audited, then thrown. */
  private async auditedShadowCheck(
    ev: Evolution,
    health: ShadowHealth,
    action: 'requestApproval' | 'approve',
    actor: Actor,
  ): Promise<void> {
    try {
      assertShadowHealthy(ev, health, action === 'approve' ? 'approve' : 'request a deploy of');
    } catch (err) {
      if (err instanceof EvolveError)
        await this.auditRefusal(err, actor, {
          evolutionId: ev.id,
          pipeline: ev.pipeline,
          action,
          before: ev.status,
        });
      throw err;
    }
  }

  /** A refusal decided here rather than by a transition (which audits its own). */
  private async auditRefusal(
    err: EvolveError,
    actor: Actor,
    what: Pick<AuditEvent, 'evolutionId' | 'pipeline' | 'action' | 'before'>,
  ): Promise<void> {
    await this.w.audit.append({
      ...what,
      actor: actor.id,
      accepted: false,
      reason: err.userMessage,
      code: err.code,
      at: this.w.clock.now(),
      ...(actor.origin ? { origin: actor.origin } : {}),
    });
  }

  async startBackfill(
    pipelineName: string,
    actor: Actor,
    options: { rate?: number; mode?: BackfillMode } = {},
  ): Promise<Evolution> {
    const current = await this.active(pipelineName);
    const pipeline = await loadPipelineFor(this.w.pipelines, current);
    if (!current.cutover) {
      throw new EvolveError(
        'TRANSITION_REFUSED',
        `Evolution ${current.id} has no cutover offsets; a backfill needs a completed deploy.`,
      );
    }
    const runId = `${current.id}-${randomBytes(3).toString('hex')}`;
    const rate = options.rate ?? pipeline.backfill.rate;
    const mode = options.mode ?? pipeline.backfill.mode;
    const ev = await this.w.evolutions.transition(
      current.id,
      { type: 'startBackfill', runId, rate, mode },
      actor.id,
      transitionOptions(actor),
    );
    const keys = new RedisKeys(this.d.keyPrefix).backfillRun(runId);
    await new TokenBucket(this.d.redis, keys.bucket).configure({ rate });
    const partitions = current.cutover.offsets.length;
    // Should this process die here, the reconcile loop queues the same flow from the record.
    const flow = backfillFlow(ev, pipeline.kafka.outputTopic);
    await this.d.queues.startBackfill(flow.parent, flow.children);
    await this.w.notifier.postMilestone(ev, {
      kind: 'info',
      text: `Backfill ${runId} started by <@${actor.id}>: ${mode}, ${plural(rate, 'record', 'records')}/s over ${plural(partitions, 'partition', 'partitions')}.`,
    });
    await this.w.notifier.updateStatusCard(ev);
    return ev;
  }

  async throttle(pipelineName: string, actor: Actor, rate: number): Promise<Evolution> {
    const current = await this.active(pipelineName);
    const ev = await this.w.evolutions.transition(
      current.id,
      { type: 'throttleBackfill', rate },
      actor.id,
      transitionOptions(actor),
    );
    await this.bucket(ev).setRate(rate);
    await this.w.notifier.updateStatusCard(ev);
    return ev;
  }

  async pause(pipelineName: string, actor: Actor): Promise<Evolution> {
    const current = await this.active(pipelineName);
    const ev = await this.w.evolutions.transition(
      current.id,
      { type: 'pauseBackfill' },
      actor.id,
      transitionOptions(actor),
    );
    await this.bucket(ev).pause();
    await this.w.notifier.updateStatusCard(ev);
    return ev;
  }

  async resume(pipelineName: string, actor: Actor): Promise<Evolution> {
    const current = await this.active(pipelineName);
    const ev = await this.w.evolutions.transition(
      current.id,
      { type: 'resumeBackfill' },
      actor.id,
      transitionOptions(actor),
    );
    await this.bucket(ev).resume();
    await this.w.notifier.updateStatusCard(ev);
    return ev;
  }

  /** Stops the run at the next chunk; it can be started again (it compares before it writes). */
  async cancel(pipelineName: string, actor: Actor): Promise<Evolution> {
    const current = await this.active(pipelineName);
    const ev = await this.w.evolutions.transition(
      current.id,
      { type: 'cancelBackfill' },
      actor.id,
      transitionOptions(actor),
    );
    if (current.backfill)
      await this.d.redis.set(
        new RedisKeys(this.d.keyPrefix).backfillRun(current.backfill.runId).cancel,
        '1',
        'PX',
        7 * 24 * 3600_000,
      );
    await this.w.notifier.postMilestone(ev, {
      kind: 'info',
      text: `Backfill cancelled by <@${actor.id}>. Start it again with /evolve backfill ${pipelineName}, or end the evolution without one with /evolve complete ${pipelineName}.`,
    });
    await this.w.notifier.updateStatusCard(ev);
    return ev;
  }

  /**
   * Ends a live evolution without a backfill: v2 stays production, keys it
   * has not written since the cutover keep v1's values. TEMP is removed by
   * the retried cleanup step (the reconcile loop queues it too, should this
   * process die right after the transition).
   */
  async complete(pipelineName: string, actor: Actor): Promise<Evolution> {
    const current = await this.active(pipelineName);
    const ev = await this.w.evolutions.transition(
      current.id,
      { type: 'complete' },
      actor.id,
      transitionOptions(actor),
    );
    await this.w.notifier.postMilestone(ev, {
      kind: 'info',
      text: `Completed without a backfill by <@${actor.id}>: v2 stays production; keys v2 has not written since the cutover keep v1's values. ${ev.shadow.tempTopic} is deleted next.`,
    });
    await this.w.notifier.updateStatusCard(ev);
    await releaseRolledBack(this.w, ev);
    await this.d.queues.step('cleanup', ev.id);
    await this.d.queues.unwatch(ev.id);
    return ev;
  }

  async abort(pipelineName: string, actor: Actor, reason?: string): Promise<Evolution> {
    const current = await this.active(pipelineName);
    const ev = await runAbort(this.w, current.id, actor.id, {
      ...transitionOptions(actor),
      reason,
    });
    // The shadow and TEMP are removed by a retried step; the reconcile loop
    // queues it too for an ABORTED evolution, should this process die right here.
    await this.d.queues.step('cleanup', ev.id);
    await this.d.queues.unwatch(ev.id);
    return ev;
  }

  status(pipelineName: string): Promise<StatusView> {
    return this.reader.status(pipelineName);
  }

  history(
    pipelineName: string,
    limit = 10,
  ): Promise<{ evolutions: Evolution[]; audit: AuditEvent[] }> {
    return this.reader.history(pipelineName, limit);
  }

  private bucket(ev: Evolution): TokenBucket {
    if (!ev.backfill)
      throw new EvolveError('TRANSITION_REFUSED', `Evolution ${ev.id} has no backfill run.`);
    return new TokenBucket(
      this.d.redis,
      new RedisKeys(this.d.keyPrefix).backfillRun(ev.backfill.runId).bucket,
    );
  }
}
