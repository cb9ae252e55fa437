import type { ShadowPlan, ShadowPlanner } from '../evolution/ports/shadow-planner.js';
import { analyzeScript } from './analyze-script.js';
import { rewriteForShadow } from './shadow-rewrite.js';

/** The domain's ShadowPlanner over the SQL rewrite of DESIGN.md section 6. */
export const sqlShadowPlanner: ShadowPlanner = {
  plan(sql, options): ShadowPlan {
    const rewrite = rewriteForShadow(sql, options);
    return {
      sql: rewrite.sql,
      executionConfig: rewrite.executionConfig,
      groupIds: rewrite.groupIds,
    };
  },
  sourceTopics(sql): string[] {
    return [...new Set(analyzeScript(sql).kafkaSources.flatMap((s) => s.topics))];
  },
};
