import { describe, expect, it } from 'vitest';
import { onlyYamlComments, REGISTER_EXAMPLE } from '../../src/bot/blocks/form-modals.js';
import { parsePipelines, pipelineDefaultsFrom } from '../../src/config/pipelines-file.js';

describe('the register form’s commented example', () => {
  it('is only comments as it opens, and a valid pipeline once uncommented', async () => {
    expect(onlyYamlComments(REGISTER_EXAMPLE)).toBe(true);
    const uncommented = REGISTER_EXAMPLE.split('\n')
      .map((line) => line.replace(/^# ?/, ''))
      .join('\n');
    expect(onlyYamlComments(uncommented)).toBe(false);
    const [pipeline] = await parsePipelines(uncommented, {
      fileName: 'pipeline',
      // The installation allows the example's Flink endpoints.
      defaults: pipelineDefaultsFrom({
        flink: {
          restUrl: 'https://flink.example.internal:8081',
          gatewayUrl: 'https://flink-sql.example.internal:8083',
          allowedOrigins: [
            'https://flink.example.internal:8081',
            'https://flink-sql.example.internal:8083',
          ],
        },
        approvalTtlMs: 86_400_000,
        backfillDefaultRate: 1000,
      }),
    });
    expect(pipeline).toMatchObject({
      name: 'revenue',
      kafka: { outputTopic: 'revenue-by-region', keyFormat: 'json' },
      owners: ['U0123ABCDEF'],
      approvers: ['U0789MNOPQR'],
      slackChannel: 'C0123CHANNEL',
    });
  });
});
