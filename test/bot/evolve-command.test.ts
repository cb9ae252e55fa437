import { describe, expect, it } from 'vitest';
import { EvolveError } from '../../src/errors.js';
import { parseEvolveCommand } from '../../src/bot/evolve-command.js';

function failure(text: string): EvolveError {
  try {
    parseEvolveCommand(text);
  } catch (err) {
    if (err instanceof EvolveError) return err;
    throw err;
  }
  throw new Error(`'${text}' parsed but should not have`);
}

describe('parseEvolveCommand', () => {
  it.each([
    ['', { verb: 'help' }],
    ['help', { verb: 'help' }],
    ['  PIPELINES ', { verb: 'pipelines' }],
    ['register', { verb: 'register' }],
    ['develop revenue', { verb: 'develop', pipeline: 'revenue' }],
    [
      'develop revenue sql=https://git.example.com/r/v2.sql',
      { verb: 'develop', pipeline: 'revenue', sqlUrl: 'https://git.example.com/r/v2.sql' },
    ],
    [
      'develop revenue sql=<https://git.example.com/v2.sql|v2.sql>',
      { verb: 'develop', pipeline: 'revenue', sqlUrl: 'https://git.example.com/v2.sql' },
    ],
    ['status revenue', { verb: 'status', pipeline: 'revenue' }],
    ['diff revenue', { verb: 'diff', pipeline: 'revenue' }],
    ['deploy revenue', { verb: 'deploy', pipeline: 'revenue' }],
    ['backfill revenue', { verb: 'backfill', pipeline: 'revenue' }],
    [
      'backfill revenue rate=500 mode=refresh-only',
      { verb: 'backfill', pipeline: 'revenue', rate: 500, mode: 'refresh-only' },
    ],
    ['backfill revenue mode=FULL', { verb: 'backfill', pipeline: 'revenue', mode: 'full' }],
    ['throttle revenue 250', { verb: 'throttle', pipeline: 'revenue', rate: 250 }],
    ['throttle revenue rate=250', { verb: 'throttle', pipeline: 'revenue', rate: 250 }],
    ['pause revenue', { verb: 'pause', pipeline: 'revenue' }],
    ['resume revenue', { verb: 'resume', pipeline: 'revenue' }],
    ['cancel revenue', { verb: 'cancel', pipeline: 'revenue' }],
    ['abort revenue', { verb: 'abort', pipeline: 'revenue' }],
    ['history orders_v-2', { verb: 'history', pipeline: 'orders_v-2' }],
  ])('parses %j', (text, expected) => {
    expect(parseEvolveCommand(text)).toEqual(expected);
  });

  it.each([
    ['launch revenue', /`launch` is not an \/evolve command[\s\S]*\/evolve help/],
    ['status', /needs a pipeline name[\s\S]*Usage: `\/evolve status <pipeline>`/],
    ['status Revenue!', /not a pipeline name[\s\S]*\/evolve pipelines/],
    ['backfill revenue rate=fast', /not a rate[\s\S]*Usage: `\/evolve backfill/],
    ['backfill revenue rate=0', /not a rate/],
    ['backfill revenue mode=partial', /not a backfill mode[\s\S]*refresh-only/],
    ['backfill revenue speed=3', /has no option `speed`/],
    ['backfill revenue rate=1 rate=2', /given twice/],
    ['throttle revenue', /needs the new rate/],
    ['throttle revenue 10 20', /Unexpected `20`/],
    ['develop revenue sql=http://example.com/a.sql', /must use https/],
    ['develop revenue sql=notaurl', /is not a URL/],
    ['develop revenue extra', /not an option/],
    ['deploy rate=5', /pipeline name before any option/],
    ['help me', /takes no arguments/],
  ])('refuses %j with usage and a next step', (text, message) => {
    const err = failure(text);
    expect(err.code).toBe('INPUT_INVALID');
    expect(err.userMessage).toMatch(message);
  });
});
