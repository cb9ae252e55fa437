import type { ExecutionConfig } from './flink-port.js';
import type { ShadowStartupMode } from '../pipeline.js';

export interface ShadowPlan {
  /** The v2 script with the sink on TEMP and the sources under the shadow's own groups. */
  sql: string;
  executionConfig: ExecutionConfig;
  groupIds: string[];
}

/**
 * Turns v2's SQL into the shadow's (DESIGN.md section 6); pure, but
 * implemented with the SQL parser, which may be loaded on first use (hence
 * a promise is allowed: a CLI call that plans nothing does not load it).
 */
export interface ShadowPlanner {
  plan(
    sql: string,
    options: {
      pipeline: string;
      evolutionId: string;
      tempTopic: string;
      startupMode: ShadowStartupMode;
    },
  ): ShadowPlan | Promise<ShadowPlan>;
  /**
   * The Kafka topics the script reads, by name (a topic-pattern source is
   * not listed): whose offsets a rollback needs retained.
   */
  sourceTopics(sql: string): string[] | Promise<string[]>;
}
