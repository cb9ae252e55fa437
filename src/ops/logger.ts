import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config/load-config.js';

export type { Logger } from 'pino';

/**
 * Field names that hold credentials wherever they appear (one or two levels
 * deep: pino's redaction has no recursive wildcard). The value guard below
 * catches what a path misses.
 */
export const REDACT_PATHS: readonly string[] = [
  'password',
  'token',
  'secret',
  'authorization',
  'cookie',
  'authHeader',
  'botToken',
  'appToken',
  'signingSecret',
  'bullBoardToken',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
].flatMap((p) => [p, `*.${p}`, `*.*.${p}`]);

const CENSOR = '[redacted]';

/** Secrets are this long or longer; shorter values would censor ordinary words. */
const MIN_SECRET_LENGTH = 4;

/**
 * Decodes the %XX sequences that decode and keeps the others as written, the
 * way lenient clients read a password like "s3cr%ZZet%21": never throws.
 */
function lenientDecode(text: string): string {
  return text.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/**
 * The Redis URL and its password in every form a log could carry: as
 * written, as the URL parser re-encodes it, and decoded. Each form is added
 * on its own, so a password that fails URL decoding
 * ("redis://:s3cr%ZZet@h:6379") is still censored rather than skipped.
 */
export function redisUrlSecrets(redisUrl: string): string[] {
  let url: URL;
  try {
    url = new URL(redisUrl);
  } catch {
    // loadConfig validated the URL; a hand-built config may not have: censor it whole.
    return [redisUrl];
  }
  if (!url.password) return [];
  const values = [redisUrl, url.href, url.password, lenientDecode(url.password)];
  try {
    values.push(decodeURIComponent(url.password));
  } catch {
    // Undecodable: the forms above already cover it.
  }
  return values;
}

/** Every credential the configuration holds, in the forms a log line could carry it. */
export function configSecrets(config: Config): string[] {
  const values: string[] = redisUrlSecrets(config.redis.url);
  if (config.kafka.sasl) values.push(config.kafka.sasl.password);
  if (config.flink.authHeader) {
    values.push(config.flink.authHeader);
    // "Bearer abc": the credential alone may show up in a client's error.
    const credential = config.flink.authHeader.split(/\s+/).slice(1).join(' ');
    if (credential) values.push(credential);
  }
  if (config.slack) {
    values.push(config.slack.botToken);
    if (config.slack.signingSecret) values.push(config.slack.signingSecret);
    if (config.slack.appToken) values.push(config.slack.appToken);
  }
  if (config.bullBoardToken) values.push(config.bullBoardToken);
  const forms = values.flatMap((v) => [v, JSON.stringify(v).slice(1, -1), encodeURIComponent(v)]);
  // Longest first, so a URL is censored whole before the password inside it.
  return [...new Set(forms)]
    .filter((v) => v.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
}

/**
 * The last line of defence: whatever path a secret took into a log record
 * (an error message quoting a header, a URL with a password), its value is
 * censored in the serialized line before it is written.
 */
export function secretGuard(secrets: readonly string[]): (line: string) => string {
  if (secrets.length === 0) return (line) => line;
  return (line) => {
    let out = line;
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join(CENSOR);
    return out;
  };
}

export interface CreateLoggerOptions {
  /** Which process speaks ('worker', 'bot'); a field on every line. */
  process?: string;
  /** Where the JSON lines go; stdout when absent (tests capture them here). */
  destination?: DestinationStream;
}

/**
 * The product's logger: one JSON object per line, level from
 * EVOLVE_LOG_LEVEL, credentials censored by field name and by value.
 */
export function createLogger(config: Config, options: CreateLoggerOptions = {}): Logger {
  const logger = pino(
    {
      level: config.logLevel,
      base: {
        service: 'flink-evolve',
        ...(options.process ? { process: options.process } : {}),
        pid: process.pid,
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names read better than numbers in a log search, and survive a change of level scheme.
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      redact: { paths: [...REDACT_PATHS], censor: CENSOR },
      hooks: { streamWrite: secretGuard(configSecrets(config)) },
    },
    options.destination,
  );
  return logger;
}

/** The fields that tie a log line to what it is about; absent ones are left out. */
export interface LogContext {
  pipeline?: string;
  evolution?: string;
  job?: { id?: string; name: string; queue: string; attempt: number };
}

export function contextLogger(logger: Logger, context: LogContext): Logger {
  const fields: Record<string, unknown> = {};
  if (context.pipeline) fields.pipeline = context.pipeline;
  if (context.evolution) fields.evolution = context.evolution;
  if (context.job) fields.job = context.job;
  return logger.child(fields);
}
