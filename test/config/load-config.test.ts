import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_VARS } from '../../src/config/env-schema.js';
import {
  ConfigError,
  configReferenceMarkdown,
  describeConfig,
  loadConfig,
} from '../../src/config/load-config.js';

const BOT = 'xoxb-1111-2222-abcdefSECRETbot';
const APP = 'xapp-1-A0-3333-abcdefSECRETapp';
const SIGNING = 'f00dS3CR3Tsigning1234';
const base = { SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP };
// loadConfig only checks that a PEM file is readable PEM text; TLS itself is tested on the real stack.
const pemDir = mkdtempSync(join(tmpdir(), 'evolve-config-'));
const PEM = join(pemDir, 'ca.pem');
writeFileSync(PEM, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const NOT_PEM = join(pemDir, 'ca.der');
writeFileSync(NOT_PEM, 'binary');

function problemsOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected loadConfig to refuse this environment');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config).toEqual({
      redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'evolve:' },
      queueNamespace: 'evolve',
      kafka: { brokers: ['127.0.0.1:9092'], ssl: false },
      flink: {
        restUrl: 'http://127.0.0.1:8081',
        gatewayUrl: 'http://127.0.0.1:8083',
        allowedOrigins: ['http://127.0.0.1:8081', 'http://127.0.0.1:8083'],
      },
      slack: { mode: 'socket', botToken: BOT, appToken: APP },
      http: { port: 3000 },
      admins: [],
      sqlUrlAllowedHosts: [],
      backfillDefaultRate: 1000,
      deployRunningTimeoutMs: 120_000,
      deployStableMs: 10_000,
      stepRetry: { attempts: 12, delayMs: 2_000 },
      approvalTtlMs: 86_400_000,
      rollbackWindowMs: 7 * 86_400_000,
      observeLagThreshold: 1000,
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      SLACK_BOT_TOKEN: BOT,
      SLACK_SIGNING_SECRET: SIGNING,
      EVOLVE_SLACK_MODE: 'http',
      EVOLVE_SLACK_API_URL: 'http://127.0.0.1:4000/api/',
      EVOLVE_REDIS_URL: 'rediss://:pw@redis.internal:6380/2',
      EVOLVE_REDIS_PREFIX: 'team-a:',
      EVOLVE_KAFKA_BROKERS: ' k1:9092, k2:9093 ',
      EVOLVE_KAFKA_SSL: 'yes',
      EVOLVE_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      EVOLVE_KAFKA_SASL_USERNAME: 'evolve',
      EVOLVE_KAFKA_SASL_PASSWORD: 'kafka-pw',
      EVOLVE_FLINK_REST_URL: 'https://flink.example:8081',
      EVOLVE_FLINK_GATEWAY_URL: 'https://flink.example:8083',
      EVOLVE_FLINK_AUTH_HEADER: 'Bearer abc',
      EVOLVE_FLINK_ALLOWED_URLS: 'https://flink-eu.example:8081,https://flink.example:8081',
      EVOLVE_FLINK_TLS_CA_FILE: PEM,
      EVOLVE_FLINK_TLS_CERT_FILE: PEM,
      EVOLVE_FLINK_TLS_KEY_FILE: PEM,
      EVOLVE_KAFKA_SSL_CA_FILE: PEM,
      EVOLVE_PORT: '8080',
      EVOLVE_METRICS_PORT: '9464',
      EVOLVE_PIPELINES_FILE: './pipelines.yaml',
      EVOLVE_SQL_URL_ALLOWED_HOSTS: 'git.example.com, raw.example.com:8443',
      EVOLVE_BACKFILL_DEFAULT_RATE: '250.5',
      EVOLVE_DEPLOY_RUNNING_TIMEOUT_MS: '60000',
      EVOLVE_DEPLOY_STABLE_MS: '0',
      EVOLVE_STEP_RETRY_ATTEMPTS: '3',
      EVOLVE_STEP_RETRY_DELAY_MS: '500',
      EVOLVE_APPROVAL_TTL_MS: '3600000',
      EVOLVE_OBSERVE_LAG_THRESHOLD: '50000',
      EVOLVE_LOG_LEVEL: 'debug',
      EVOLVE_BULL_BOARD_TOKEN: 'a-long-random-board-token',
    });
    expect(config).toMatchObject({
      redis: { url: 'rediss://:pw@redis.internal:6380/2', keyPrefix: 'team-a:' },
      kafka: {
        brokers: ['k1:9092', 'k2:9093'],
        ssl: true,
        sslCaFile: PEM,
        sasl: { mechanism: 'scram-sha-512', username: 'evolve', password: 'kafka-pw' },
      },
      flink: {
        restUrl: 'https://flink.example:8081',
        allowedOrigins: [
          'https://flink.example:8081',
          'https://flink.example:8083',
          'https://flink-eu.example:8081',
        ],
        authHeader: 'Bearer abc',
        tls: { caFile: PEM, certFile: PEM, keyFile: PEM },
      },
      slack: { mode: 'http', signingSecret: SIGNING, apiUrl: 'http://127.0.0.1:4000/api/' },
      http: { port: 8080 },
      metricsPort: 9464,
      pipelinesFile: './pipelines.yaml',
      sqlUrlAllowedHosts: ['git.example.com', 'raw.example.com:8443'],
      backfillDefaultRate: 250.5,
      deployRunningTimeoutMs: 60_000,
      deployStableMs: 0,
      stepRetry: { attempts: 3, delayMs: 500 },
      approvalTtlMs: 3_600_000,
      observeLagThreshold: 50_000,
      logLevel: 'debug',
      bullBoardToken: 'a-long-random-board-token',
    });
  });

  it('reads the rollback window as a duration and names the variable when it is not one', () => {
    expect(loadConfig({ ...base, EVOLVE_ROLLBACK_WINDOW: '36h' }).rollbackWindowMs).toBe(
      36 * 3_600_000,
    );
    expect(loadConfig({ ...base, EVOLVE_ROLLBACK_WINDOW: '0' }).rollbackWindowMs).toBe(0);
    expect(() => loadConfig({ ...base, EVOLVE_ROLLBACK_WINDOW: 'a week' })).toThrow(
      'EVOLVE_ROLLBACK_WINDOW must be a duration such as 7d, 36h, 90m or 45s, for example EVOLVE_ROLLBACK_WINDOW=7d',
    );
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ ...base, EVOLVE_PORT: '', EVOLVE_KAFKA_SSL: '  ' }).http.port).toBe(3000);
  });

  it('derives the Slack mode from the tokens given', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SIGNING }).slack?.mode).toBe(
      'http',
    );
    expect(loadConfig(base).slack?.mode).toBe('socket');
  });

  const invalid: Array<[string, NodeJS.ProcessEnv, string]> = [
    ['EVOLVE_REDIS_URL', { EVOLVE_REDIS_URL: 'http://redis:6379' }, 'redis:// or rediss://'],
    ['EVOLVE_KAFKA_BROKERS', { EVOLVE_KAFKA_BROKERS: 'kafka' }, 'host:port'],
    ['EVOLVE_KAFKA_SSL', { EVOLVE_KAFKA_SSL: 'maybe' }, 'true or false'],
    [
      'EVOLVE_KAFKA_SASL_MECHANISM',
      { EVOLVE_KAFKA_SASL_MECHANISM: 'gssapi' },
      'plain, scram-sha-256, scram-sha-512',
    ],
    ['EVOLVE_FLINK_REST_URL', { EVOLVE_FLINK_REST_URL: 'flink:8081' }, 'http:// or https://'],
    ['EVOLVE_FLINK_GATEWAY_URL', { EVOLVE_FLINK_GATEWAY_URL: 'ftp://x' }, 'http:// or https://'],
    ['SLACK_BOT_TOKEN', { SLACK_BOT_TOKEN: 'xoxp-user-token' }, 'starting with xoxb-'],
    ['SLACK_APP_TOKEN', { SLACK_APP_TOKEN: 'xoxb-not-an-app-token' }, 'starting with xapp-'],
    ['EVOLVE_SLACK_MODE', { EVOLVE_SLACK_MODE: 'websocket' }, 'socket, http'],
    ['EVOLVE_SLACK_API_URL', { EVOLVE_SLACK_API_URL: 'localhost' }, 'http:// or https://'],
    ['EVOLVE_PORT', { EVOLVE_PORT: '70000' }, 'from 1 to 65535'],
    ['EVOLVE_PORT', { EVOLVE_PORT: '80a' }, 'whole number'],
    ['EVOLVE_METRICS_PORT', { EVOLVE_METRICS_PORT: '0' }, 'from 1 to 65535'],
    [
      'EVOLVE_SQL_URL_ALLOWED_HOSTS',
      { EVOLVE_SQL_URL_ALLOWED_HOSTS: 'https://git.example.com/x' },
      'host or host:port, without scheme or path',
    ],
    [
      'EVOLVE_FLINK_ALLOWED_URLS',
      { EVOLVE_FLINK_ALLOWED_URLS: 'flink-eu:8081' },
      'http:// or https:// origins without path or credentials',
    ],
    [
      'EVOLVE_REDIS_URL',
      { EVOLVE_REDIS_URL: 'redis://:pw%ZZ@h:6379' },
      'not valid URL encoding: write each special character of the password as %XX',
    ],
    ['EVOLVE_BACKFILL_DEFAULT_RATE', { EVOLVE_BACKFILL_DEFAULT_RATE: '0' }, 'greater than 0'],
    ['EVOLVE_BACKFILL_DEFAULT_RATE', { EVOLVE_BACKFILL_DEFAULT_RATE: '-5' }, 'greater than 0'],
    [
      'EVOLVE_DEPLOY_RUNNING_TIMEOUT_MS',
      { EVOLVE_DEPLOY_RUNNING_TIMEOUT_MS: '1.5' },
      'milliseconds',
    ],
    [
      'EVOLVE_STEP_RETRY_ATTEMPTS',
      { EVOLVE_STEP_RETRY_ATTEMPTS: '0' },
      'attempts: a whole number from 1',
    ],
    ['EVOLVE_STEP_RETRY_DELAY_MS', { EVOLVE_STEP_RETRY_DELAY_MS: '10' }, 'from 100'],
    ['EVOLVE_APPROVAL_TTL_MS', { EVOLVE_APPROVAL_TTL_MS: '1000' }, 'from 60000'],
    [
      'EVOLVE_OBSERVE_LAG_THRESHOLD',
      { EVOLVE_OBSERVE_LAG_THRESHOLD: '-1' },
      'whole number of input records, 0 or more, for example EVOLVE_OBSERVE_LAG_THRESHOLD=',
    ],
    ['EVOLVE_LOG_LEVEL', { EVOLVE_LOG_LEVEL: 'verbose' }, 'debug'],
    ['EVOLVE_BULL_BOARD_TOKEN', { EVOLVE_BULL_BOARD_TOKEN: 'short' }, 'at least 16'],
  ];
  for (const [variable, env, fix] of invalid) {
    it(`names ${variable} and the fix for ${JSON.stringify(Object.values(env)[0])}`, () => {
      const error = problemsOf({ ...base, ...env });
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.problems).toEqual([{ variable, message: expect.stringContaining(fix) }]);
      expect(error.userMessage).toContain(`- ${variable} `);
    });
  }

  it('without any Slack variable there is no Slack configuration (CLI, playground)', () => {
    expect(loadConfig({}).slack).toBeUndefined();
  });

  it('a missing bot token says where to find one', () => {
    const error = problemsOf({ SLACK_APP_TOKEN: APP });
    expect(error.problems).toEqual([
      { variable: 'SLACK_BOT_TOKEN', message: expect.stringContaining('OAuth & Permissions') },
    ]);
  });

  it('socket mode requires the app token and http mode the signing secret, as bolt-js says', () => {
    expect(problemsOf({ SLACK_BOT_TOKEN: BOT, EVOLVE_SLACK_MODE: 'socket' }).problems).toEqual([
      {
        variable: 'SLACK_APP_TOKEN',
        message: expect.stringMatching(/required when EVOLVE_SLACK_MODE is socket.*xapp-/),
      },
    ]);
    expect(problemsOf({ ...base, EVOLVE_SLACK_MODE: 'http' }).problems).toEqual([
      {
        variable: 'SLACK_SIGNING_SECRET',
        message: expect.stringContaining('required when EVOLVE_SLACK_MODE is http'),
      },
    ]);
  });

  it('SASL needs mechanism, user name and password together', () => {
    expect(
      problemsOf({ ...base, EVOLVE_KAFKA_SASL_MECHANISM: 'plain' }).problems.map((p) => p.variable),
    ).toEqual(['EVOLVE_KAFKA_SASL_USERNAME', 'EVOLVE_KAFKA_SASL_PASSWORD']);
    expect(
      problemsOf({ ...base, EVOLVE_KAFKA_SASL_PASSWORD: 'pw-1234' }).problems.map(
        (p) => p.variable,
      ),
    ).toEqual(['EVOLVE_KAFKA_SASL_MECHANISM']);
  });

  it('reports every problem at once', () => {
    const error = problemsOf({ ...base, EVOLVE_PORT: 'x', EVOLVE_LOG_LEVEL: 'loud' });
    expect(error.problems.map((p) => p.variable)).toEqual(['EVOLVE_PORT', 'EVOLVE_LOG_LEVEL']);
  });

  it('never echoes a secret, valid or not', () => {
    const secrets = {
      SLACK_BOT_TOKEN: 'xoxp-S3CR3T-user-token-value',
      SLACK_APP_TOKEN: 'not-xapp-S3CR3T-value',
      EVOLVE_REDIS_URL: 'ftp://:S3CR3Tpw@redis:6379',
      EVOLVE_BULL_BOARD_TOKEN: 'S3CR3Tshort',
      EVOLVE_KAFKA_SASL_PASSWORD: 'S3CR3T-kafka-pw',
      EVOLVE_FLINK_AUTH_HEADER: 'Bearer S3CR3T-flink',
      SLACK_SIGNING_SECRET: SIGNING,
    };
    const error = problemsOf(secrets);
    expect(error.problems.map((p) => p.variable).sort()).toEqual([
      'EVOLVE_BULL_BOARD_TOKEN',
      'EVOLVE_REDIS_URL',
      'SLACK_APP_TOKEN',
      'SLACK_BOT_TOKEN',
    ]);
    // Rules across variables run once each value is valid; they must not echo either.
    const crossRule = problemsOf({
      ...base,
      EVOLVE_KAFKA_SASL_PASSWORD: 'S3CR3T-kafka-pw',
      EVOLVE_SLACK_MODE: 'http',
    });
    expect(crossRule.problems).toHaveLength(2);
    // A password that fails URL decoding (ioredis would throw "URI malformed"), next to another problem.
    const undecodable = problemsOf({
      ...base,
      EVOLVE_REDIS_URL: 'redis://:s3cr%ZZet@h:6379',
      EVOLVE_PORT: 'eighty',
    });
    expect(undecodable.problems.map((p) => p.variable).sort()).toEqual([
      'EVOLVE_PORT',
      'EVOLVE_REDIS_URL',
    ]);
    const printed = `${undecodable.message}\n${JSON.stringify(undecodable.problems)}\n${String(undecodable.stack)}`;
    expect(printed).not.toContain('s3cr');
    expect(printed).not.toContain('ZZet');
    for (const e of [error, crossRule]) {
      const everything = `${e.message}\n${e.userMessage}\n${JSON.stringify(e.problems)}\n${String(e.stack)}`;
      for (const value of Object.values(secrets)) expect(everything).not.toContain(value);
      expect(everything).not.toContain('S3CR3T');
    }
  });
});

describe('describeConfig', () => {
  it('lists every variable with description, default and whether it is secret', () => {
    const table = describeConfig();
    const byName = new Map(table.map((v) => [v.name, v]));
    expect(byName.get('EVOLVE_REDIS_URL')).toMatchObject({
      default: 'redis://127.0.0.1:6379',
      secret: true,
    });
    expect(byName.get('EVOLVE_PORT')).toMatchObject({ default: '3000', secret: false });
    expect(byName.get('SLACK_BOT_TOKEN')).toMatchObject({ required: false, secret: true });
    expect(byName.get('EVOLVE_SLACK_MODE')?.default).toContain('SLACK_APP_TOKEN');
    for (const v of table) {
      expect(v.description.length).toBeGreaterThan(10);
      expect(v.name).toMatch(/^(EVOLVE_|SLACK_(BOT_TOKEN|APP_TOKEN|SIGNING_SECRET)$)/);
    }
    // Every variable the schema reads, in its order: the reference cannot skip one.
    expect(table.map((v) => v.name)).toEqual(Object.keys(ENV_VARS));
    expect(table.length).toBeGreaterThan(25);
  });

  it('documents defaults that loadConfig actually applies', () => {
    const config = loadConfig(base);
    const byName = new Map(describeConfig().map((v) => [v.name, v.default]));
    expect(String(config.http.port)).toBe(byName.get('EVOLVE_PORT'));
    expect(String(config.backfillDefaultRate)).toBe(byName.get('EVOLVE_BACKFILL_DEFAULT_RATE'));
    expect(config.kafka.brokers.join(',')).toBe(byName.get('EVOLVE_KAFKA_BROKERS'));
    expect(configReferenceMarkdown()).toContain(
      '| `EVOLVE_FLINK_REST_URL` | `http://127.0.0.1:8081` |  |',
    );
  });
});
