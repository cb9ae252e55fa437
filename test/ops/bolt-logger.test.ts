import { LogLevel } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { boltLogger } from '../../src/ops/bolt-logger.js';
import { createLogger } from '../../src/ops/logger.js';
import { captureLines } from './ops-test-kit.js';

const BOT = 'xoxb-1111-2222-botSECRETvalue';
const config = loadConfig({
  SLACK_BOT_TOKEN: BOT,
  SLACK_SIGNING_SECRET: 'f00dS3CR3Tsigning1234',
  EVOLVE_LOG_LEVEL: 'debug',
});

describe('boltLogger', () => {
  it('writes Bolt’s loose arguments as one JSON line, errors as err, secrets censored', () => {
    const out = captureLines();
    const log = boltLogger(createLogger(config, { process: 'bot', destination: out }));
    log.info('socket mode connected', { attempt: 2 });
    log.error('An API error occurred:', new Error(`invalid_auth for ${BOT}`));
    const [info, error] = out.records();
    expect(info).toMatchObject({
      level: 'info',
      component: 'bolt',
      process: 'bot',
      msg: 'socket mode connected { attempt: 2 }',
    });
    expect(error).toMatchObject({
      level: 'error',
      msg: 'An API error occurred:',
      err: { type: 'Error' },
    });
    expect(out.raw.join('')).not.toContain(BOT);
  });

  it('follows the level Bolt sets, on its own child only', () => {
    const out = captureLines();
    const root = createLogger(config, { destination: out });
    const log = boltLogger(root);
    log.setLevel(LogLevel.WARN);
    expect(log.getLevel()).toBe(LogLevel.WARN);
    log.info('hidden');
    log.warn('shown');
    root.info('still shown');
    log.setName('socket-mode');
    log.debug('debug again, from the renamed child');
    expect(out.records().map((r) => [r.msg, r.component])).toEqual([
      ['shown', 'bolt'],
      ['still shown', undefined],
      ['debug again, from the renamed child', 'socket-mode'],
    ]);
  });
});
