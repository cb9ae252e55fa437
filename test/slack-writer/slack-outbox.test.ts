import { describe, expect, it } from 'vitest';
import { SlackOutbox } from '../../src/slack-writer/slack-outbox.js';
import { useFakeSlack } from '../support/use-fake-slack.js';

const slack = useFakeSlack();

describe('SlackOutbox', () => {
  it('coalesces 20 rapid edits of one message into far fewer chat.update calls; the last content wins', async () => {
    const outbox = new SlackOutbox(slack.client);
    const { ts } = await outbox.post('C1', { text: 'card 0' });
    const edits = Array.from({ length: 20 }, (_, i) =>
      outbox.update('C1', ts, { text: `card ${i + 1}` }),
    );
    await Promise.all(edits);

    const updates = slack.fake.callsOf('chat.update');
    expect(updates.length).toBeLessThanOrEqual(3);
    expect(updates.at(-1)?.args.text).toBe('card 20');
    expect(slack.fake.workspace.message('C1', ts)?.text).toBe('card 20');
  });

  it('sends at most one call per second per channel, while other channels go on', async () => {
    const outbox = new SlackOutbox(slack.client);
    await Promise.all([
      outbox.post('C1', { text: 'a' }),
      outbox.post('C1', { text: 'b' }),
      outbox.post('C2', { text: 'c' }),
    ]);
    const c1 = slack.fake.calls.filter((c) => c.args.channel === 'C1');
    expect((c1[1]?.at ?? 0) - (c1[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    // C2 did not wait behind C1's pacing.
    expect(slack.fake.calls.map((c) => c.args.text)).toEqual(['a', 'c', 'b']);
  });

  it('honours Retry-After: 2 on a 429 before the next call on that channel (Slack contract)', async () => {
    const outbox = new SlackOutbox(slack.client, { minIntervalMs: 0 });
    slack.fake.rateLimitNext('chat.postMessage', 1, 2);
    const first = outbox.post('C1', { text: 'after 429' });
    const other = outbox.post('C2', { text: 'other channel' });
    await Promise.all([first, other]);

    const c1 = slack.fake.calls.filter((c) => c.args.channel === 'C1');
    expect(c1.map((c) => c.httpStatus)).toEqual([429, 200]);
    expect((c1[1]?.at ?? 0) - (c1[0]?.at ?? 0)).toBeGreaterThanOrEqual(2000);
    expect(slack.fake.workspace.channelHistory('C1').map((m) => m.text)).toEqual(['after 429']);
    // The other channel was not held back by C1's Retry-After.
    const order = slack.fake.calls.map((c) => `${String(c.args.channel)}:${c.httpStatus}`);
    expect(order.indexOf('C2:200')).toBeLessThan(order.lastIndexOf('C1:200'));
  });

  it('keeps milestones in order and never drops one, even across a 429', async () => {
    const outbox = new SlackOutbox(slack.client, { minIntervalMs: 0 });
    const { ts } = await outbox.post('C1', { text: 'card' });
    slack.fake.rateLimitNext('chat.postMessage', 2, 1);
    const posts = Array.from({ length: 6 }, (_, i) => outbox.post('C1', { text: `m${i}` }, ts));
    await Promise.all(posts);
    expect(slack.fake.workspace.threadReplies('C1', ts).map((m) => m.text)).toEqual([
      'm0',
      'm1',
      'm2',
      'm3',
      'm4',
      'm5',
    ]);
  });

  it('rejects a call Slack refuses for good, and goes on with the next', async () => {
    const outbox = new SlackOutbox(slack.client, { minIntervalMs: 0 });
    const refused = outbox.update('C1', '1.000001', { text: 'x' });
    const next = outbox.post('C1', { text: 'next' });
    await expect(refused).rejects.toMatchObject({ data: { error: 'message_not_found' } });
    await expect(next).resolves.toMatchObject({ ts: expect.any(String) });
  });

  it('refuses nonsense options at construction', () => {
    expect(() => new SlackOutbox(slack.client, { minIntervalMs: -1 })).toThrow(/minIntervalMs/);
    expect(() => new SlackOutbox(slack.client, { maxAttempts: 0 })).toThrow(/maxAttempts/);
  });
});
