import type { Pipeline } from '../../src/evolution/pipeline.js';
import { sqlHash } from '../../src/evolution/sql-hash.js';

export const V1_SQL = 'INSERT INTO revenue SELECT region, SUM(amount) FROM orders GROUP BY region;';
export const V2_SQL =
  'INSERT INTO revenue SELECT region, SUM(amount * fx) FROM orders GROUP BY region;';

/** Owners U0OWNER1 and group S0OWNERS; approvers U0APPR1 and group S0APPROVERS. */
export function aPipeline(overrides: Partial<Pipeline> = {}): Pipeline {
  return {
    name: 'revenue',
    flink: { restUrl: 'http://flink:8081', gatewayUrl: 'http://flink:8083' },
    kafka: { outputTopic: 'revenue-by-region', keyFormat: 'json' },
    production: { sql: V1_SQL, sqlHash: sqlHash(V1_SQL), flinkJobId: 'a'.repeat(32) },
    owners: ['U0OWNER1', 'U0OWNER2', 'S0OWNERS'],
    approvers: ['U0APPR1', 'U0OWNER2', 'S0APPROVERS'],
    allowSelfApproval: false,
    approvalTtlMs: 60 * 60 * 1000,
    shadowStartupMode: 'earliest-offset',
    backfill: { rate: 1000, mode: 'full' },
    ...overrides,
  };
}
