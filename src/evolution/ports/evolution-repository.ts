import type { AuditEvent } from '../audit-event.js';
import type { Evolution } from '../evolution.js';
import type { EvolutionAction } from '../evolution-action.js';

export interface TransitionOptions {
  /** Slack user groups of the actor, for owner/approver lists that name groups. */
  actorGroups?: readonly string[];
  /** Recorded in the audit event: where a non-Slack actor acted from (`cli user@host`). */
  origin?: string;
}

/**
 * Where evolutions live. Every write is a compare-and-set on `version`; a
 * lost race throws ConcurrentUpdateError and nothing is written.
 */
export interface EvolutionRepository {
  /**
   * Stores a new evolution (version 1) unless its pipeline already has an
   * active one — checked atomically — then throws EvolutionConflictError
   * naming it and who started it. The audit event, when given, is appended
   * with the write, or with the refusal.
   */
  create(evolution: Evolution, audit?: AuditEvent): Promise<Evolution>;
  get(id: string): Promise<Evolution | undefined>;
  /** Like get, but throws EvolutionNotFoundError. */
  load(id: string): Promise<Evolution>;
  activeFor(pipeline: string): Promise<Evolution | undefined>;
  /** Newest first. */
  listByPipeline(pipeline: string, limit?: number): Promise<Evolution[]>;
  /** Writes `next` as version expectedVersion + 1 if the stored version is expectedVersion; audit appended atomically. */
  save(next: Evolution, expectedVersion: number, audit?: AuditEvent): Promise<Evolution>;
  /** Loads, checks the version, applies `mutate` and saves; for records (step markers, progress), not status changes. */
  update(
    id: string,
    expectedVersion: number,
    mutate: (current: Evolution) => Evolution,
  ): Promise<Evolution>;
  /**
   * The only way status changes: loads, checks permissions and the transition
   * table, CAS-writes, audits — refusals included — and throws the refusal.
   */
  transition(
    id: string,
    action: EvolutionAction,
    actor: string,
    options?: TransitionOptions,
  ): Promise<Evolution>;
}
