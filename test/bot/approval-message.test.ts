import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { ACTION_IDS, decodeApprovalValue } from '../../src/bot/blocks/action-ids.js';
import { approvalMessage, withApprovalDecision } from '../../src/bot/blocks/approval-message.js';
import { statusCard } from '../../src/bot/blocks/status-card.js';
import { approvalWarnings } from '../../src/evolution/approval-warnings.js';
import { TRUNCATION_MARK } from '../../src/bot/blocks/slack-limits.js';
import type { DiffReportView } from '../../src/bot/slack-commands.js';
import { sqlHash } from '../../src/evolution/sql-hash.js';
import { checkMessageLimits } from '../../src/slack-fake/index.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';
import { FakeClock } from '../support/fake-clock.js';

const clock = new FakeClock();
const report = (onlyProduction: number): DiffReportView => ({
  counts: { same: 800, changed: 100, onlyProduction, onlyTemp: 5 },
  samples: { same: [], changed: ['k1', 'k2'], onlyProduction: ['gone-1'], onlyTemp: ['new-1'] },
});

type Element = { action_id?: string; value?: string; confirm?: unknown };
function buttons(blocks: readonly KnownBlock[]): Element[] {
  return blocks.flatMap((b) => (b.type === 'actions' ? (b.elements as Element[]) : []));
}

describe('approvalMessage', () => {
  it('binds Approve and Reject to the evolution and the SQL hash shown; Approve asks for confirmation', () => {
    const ev = anEvolutionIn('AWAITING_APPROVAL', clock);
    const msg = approvalMessage({ evolution: ev, now: clock.now(), report: report(10) });
    const [approve, reject] = buttons(msg.blocks);
    expect(approve?.action_id).toBe(ACTION_IDS.approve);
    expect(reject?.action_id).toBe(ACTION_IDS.reject);
    expect(decodeApprovalValue(approve?.value)).toEqual({
      evolutionId: ev.id,
      sqlHash: ev.v2.hash,
    });
    expect(approve?.confirm).toBeDefined();
    expect(JSON.stringify(msg.blocks)).toContain('105 upserts, 10 deletes');
    expect(checkMessageLimits(msg.text, msg.blocks)).toBeUndefined();
  });

  it('warns when the backfill would delete over 10% of the production keys, not below', () => {
    const ev = anEvolutionIn('AWAITING_APPROVAL', clock);
    const over = approvalMessage({ evolution: ev, now: clock.now(), report: report(200) });
    const under = approvalMessage({ evolution: ev, now: clock.now(), report: report(50) });
    expect(JSON.stringify(over.blocks)).toMatch(/delete 200 of 1,100 production keys \(18\.2%/);
    expect(JSON.stringify(under.blocks)).not.toMatch(/over 10%/);
    const refreshOnly = approvalMessage({
      evolution: ev,
      now: clock.now(),
      report: report(200),
      backfillMode: 'refresh-only',
    });
    expect(JSON.stringify(refreshOnly.blocks)).toContain('0 deletes');
  });

  it("shows the service's warnings: all 459 keys deleted and the key columns changed", () => {
    const ev = anEvolutionIn('AWAITING_APPROVAL', clock);
    const warnings = approvalWarnings({
      diff: { same: 0, changed: 0, onlyProduction: 459, onlyTemp: 459 },
      backfillMode: 'full',
      v1Sink: { keyColumns: ['customer_id'], keyFormat: 'json', columns: [] },
      v2Sink: { keyColumns: ['region'], keyFormat: 'json', columns: [] },
      lagThreshold: 1000,
    });
    const msg = approvalMessage({ evolution: ev, now: clock.now(), report: report(459), warnings });
    const section = msg.blocks.find((b) => b.block_id === 'warnings') as
      { text?: { text?: string } } | undefined;
    expect(section?.text?.text).toBe(
      [
        ':warning: The backfill would delete 459 of 459 production keys (100%, over 10%). Check that v2 is meant to drop them, or backfill with mode=refresh-only.',
        ":warning: The key columns change from (customer_id) to (region): v2's records land under other keys, and clients reading the topic by key see both until the backfill deletes v1's.",
      ].join('\n'),
    );
  });

  it('a shadow 10 records behind (under the threshold) is no warning; the lag shows on the shadow line', () => {
    const ev = anEvolutionIn('AWAITING_APPROVAL', clock);
    const msg = approvalMessage({
      evolution: ev,
      now: clock.now(),
      report: report(10),
      shadow: { state: 'RUNNING', lagRecords: 10, restarts: 0 },
    });
    const json = JSON.stringify(msg.blocks);
    expect(json).not.toContain('records behind');
    expect(json).not.toContain(':warning:');
    expect(json).toContain('*Shadow* RUNNING · lag 10 records · 0 restarts');
  });

  it('puts a large SQL diff in a file and shows its beginning with the truncation mark', () => {
    const big = Array.from({ length: 400 }, (_, i) => `SELECT ${i} AS c${i} FROM t${i};`).join(
      '\n',
    );
    const base = anEvolutionIn('AWAITING_APPROVAL', clock);
    const ev = { ...base, v2: { sql: big, hash: sqlHash(big) } };
    ev.approval = { ...base.approval!, shownSqlHash: ev.v2.hash };
    const msg = approvalMessage({ evolution: ev, now: clock.now() });
    expect(msg.diffFile?.content).toContain('+SELECT 399 AS c399 FROM t399;');
    expect(JSON.stringify(msg.blocks)).toContain(TRUNCATION_MARK);
    expect(checkMessageLimits(msg.text, msg.blocks)).toBeUndefined();
    expect(decodeApprovalValue(buttons(msg.blocks)[0]?.value).sqlHash).toBe(sqlHash(big));
  });

  it('after a decision the buttons are replaced by who decided and when', () => {
    const ev = anEvolutionIn('AWAITING_APPROVAL', clock);
    const msg = approvalMessage({ evolution: ev, now: clock.now() });
    const decided = withApprovalDecision(msg.blocks, {
      evolutionId: ev.id,
      decision: 'rejected',
      decidedBy: 'U0APPR1',
      decidedAt: clock.now(),
    });
    expect(buttons(decided)).toHaveLength(0);
    expect(JSON.stringify(decided)).toMatch(/Rejected by <@U0APPR1> <!date\^\d+\^/);
  });
});

describe('statusCard', () => {
  it('follows Flink: a shadow RESTARTING is said over the stored state, with its restarts and last exception', () => {
    const ev = anEvolutionIn('SHADOW_RUNNING', clock);
    const card = statusCard({
      evolution: ev,
      now: clock.now(),
      shadow: {
        state: 'RESTARTING',
        restarts: 2,
        failure: 'NumberFormatException: For input string: "x"',
      },
    });
    const state = JSON.stringify(card.blocks.find((b) => b.block_id === 'state'));
    expect(state).toContain(':warning: Shadow job RESTARTING in Flink');
    expect(state).toContain('RESTARTING, 2 restarts');
    expect(state).toContain('last exception: NumberFormatException: For input string: \\"x\\"');
    const healthy = statusCard({ evolution: ev, now: clock.now(), shadow: { state: 'RUNNING' } });
    expect(JSON.stringify(healthy.blocks)).not.toContain('in Flink');
  });

  it('lists the approval warnings of a pending request', () => {
    const ev = anEvolutionIn('AWAITING_APPROVAL', clock);
    const card = statusCard({
      evolution: ev,
      now: clock.now(),
      warnings: [{ kind: 'key-format', text: 'The key format changes from json to raw: x.' }],
    });
    expect(JSON.stringify(card.blocks.find((b) => b.block_id === 'approval_warnings'))).toContain(
      '*Approval warnings*\\n:warning: The key format changes from json to raw: x.',
    );
  });

  it('shows backfill progress with rate and ETA, and Pause + Cancel while running', () => {
    const base = anEvolutionIn('BACKFILLING', clock);
    const ev = {
      ...base,
      backfill: {
        ...base.backfill!,
        rate: 100,
        progress: {
          emitted: 500,
          planned: 1000,
          updatedAt: clock.now(),
          stage: 'emit' as const,
          done: 500,
          total: 1000,
          rate: 100,
          etaSeconds: 5,
        },
      },
    };
    const card = statusCard({ evolution: ev, now: clock.now() });
    const json = JSON.stringify(card.blocks);
    expect(json).toContain('50%');
    expect(json).toContain(
      'Step 2 of 3, writing refreshes and deletes: 500 of 1,000 keys (50%) at 100 records/s, about 5 s left.',
    );
    expect(buttons(card.blocks).map((b) => b.action_id)).toEqual([
      ACTION_IDS.pauseBackfill,
      ACTION_IDS.cancelBackfill,
    ]);
    expect(card.text).toContain('Backfilling');
  });

  it('offers Resume when paused, and no backfill buttons once the evolution is done', () => {
    const base = anEvolutionIn('BACKFILLING', clock);
    const paused = statusCard({
      evolution: { ...base, backfill: { ...base.backfill!, paused: true } },
      now: clock.now(),
    });
    expect(buttons(paused.blocks).map((b) => b.action_id)).toEqual([
      ACTION_IDS.resumeBackfill,
      ACTION_IDS.cancelBackfill,
    ]);
    expect(paused.text).toContain('Backfill paused');
    const done = statusCard({ evolution: anEvolutionIn('COMPLETED', clock), now: clock.now() });
    expect(buttons(done.blocks)).toHaveLength(0);
  });
});

describe('/evolve diff: the same facts titled as a diff', () => {
  it('is titled as a diff, has no decision buttons or expiry, and no "=====" line', () => {
    const clock = new FakeClock();
    const ev = anEvolutionIn('AWAITING_APPROVAL', clock);
    const diff = approvalMessage({ evolution: ev, now: clock.now(), withButtons: false });
    const shown = JSON.stringify(diff.blocks);
    expect(diff.text).toBe(`Diff of v2 for ${ev.pipeline} (${ev.id})`);
    expect(shown).toContain(`*Diff of v2 for \`${ev.pipeline}\`*`);
    expect(shown).not.toMatch(/Deploy v2 of|requested by|Request expires/);
    expect(shown).not.toContain(ACTION_IDS.approve);
    expect(shown).not.toMatch(/={10}/);
    expect(shown).toContain('--- v1.sql');

    const request = approvalMessage({ evolution: ev, now: clock.now() });
    expect(request.text).toMatch(/^Approval needed: deploy v2/);
    expect(JSON.stringify(request.blocks)).not.toMatch(/={10}/);
  });
});

describe('a rollback in Slack', () => {
  const target = 'ev-mf0target-abc123';
  const rollback = () => ({
    ...anEvolutionIn('AWAITING_APPROVAL', clock),
    rollbackOf: { evolutionId: target, savepoint: 'file:/s1', baseTopic: 'out.evolve.x.v1' },
  });

  it('asks to roll back, says it is a rollback, and shows the diff from production back to v1', () => {
    const ev = rollback();
    const msg = approvalMessage({ evolution: ev, now: clock.now() });
    const text = JSON.stringify(msg.blocks);
    expect(msg.text).toBe(
      `Approval needed: roll ${ev.pipeline} back to the v1 of ${target} (${ev.id})`,
    );
    expect(text).toContain('*Roll back `' + ev.pipeline + '`?*');
    expect(text).toContain(':rewind: *This is a rollback* of `' + target + '`');
    expect(text).toContain('--- v1.sql');
    expect(text).toContain('Roll back production?');
    expect(text).toContain('If it does not start, v2 is restarted automatically.');
    expect(checkMessageLimits(msg.text, msg.blocks)).toBeUndefined();
  });

  it('names the rollback on its status card, and the window on the evolution it reverses', () => {
    const card = statusCard({ evolution: rollback(), now: clock.now() });
    expect(JSON.stringify(card.blocks)).toContain(`rollback of ${target}`);
    const live = {
      ...anEvolutionIn('COMPLETED', clock),
      v1Snapshot: { topic: 'out.evolve.x.v1', until: clock.now() + 3_600_000, completedAt: 1 },
    };
    expect(JSON.stringify(statusCard({ evolution: live, now: clock.now() }).blocks)).toContain(
      `rollback possible until ${new Date(clock.now() + 3_600_000).toISOString()} (` +
        '`/evolve rollback ' +
        live.pipeline +
        '`)',
    );
    const ended = statusCard({ evolution: live, now: clock.now() + 3_600_000 });
    expect(JSON.stringify(ended.blocks)).toContain('rollback window ended');
  });
});
