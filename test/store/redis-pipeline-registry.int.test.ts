import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisPipelineRegistry } from '../../src/store/redis-pipeline-registry.js';
import { PipelineUnknownError } from '../../src/evolution/evolution-errors.js';
import { sqlHash } from '../../src/evolution/sql-hash.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';
import { aPipeline, V2_SQL } from '../support/pipeline-fixture.js';
import { deleteKeysWithPrefix } from '../support/redis-test-keys.js';
import { StoredRecordInvalidError } from '../../src/store/stored-records.js';

describe('RedisPipelineRegistry (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let registry: RedisPipelineRegistry;

  beforeAll(() => {
    redis = new Redis(stackEndpoints().redisUrl);
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(() => {
    prefix = `${uniqueName('test-registry')}:`;
    registry = new RedisPipelineRegistry({ redis, prefix });
  });
  afterEach(async () => {
    await deleteKeysWithPrefix(redis, prefix);
  });

  it('registers, gets and lists pipelines by name', async () => {
    await registry.register(aPipeline({ name: 'zeta' }));
    const revenue = await registry.register(aPipeline());
    expect(revenue).toEqual(aPipeline());
    expect(await registry.get('revenue')).toEqual(aPipeline());
    expect((await registry.list()).map((p) => p.name)).toEqual(['revenue', 'zeta']);
    expect(await registry.get('nope')).toBeUndefined();
    await expect(registry.load('nope')).rejects.toBeInstanceOf(PipelineUnknownError);
    await expect(registry.load('nope')).rejects.toThrow(/No pipeline 'nope' is registered\. Use/);
    await expect(registry.load('revenu')).rejects.toThrow(
      /No pipeline 'revenu' is registered\. Did you mean revenue\?/,
    );
  });

  it('a deploy updates production; registering again changes the config but never rewinds production', async () => {
    await registry.register(aPipeline());
    const v2 = {
      sql: V2_SQL,
      sqlHash: sqlHash(V2_SQL),
      flinkJobId: 'f'.repeat(32),
      lastSavepoint: 'file:///sp/savepoint-2',
    };
    await registry.updateProduction('revenue', v2);
    const again = await registry.register(aPipeline({ approvers: ['U0NEWAPPROVER'] }));
    expect(again.production).toEqual(v2);
    expect(again.approvers).toEqual(['U0NEWAPPROVER']);
  });

  it('refuses to update the production of an unknown pipeline, creating nothing', async () => {
    const v2 = { sql: V2_SQL, sqlHash: sqlHash(V2_SQL), flinkJobId: 'f'.repeat(32) };
    await expect(registry.updateProduction('typo', v2)).rejects.toBeInstanceOf(
      PipelineUnknownError,
    );
    expect(await redis.exists(`${prefix}pipeline:typo`)).toBe(0);
  });

  it('a record it did not write stops the read with a message naming the key and the field', async () => {
    await registry.register(aPipeline());
    const key = `${prefix}pipeline:revenue`;
    await redis.hset(key, 'production', JSON.stringify({ sql: 'SELECT 1', sqlHash: 'x' }));
    await expect(registry.load('revenue')).rejects.toMatchObject({
      code: 'STORE_RECORD_INVALID',
      userMessage: expect.stringContaining(`${key} (field production) cannot be read (flinkJobId:`),
    });
    await expect(registry.list()).rejects.toBeInstanceOf(StoredRecordInvalidError);
  });
});
