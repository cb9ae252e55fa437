import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AuditEvent } from '../evolution/audit-event.js';
import type { Clock } from '../evolution/ports/clock.js';
import type {
  EvolutionRepository,
  TransitionOptions,
} from '../evolution/ports/evolution-repository.js';
import type { PipelineRegistry } from '../evolution/ports/pipeline-registry.js';
import type { Evolution } from '../evolution/evolution.js';
import type { EvolutionAction } from '../evolution/evolution-action.js';
import { isActive } from '../evolution/display-state.js';
import {
  ConcurrentUpdateError,
  EvolutionConflictError,
  EvolutionNotFoundError,
} from '../evolution/evolution-errors.js';
import { runTransition } from '../evolution/run-transition.js';
import { mayNeedStep } from '../evolution/workflow/needed-step.js';
import { EvolveError } from '../errors.js';
import { RedisAuditLog, encodeAuditEvent } from './redis-audit-log.js';
import { RedisKeys } from './redis-keys.js';
import { parseEvolutionRecord } from './stored-records.js';
import {
  CLEAR_ACTIVE_IF_LUA,
  CREATE_EVOLUTION_LUA,
  SAVE_EVOLUTION_LUA,
} from './evolution-scripts.js';

export interface RedisEvolutionStoreOptions {
  redis: Redis;
  pipelines: PipelineRegistry;
  clock: Clock;
  /** Key prefix, default 'evolve:'. */
  prefix?: string;
  auditMaxLen?: number;
}

type ScriptReply = [string, string?];

/**
 * Evolutions in Redis: one hash per evolution ({version, data}), a pointer
 * to each pipeline's active evolution, a history sorted set and the audit
 * stream. Writes go through Lua so that check and write are one step.
 */
export class RedisEvolutionStore implements EvolutionRepository {
  readonly keys: RedisKeys;
  readonly audit: RedisAuditLog;
  private readonly redis: Redis;
  private readonly pipelines: PipelineRegistry;
  private readonly clock: Clock;

  constructor(options: RedisEvolutionStoreOptions) {
    this.redis = options.redis;
    this.pipelines = options.pipelines;
    this.clock = options.clock;
    this.keys = new RedisKeys(options.prefix);
    this.audit = new RedisAuditLog({
      redis: options.redis,
      keys: this.keys,
      maxLen: options.auditMaxLen,
    });
  }

  async create(evolution: Evolution, audit?: AuditEvent): Promise<Evolution> {
    const stored: Evolution = { ...evolution, version: 1 };
    // A pointer to a deleted or finished record (written by hand, or by an older
    // version) is cleared and the create retried once.
    for (let attempt = 1; attempt <= 2; attempt++) {
      const reply = (await this.redis.eval(
        CREATE_EVOLUTION_LUA,
        5,
        this.keys.activeEvolution(evolution.pipeline),
        this.keys.evolution(evolution.id),
        this.keys.history(evolution.pipeline),
        this.keys.audit(evolution.pipeline),
        this.keys.workingEvolutions(),
        evolution.id,
        JSON.stringify(stored),
        evolution.createdAt,
        this.audit.maxLen,
        ...(audit ? encodeAuditEvent(audit) : []),
      )) as ScriptReply;
      if (reply[0] === 'ok') return stored;
      if (reply[0] === 'exists') {
        throw new EvolveError(
          'INPUT_INVALID',
          `An evolution with id ${evolution.id} already exists; start it again.`,
        );
      }
      const activeId = reply[1] ?? '';
      const active = await this.get(activeId);
      // Our own create, run once already: its reply was lost and ioredis sent it again.
      if (active && activeId === evolution.id) return active;
      if (active && isActive(active)) {
        const error = new EvolutionConflictError(active);
        if (audit)
          await this.audit.append({
            ...audit,
            after: undefined,
            accepted: false,
            reason: error.userMessage,
            code: error.code,
          });
        throw error;
      }
      await this.redis.eval(
        CLEAR_ACTIVE_IF_LUA,
        1,
        this.keys.activeEvolution(evolution.pipeline),
        activeId,
      );
    }
    throw new EvolveError(
      'CONCURRENT_UPDATE',
      `Could not start an evolution of '${evolution.pipeline}'; try again.`,
    );
  }

  async get(id: string): Promise<Evolution | undefined> {
    const key = this.keys.evolution(id);
    const data = await this.redis.hget(key, 'data');
    return data === null ? undefined : parseEvolutionRecord(key, data);
  }

  async load(id: string): Promise<Evolution> {
    const evolution = await this.get(id);
    if (!evolution) throw new EvolutionNotFoundError(id);
    return evolution;
  }

  async activeFor(pipeline: string): Promise<Evolution | undefined> {
    const id = await this.redis.get(this.keys.activeEvolution(pipeline));
    return id === null ? undefined : this.get(id);
  }

  async listByPipeline(pipeline: string, limit = 50): Promise<Evolution[]> {
    if (limit <= 0) return [];
    const ids = await this.redis.zrevrange(this.keys.history(pipeline), 0, limit - 1);
    if (ids.length === 0) return [];
    const batch = this.redis.pipeline();
    for (const id of ids) batch.hget(this.keys.evolution(id), 'data');
    const replies = (await batch.exec()) ?? [];
    return replies.flatMap(([err, data], i) =>
      err || typeof data !== 'string'
        ? []
        : [parseEvolutionRecord(this.keys.evolution(ids[i]!), data)],
    );
  }

  async save(next: Evolution, expectedVersion: number, audit?: AuditEvent): Promise<Evolution> {
    const stored: Evolution = { ...next, version: expectedVersion + 1 };
    const reply = (await this.redis.eval(
      SAVE_EVOLUTION_LUA,
      4,
      this.keys.evolution(next.id),
      this.keys.activeEvolution(next.pipeline),
      this.keys.audit(next.pipeline),
      this.keys.workingEvolutions(),
      String(expectedVersion),
      JSON.stringify(stored),
      next.id,
      isActive(next) ? '1' : '0',
      mayNeedStep(next) ? '1' : '0',
      // One per call: a resend of this very command (lost reply) carries the same id.
      randomUUID(),
      this.audit.maxLen,
      ...(audit ? encodeAuditEvent(audit) : []),
    )) as ScriptReply;
    if (reply[0] === 'missing') throw new EvolutionNotFoundError(next.id);
    if (reply[0] === 'conflict')
      throw new ConcurrentUpdateError(next.id, expectedVersion, Number(reply[1]));
    return stored;
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
      // Status changes must go through transition() so that they are checked and audited.
      throw new EvolveError(
        'INPUT_INVALID',
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
