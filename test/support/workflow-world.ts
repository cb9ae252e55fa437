import type { Evolution } from '../../src/evolution/evolution.js';
import type { AuditEvent } from '../../src/evolution/audit-event.js';
import type { EvolutionAction } from '../../src/evolution/evolution-action.js';
import type {
  EvolutionRepository,
  TransitionOptions,
} from '../../src/evolution/ports/evolution-repository.js';
import type { Milestone, Notifier } from '../../src/evolution/ports/notifier.js';
import type { WorkflowDeps } from '../../src/evolution/workflow/workflow-deps.js';
import { newEvolution } from '../../src/evolution/new-evolution.js';
import { runDevelop } from '../../src/evolution/workflow/run-develop.js';
import { FakeClock } from './fake-clock.js';
import { InMemoryFlink } from './in-memory-flink.js';
import { InMemoryKafka } from './in-memory-kafka.js';
import {
  InMemoryAuditLog,
  InMemoryEvolutionStore,
  InMemoryPipelineRegistry,
} from './in-memory-evolution-store.js';
import { aPipeline, V1_SQL, V2_SQL } from './pipeline-fixture.js';

export class ProcessKilled extends Error {
  constructor() {
    super('worker process killed');
  }
}

/**
 * The repository as a worker process sees it, with a kill switch: after the
 * Nth write the process is "dead" and every call throws, including the
 * writes a catch block would make. Every external call of a step sits
 * between two writes (intent, done), so killing at each write covers each
 * step boundary, before and after each call.
 */
export class KillableRepository implements EvolutionRepository {
  writes = 0;
  killAt = Infinity;
  dead = false;
  constructor(private readonly inner: EvolutionRepository) {}
  revive(): void {
    this.dead = false;
    this.killAt = Infinity;
  }
  private alive(): void {
    if (this.dead) throw new ProcessKilled();
  }
  private write(): void {
    this.alive();
    if (++this.writes >= this.killAt) {
      this.dead = true;
      throw new ProcessKilled();
    }
  }
  async create(e: Evolution, a?: AuditEvent) {
    this.write();
    return this.inner.create(e, a);
  }
  async get(id: string) {
    this.alive();
    return this.inner.get(id);
  }
  async load(id: string) {
    this.alive();
    return this.inner.load(id);
  }
  async activeFor(p: string) {
    this.alive();
    return this.inner.activeFor(p);
  }
  async listByPipeline(p: string, l?: number) {
    this.alive();
    return this.inner.listByPipeline(p, l);
  }
  async save(n: Evolution, v: number, a?: AuditEvent) {
    this.write();
    return this.inner.save(n, v, a);
  }
  async update(id: string, v: number, m: (c: Evolution) => Evolution) {
    this.write();
    return this.inner.update(id, v, m);
  }
  async transition(id: string, a: EvolutionAction, actor: string, o?: TransitionOptions) {
    this.write();
    return this.inner.transition(id, a, actor, o);
  }
}

export class RecordingNotifier implements Notifier {
  readonly milestones: Milestone[] = [];
  cards = 0;
  async ensureThread() {
    return { threadTs: '1.0', statusMessageTs: '1.0' };
  }
  async updateStatusCard() {
    this.cards++;
  }
  async postMilestone(_e: Evolution, m: Milestone) {
    this.milestones.push(m);
  }
}

/** A pipeline with v1 RUNNING on a fake Flink, its output topic, and an evolution to v2. */
export async function workflowWorld() {
  const clock = new FakeClock();
  const flink = new InMemoryFlink();
  flink.now = () => clock.now();
  const kafka = new InMemoryKafka();
  const audit = new InMemoryAuditLog();
  const pipelines = new InMemoryPipelineRegistry();
  const store = new InMemoryEvolutionStore(pipelines, audit, clock);
  const evolutions = new KillableRepository(store);
  const notifier = new RecordingNotifier();
  const v1JobId = flink.startJob(V1_SQL, { 'pipeline.name': 'revenue-v1' });
  const pipeline = await pipelines.register(
    aPipeline({ production: { sql: V1_SQL, sqlHash: 'v1', flinkJobId: v1JobId } }),
  );
  kafka.addTopic(pipeline.kafka.outputTopic, 2, [100, 50]);
  // v1's input (the planner below names it): its ends are recorded at the cutover.
  kafka.addTopic('orders', 2, [400, 300]);
  let triggers = 0;
  const deps: WorkflowDeps = {
    evolutions,
    pipelines,
    audit,
    clock,
    flinkFor: () => flink,
    kafkaFor: () => kafka,
    notifier,
    shadowPlanner: {
      plan: (sql, o) => ({
        sql: `${sql} /* shadow -> ${o.tempTopic} */`,
        executionConfig: {},
        groupIds: [`evolve-${o.evolutionId}-shadow-orders`],
      }),
      sourceTopics: () => ['orders'],
    },
    newTriggerId: () => (++triggers).toString(16).padStart(32, 'f'),
    runningTimeoutMs: 1_000,
    stableMs: 1_000,
  };
  const evolution = await store.create(
    newEvolution({
      pipeline,
      v2Sql: V2_SQL,
      requester: 'U0OWNER1',
      slack: { channel: 'C0EVOLVE' },
      clock,
    }),
  );
  return {
    clock,
    flink,
    kafka,
    audit,
    pipelines,
    store,
    evolutions,
    notifier,
    deps,
    pipeline,
    v1JobId,
    evolution,
  };
}

/** The world after develop, a deploy request by an owner and an approval by an approver: DEPLOYING. */
export async function approvedWorld() {
  const w = await workflowWorld();
  let ev = await runDevelop(w.deps, w.evolution.id);
  ev = await w.store.transition(
    ev.id,
    { type: 'requestApproval', shownSqlHash: ev.v2.hash, ttlMs: 60_000 },
    'U0OWNER1',
  );
  ev = await w.store.transition(ev.id, { type: 'approve', shownSqlHash: ev.v2.hash }, 'U0APPR1');
  if (ev.status !== 'DEPLOYING') throw new Error(`expected DEPLOYING, got ${ev.status}`);
  // Kill-at-write tests count from here.
  w.evolutions.writes = 0;
  return { ...w, evolution: ev };
}
