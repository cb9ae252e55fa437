import type { Pipeline, ProductionVersion } from '../pipeline.js';

export interface PipelineRegistry {
  /**
   * Adds a pipeline, or updates the configuration of a known one. The
   * production version given is used only the first time: afterwards the
   * system owns it (a deploy changes it), so a restart with an old pipelines
   * file never rolls it back.
   */
  register(pipeline: Pipeline): Promise<Pipeline>;
  get(name: string): Promise<Pipeline | undefined>;
  /** Like get, but throws PipelineUnknownError. */
  load(name: string): Promise<Pipeline>;
  list(): Promise<Pipeline[]>;
  /** After a deploy (or a rollback that moved the job): the new production version. */
  updateProduction(name: string, production: ProductionVersion): Promise<Pipeline>;
}
