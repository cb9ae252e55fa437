import { describe, expect, it } from 'vitest';
import { EvolveError } from '../../src/errors.js';
import { MAX_COMMAND_BYTES, parseEvolveCommand } from '../../src/bot/evolve-command.js';

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
    ['complete revenue', { verb: 'complete', pipeline: 'revenue' }],
    ['rollback revenue', { verb: 'rollback', pipeline: 'revenue' }],
    ['history orders_v-2', { verb: 'history', pipeline: 'orders_v-2' }],
  ])('parses %j', (text, expected) => {
    expect(parseEvolveCommand(text)).toEqual(expected);
  });

  it.each([
    ['launch revenue', /`launch` is not an \/evolve command\.[\s\S]*\/evolve help/],
    ['stauts revenue', /`stauts` is not an \/evolve command\. Did you mean `status`\?/],
    ['bakfill revenue', /Did you mean `backfill`\?/],
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

describe('parseEvolveCommand: echoed input and oversized text', () => {
  it.each([
    ['status foo<!channel>', 'foo&lt;!channel&gt;'],
    ['foo<!here>', 'foo&lt;!here&gt;'],
    ['backfill revenue rate=<!everyone>', '&lt;!everyone&gt;'],
    ['backfill revenue mode=`x`<!channel>', 'ˋxˋ&lt;!channel&gt;'],
    ['develop revenue sql=<!channel>', '&lt;!channel&gt;'],
    ['throttle revenue 5 <@U0ADMIN> <!channel>', '&lt;@U0ADMIN&gt; &lt;!channel&gt;'],
  ])('`%s` comes back escaped: %s', (text, echoed) => {
    const message = failure(text).userMessage;
    expect(message).toContain(echoed);
    expect(message).not.toMatch(/<[!@]/);
  });

  it('a 4 KB garbage word is echoed in at most 80 characters', () => {
    const message = failure(`status ${'x'.repeat(4000)}`).userMessage;
    expect(message).toContain(`\`${'x'.repeat(79)}…\` is not a pipeline name`);
    expect(message.length).toBeLessThan(400);
  });

  it('a 10 KB garbage word is not echoed at all: the size refusal comes first', () => {
    const message = failure(`status ${'x'.repeat(10 * 1024)}<!channel>`).userMessage;
    expect(message).not.toContain('xxxxx');
    expect(message).not.toContain('<!channel>');
    expect(message.length).toBeLessThan(400);
  });

  it(`refuses text over ${MAX_COMMAND_BYTES} bytes without parsing it, saying the limit and what to do`, () => {
    const justFits = `develop revenue sql=https://git.example.com/${'a'.repeat(MAX_COMMAND_BYTES - 44)}`;
    expect(Buffer.byteLength(justFits)).toBe(MAX_COMMAND_BYTES);
    expect(parseEvolveCommand(justFits).verb).toBe('develop');

    const err = failure(`status revenue ${'a'.repeat(MAX_COMMAND_BYTES)}`);
    expect(err.code).toBe('INPUT_INVALID');
    expect(err.userMessage).toMatch(
      /4,111 bytes long; `\/evolve` takes at most 4,096 bytes \(4 KB\), so nothing was run/,
    );
    expect(err.userMessage).toContain('`/evolve develop <pipeline>` and paste it in the form');
    // Bytes, not characters: 2,049 two-byte characters are 4,098 bytes.
    expect(failure('é'.repeat(2049)).userMessage).toContain('4,098 bytes long');
  });
});
