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
  EvolveService,
  HistoryView,
  InputIssue,
  PipelineSummary,
  ShadowHealth,
  SlackActor,
  StatusView,
} from '../bot/evolve-service.js';
import {
  parsePipelines,
  pipelineDefaultsFrom,
  PipelinesFileError,
} from '../config/pipelines-file.js';
import type { Config } from '../config/load-config.js';
import type { Evolution } from '../evolution/evolution.js';
import { assertMayAct } from '../evolution/permissions.js';
import type { Pipeline } from '../evolution/pipeline.js';
import { SqlInvalidError } from '../flink/sql-invalid-error.js';
import type { Actor, EvolutionService } from '../jobs/evolution-service.js';
import { fetchSqlUrl } from './fetch-sql-url.js';

export interface SlackEvolveServiceDeps {
  service: EvolutionService;
  config: Pick<Config, 'flink' | 'approvalTtlMs' | 'backfillDefaultRate' | 'sqlUrlAllowedHosts'>;
  /** Slack user groups (S…) of a user among the candidates; empty without Slack. */
  groupsOf(userId: string, candidates: readonly string[]): Promise<string[]>;
}

/**
 * The bot's view of the product: Slack's words (actors, refs, issues to
 * show inline) mapped onto the application service. Nothing here decides;
 * permissions, states and audit are the domain's.
 */
export class SlackEvolveService implements EvolveService {
  constructor(private readonly d: SlackEvolveServiceDeps) {}

  private async actor(actor: SlackActor, pipeline?: Pipeline): Promise<Actor> {
    const candidates = pipeline ? [...pipeline.owners, ...pipeline.approvers] : [];
    return { id: actor.userId, groups: await this.d.groupsOf(actor.userId, candidates) };
  }

  private async who(actor: SlackActor, pipeline: Pipeline) {
    const a = await this.actor(actor, pipeline);
    return { actor: a.id, actorGroups: a.groups ?? [] };
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

  async checkPipelineYaml(_actor: SlackActor, yaml: string): Promise<readonly InputIssue[]> {
    try {
      await this.parse(yaml);
      return [];
    } catch (err) {
      if (err instanceof PipelinesFileError) return err.problems.map((message) => ({ message }));
      throw err;
    }
  }

  async registerPipeline(actor: SlackActor, yaml: string): Promise<Accepted> {
    const pipelines = await this.parse(yaml);
    for (const p of pipelines) {
      // Registering changes who may evolve and approve: only an owner of the
      // known pipeline may, and a new one must name its registrant an owner.
      const known = await this.d.service.pipelineNamed(p.name).catch(() => undefined);
      const rules = known ?? p;
      assertMayAct(rules, 'develop', await this.who(actor, rules));
    }
    for (const p of pipelines) await this.d.service.register(p);
    return { text: `Registered ${pipelines.map((p) => p.name).join(', ')}.` };
  }

  private parse(yaml: string): Promise<Pipeline[]> {
    return parsePipelines(yaml, {
      fileName: 'pipeline',
      baseDir: process.cwd(),
      defaults: pipelineDefaultsFrom(this.d.config),
    });
  }

  async developForm(actor: SlackActor, name: string): Promise<DevelopForm> {
    const pipeline = await this.pipeline(name);
    assertMayAct(pipeline, 'develop', await this.who(actor, pipeline));
    return {
      pipeline: pipeline.name,
      v1Sql: pipeline.production.sql,
      v1Hash: pipeline.production.sqlHash,
    };
  }

  async checkDevelopSql(
    _actor: SlackActor,
    name: string,
    sql: string,
  ): Promise<readonly InputIssue[]> {
    const pipeline = await this.pipeline(name);
    try {
      const { outputTopic } = await this.d.service.validateSql(sql, pipeline);
      if (outputTopic !== undefined && outputTopic !== pipeline.kafka.outputTopic) {
        return [
          {
            message: `v2 writes to ${outputTopic}; pipeline ${name} must keep writing ${pipeline.kafka.outputTopic}, the topic its clients read.`,
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
      actor: await this.actor(actor, pipeline),
      channel: actor.channelId,
    });
    return {
      text: `Evolution ${ev.id} started: the shadow job will write to ${ev.shadow.tempTopic}. Progress is in the thread.`,
      evolutionId: ev.id,
    };
  }

  private async shadowHealth(ev: Evolution | undefined): Promise<ShadowHealth | undefined> {
    if (!ev?.shadow.jobId) return undefined;
    return this.d.service.shadowHealth(ev);
  }

  async status(_actor: SlackActor, name: string): Promise<StatusView> {
    const view = await this.d.service.status(name);
    const ev = view.active ? view.evolution : undefined;
    const shadow = await this.shadowHealth(ev).catch(() => undefined);
    return { pipeline: name, ...(ev ? { evolution: ev } : {}), ...(shadow ? { shadow } : {}) };
  }

  async diff(_actor: SlackActor, name: string): Promise<DiffView> {
    const evolution = await this.d.service.active(name);
    const [report, shadow] = await Promise.all([
      this.d.service.diff(name),
      this.shadowHealth(evolution).catch(() => undefined),
    ]);
    return { evolution, report, ...(shadow ? { shadow } : {}) };
  }

  async requestDeploy(actor: SlackActor, name: string): Promise<Accepted> {
    const pipeline = await this.pipeline(name);
    const { evolution, diff } = await this.d.service.requestDeploy(
      name,
      await this.actor(actor, pipeline),
    );
    const shadow = await this.shadowHealth(evolution).catch(() => undefined);
    return {
      text: `Approval requested for ${evolution.id}; an approver decides in the thread.`,
      evolutionId: evolution.id,
      // The facts the approval message shows, computed once.
      approvalRequest: {
        evolution,
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

  async abort(actor: SlackActor, name: string): Promise<Accepted> {
    const pipeline = await this.pipeline(name);
    const ev = await this.d.service.abort(name, await this.actor(actor, pipeline));
    return {
      text: `Evolution ${ev.id} aborted: the shadow job and ${ev.shadow.tempTopic} are being removed (the thread says when). Production was not touched.`,
      evolutionId: ev.id,
    };
  }

  async history(_actor: SlackActor, name: string): Promise<HistoryView> {
    const h = await this.d.service.history(name);
    return { pipeline: name, evolutions: h.evolutions };
  }
}
