import { EvolveError } from '../errors.js';
import type {
  Accepted,
  ApprovalClick,
  ApprovalOutcome,
  BackfillRequest,
  DevelopForm,
  DevelopRequest,
  DiffView,
  EvolutionRef,
  SlackCommands,
  HistoryView,
  InputIssue,
  PipelineSummary,
  SlackActor,
  StatusView,
} from './slack-commands.js';
import {
  parsePipelines,
  pipelineDefaultsFrom,
  PipelinesFileError,
} from '../config/pipelines-file.js';
import type { Config } from '../config/load-config.js';
import { mention, PermissionDeniedError } from '../evolution/evolution-errors.js';
import { registrationAnnouncement } from '../evolution/registration-announcement.js';
import { isPrincipalMember, type Pipeline } from '../evolution/pipeline.js';
import { isAdministrator } from '../evolution/registration-policy.js';
import { userText } from '../evolution/user-text.js';
import { SqlInvalidError } from '../flink/sql-invalid-error.js';
import type { Actor, EvolutionService } from '../service/evolution-service.js';
import { fetchSqlUrl } from '../service/fetch-sql-url.js';

export interface SlackCommandsAdapterDeps {
  service: EvolutionService;
  config: Pick<
    Config,
    'flink' | 'approvalTtlMs' | 'backfillDefaultRate' | 'sqlUrlAllowedHosts' | 'admins'
  >;
  /** Slack user groups (S…) of a user among the candidates; empty without Slack. */
  groupsOf(userId: string, candidates: readonly string[]): Promise<string[]>;
}

/**
 * The bot's view of the product: Slack's words (actors, refs, issues to
 * show inline) mapped onto the application service. Nothing here decides;
 * permissions, states and audit are the domain's.
 */
export class SlackCommandsAdapter implements SlackCommands {
  constructor(private readonly d: SlackCommandsAdapterDeps) {}

  /** The actor with the user groups that matter here: the pipeline's and the administrators'. */
  private async actor(actor: SlackActor, pipeline?: Pipeline): Promise<Actor> {
    const candidates = [
      ...(pipeline ? [...pipeline.owners, ...pipeline.approvers] : []),
      ...this.d.config.admins,
    ];
    return { id: actor.userId, groups: await this.d.groupsOf(actor.userId, candidates) };
  }

  private pipeline(name: string): Promise<Pipeline> {
    return this.d.service.pipelineNamed(name);
  }

  private async pipelineOf(ref: EvolutionRef): Promise<string> {
    if ('pipeline' in ref) return ref.pipeline;
    return (await this.d.service.evolution(ref.evolutionId)).pipeline;
  }

  async listPipelines(): Promise<readonly PipelineSummary[]> {
    const out: PipelineSummary[] = [];
    for (const p of await this.d.service.pipelines()) {
      const view = await this.d.service.status(p.name);
      const ev = view.evolution;
      out.push({
        name: p.name,
        outputTopic: p.kafka.outputTopic,
        owners: p.owners,
        approvers: p.approvers,
        ...(ev && view.active
          ? { active: { evolutionId: ev.id, status: ev.status, requester: ev.requester } }
          : {}),
      });
    }
    return out;
  }

  /** Who may open the register form: administrators, and owners (who may change a few fields). */
  async assertMayRegister(actor: SlackActor): Promise<void> {
    // One group lookup for every rule that could let them in: administrators and all owners.
    const owners = (await this.d.service.pipelines()).flatMap((p) => p.owners);
    const groups = await this.d.groupsOf(actor.userId, [...this.d.config.admins, ...owners]);
    const who = { actor: actor.userId, actorGroups: groups };
    if (isAdministrator(who, this.d.config.admins)) return;
    if (isPrincipalMember(owners, who.actor, who.actorGroups)) return;
    throw new PermissionDeniedError(
      actor.userId,
      '',
      this.d.config.admins.length > 0
        ? `Only administrators register pipelines (${this.d.config.admins.map(mention).join(', ')}); ask one of them.`
        : 'Only administrators register pipelines, and none is configured (EVOLVE_ADMINS): pipelines come from the pipelines file (EVOLVE_PIPELINES_FILE).',
    );
  }

  async checkPipelineYaml(actor: SlackActor, yaml: string): Promise<readonly InputIssue[]> {
    let pipelines: Pipeline[];
    try {
      pipelines = await this.parse(yaml);
    } catch (err) {
      if (err instanceof PipelinesFileError) return err.problems.map((message) => ({ message }));
      throw err;
    }
    const issues: InputIssue[] = [];
    for (const p of pipelines) {
      const reason = await this.d.service.registrationIssue(p, await this.actor(actor, p));
      if (reason !== undefined) issues.push({ message: reason });
    }
    return issues;
  }

  async registerPipeline(actor: SlackActor, yaml: string): Promise<Accepted> {
    const pipelines = await this.parse(yaml);
    const done: string[] = [];
    for (const p of pipelines) {
      const known = await this.d.service.pipelineNamed(p.name).catch(() => undefined);
      const r = await this.d.service.register(p, await this.actor(actor, known ?? p));
      done.push(
        registrationAnnouncement(r, actor.userId) ?? `Pipeline \`${p.name}\` is unchanged.`,
      );
    }
    const text = done.join('\n');
    // Who changed which rule is everyone's business in the channel (DESIGN 10).
    return { text, announcement: text };
  }

  /** From Slack, SQL is inline only: nothing a user types is read from the bot's disk. */
  private parse(yaml: string): Promise<Pipeline[]> {
    return parsePipelines(yaml, {
      fileName: 'pipeline',
      defaults: pipelineDefaultsFrom(this.d.config),
    });
  }

  async developForm(actor: SlackActor, name: string): Promise<DevelopForm> {
    const pipeline = await this.pipeline(name);
    await this.d.service.assertMayDevelop(pipeline, await this.actor(actor, pipeline));
    return {
      pipeline: pipeline.name,
      v1Sql: pipeline.production.sql,
      v1Hash: pipeline.production.sqlHash,
    };
  }

  async checkDevelopSql(
    actor: SlackActor,
    name: string,
    sql: string,
  ): Promise<readonly InputIssue[]> {
    const pipeline = await this.pipeline(name);
    const who = await this.actor(actor, pipeline);
    // checkSql refuses (and audits) a non-owner before it asks the gateway.
    try {
      const { outputTopic } = await this.d.service.checkSql(sql, pipeline, who);
      if (outputTopic !== undefined && outputTopic !== pipeline.kafka.outputTopic) {
        return [
          {
            message: `v2 writes to ${userText(outputTopic)}; pipeline ${name} must keep writing ${pipeline.kafka.outputTopic}, the topic its clients read.`,
          },
        ];
      }
      return [];
    } catch (err) {
      if (err instanceof SqlInvalidError)
        return err.positions.map((p) => ({ message: p.message, line: p.line, column: p.column }));
      if (err instanceof EvolveError) return [{ message: err.userMessage }];
      throw err;
    }
  }

  async startDevelop(actor: SlackActor, request: DevelopRequest): Promise<Accepted> {
    const pipeline = await this.pipeline(request.pipeline);
    const who = await this.actor(actor, pipeline);
    // Permission before the URL is fetched; with inline SQL develop() checks it before the gateway.
    if (request.sqlUrl !== undefined) await this.d.service.assertMayDevelop(pipeline, who);
    const sql =
      request.sql ??
      (request.sqlUrl !== undefined
        ? await fetchSqlUrl(request.sqlUrl, { allowedHosts: this.d.config.sqlUrlAllowedHosts })
        : undefined);
    if (sql === undefined)
      throw new EvolveError(
        'INPUT_INVALID',
        'Give the v2 SQL: paste it in the modal, or use sql=<url>.',
      );
    const ev = await this.d.service.develop({
      pipeline: pipeline.name,
      sql,
      actor: who,
      channel: actor.channelId,
    });
    return {
      text: `Evolution ${ev.id} started: the shadow job will write to ${ev.shadow.tempTopic}. Progress is in the thread.`,
      evolutionId: ev.id,
    };
  }

  async status(actor: SlackActor, name: string): Promise<StatusView> {
    const view = await this.d.service.status(name);
    const ev = view.active ? view.evolution : undefined;
    // Live details ask Flink and Kafka: only for the pipeline's people, and only when there is a shadow.
    const inspect =
      ev?.shadow.jobId !== undefined &&
      this.d.service.mayInspect(view.pipeline, await this.actor(actor, view.pipeline));
    const shadow = inspect ? await this.d.service.watchedShadowHealth(ev) : undefined;
    const warnings = ev?.status === 'AWAITING_APPROVAL' ? ev.approval?.warnings : undefined;
    return {
      pipeline: name,
      ...(ev ? { evolution: ev } : {}),
      ...(shadow ? { shadow } : {}),
      ...(warnings && warnings.length > 0 ? { warnings } : {}),
    };
  }

  async diff(actor: SlackActor, name: string): Promise<DiffView> {
    const pipeline = await this.pipeline(name);
    const who = await this.actor(actor, pipeline);
    const report = await this.d.service.diff(name, who);
    const evolution = await this.d.service.active(name);
    const shadow = await this.d.service.watchedShadowHealth(evolution);
    const warnings = await this.d.service.approvalWarnings(evolution, report, shadow);
    return {
      evolution,
      report,
      warnings,
      backfillMode: (await this.d.service.pipelineFor(evolution)).backfill.mode,
      ...(shadow ? { shadow } : {}),
    };
  }

  async requestDeploy(actor: SlackActor, name: string): Promise<Accepted> {
    const pipeline = await this.pipeline(name);
    const { evolution, diff, shadow, warnings } = await this.d.service.requestDeploy(
      name,
      await this.actor(actor, pipeline),
    );
    return {
      text: `Approval requested for ${evolution.id}; an approver decides in the thread.`,
      evolutionId: evolution.id,
      // The facts the approval message shows, computed once.
      approvalRequest: {
        evolution,
        warnings,
        backfillMode: (await this.d.service.pipelineFor(evolution)).backfill.mode,
        ...(diff ? { report: diff } : {}),
        ...(shadow ? { shadow } : {}),
      },
    };
  }

  async decideApproval(actor: SlackActor, click: ApprovalClick): Promise<ApprovalOutcome> {
    const ev = await this.d.service.evolution(click.evolutionId);
    const pipeline = await this.pipeline(ev.pipeline);
    const after = await this.d.service.decide({
      evolutionId: click.evolutionId,
      shownSqlHash: click.sqlHash,
      actor: await this.actor(actor, pipeline),
      decision: click.decision,
    });
    const a = after.approval;
    return {
      evolutionId: after.id,
      decision: a?.decision ?? (click.decision === 'approve' ? 'approved' : 'rejected'),
      decidedBy: a?.decidedBy ?? actor.userId,
      decidedAt: a?.decidedAt ?? Date.now(),
    };
  }

  async startBackfill(actor: SlackActor, request: BackfillRequest): Promise<Accepted> {
    const pipeline = await this.pipeline(request.pipeline);
    const ev = await this.d.service.startBackfill(
      request.pipeline,
      await this.actor(actor, pipeline),
      {
        ...(request.rate !== undefined ? { rate: request.rate } : {}),
        ...(request.mode !== undefined ? { mode: request.mode } : {}),
      },
    );
    return {
      text: `Backfill ${ev.backfill?.runId} started at ${ev.backfill?.rate} records/s (${ev.backfill?.mode}).`,
      evolutionId: ev.id,
    };
  }

  private async control(
    actor: SlackActor,
    target: EvolutionRef,
    verb: 'pause' | 'resume' | 'cancel',
  ): Promise<Accepted> {
    const name = await this.pipelineOf(target);
    const pipeline = await this.pipeline(name);
    const ev = await this.d.service[verb](name, await this.actor(actor, pipeline));
    const done = { pause: 'paused', resume: 'resumed', cancel: 'cancelled' }[verb];
    return { text: `Backfill of ${name} ${done}.`, evolutionId: ev.id };
  }

  async throttleBackfill(actor: SlackActor, target: EvolutionRef, rate: number): Promise<Accepted> {
    const name = await this.pipelineOf(target);
    const pipeline = await this.pipeline(name);
    const ev = await this.d.service.throttle(name, await this.actor(actor, pipeline), rate);
    return {
      text: `Backfill of ${name} now at ${ev.backfill?.rate} records/s.`,
      evolutionId: ev.id,
    };
  }

  pauseBackfill(actor: SlackActor, target: EvolutionRef): Promise<Accepted> {
    return this.control(actor, target, 'pause');
  }

  resumeBackfill(actor: SlackActor, target: EvolutionRef): Promise<Accepted> {
    return this.control(actor, target, 'resume');
  }

  cancelBackfill(actor: SlackActor, target: EvolutionRef): Promise<Accepted> {
    return this.control(actor, target, 'cancel');
  }

  async complete(actor: SlackActor, name: string): Promise<Accepted> {
    const pipeline = await this.pipeline(name);
    const ev = await this.d.service.complete(name, await this.actor(actor, pipeline));
    return {
      text: `Evolution ${ev.id} completed without a backfill: v2 stays production, ${ev.shadow.tempTopic} is being deleted (the thread says when).`,
      evolutionId: ev.id,
    };
  }

  async abort(actor: SlackActor, name: string): Promise<Accepted> {
    const pipeline = await this.pipeline(name);
    const ev = await this.d.service.abort(name, await this.actor(actor, pipeline));
    return {
      text: `Evolution ${ev.id} aborted: the shadow job and ${ev.shadow.tempTopic} are being removed (the thread says when). Production was not touched.`,
      evolutionId: ev.id,
    };
  }

  async rollback(actor: SlackActor, name: string): Promise<Accepted> {
    const pipeline = await this.pipeline(name);
    const ev = await this.d.service.rollback({
      pipeline: name,
      actor: await this.actor(actor, pipeline),
      channel: actor.channelId,
    });
    return {
      text: `Rollback ${ev.id} of ${ev.rollbackOf?.evolutionId} started: v1 is restored from S1 as a shadow writing to ${ev.shadow.tempTopic}; then /evolve deploy ${name} asks for an approval. Progress is in the thread.`,
      evolutionId: ev.id,
    };
  }

  async history(_actor: SlackActor, name: string): Promise<HistoryView> {
    const h = await this.d.service.history(name);
    return { pipeline: name, evolutions: h.evolutions };
  }
}
