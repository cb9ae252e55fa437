import { describe, expect, it } from 'vitest';
import { diffCountsText, terminalText } from '../../src/cli/terminal-text.js';
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
  ])('%j', (slack, terminal) => {
    expect(terminalText(slack)).toBe(terminal);
  });

  it('names states and diff categories in words, not enum names or JSON', () => {
    expect(stateWords('BACKFILL_PAUSED')).toBe('Backfill paused');
    expect(stateWords('SHADOW_RESTARTING')).toBe('Shadow restarting in Flink');
    expect(diffCountsText({ same: 7, changed: 33, onlyProduction: 3, onlyTemp: 0 })).toBe(
      '7 same, 33 changed, 3 only in v1 (would be deleted), 0 only in v2 (new)',
    );
  });
});
