import { z } from 'zod';
import { DURATION_HINT, parseDuration } from './duration.js';
import {
  bool,
  commaList,
  envVar,
  hasDecodableCredentials,
  httpUrl,
  integer,
  isOrigin,
  isUrl,
  oneOf,
  pemFile,
  port,
  text,
} from './env-var.js';
import { GROUP_ID_PATTERN, USER_ID_PATTERN } from '../evolution/pipeline.js';
import { parseSqlHostEntry } from './sql-url-allow-list.js';

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const HOST_PORT = /^[A-Za-z0-9._-]+:\d{1,5}$/;

/**
 * Every environment variable the product reads. Ours start with EVOLVE_;
 * Slack's keep the names its SDKs and docs use.
 */
export const ENV_VARS = {
  EVOLVE_REDIS_URL: envVar({
    description:
      'Redis for state, queues and the throttle (redis:// or rediss://). May carry a password.',
    schema: z
      .string()
      .refine((v) => isUrl(v, ['redis:', 'rediss:']), {
        error: 'must be a redis:// or rediss:// URL, for example redis://127.0.0.1:6379',
      })
      // ioredis decodes the user and password and throws a bare "URI malformed" otherwise.
      .refine((v) => !isUrl(v, ['redis:', 'rediss:']) || hasDecodableCredentials(v), {
        error:
          'has a user name or password that is not valid URL encoding: write each special character of the password as %XX (a literal % is %25)',
      }),
    default: 'redis://127.0.0.1:6379',
    secret: true,
  }),
  EVOLVE_REDIS_PREFIX: envVar({
    description: 'Prefix of every Redis key this installation writes.',
    schema: text('must not be empty'),
    default: 'evolve:',
  }),
  EVOLVE_QUEUE_NAMESPACE: envVar({
    description:
      'Namespace of the BullMQ queues (<namespace>-steps, …); installations sharing one Redis use different ones.',
    schema: z.string().regex(/^[a-zA-Z0-9_-]+$/, {
      error: "may only contain letters, digits, '_' and '-', for example evolve-staging",
    }),
    default: 'evolve',
  }),
  EVOLVE_KAFKA_BROKERS: envVar({
    description: 'Kafka bootstrap brokers, comma separated host:port.',
    schema: commaList().refine((list) => list.length > 0 && list.every((b) => HOST_PORT.test(b)), {
      error: 'must be a comma separated list of host:port, for example 127.0.0.1:9092,kafka-2:9092',
    }),
    default: '127.0.0.1:9092',
  }),
  EVOLVE_KAFKA_SSL: envVar({
    description: 'Connect to Kafka with TLS.',
    schema: bool(),
    default: 'false',
  }),
  EVOLVE_KAFKA_SSL_CA_FILE: envVar({
    description:
      "PEM file of the CA that signed the brokers' certificates, when it is not a public one (needs EVOLVE_KAFKA_SSL=true).",
    schema: pemFile('one or more CA certificates'),
  }),
  EVOLVE_KAFKA_SASL_MECHANISM: envVar({
    description: `Kafka SASL mechanism (${SASL_MECHANISMS.join(', ')}); unset for none.`,
    schema: oneOf(SASL_MECHANISMS),
  }),
  EVOLVE_KAFKA_SASL_USERNAME: envVar({
    description: 'Kafka SASL user name; required with EVOLVE_KAFKA_SASL_MECHANISM.',
    schema: text('must not be empty'),
  }),
  EVOLVE_KAFKA_SASL_PASSWORD: envVar({
    description: 'Kafka SASL password; required with EVOLVE_KAFKA_SASL_MECHANISM.',
    schema: text('must not be empty'),
    secret: true,
  }),
  EVOLVE_FLINK_REST_URL: envVar({
    description: 'Flink JobManager REST endpoint (savepoints, job state).',
    schema: httpUrl('EVOLVE_FLINK_REST_URL'),
    default: 'http://127.0.0.1:8081',
  }),
  EVOLVE_FLINK_GATEWAY_URL: envVar({
    description: 'Flink SQL Gateway REST endpoint (job submission, EXPLAIN).',
    schema: httpUrl('EVOLVE_FLINK_GATEWAY_URL'),
    default: 'http://127.0.0.1:8083',
  }),
  EVOLVE_FLINK_ALLOWED_URLS: envVar({
    description:
      'Other Flink endpoints pipelines may name, comma separated http(s) origins (scheme, host, port). A pipeline naming an endpoint not allowed is refused, and the Authorization header and TLS client certificate go to no other.',
    schema: commaList().refine((urls) => urls.every(isOrigin), {
      error:
        'must be a comma separated list of http:// or https:// origins without path or credentials, for example https://flink-eu.internal:8081,https://gateway-eu.internal:8083',
    }),
    defaultNote: 'only EVOLVE_FLINK_REST_URL and EVOLVE_FLINK_GATEWAY_URL, always allowed',
  }),
  EVOLVE_FLINK_AUTH_HEADER: envVar({
    description:
      'Authorization header value sent to Flink REST and the SQL Gateway, e.g. "Bearer …".',
    schema: text('must not be empty; unset it to send no Authorization header'),
    secret: true,
  }),
  EVOLVE_FLINK_TLS_CA_FILE: envVar({
    description:
      'PEM file of the CA that signed the certificates of Flink REST and the SQL Gateway (https URLs), when it is not a public one.',
    schema: pemFile('one or more CA certificates'),
  }),
  EVOLVE_FLINK_TLS_CERT_FILE: envVar({
    description:
      'PEM client certificate for Flink REST and the SQL Gateway when they require mutual TLS (security.ssl.rest.authentication-enabled); with EVOLVE_FLINK_TLS_KEY_FILE.',
    schema: pemFile('a client certificate'),
  }),
  EVOLVE_FLINK_TLS_KEY_FILE: envVar({
    description: 'PEM private key of EVOLVE_FLINK_TLS_CERT_FILE (unencrypted).',
    schema: pemFile('a private key'),
  }),
  SLACK_BOT_TOKEN: envVar({
    description:
      'Slack bot token (xoxb-…), from the app’s OAuth & Permissions page. Unset: no Slack workspace (the CLI, and the local playground of `npm start`).',
    schema: z
      .string({
        error:
          'is required: set it to the bot token (xoxb-…) from the Slack app’s OAuth & Permissions page',
      })
      .startsWith('xoxb-', {
        error:
          'must be a bot token starting with xoxb- (OAuth & Permissions page of the Slack app)',
      }),
    secret: true,
  }),
  SLACK_SIGNING_SECRET: envVar({
    description: 'Slack signing secret (Basic Information page); required in http mode.',
    schema: text('must not be empty'),
    secret: true,
  }),
  SLACK_APP_TOKEN: envVar({
    description: 'Slack app-level token (xapp-…) with connections:write; required in socket mode.',
    schema: z.string().startsWith('xapp-', {
      error:
        'must be an app-level token starting with xapp- (Basic Information page, App-Level Tokens)',
    }),
    secret: true,
  }),
  EVOLVE_SLACK_MODE: envVar({
    description:
      'How Slack reaches the bot: socket (Socket Mode, no public URL) or http (signed requests).',
    schema: oneOf(['socket', 'http'] as const),
    defaultNote: 'socket if SLACK_APP_TOKEN is set, else http',
  }),
  EVOLVE_SLACK_API_URL: envVar({
    description: 'Slack Web API base URL; only to point the bot at a local fake Slack.',
    schema: httpUrl('EVOLVE_SLACK_API_URL'),
  }),
  EVOLVE_PORT: envVar({
    description: 'HTTP port (Slack requests in http mode, health).',
    schema: port(),
    default: '3000',
  }),
  EVOLVE_METRICS_PORT: envVar({
    description: 'Port for Prometheus metrics; unset to disable.',
    schema: port(),
  }),
  EVOLVE_PIPELINES_FILE: envVar({
    description: 'YAML file of pipelines registered at start (see pipelines.example.yaml).',
    schema: text('must be a file path'),
  }),
  EVOLVE_ADMINS: envVar({
    description:
      'Slack user ids (U…/W…) and user group ids (S…), comma separated, of the administrators: only they register pipelines from Slack or the CLI and change owners, approvers, self-approval, output topic, key format or Flink endpoints. Empty: pipelines come only from EVOLVE_PIPELINES_FILE.',
    schema: commaList().refine(
      (ids) => ids.every((id) => USER_ID_PATTERN.test(id) || GROUP_ID_PATTERN.test(id)),
      {
        error:
          'must be a comma separated list of Slack user ids (U…/W…) or user group ids (S…), for example U012ABCDEF,S0ADMINS',
      },
    ),
    default: '',
  }),
  EVOLVE_SQL_URL_ALLOWED_HOSTS: envVar({
    description:
      '`/evolve develop sql=<url>` may fetch over https from these, comma separated: `host` (port 443 only) or `host:port`. Redirects must stay on the same host and port. A name resolving to a loopback, private, link-local or multicast address is refused unless that address itself is listed (e.g. 10.0.0.5:8443). Empty disables sql=<url>.',
    schema: commaList().refine((entries) => entries.every((e) => parseSqlHostEntry(e)), {
      error:
        'must be a comma separated list of host or host:port, without scheme or path, for example git.example.com,raw.example.com:8443',
    }),
    default: '',
  }),
  EVOLVE_BACKFILL_DEFAULT_RATE: envVar({
    description:
      'Backfill rate in records/s, summed over all workers, when neither the command nor the pipeline sets one.',
    schema: z
      .string()
      .refine((v) => /^\d+(\.\d+)?$/.test(v.trim()) && Number(v) > 0, {
        error: 'must be a number of records per second greater than 0',
      })
      .transform(Number),
    default: '1000',
  }),
  EVOLVE_DEPLOY_RUNNING_TIMEOUT_MS: envVar({
    description:
      'How long v2 may take to reach RUNNING (restored from S2) before v1 is restarted from S1.',
    schema: integer('milliseconds', 1_000),
    default: '120000',
  }),
  EVOLVE_DEPLOY_STABLE_MS: envVar({
    description:
      'How long v2 must stay RUNNING after the cutover, without a restart or a failure, before the deploy counts it as up; otherwise v1 is restarted from S1. Develop watches the shadow as long before it says RUNNING (a v2 that throws on its input fails develop). 0 skips the watch.',
    schema: integer('milliseconds', 0),
    default: '10000',
  }),
  EVOLVE_STEP_RETRY_ATTEMPTS: envVar({
    description:
      'Attempts of a develop, deploy or rollback step that meets an outage (Flink or Kafka unreachable) before the evolution is handed to a human as FAILED.',
    schema: integer('attempts', 1),
    default: '12',
  }),
  EVOLVE_STEP_RETRY_DELAY_MS: envVar({
    description:
      'First wait between two attempts of a step; each later wait doubles it (the default 12 attempts from 2 s wait about 68 minutes in all).',
    schema: integer('milliseconds', 100),
    default: '2000',
  }),
  EVOLVE_APPROVAL_TTL_MS: envVar({
    description:
      'How long an approval request stays valid, unless the pipeline sets its own. While it is pending only its requester may ask again (`/evolve deploy` posts the message anew and renews it).',
    schema: integer('milliseconds', 60_000),
    default: '86400000',
  }),
  EVOLVE_ROLLBACK_WINDOW: envVar({
    description:
      "How long after a cutover `/evolve rollback` stays possible, unless the pipeline sets its own `rollbackWindowMs`: until then v1's savepoint S1 and the snapshot of v1's answers (`<output>.evolve.<id>.v1`) are kept; then both are removed. 0 keeps nothing (no rollback).",
    schema: z
      .string()
      .refine((v) => parseDuration(v) !== undefined, {
        error: `must be ${DURATION_HINT}, for example EVOLVE_ROLLBACK_WINDOW=7d`,
      })
      .transform((v) => parseDuration(v)!),
    default: '7d',
  }),
  EVOLVE_OBSERVE_LAG_THRESHOLD: envVar({
    description:
      "Input records the shadow may be behind its inputs and still count as caught up; the thread hears when it goes above, and when it is back at half of it or less. Flink commits the shadow's offsets at checkpoints, so keep it above input rate × checkpoint interval.",
    schema: z
      .string()
      .refine((v) => /^\d+$/.test(v.trim()) && Number.isSafeInteger(Number(v)), {
        error:
          'must be a whole number of input records, 0 or more, for example EVOLVE_OBSERVE_LAG_THRESHOLD=1000',
      })
      .transform(Number),
    default: '1000',
  }),
  EVOLVE_LOG_LEVEL: envVar({
    description: `Log level (${LOG_LEVELS.join(', ')}).`,
    schema: oneOf(LOG_LEVELS),
    default: 'info',
  }),
  EVOLVE_BULL_BOARD_TOKEN: envVar({
    description:
      'Bearer token guarding the Bull Board queue dashboard; unset disables the dashboard.',
    schema: z.string().min(16, {
      error: 'must be at least 16 characters: the dashboard can retry and delete jobs',
    }),
    secret: true,
  }),
};

export type EnvVarName = keyof typeof ENV_VARS;

export const envSchema = z.object(ENV_VARS);
export type ParsedEnv = z.output<typeof envSchema>;
