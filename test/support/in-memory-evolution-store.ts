import type { AuditEvent } from '../../src/evolution/audit-event.js';
import type { Clock } from '../../src/evolution/ports/clock.js';
import type { AuditLog } from '../../src/evolution/ports/audit-log.js';
import type {
  EvolutionRepository,
  TransitionOptions,
} from '../../src/evolution/ports/evolution-repository.js';
import type { PipelineRegistry } from '../../src/evolution/ports/pipeline-registry.js';
import type { Evolution } from '../../src/evolution/evolution.js';
import type { EvolutionAction } from '../../src/evolution/evolution-action.js';
import type { Pipeline, ProductionVersion } from '../../src/evolution/pipeline.js';
import { isActive } from '../../src/evolution/display-state.js';
import {
  ConcurrentUpdateError,
  EvolutionConflictError,
  EvolutionNotFoundError,
  PipelineUnknownError,
} from '../../src/evolution/evolution-errors.js';
import { runTransition } from '../../src/evolution/run-transition.js';

const copy = <T>(value: T): T => structuredClone(value);

export class InMemoryAuditLog implements AuditLog {
  readonly events: AuditEvent[] = [];
  async append(event: AuditEvent): Promise<void> {
    this.events.push(copy(event));
  }
  async list(
    pipeline: string,
    options: { limit?: number; evolutionId?: string } = {},
  ): Promise<AuditEvent[]> {
    const matching = this.events.filter(
      (e) =>
        e.pipeline === pipeline && (!options.evolutionId || e.evolutionId === options.evolutionId),
    );
    return copy(matching.slice(-(options.limit ?? 100)));
  }
}

export class InMemoryPipelineRegistry implements PipelineRegistry {
  private readonly pipelines = new Map<string, Pipeline>();
  async register(pipeline: Pipeline): Promise<Pipeline> {
    const known = this.pipelines.get(pipeline.name);
    const stored = {
      ...copy(pipeline),
      production: known ? known.production : copy(pipeline.production),
    };
    this.pipelines.set(pipeline.name, stored);
    return copy(stored);
  }
  async get(name: string): Promise<Pipeline | undefined> {
    const p = this.pipelines.get(name);
    return p && copy(p);
  }
  async load(name: string): Promise<Pipeline> {
    const p = await this.get(name);
    if (!p) throw new PipelineUnknownError(name);
    return p;
  }
  async list(): Promise<Pipeline[]> {
    return [...this.pipelines.values()].map(copy);
  }
  async updateProduction(name: string, production: ProductionVersion): Promise<Pipeline> {
    const p = await this.load(name);
    const next = { ...p, production: copy(production) };
    this.pipelines.set(name, next);
    return copy(next);
  }
}

/** The repository port in memory, with the same contract as the Redis store. */
export class InMemoryEvolutionStore implements EvolutionRepository {
  private readonly records = new Map<string, Evolution>();

  constructor(
    readonly pipelines: PipelineRegistry,
    readonly audit: AuditLog,
    readonly clock: Clock,
  ) {}

  async create(evolution: Evolution, audit?: AuditEvent): Promise<Evolution> {
    const active = await this.activeFor(evolution.pipeline);
    if (active) {
      const error = new EvolutionConflictError(active);
      if (audit)
        await this.audit.append({
          ...audit,
          accepted: false,
          after: undefined,
          reason: error.userMessage,
          code: error.code,
        });
      throw error;
    }
    const stored = { ...copy(evolution), version: 1 };
    this.records.set(stored.id, stored);
    if (audit) await this.audit.append(audit);
    return copy(stored);
  }
  async get(id: string): Promise<Evolution | undefined> {
    const e = this.records.get(id);
    return e && copy(e);
  }
  async load(id: string): Promise<Evolution> {
    const e = await this.get(id);
    if (!e) throw new EvolutionNotFoundError(id);
    return e;
  }
  async activeFor(pipeline: string): Promise<Evolution | undefined> {
    const e = [...this.records.values()].find((r) => r.pipeline === pipeline && isActive(r));
    return e && copy(e);
  }
  async listByPipeline(pipeline: string, limit = 50): Promise<Evolution[]> {
    return [...this.records.values()]
      .filter((r) => r.pipeline === pipeline)
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, limit)
      .map(copy);
  }
  async save(next: Evolution, expectedVersion: number, audit?: AuditEvent): Promise<Evolution> {
    const current = this.records.get(next.id);
    if (!current) throw new EvolutionNotFoundError(next.id);
    if (current.version !== expectedVersion)
      throw new ConcurrentUpdateError(next.id, expectedVersion, current.version);
    const stored = { ...copy(next), version: expectedVersion + 1 };
    this.records.set(next.id, stored);
    if (audit) await this.audit.append(audit);
    return copy(stored);
  }
  async update(
    id: string,
    expectedVersion: number,
    mutate: (current: Evolution) => Evolution,
  ): Promise<Evolution> {
    const current = await this.load(id);
    if (current.version !== expectedVersion)
      throw new ConcurrentUpdateError(id, expectedVersion, current.version);
    const next = mutate(current);
    if (next.id !== id || next.pipeline !== current.pipeline || next.status !== current.status) {
      throw new Error(
        `update() may not change the id, pipeline or status of ${id}; use transition().`,
      );
    }
    return this.save(next, expectedVersion);
  }
  async transition(
    id: string,
    action: EvolutionAction,
    actor: string,
    options?: TransitionOptions,
  ): Promise<Evolution> {
    return runTransition(
      { evolutions: this, pipelines: this.pipelines, audit: this.audit, clock: this.clock },
      id,
      action,
      actor,
      options,
    );
  }
}
