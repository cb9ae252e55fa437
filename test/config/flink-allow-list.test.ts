import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  flinkAllowedOrigins,
  flinkOrigin,
  isFlinkUrlAllowed,
} from '../../src/config/flink-allow-list.js';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import {
  parsePipelines,
  pipelineDefaultsFrom,
  PipelinesFileError,
} from '../../src/config/pipelines-file.js';

const SQL = 'INSERT INTO revenue SELECT region, SUM(amount) FROM orders GROUP BY region;';
const yaml = (flink: Record<string, string> | undefined) =>
  stringify({
    pipelines: {
      revenue: {
        ...(flink ? { flink } : {}),
        kafka: { outputTopic: 'revenue-by-region', keyFormat: 'json' },
        production: { sql: SQL, flinkJobId: 'a'.repeat(32) },
        owners: ['U0OWNER1'],
        approvers: ['U0APPR1'],
      },
    },
  });

async function problems(p: Promise<unknown>): Promise<readonly string[]> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PipelinesFileError);
  return (err as PipelinesFileError).problems;
}

describe('Flink endpoint allow-list: the rule', () => {
  it('compares origins: scheme, host and port, with the URL parser normalizing the spelling', () => {
    const allowed = flinkAllowedOrigins(['http://JM.internal:8081/', 'https://gw.internal:443/v1']);
    expect(allowed).toEqual(['http://jm.internal:8081', 'https://gw.internal']);
    for (const ok of [
      'http://jm.internal:8081',
      'http://jm.internal.:8081/x',
      'https://gw.internal/',
    ])
      expect(isFlinkUrlAllowed(ok, allowed), ok).toBe(true);
    for (const no of [
      'https://jm.internal:8081', // another scheme
      'http://jm.internal:8082', // another port
      'http://jm.internal', // the default port is another port
      'http://jm.internal:8081@evil.example:8081', // userinfo trick: the host is evil.example
      'http://evil.example/http://jm.internal:8081',
      'http://127.0.0.1:8081',
      'ftp://jm.internal:8081',
      'not a url',
    ])
      expect(isFlinkUrlAllowed(no, allowed), no).toBe(false);
    expect(flinkOrigin('file:///etc/passwd')).toBeUndefined();
  });
});

describe('Flink endpoint allow-list: pipelines', () => {
  const config = loadConfig({
    EVOLVE_FLINK_REST_URL: 'http://jm.internal:8081',
    EVOLVE_FLINK_GATEWAY_URL: 'http://gw.internal:8083',
    EVOLVE_FLINK_ALLOWED_URLS: 'https://flink-eu.internal:8081, https://gw-eu.internal:8083',
  });
  const defaults = pipelineDefaultsFrom(config);
  const parse = (text: string, d = defaults) =>
    parsePipelines(text, { fileName: 'pipelines.yaml', baseDir: '.', defaults: d });

  it('allows the configured endpoints and the listed ones', async () => {
    expect(config.flink.allowedOrigins).toEqual([
      'http://jm.internal:8081',
      'http://gw.internal:8083',
      'https://flink-eu.internal:8081',
      'https://gw-eu.internal:8083',
    ]);
    const [byDefault] = await parse(yaml(undefined));
    expect(byDefault?.flink).toEqual({
      restUrl: 'http://jm.internal:8081',
      gatewayUrl: 'http://gw.internal:8083',
    });
    const [listed] = await parse(
      yaml({
        restUrl: 'https://flink-eu.internal:8081',
        gatewayUrl: 'https://gw-eu.internal:8083',
      }),
    );
    expect(listed?.flink.restUrl).toBe('https://flink-eu.internal:8081');
  });

  it('refuses an endpoint elsewhere, naming the field, the URL and the variable to change', async () => {
    expect(
      await problems(
        parse(
          yaml({ restUrl: 'http://attacker.example:8081', gatewayUrl: 'http://gw.internal:8083' }),
        ),
      ),
    ).toEqual([
      "pipelines.yaml: pipeline 'revenue' field 'flink.restUrl' names http://attacker.example:8081, which is not an allowed Flink endpoint (allowed: http://jm.internal:8081, http://gw.internal:8083, https://flink-eu.internal:8081, https://gw-eu.internal:8083); an administrator adds it to EVOLVE_FLINK_ALLOWED_URLS on the bot and the workers",
    ]);
    const both = await problems(
      parse(
        yaml({ restUrl: 'http://10.0.0.9:8081', gatewayUrl: 'http://jm.internal:8081@evil:1' }),
      ),
    );
    expect(both.map((p) => /field '([^']+)'/.exec(p)?.[1])).toEqual([
      'flink.restUrl',
      'flink.gatewayUrl',
    ]);
    expect(both[1]).toContain('http://evil:1, which is not an allowed Flink endpoint');
  });

  it('a caller that gives no allow-list allows only the default endpoints it gives, or none', async () => {
    const foreign = yaml({ restUrl: 'http://flink:8081', gatewayUrl: 'http://flink:8083' });
    expect(await problems(parse(foreign, {}))).toHaveLength(2);
    expect(
      await problems(
        parse(foreign, { flinkRestUrl: 'http://flink:8081', flinkGatewayUrl: 'http://gw:8083' }),
      ),
    ).toEqual([
      expect.stringContaining(
        "field 'flink.gatewayUrl' names http://flink:8083, which is not an allowed",
      ),
    ]);
  });

  it('EVOLVE_FLINK_ALLOWED_URLS takes origins only', () => {
    for (const bad of ['flink:8081', 'http://a:1/path', 'http://u:p@a:1', 'ftp://a']) {
      const err = (() => {
        try {
          loadConfig({ EVOLVE_FLINK_ALLOWED_URLS: bad });
        } catch (e) {
          return e;
        }
      })();
      expect(err, bad).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems[0]?.variable).toBe('EVOLVE_FLINK_ALLOWED_URLS');
    }
  });
});
