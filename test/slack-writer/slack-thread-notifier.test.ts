import { describe, expect, it } from 'vitest';
import { SlackGroupDirectory } from '../../src/bot/slack-group-directory.js';
import { SlackOutbox } from '../../src/slack-writer/slack-outbox.js';
import { SlackThreadNotifier } from '../../src/slack-writer/slack-thread-notifier.js';
import { sqlHash } from '../../src/evolution/sql-hash.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';
import { FakeClock } from '../support/fake-clock.js';
import { useFakeSlack } from '../support/use-fake-slack.js';

const slack = useFakeSlack();

describe('SlackThreadNotifier over the fake Slack API', () => {
  it('creates one thread whose parent is the status card, then reuses it', async () => {
    const notifier = new SlackThreadNotifier(new SlackOutbox(slack.client, { minIntervalMs: 0 }));
    const ev = anEvolutionIn('SHADOW_RUNNING', new FakeClock());
    const ids = await notifier.ensureThread(ev);
    expect(ids.threadTs).toBe(ids.statusMessageTs);
    ev.slack = { ...ev.slack, ...ids };
    expect(await notifier.ensureThread(ev)).toEqual(ids);
    expect(slack.fake.workspace.channelHistory(ev.slack.channel)).toHaveLength(1);
    expect(slack.fake.workspace.message(ev.slack.channel, ids.statusMessageTs)?.text).toContain(
      'Shadow running',
    );
  });

  it('edits the card in place and posts milestones as ordered replies', async () => {
    const outbox = new SlackOutbox(slack.client, { minIntervalMs: 0 });
    const notifier = new SlackThreadNotifier(outbox);
    const ev = anEvolutionIn('DEPLOYING', new FakeClock());
    ev.slack = { ...ev.slack, ...(await notifier.ensureThread(ev)) };
    await Promise.all([
      notifier.postMilestone(ev, { kind: 'savepointTriggered', text: 'Savepoint S2 triggered' }),
      notifier.postMilestone(ev, {
        kind: 'savepointProgress',
        text: 'S2 in progress',
        details: { acknowledged: 3, total: 4 },
      }),
      notifier.postMilestone(ev, {
        kind: 'savepointCompleted',
        text: 'S2 completed',
        details: { location: 's3://sp/1', sizeBytes: 3 * 1024 * 1024 },
      }),
    ]);
    await notifier.updateStatusCard({ ...ev, status: 'LIVE', v2JobId: 'c'.repeat(32) });
    await outbox.idle();

    const replies = slack.fake.workspace.threadReplies(ev.slack.channel, ev.slack.threadTs!);
    expect(replies.map((r) => r.text)).toEqual([
      'Savepoint S2 triggered',
      'S2 in progress',
      'S2 completed',
    ]);
    expect(JSON.stringify(replies[1]?.blocks)).toContain('3 / 4 subtasks acknowledged');
    expect(JSON.stringify(replies[2]?.blocks)).toContain('3.0 MiB');
    const card = slack.fake.workspace.message(ev.slack.channel, ev.slack.statusMessageTs!);
    expect(card?.editCount).toBe(1);
    expect(card?.text).toContain('Live');
  });

  it('posts the approval request in the thread and uploads a large diff there as a file', async () => {
    const notifier = new SlackThreadNotifier(new SlackOutbox(slack.client, { minIntervalMs: 0 }));
    const base = anEvolutionIn('AWAITING_APPROVAL', new FakeClock());
    const big = Array.from({ length: 300 }, (_, i) => `SELECT ${i} FROM t;`).join('\n');
    const ev = { ...base, v2: { sql: big, hash: sqlHash(big) } };
    ev.approval = { ...base.approval!, shownSqlHash: ev.v2.hash };
    ev.slack = { ...ev.slack, ...(await notifier.ensureThread(ev)) };
    const { messageTs } = await notifier.postApprovalRequest(ev);

    const replies = slack.fake.workspace.threadReplies(ev.slack.channel, ev.slack.threadTs!);
    expect(replies.map((r) => r.ts)[0]).toBe(messageTs);
    const file = replies[1]?.files?.[0];
    expect(file?.bytes?.toString('utf8')).toContain('+SELECT 299 FROM t;');
  });
});

describe('SlackGroupDirectory', () => {
  it("returns the listed groups the user belongs to, ignoring unknown groups and ids that aren't groups", async () => {
    slack.fake.setUserGroup('S0APPROVERS', ['U1', 'U2']);
    slack.fake.setUserGroup('S0OWNERS', ['U3']);
    const directory = new SlackGroupDirectory(slack.client);
    expect(await directory.groupsOf('U1', ['S0APPROVERS', 'S0OWNERS', 'S0GONE', 'U1'])).toEqual([
      'S0APPROVERS',
    ]);
    await directory.groupsOf('U2', ['S0APPROVERS']);
    expect(
      slack.fake.callsOf('usergroups.users.list').filter((c) => c.args.usergroup === 'S0APPROVERS'),
    ).toHaveLength(1);
  });
});
