import { describe, expect, it } from 'vitest';
import { SlackOutbox } from '../../src/slack-writer/slack-outbox.js';
import { SlackEntryPoster, THREAD_GONE_LINE } from '../../src/slack-writer/slack-entry-poster.js';
import { findPostedEntry } from '../../src/slack-writer/find-posted-entry.js';
import { isTransientSlackError } from '../../src/slack-writer/slack-error-kind.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';
import { FakeClock } from '../support/fake-clock.js';
import { InMemorySlackThreads } from '../support/in-memory-slack-threads.js';
import { useFakeSlack } from '../support/use-fake-slack.js';

const slack = useFakeSlack();

function poster() {
  const threads = new InMemorySlackThreads();
  const outbox = new SlackOutbox(slack.client, { minIntervalMs: 0 });
  return { threads, poster: new SlackEntryPoster(outbox, threads, findPostedEntry(slack.client)) };
}

describe('SlackEntryPoster over the fake Slack API', () => {
  it('starts the thread with the card, keeps its ids, posts milestones in it and edits the card', async () => {
    const { threads, poster: p } = poster();
    const ev = anEvolutionIn('SHADOW_RUNNING', new FakeClock());
    const cardTs = await p.handle({ op: 'card', evolution: ev });
    const replyTs = await p.handle({
      op: 'milestone',
      evolution: ev,
      milestone: { kind: 'info', text: 'first' },
    });
    await p.handle({ op: 'card', evolution: { ...ev, status: 'LIVE' } });

    expect(threads.threads.get(ev.id)).toEqual({
      channel: ev.slack.channel,
      threadTs: cardTs,
      cardTs,
    });
    const ws = slack.fake.workspace;
    expect(ws.channelHistory(ev.slack.channel).map((m) => m.ts)).toEqual([cardTs]);
    expect(ws.threadReplies(ev.slack.channel, cardTs).map((m) => [m.ts, m.text])).toEqual([
      [replyTs, 'first'],
    ]);
    expect(ws.message(ev.slack.channel, cardTs)?.editCount).toBe(1);
    expect(ws.message(ev.slack.channel, cardTs)?.text).toContain('Live');
  });

  it('a decision made elsewhere (the CLI) takes the buttons off the approval request, once', async () => {
    const { poster: p } = poster();
    const clock = new FakeClock();
    const asked = anEvolutionIn('AWAITING_APPROVAL', clock);
    await p.handle({ op: 'card', evolution: asked });
    const requestTs = await p.handle({ op: 'approval', evolution: asked, approval: {} });
    const ws = slack.fake.workspace;
    const buttons = () =>
      JSON.stringify(ws.message(asked.slack.channel, requestTs)?.blocks ?? []).includes('"button"');
    expect(buttons(), 'the request has its buttons').toBe(true);

    const approved = {
      ...asked,
      status: 'DEPLOYING' as const,
      approval: {
        ...asked.approval!,
        decision: 'approved' as const,
        decidedBy: 'U0APPR1',
        decidedAt: clock.now(),
      },
    };
    await p.handle({ op: 'card', evolution: approved });
    await p.handle({ op: 'card', evolution: { ...approved, status: 'LIVE' } });

    const request = ws.message(asked.slack.channel, requestTs);
    expect(buttons(), 'no button left').toBe(false);
    expect(JSON.stringify(request?.blocks)).toContain(':white_check_mark: Approved by <@U0APPR1>');
    expect(request?.editCount, 'edited once, not on every card').toBe(1);
  });

  it('a thread Slack no longer has is started again with a line saying so, and the milestone posted there', async () => {
    const { threads, poster: p } = poster();
    const ev = anEvolutionIn('SHADOW_RUNNING', new FakeClock());
    const oldTs = await p.handle({ op: 'card', evolution: ev });
    slack.fake.workspace.deleteMessage(ev.slack.channel, oldTs);

    await p.handle({ op: 'milestone', evolution: ev, milestone: { kind: 'info', text: 'after' } });

    const newTs = threads.threads.get(ev.id)?.threadTs;
    expect(newTs).toBeDefined();
    expect(newTs).not.toBe(oldTs);
    expect(slack.fake.workspace.threadReplies(ev.slack.channel, newTs!).map((m) => m.text)).toEqual(
      [THREAD_GONE_LINE, 'after'],
    );
    expect(
      slack.fake.callsOf('chat.postMessage').filter((c) => c.error === 'thread_not_found'),
    ).toHaveLength(1);
  });

  it('a card Slack no longer has (message_not_found on the edit) is posted again, once', async () => {
    const { threads, poster: p } = poster();
    const ev = anEvolutionIn('DEPLOYING', new FakeClock());
    const oldTs = await p.handle({ op: 'card', evolution: ev });
    slack.fake.workspace.deleteMessage(ev.slack.channel, oldTs);

    const newTs = await p.handle({ op: 'card', evolution: { ...ev, status: 'LIVE' } });

    expect(newTs).not.toBe(oldTs);
    expect(threads.threads.get(ev.id)?.cardTs).toBe(newTs);
    const history = slack.fake.workspace.channelHistory(ev.slack.channel);
    expect(history).toHaveLength(1);
    expect(history[0]?.text).toContain('Live');
    expect(slack.fake.workspace.threadReplies(ev.slack.channel, newTs).map((m) => m.text)).toEqual([
      THREAD_GONE_LINE,
    ]);
  });

  it('continues a thread an older bot recorded on the evolution', async () => {
    const { poster: p } = poster();
    const ev = anEvolutionIn('SHADOW_RUNNING', new FakeClock());
    const { ts } = await new SlackOutbox(slack.client).post(ev.slack.channel, { text: 'old card' });
    ev.slack = { ...ev.slack, threadTs: ts, statusMessageTs: ts };
    await p.handle({ op: 'milestone', evolution: ev, milestone: { kind: 'info', text: 'next' } });
    expect(slack.fake.workspace.threadReplies(ev.slack.channel, ts).map((m) => m.text)).toEqual([
      'next',
    ]);
  });

  it('finds a reply it posted by the stream entry id in its metadata (what a writer killed before recording asks)', async () => {
    const { poster: p } = poster();
    const ev = anEvolutionIn('SHADOW_RUNNING', new FakeClock());
    const milestone = {
      op: 'milestone' as const,
      evolution: ev,
      milestone: { kind: 'info' as const, text: 'once' },
    };
    const id = `${Date.now()}-0`;
    expect(await p.alreadyPosted(milestone, id)).toBeUndefined();
    const ts = await p.handle(milestone, id);
    expect(await p.alreadyPosted(milestone, id)).toBe(ts);
    expect(await p.alreadyPosted(milestone, `${Date.now()}-1`)).toBeUndefined();
    // A card is an edit: redone, never looked up.
    expect(await p.alreadyPosted({ op: 'card', evolution: ev }, id)).toBeUndefined();
  });

  it('tells a refusal that will never pass from one that may', async () => {
    const { poster: p } = poster();
    const ev = anEvolutionIn('SHADOW_RUNNING', new FakeClock());
    slack.fake.refuseNext('chat.postMessage', 'invalid_blocks');
    const definitive = await p.handle({ op: 'card', evolution: ev }).catch((e: unknown) => e);
    expect(isTransientSlackError(definitive)).toBe(false);
    slack.fake.refuseNext('chat.postMessage', 'internal_error');
    const passing = await p.handle({ op: 'card', evolution: ev }).catch((e: unknown) => e);
    expect(isTransientSlackError(passing)).toBe(true);
    expect(isTransientSlackError(new Error('Connection is closed.'))).toBe(true);
  });
});
