import { describe, expect, it } from 'vitest';
import { diffCountsText, personText, terminalText } from '../../src/cli/terminal-text.js';
import { stateWords } from '../../src/evolution/display-state.js';

describe('the CLI speaks plain text', () => {
  it.each([
    ['Approved by <@U0DEMOAPPR>.', 'Approved by @U0DEMOAPPR.'],
    ['Ask an owner (<@U0OWNER1>, <!subteam^S0TEAM|@data>).', 'Ask an owner (@U0OWNER1, @S0TEAM).'],
    [
      'Start it again with /evolve backfill demo, or end it with /evolve complete demo.',
      'Start it again with evolve backfill demo, or end it with evolve complete demo.',
    ],
    ['Possible now: abort (`/evolve abort`).', 'Possible now: abort (evolve abort).'],
    ['*Deploy v2 of `demo`?*', 'Deploy v2 of demo?'],
    ['`foo&lt;!channel&gt;` is not a pipeline name', 'foo<!channel> is not a pipeline name'],
    // SQL and other data keep their asterisks: only emphasis Slack would show is taken away.
    [
      'Flink refused the statement: SELECT * FROM a WHERE b*2 > 1',
      'Flink refused the statement: SELECT * FROM a WHERE b*2 > 1',
    ],
    [
      'The planner said: `SELECT *a* FROM t` is ambiguous',
      'The planner said: SELECT *a* FROM t is ambiguous',
    ],
    ['```\nSELECT a*b, *c* FROM t\n```', '\nSELECT a*b, *c* FROM t\n'],
    ['amount*rate*100 overflows DECIMAL(12, 2)', 'amount*rate*100 overflows DECIMAL(12, 2)'],
    [
      '*v2 is live.* Backfill with `/evolve backfill demo`.',
      'v2 is live. Backfill with evolve backfill demo.',
    ],
    ["Data says 'For input string: &lt;@U123&gt;'", "Data says 'For input string: <@U123>'"],
  ])('%j', (slack, terminal) => {
    expect(terminalText(slack)).toBe(terminal);
  });

  it('names people: the name and the id --as takes, or @id when nobody could tell', () => {
    const names = new Map([
      ['U0DANA', 'Dana'],
      ['U0DEMOAPPR', 'Arjun (approver)'],
    ]);
    expect(terminalText('Requested by <@U0DANA>, approved by <@U0DEMOAPPR>.', names)).toBe(
      'Requested by Dana (U0DANA), approved by Arjun (approver, U0DEMOAPPR).',
    );
    expect(terminalText('Aborted by <@U0NOBODY>.', names)).toBe('Aborted by @U0NOBODY.');
    // An escaped mention is data someone wrote: shown as written, nobody named.
    expect(terminalText('Cause: &lt;@U0DANA&gt;', names)).toBe('Cause: <@U0DANA>');
    expect(personText('U0X', undefined)).toBe('@U0X');
  });

  it('names states and diff categories in words, not enum names or JSON', () => {
    expect(stateWords('BACKFILL_PAUSED')).toBe('Backfill paused');
    expect(stateWords('SHADOW_RESTARTING')).toBe('Shadow restarting in Flink');
    expect(diffCountsText({ same: 7, changed: 33, onlyProduction: 3, onlyTemp: 0 })).toBe(
      '7 same, 33 changed, 3 only in v1 (would be deleted), 0 only in v2 (new)',
    );
  });
});
