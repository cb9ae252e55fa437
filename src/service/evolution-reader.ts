import type { AuditEvent } from '../evolution/audit-event.js';
import { displayState } from '../evolution/display-state.js';
import type { Evolution } from '../evolution/evolution.js';
import type { Pipeline } from '../evolution/pipeline.js';
import type { AuditLog } from '../evolution/ports/audit-log.js';
import type { Clock } from '../evolution/ports/clock.js';
import type { EvolutionRepository } from '../evolution/ports/evolution-repository.js';
import type { PipelineRegistry } from '../evolution/ports/pipeline-registry.js';
import type { StatusView } from './evolution-service.js';

export interface EvolutionReaderDeps {
  pipelines: PipelineRegistry;
  evolutions: EvolutionRepository;
  audit: AuditLog;
  clock: Clock;
}

/**
 * What anyone in the workspace may read, from the stores alone (no Flink,
 * Kafka or queues): the listing, a stored status and the history. The
 * service answers these through it; the CLI's quick verbs use it without
 * building the rest, so they answer in well under two seconds.
 */
export class EvolutionReader {
  constructor(private readonly d: EvolutionReaderDeps) {}

  pipelines(): Promise<Pipeline[]> {
    return this.d.pipelines.list();
  }

  pipelineNamed(name: string): Promise<Pipeline> {
    return this.d.pipelines.load(name);
  }

  async status(pipelineName: string): Promise<StatusView> {
    const pipeline = await this.d.pipelines.load(pipelineName);
    const active = await this.d.evolutions.activeFor(pipelineName);
    const evolution = active ?? (await this.d.evolutions.listByPipeline(pipelineName, 1))[0];
    return evolution
      ? {
          pipeline,
          evolution,
          active: active !== undefined,
          state: displayState(evolution, this.d.clock.now()),
        }
      : { pipeline, active: false };
  }

  async history(
    pipelineName: string,
    limit = 10,
  ): Promise<{ evolutions: Evolution[]; audit: AuditEvent[] }> {
    await this.d.pipelines.load(pipelineName);
    const [evolutions, audit] = await Promise.all([
      this.d.evolutions.listByPipeline(pipelineName, limit),
      this.d.audit.list(pipelineName, { limit: 50 }),
    ]);
    return { evolutions, audit };
  }
}
