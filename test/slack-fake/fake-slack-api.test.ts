import { ErrorCode, WebClient, type WebAPIRateLimitedError } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { fakeTriggerId } from '../../src/slack-fake/index.js';
import { useFakeSlack } from '../support/use-fake-slack.js';

const slack = useFakeSlack();

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('FakeSlackApi with the real WebClient', () => {
  it('answers auth.test with the bot identity', async () => {
    const res = await slack.client.auth.test();
    expect(res.user_id).toBe(slack.fake.botUserId);
    expect(res.team_id).toBe(slack.fake.teamId);
  });

  it('decodes JSON-encoded form fields and keeps threads with edits applied', async () => {
    const top = await slack.client.chat.postMessage({
      channel: 'C1',
      text: 'card',
      blocks: [section('v1')],
    });
    const reply = await slack.client.chat.postMessage({
      channel: 'C1',
      text: 'milestone',
      thread_ts: top.ts,
    });
    await slack.client.chat.update({
      channel: 'C1',
      ts: top.ts ?? '',
      text: 'card',
      blocks: [section('v2')],
    });

    const recorded = slack.fake.callsOf('chat.postMessage')[0];
    expect(recorded?.args.blocks).toEqual([section('v1')]);
    expect(recorded?.args).not.toHaveProperty('token');
    const history = slack.fake.workspace.channelHistory('C1');
    expect(history.map((m) => m.ts)).toEqual([top.ts]);
    expect(history[0]?.blocks).toEqual([section('v2')]);
    expect(history[0]?.editCount).toBe(1);
    expect(slack.fake.workspace.threadReplies('C1', top.ts ?? '').map((m) => m.ts)).toEqual([
      reply.ts,
    ]);
    expect(Number(reply.ts)).toBeGreaterThan(Number(top.ts));
  });

  it('refuses a wrong bot token the way Slack does', async () => {
    const stranger = new WebClient('xoxb-wrong', {
      slackApiUrl: slack.fake.apiUrl,
      retryConfig: { retries: 0 },
    });
    await expect(stranger.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({
      data: { error: 'invalid_auth' },
    });
    expect(slack.fake.workspace.channelHistory('C1')).toHaveLength(0);
  });

  it('answers 429 with Retry-After for the next N calls of a method only', async () => {
    slack.fake.rateLimitNext('chat.update', 1, 7);
    const top = await slack.client.chat.postMessage({ channel: 'C1', text: 'a' });
    const err = await slack.client.chat
      .update({ channel: 'C1', ts: top.ts ?? '', text: 'b' })
      .catch((e: unknown) => e);
    expect((err as WebAPIRateLimitedError).code).toBe(ErrorCode.RateLimitedError);
    expect((err as WebAPIRateLimitedError).retryAfter).toBe(7);
    await slack.client.chat.update({ channel: 'C1', ts: top.ts ?? '', text: 'b' });
    expect(slack.fake.callsOf('chat.update').map((c) => c.httpStatus)).toEqual([429, 200]);
    expect(slack.fake.workspace.message('C1', top.ts ?? '')?.text).toBe('b');
  });

  it('rejects messages over Slack block limits', async () => {
    const blocks = Array.from({ length: 51 }, (_, i) => section(`b${i}`));
    await expect(
      slack.client.chat.postMessage({ channel: 'C1', text: 'x', blocks }),
    ).rejects.toMatchObject({
      data: { error: 'invalid_blocks' },
    });
    await expect(
      slack.client.chat.postMessage({
        channel: 'C1',
        text: 'x',
        blocks: [section('y'.repeat(3001))],
      }),
    ).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
  });

  it('runs the files upload v2 flow into a thread', async () => {
    const top = await slack.client.chat.postMessage({ channel: 'C1', text: 'approval' });
    await slack.client.filesUploadV2({
      channel_id: 'C1',
      thread_ts: top.ts ?? '',
      filename: 'v2.diff',
      title: 'SQL diff',
      content: '-a\n+b\n',
      initial_comment: 'Full diff',
    });
    const [file] = [...slack.fake.workspace.files.values()];
    expect(file?.completed).toBe(true);
    expect(file?.bytes?.toString('utf8')).toBe('-a\n+b\n');
    const [shared] = slack.fake.workspace.threadReplies('C1', top.ts ?? '');
    expect(shared?.files?.[0]?.id).toBe(file?.id);
    expect(shared?.text).toBe('Full diff');
  });

  it('refuses views.open with a trigger_id older than 3 s, as Slack does', async () => {
    const view = {
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: 'T' },
      blocks: [],
    };
    await expect(
      slack.client.views.open({ trigger_id: `${Date.now() - 4000}.1.abc`, view }),
    ).rejects.toMatchObject({ data: { error: 'expired_trigger_id' } });
    await expect(
      slack.client.views.open({ trigger_id: fakeTriggerId(), view }),
    ).resolves.toMatchObject({
      ok: true,
    });
  });

  it('opens and updates views, lists user groups and posts ephemerals', async () => {
    const opened = await slack.client.views.open({
      trigger_id: '1.2.abc',
      view: { type: 'modal', title: { type: 'plain_text', text: 'T' }, blocks: [] },
    });
    const viewId = opened.view?.id ?? '';
    await slack.client.views.update({
      view_id: viewId,
      view: { type: 'modal', title: { type: 'plain_text', text: 'T2' }, blocks: [] },
    });
    expect(slack.fake.workspace.views.get(viewId)?.history).toHaveLength(2);

    slack.fake.setUserGroup('S1', ['U1', 'U2']);
    expect((await slack.client.usergroups.users.list({ usergroup: 'S1' })).users).toEqual([
      'U1',
      'U2',
    ]);

    await slack.client.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'only you' });
    expect(slack.fake.workspace.ephemeralsFor('U1').map((e) => e.text)).toEqual(['only you']);
  });

  it('serves response_url endpoints that can replace the original message', async () => {
    const top = await slack.client.chat.postMessage({ channel: 'C1', text: 'approve?' });
    const url = slack.fake.createResponseUrl({ channel: 'C1', messageTs: top.ts ?? '' });
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, text: 'approved by U1' }),
    });
    expect(res.status).toBe(200);
    expect(slack.fake.responsesTo(url)).toHaveLength(1);
    expect(slack.fake.workspace.message('C1', top.ts ?? '')?.text).toBe('approved by U1');
  });

  it('serves what the workspace shows as JSON, threads nested under their parent', async () => {
    const top = await slack.client.chat.postMessage({ channel: 'C1', text: 'card' });
    await slack.client.chat.postMessage({ channel: 'C1', text: 'reply', thread_ts: top.ts });
    const state = (await (await fetch(slack.fake.stateUrl)).json()) as {
      channels: { id: string; messages: { text: string; replies: { text: string }[] }[] }[];
    };
    expect(state.channels).toEqual([
      expect.objectContaining({
        id: 'C1',
        messages: [
          expect.objectContaining({
            text: 'card',
            replies: [expect.objectContaining({ text: 'reply' })],
          }),
        ],
      }),
    ]);
  });

  it('honours a response_url at most 5 times, like Slack', async () => {
    const url = slack.fake.createResponseUrl();
    const post = () =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"text":"x"}',
      });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await post()).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    expect(slack.fake.responsesTo(url)).toHaveLength(5);
  });
});
