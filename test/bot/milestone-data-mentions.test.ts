import { describe, expect, it } from 'vitest';
import { milestoneReply } from '../../src/bot/blocks/milestone-reply.js';
import { terminalText } from '../../src/cli/terminal-text.js';
import { giveUp } from '../../src/evolution/workflow/give-up.js';
import { runDeploy } from '../../src/evolution/workflow/run-deploy.js';
import { milestoneOf } from '../../src/observer/observation-milestone.js';
import { systemClock } from '../../src/store/system-clock.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';
import { approvedWorld } from '../support/workflow-world.js';

/** What Flink reports for a v2 whose CAST meets a record holding a mention (data, not a person). */
const EXCEPTION = "java.lang.NumberFormatException: For input string: '<@U123>'";

const sectionText = (m: Parameters<typeof milestoneReply>[0]) =>
  JSON.stringify(milestoneReply(m).blocks[0]);

describe('a milestone quoting data pings nobody; the mentions the product writes stay live', () => {
  it("the observer's last exception reaches Slack as text, and the terminal as written", () => {
    const m = milestoneOf(
      { kind: 'state', from: 'RUNNING', to: 'RESTARTING' },
      {
        ev: anEvolutionIn('LIVE', systemClock),
        role: 'v2',
        jobId: 'c'.repeat(32),
        failure: EXCEPTION,
        lagThreshold: 10,
      },
    );
    const slack = sectionText(m);
    expect(slack).toContain("For input string: '&lt;@U123&gt;'");
    expect(slack).not.toContain('<@U123>');
    expect(terminalText(m.text, new Map([['U123', 'Dana']]))).toContain(
      "Its last exception: java.lang.NumberFormatException: For input string: '<@U123>'.",
    );
  });

  it('a step that fails with that exception: the thread quotes it, the record keeps it as it was', async () => {
    const w = await approvedWorld();
    const crash = new Error(EXCEPTION);
    w.flink.stopWithSavepoint = async () => {
      throw crash;
    };
    await runDeploy(w.deps, w.evolution.id).catch(() => undefined);
    const ev = await giveUp(w.deps, w.evolution.id, 'deploy', crash);
    expect(ev.error?.message).toContain(EXCEPTION);
    const said = w.notifier.milestones.filter((m) => m.text.includes('For input string'));
    expect(said.length).toBeGreaterThan(0);
    for (const m of said) {
      expect(m.text).toContain("'&lt;@U123&gt;'");
      expect(sectionText(m)).not.toContain('<@U123>');
    }
  });

  it("the product's own mention of who approved stays a mention; stray markup is defused", () => {
    expect(sectionText({ kind: 'info', text: 'Approved by <@U0APPR1>.' })).toContain(
      'Approved by <@U0APPR1>.',
    );
    expect(sectionText({ kind: 'info', text: 'a <!channel> b & c' })).toContain(
      'a &lt;!channel&gt; b & c',
    );
  });
});
