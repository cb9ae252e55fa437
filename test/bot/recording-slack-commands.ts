import { decideApproval } from '../../src/evolution/approval-policy.js';
import {
  ApprovalRefusedError,
  PipelineUnknownError,
} from '../../src/evolution/evolution-errors.js';
import type { Evolution } from '../../src/evolution/evolution.js';
import type { Pipeline } from '../../src/evolution/pipeline.js';
import type {
  Accepted,
  ApprovalClick,
  ApprovalOutcome,
  SlackCommands,
  InputIssue,
  SlackActor,
} from '../../src/bot/slack-commands.js';

export interface ServiceCall {
  method: keyof SlackCommands;
  actor: SlackActor;
  args: unknown[];
}

/**
 * An in-memory SlackCommands: records every call, can hold every call until
 * released (a slow service), and decides approvals with the domain's real
 * policy so refusals are the domain's own errors.
 */
export class RecordingSlackCommands implements SlackCommands {
  readonly calls: ServiceCall[] = [];
  private gate: Promise<void> = Promise.resolve();
  private openGate: () => void = () => undefined;
  sqlIssues: InputIssue[] = [];
  /** The next call throws this once it is recorded (a service refusing with its own message). */
  failNext: Error | undefined;

  constructor(
    readonly pipeline: Pipeline,
    readonly evolution: Evolution,
    private readonly now: () => number = Date.now,
  ) {}

  /** Every call waits until release(): the service is as slow as the test wants. */
  hold(): void {
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  release(): void {
    this.openGate();
  }

  callsOf(method: keyof SlackCommands): ServiceCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  private async record(
    method: keyof SlackCommands,
    actor: SlackActor,
    ...args: unknown[]
  ): Promise<void> {
    this.calls.push({ method, actor, args });
    await this.gate;
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
  }

  private async accept(
    method: keyof SlackCommands,
    actor: SlackActor,
    ...args: unknown[]
  ): Promise<Accepted> {
    await this.record(method, actor, ...args);
    return { text: `${method} accepted`, evolutionId: this.evolution.id };
  }

  async listPipelines(actor: SlackActor) {
    await this.record('listPipelines', actor);
    return [
      {
        name: this.pipeline.name,
        outputTopic: this.pipeline.kafka.outputTopic,
        owners: this.pipeline.owners,
        approvers: this.pipeline.approvers,
      },
    ];
  }
  async assertMayRegister(actor: SlackActor) {
    await this.record('assertMayRegister', actor);
  }
  async checkPipelineYaml(actor: SlackActor, yaml: string) {
    await this.record('checkPipelineYaml', actor, yaml);
    return [];
  }
  registerPipeline = (actor: SlackActor, yaml: string) =>
    this.accept('registerPipeline', actor, yaml);
  async developForm(actor: SlackActor, pipeline: string) {
    await this.record('developForm', actor, pipeline);
    if (pipeline !== this.pipeline.name) throw new PipelineUnknownError(pipeline);
    return {
      pipeline,
      v1Sql: this.pipeline.production.sql,
      v1Hash: this.pipeline.production.sqlHash,
    };
  }
  async checkDevelopSql(actor: SlackActor, pipeline: string, sql: string) {
    await this.record('checkDevelopSql', actor, pipeline, sql);
    return this.sqlIssues;
  }
  startDevelop = (actor: SlackActor, request: unknown) =>
    this.accept('startDevelop', actor, request);
  async status(actor: SlackActor, pipeline: string) {
    await this.record('status', actor, pipeline);
    return { pipeline, evolution: this.evolution };
  }
  async diff(actor: SlackActor, pipeline: string) {
    await this.record('diff', actor, pipeline);
    return { evolution: this.evolution };
  }
  requestDeploy = (actor: SlackActor, pipeline: string) =>
    this.accept('requestDeploy', actor, pipeline);
  async decideApproval(actor: SlackActor, click: ApprovalClick): Promise<ApprovalOutcome> {
    await this.record('decideApproval', actor, click);
    const verdict = decideApproval(this.pipeline, this.evolution, {
      actor: actor.userId,
      shownSqlHash: click.sqlHash,
      now: this.now(),
      decision: click.decision,
    });
    if (!verdict.allowed) throw new ApprovalRefusedError(this.evolution.id, verdict.reason);
    return {
      evolutionId: click.evolutionId,
      decision: click.decision === 'approve' ? 'approved' : 'rejected',
      decidedBy: actor.userId,
      decidedAt: this.now(),
    };
  }
  startBackfill = (actor: SlackActor, request: unknown) =>
    this.accept('startBackfill', actor, request);
  throttleBackfill = (actor: SlackActor, target: unknown, rate: number) =>
    this.accept('throttleBackfill', actor, target, rate);
  pauseBackfill = (actor: SlackActor, target: unknown) =>
    this.accept('pauseBackfill', actor, target);
  resumeBackfill = (actor: SlackActor, target: unknown) =>
    this.accept('resumeBackfill', actor, target);
  cancelBackfill = (actor: SlackActor, target: unknown) =>
    this.accept('cancelBackfill', actor, target);
  complete = (actor: SlackActor, pipeline: string) => this.accept('complete', actor, pipeline);
  abort = (actor: SlackActor, pipeline: string) => this.accept('abort', actor, pipeline);
  rollback = (actor: SlackActor, pipeline: string) => this.accept('rollback', actor, pipeline);
  async history(actor: SlackActor, pipeline: string) {
    await this.record('history', actor, pipeline);
    if (pipeline !== this.pipeline.name) throw new PipelineUnknownError(pipeline);
    return { pipeline, evolutions: [this.evolution] };
  }
}
