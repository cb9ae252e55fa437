import type { z } from 'zod';
import { EvolveError } from '../errors.js';
import type { EnvVarMeta } from './env-var.js';
import { flinkAllowedOrigins } from './flink-allow-list.js';
import {
  ENV_VARS,
  envSchema,
  type EnvVarName,
  type LOG_LEVELS,
  type ParsedEnv,
  type SASL_MECHANISMS,
} from './env-schema.js';

export interface Config {
  redis: { url: string; keyPrefix: string };
  /** BullMQ queue namespace (EVOLVE_QUEUE_NAMESPACE). */
  queueNamespace: string;
  kafka: {
    brokers: string[];
    ssl: boolean;
    /** CA of the brokers' certificates (EVOLVE_KAFKA_SSL_CA_FILE). */
    sslCaFile?: string;
    sasl?: { mechanism: (typeof SASL_MECHANISMS)[number]; username: string; password: string };
  };
  flink: {
    restUrl: string;
    gatewayUrl: string;
    /**
     * Origins a pipeline's endpoints may have (flink-allow-list.ts): the two
     * above and EVOLVE_FLINK_ALLOWED_URLS. Credentials go to no other.
     */
    allowedOrigins: string[];
    authHeader?: string;
    /** PEM files for https endpoints signed by a private CA, and for mutual TLS. */
    tls?: { caFile?: string; certFile?: string; keyFile?: string };
  };
  /** Absent when no Slack workspace is configured (CLI, local playground). */
  slack?: {
    mode: 'socket' | 'http';
    botToken: string;
    signingSecret?: string;
    appToken?: string;
    apiUrl?: string;
  };
  http: { port: number };
  metricsPort?: number;
  pipelinesFile?: string;
  /** EVOLVE_ADMINS: who registers pipelines and changes their rules. */
  admins: string[];
  sqlUrlAllowedHosts: string[];
  backfillDefaultRate: number;
  deployRunningTimeoutMs: number;
  /** EVOLVE_DEPLOY_STABLE_MS: how long v2 must stay up after the cutover. */
  deployStableMs: number;
  /** How a step that meets an outage is retried before the evolution is FAILED. */
  stepRetry: { attempts: number; delayMs: number };
  approvalTtlMs: number;
  /** EVOLVE_ROLLBACK_WINDOW: how long after a cutover a rollback stays possible. */
  rollbackWindowMs: number;
  /** Input records above which the shadow counts as behind (EVOLVE_OBSERVE_LAG_THRESHOLD). */
  observeLagThreshold: number;
  logLevel: (typeof LOG_LEVELS)[number];
  bullBoardToken?: string;
}

export interface ConfigProblem {
  variable: EnvVarName;
  message: string;
}

export class ConfigError extends EvolveError {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      'CONFIG_INVALID',
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `- ${p.variable} ${p.message}`).join('\n'),
    );
  }
}

const NAMES = Object.keys(ENV_VARS) as EnvVarName[];

function metaOf(name: EnvVarName): EnvVarMeta {
  return (ENV_VARS[name] as z.ZodType).meta() as unknown as EnvVarMeta;
}

/** Rules that involve more than one variable, worded like bolt-js's startup errors. */
function crossChecks(env: ParsedEnv, mode: 'socket' | 'http'): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const slackConfigured = env.SLACK_BOT_TOKEN !== undefined;
  if (!slackConfigured) {
    if (env.SLACK_APP_TOKEN || env.SLACK_SIGNING_SECRET || env.EVOLVE_SLACK_MODE) {
      problems.push({
        variable: 'SLACK_BOT_TOKEN',
        message:
          'is required when other Slack settings are given: set it to the bot token (xoxb-…) from the Slack app’s OAuth & Permissions page, or unset the other SLACK_ variables to run without Slack',
      });
    }
  } else if (mode === 'socket' && !env.SLACK_APP_TOKEN) {
    problems.push({
      variable: 'SLACK_APP_TOKEN',
      message:
        'is required when EVOLVE_SLACK_MODE is socket: create an app-level token (xapp-…) with connections:write, or set EVOLVE_SLACK_MODE=http',
    });
  }
  if (slackConfigured && mode === 'http' && !env.SLACK_SIGNING_SECRET) {
    problems.push({
      variable: 'SLACK_SIGNING_SECRET',
      message:
        'is required when EVOLVE_SLACK_MODE is http: copy the signing secret from the Slack app’s Basic Information page, or use Socket Mode with SLACK_APP_TOKEN',
    });
  }
  if (env.EVOLVE_KAFKA_SSL_CA_FILE && !env.EVOLVE_KAFKA_SSL) {
    problems.push({
      variable: 'EVOLVE_KAFKA_SSL_CA_FILE',
      message: 'is only used over TLS: set EVOLVE_KAFKA_SSL=true as well, or unset it',
    });
  }
  if (Boolean(env.EVOLVE_FLINK_TLS_CERT_FILE) !== Boolean(env.EVOLVE_FLINK_TLS_KEY_FILE)) {
    problems.push({
      variable: env.EVOLVE_FLINK_TLS_CERT_FILE
        ? 'EVOLVE_FLINK_TLS_KEY_FILE'
        : 'EVOLVE_FLINK_TLS_CERT_FILE',
      message:
        'is required with its pair: mutual TLS needs both EVOLVE_FLINK_TLS_CERT_FILE and EVOLVE_FLINK_TLS_KEY_FILE',
    });
  }
  if (env.EVOLVE_KAFKA_SASL_MECHANISM) {
    for (const variable of ['EVOLVE_KAFKA_SASL_USERNAME', 'EVOLVE_KAFKA_SASL_PASSWORD'] as const) {
      if (!env[variable]) {
        problems.push({ variable, message: 'is required when EVOLVE_KAFKA_SASL_MECHANISM is set' });
      }
    }
  } else if (env.EVOLVE_KAFKA_SASL_USERNAME || env.EVOLVE_KAFKA_SASL_PASSWORD) {
    problems.push({
      variable: 'EVOLVE_KAFKA_SASL_MECHANISM',
      message: `must be set (one of plain, scram-sha-256, scram-sha-512) when a SASL user name or password is given`,
    });
  }
  return problems;
}

/** Secrets must not leak through a message even if a schema ever quoted its input. */
function redact(message: string, raw: Record<string, string | undefined>): string {
  let out = message;
  for (const name of NAMES) {
    const value = raw[name];
    if (metaOf(name).secret && value && value.length >= 4)
      out = out.split(value).join('[redacted]');
  }
  return out;
}

/**
 * Reads and validates all configuration once, at start (probot's
 * readEnvOptions habit: the environment is a parameter, so tests inject it).
 * Every problem is reported at once, each naming its variable and the fix.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, string | undefined> = {};
  for (const name of NAMES) {
    const value = env[name]?.trim();
    // An empty variable (FOO= in an env file) means unset, so its default applies.
    raw[name] = value === '' ? undefined : value;
  }
  const result = envSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => ({
      variable: String(issue.path[0]) as EnvVarName,
      message: redact(issue.message, raw),
    }));
    throw new ConfigError(problems);
  }
  const e = result.data;
  const mode = e.EVOLVE_SLACK_MODE ?? (e.SLACK_APP_TOKEN ? 'socket' : 'http');
  const problems = crossChecks(e, mode);
  if (problems.length > 0) throw new ConfigError(problems);
  const sasl =
    e.EVOLVE_KAFKA_SASL_MECHANISM && e.EVOLVE_KAFKA_SASL_USERNAME && e.EVOLVE_KAFKA_SASL_PASSWORD
      ? {
          mechanism: e.EVOLVE_KAFKA_SASL_MECHANISM,
          username: e.EVOLVE_KAFKA_SASL_USERNAME,
          password: e.EVOLVE_KAFKA_SASL_PASSWORD,
        }
      : undefined;
  return {
    redis: { url: e.EVOLVE_REDIS_URL, keyPrefix: e.EVOLVE_REDIS_PREFIX },
    queueNamespace: e.EVOLVE_QUEUE_NAMESPACE,
    kafka: {
      brokers: e.EVOLVE_KAFKA_BROKERS,
      ssl: e.EVOLVE_KAFKA_SSL,
      ...(e.EVOLVE_KAFKA_SSL_CA_FILE ? { sslCaFile: e.EVOLVE_KAFKA_SSL_CA_FILE } : {}),
      ...(sasl ? { sasl } : {}),
    },
    flink: {
      restUrl: e.EVOLVE_FLINK_REST_URL,
      gatewayUrl: e.EVOLVE_FLINK_GATEWAY_URL,
      allowedOrigins: flinkAllowedOrigins([
        e.EVOLVE_FLINK_REST_URL,
        e.EVOLVE_FLINK_GATEWAY_URL,
        ...(e.EVOLVE_FLINK_ALLOWED_URLS ?? []),
      ]),
      ...(e.EVOLVE_FLINK_AUTH_HEADER ? { authHeader: e.EVOLVE_FLINK_AUTH_HEADER } : {}),
      ...(e.EVOLVE_FLINK_TLS_CA_FILE || e.EVOLVE_FLINK_TLS_CERT_FILE
        ? {
            tls: {
              ...(e.EVOLVE_FLINK_TLS_CA_FILE ? { caFile: e.EVOLVE_FLINK_TLS_CA_FILE } : {}),
              ...(e.EVOLVE_FLINK_TLS_CERT_FILE ? { certFile: e.EVOLVE_FLINK_TLS_CERT_FILE } : {}),
              ...(e.EVOLVE_FLINK_TLS_KEY_FILE ? { keyFile: e.EVOLVE_FLINK_TLS_KEY_FILE } : {}),
            },
          }
        : {}),
    },
    ...(e.SLACK_BOT_TOKEN
      ? {
          slack: {
            mode,
            botToken: e.SLACK_BOT_TOKEN,
            ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
            ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
            ...(e.EVOLVE_SLACK_API_URL ? { apiUrl: e.EVOLVE_SLACK_API_URL } : {}),
          },
        }
      : {}),
    http: { port: e.EVOLVE_PORT },
    ...(e.EVOLVE_METRICS_PORT !== undefined ? { metricsPort: e.EVOLVE_METRICS_PORT } : {}),
    ...(e.EVOLVE_PIPELINES_FILE ? { pipelinesFile: e.EVOLVE_PIPELINES_FILE } : {}),
    admins: e.EVOLVE_ADMINS,
    sqlUrlAllowedHosts: e.EVOLVE_SQL_URL_ALLOWED_HOSTS,
    backfillDefaultRate: e.EVOLVE_BACKFILL_DEFAULT_RATE,
    deployRunningTimeoutMs: e.EVOLVE_DEPLOY_RUNNING_TIMEOUT_MS,
    deployStableMs: e.EVOLVE_DEPLOY_STABLE_MS,
    stepRetry: { attempts: e.EVOLVE_STEP_RETRY_ATTEMPTS, delayMs: e.EVOLVE_STEP_RETRY_DELAY_MS },
    approvalTtlMs: e.EVOLVE_APPROVAL_TTL_MS,
    rollbackWindowMs: e.EVOLVE_ROLLBACK_WINDOW,
    observeLagThreshold: e.EVOLVE_OBSERVE_LAG_THRESHOLD,
    logLevel: e.EVOLVE_LOG_LEVEL,
    ...(e.EVOLVE_BULL_BOARD_TOKEN ? { bullBoardToken: e.EVOLVE_BULL_BOARD_TOKEN } : {}),
  };
}

export interface ConfigVariable {
  name: EnvVarName;
  description: string;
  default?: string;
  required: boolean;
  secret: boolean;
}

/** The reference table of every variable, read from the schema itself. */
export function describeConfig(): ConfigVariable[] {
  return NAMES.map((name) => {
    const meta = metaOf(name);
    return {
      name,
      description: meta.description,
      ...(meta.default !== undefined ? { default: meta.default } : {}),
      required: meta.required,
      secret: meta.secret,
    };
  });
}

/** describeConfig() as a Markdown table, for the README and `evolve config`. */
export function configReferenceMarkdown(): string {
  const rows = describeConfig().map(
    (v) =>
      `| \`${v.name}\` | ${v.default !== undefined ? `\`${v.default}\`` : v.required ? '(required)' : ''} | ${v.secret ? 'yes' : ''} | ${v.description} |`,
  );
  return ['| variable | default | secret | description |', '|---|---|---|---|', ...rows].join('\n');
}
