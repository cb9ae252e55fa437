import { terminalText } from '../../src/cli/terminal-text.js';
import { describe, expect, it } from 'vitest';
import { statusCard } from '../../src/bot/blocks/status-card.js';
import { productionLine } from '../../src/cli/status-lines.js';
import { productionNow } from '../../src/evolution/production-now.js';
import { shortHash } from '../../src/evolution/sql-hash.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';
import { FakeClock } from '../support/fake-clock.js';

describe('status after an evolution says what production runs, since when, approved by whom', () => {
  const clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 30));
  const completed = () => {
    const ev = anEvolutionIn('COMPLETED', clock);
    return {
      ...ev,
      v2JobId: 'f'.repeat(32),
      deploy: { startedAt: clock.now() - 60_000, steps: {}, finishedAt: clock.now() - 30_000 },
      approval: {
        ...ev.approval!,
        decision: 'approved' as const,
        decidedBy: 'U0APPR1',
        decidedAt: clock.now() - 90_000,
      },
    };
  };

  it('in the CLI and on the Slack card, alike', () => {
    const ev = completed();
    const production = productionNow(ev)!;
    // A mention, so the CLI prints the approver's name (terminalText with the names it learnt).
    expect(productionLine(production)).toBe(
      `production runs v2 ${shortHash(ev.v2.hash)} as job ${'f'.repeat(32)} since 2026-12-07T09:29:30.000Z, approved by <@U0APPR1>`,
    );
    expect(terminalText(productionLine(production), new Map([['U0APPR1', 'Arjun']]))).toMatch(
      /, approved by Arjun \(U0APPR1\)$/,
    );
    const card = JSON.stringify(statusCard({ evolution: ev, now: clock.now() }).blocks);
    expect(card).toContain(`Production runs v2 \`${shortHash(ev.v2.hash)}\` as job`);
    expect(card).toContain('approved by <@U0APPR1>');
  });

  it('a completed card no longer names the deleted TEMP topic or the stopped shadow job', () => {
    const ev = completed();
    const card = JSON.stringify(statusCard({ evolution: ev, now: clock.now() }).blocks);
    expect(card).not.toContain(ev.shadow.tempTopic);
    expect(card).toContain('TEMP deleted');
  });

  it('says nothing of production before the deploy', () => {
    expect(productionNow(anEvolutionIn('SHADOW_RUNNING', clock))).toBeUndefined();
  });
});
