import { EvolveError, type ErrorCode } from '../errors.js';
import type { AuditLog } from './ports/audit-log.js';
import type { EvolutionRepository } from './ports/evolution-repository.js';
import type { Evolution } from './evolution.js';
import { creationAudit } from './audit-event.js';
import { newEvolution, type NewEvolutionInput } from './new-evolution.js';
import { assertMayAct } from './permissions.js';
import type { Pipeline } from './pipeline.js';
import { sqlHash } from './sql-hash.js';

/**
 * Refuses a v2 that is empty or the very SQL production runs (by hash):
 * the develop modal checks it inline, so the person keeps their edits.
 */
export function assertSqlEvolves(
  pipeline: Pick<Pipeline, 'name' | 'production'>,
  v2Sql: string,
): void {
  if (v2Sql.trim() === '') {
    throw new EvolveError(
      'INPUT_INVALID',
      'The v2 SQL is empty. Paste the full script v2 should run.',
    );
  }
  if (sqlHash(v2Sql) === pipeline.production.sqlHash) {
    throw new EvolveError(
      'INPUT_INVALID',
      `The v2 SQL is the same as what pipeline '${pipeline.name}' runs in production; there is nothing to evolve. Change the SQL and try again.`,
    );
  }
}

export interface StartEvolutionDeps {
  evolutions: Pick<EvolutionRepository, 'create'>;
  audit: AuditLog;
}

/**
 * `/evolve develop`: an owner starts an evolution. Refusals (not an owner,
 * no change from production, another evolution active) are audited like any other attempt; the
 * one-active rule itself is enforced atomically by the repository.
 */
export async function startEvolution(
  deps: StartEvolutionDeps,
  input: NewEvolutionInput & {
    actorGroups?: readonly string[];
    /** `rollback` when the start is a rollback (/evolve rollback), for the audit and messages. */
    verb?: 'develop' | 'rollback';
    /** Why this start is refused beyond permission (a rollback's refusal): audited like any. */
    refusal?: { code: ErrorCode; message: string };
  },
): Promise<Evolution> {
  const evolution = newEvolution(input);
  const verb = input.verb ?? 'develop';
  const audit = creationAudit(evolution, input.clock.now(), verb);
  try {
    assertMayAct(input.pipeline, verb, {
      actor: input.requester,
      actorGroups: input.actorGroups,
    });
    if (input.refusal) throw new EvolveError(input.refusal.code, input.refusal.message);
    assertSqlEvolves(input.pipeline, input.v2Sql);
  } catch (err) {
    if (err instanceof EvolveError) {
      await deps.audit.append({
        ...audit,
        after: undefined,
        accepted: false,
        reason: err.userMessage,
        code: err.code,
      });
    }
    throw err;
  }
  return deps.evolutions.create(evolution, audit);
}
