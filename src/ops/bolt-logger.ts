import { inspect } from 'node:util';
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from './logger.js';

const BOLT_LEVEL: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

/**
 * Bolt's (and the Slack SDKs') logger interface on the product logger, so
 * the bot process writes one JSON log with the same redaction: Bolt passes
 * loose arguments (strings, objects, errors), which become the message and
 * an `err` field.
 */
export function boltLogger(logger: Logger, name = 'bolt'): BoltLogger {
  let log = logger.child({ component: name });
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]): void => {
      const err = args.find((a): a is Error => a instanceof Error);
      const text = args
        .filter((a) => a !== err)
        .map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 4, breakLength: Infinity })))
        .join(' ');
      if (err) log[level]({ err }, text || err.message);
      else log[level](text);
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel(level: LogLevel) {
      log.level = level;
    },
    getLevel: () => BOLT_LEVEL[log.level] ?? LogLevel.INFO,
    setName(next: string) {
      log = logger.child({ component: next });
    },
  };
}
