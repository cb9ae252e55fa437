import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry } from '../../src/slack-writer/slack-stream-entry.js';
import { supersededCards } from '../../src/slack-writer/superseded-cards.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';
import { FakeClock } from '../support/fake-clock.js';

const ev = anEvolutionIn('SHADOW_RUNNING', new FakeClock());
const other = { ...ev, id: 'ev-other' };

describe('Slack stream entries', () => {
  it('read back what was appended: card, milestone, approval request', () => {
    const milestone = { kind: 'info' as const, text: 'hello', details: { n: 1 } };
    const approval = { backfillMode: 'full' as const };
    expect(decodeEntry(encodeEntry({ op: 'card', evolution: ev }))).toEqual({
      op: 'card',
      evolution: ev,
    });
    expect(decodeEntry(encodeEntry({ op: 'milestone', evolution: ev, milestone }))).toEqual({
      op: 'milestone',
      evolution: ev,
      milestone,
    });
    expect(decodeEntry(encodeEntry({ op: 'approval', evolution: ev, approval }))).toEqual({
      op: 'approval',
      evolution: ev,
      approval,
    });
  });

  it('reads back an announcement, which has a channel and no evolution', () => {
    const entry = { op: 'announce' as const, channel: 'C0ANN', text: 'registered `x`' };
    expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
    expect(decodeEntry(['op', 'announce', 'body', '{"text":"no channel"}'])).toBeUndefined();
  });

  it('an entry this version cannot read is undefined, not an exception', () => {
    expect(decodeEntry(['op', 'card', 'evolution', '{not json'])).toBeUndefined();
    expect(decodeEntry(['op', 'teleport', 'evolution', JSON.stringify(ev)])).toBeUndefined();
    expect(decodeEntry(['op', 'card', 'evolution', '{"id":"x"}'])).toBeUndefined();
  });

  it('a card followed by a later card of the same evolution is superseded; milestones never are', () => {
    const batch = [
      { id: '1-0', entry: { op: 'card' as const, evolution: ev } },
      {
        id: '2-0',
        entry: {
          op: 'milestone' as const,
          evolution: ev,
          milestone: { kind: 'info' as const, text: 'm' },
        },
      },
      { id: '3-0', entry: { op: 'card' as const, evolution: other } },
      { id: '4-0', entry: { op: 'card' as const, evolution: ev } },
      { id: '5-0', entry: undefined },
      {
        id: '6-0',
        entry: {
          op: 'milestone' as const,
          evolution: ev,
          milestone: { kind: 'info' as const, text: 'n' },
        },
      },
    ];
    expect([...supersededCards(batch)]).toEqual(['1-0']);
  });
});
