import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlaygroundState } from '../../src/playground/index.js';
import { startPlayground, type RunningPlayground } from '../../src/playground/index.js';
import { FakeSlackApi } from '../../src/slack-fake/index.js';
import { StubBot } from './stub-bot.js';

const SECRET = 'playground-test-secret';
const OWNER = 'U0DEMOOWNER';
const APPROVER = 'U0DEMOAPPR';
const CHANNEL = 'C0EVOLVE';

let fake: FakeSlackApi;
let bot: StubBot;
let botClient: WebClient;
let playground: RunningPlayground;

async function startWith(secret: string, extra: { demoV2Sql?: string } = {}): Promise<void> {
  playground = await startPlayground({
    fake,
    botEventsUrl: await bot.start(),
    signingSecret: secret,
    ...extra,
  });
}

beforeEach(async () => {
  fake = new FakeSlackApi();
  const apiUrl = await fake.start();
  botClient = new WebClient(fake.botToken, { slackApiUrl: apiUrl, retryConfig: { retries: 0 } });
  bot = new StubBot(SECRET);
});

afterEach(async () => {
  await playground?.stop();
  await bot.stop();
  await fake.stop();
});

interface BlockActionsPayload {
  type: string;
  user: { id: string };
  actions: Record<string, unknown>[];
  container: Record<string, unknown>;
  message: { thread_ts?: string };
  trigger_id: string;
  response_url: string;
}

interface ViewSubmissionPayload {
  view: { state: { values: Record<string, Record<string, { value: string }>> } };
}

async function post(path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(new URL(path, playground.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function state(user: string): Promise<PlaygroundState> {
  const res = await fetch(new URL(`/api/state?user=${user}`, playground.url));
  expect(res.status).toBe(200);
  return (await res.json()) as PlaygroundState;
}

const approveButtons = {
  type: 'actions',
  block_id: 'approval_actions',
  elements: [
    {
      type: 'button',
      action_id: 'evolve_approve',
      text: { type: 'plain_text', text: 'Approve' },
      style: 'primary',
      value: '{"evolutionId":"ev-1-a"}',
      confirm: {
        title: { type: 'plain_text', text: 'Sure?' },
        text: { type: 'mrkdwn', text: 'Really' },
        confirm: { type: 'plain_text', text: 'Yes' },
        deny: { type: 'plain_text', text: 'No' },
      },
    },
  ],
};

describe('playground: what the page sends reaches the bot as Slack sends it', () => {
  it('turns a typed slash command into a signed, well-formed request with a response_url and trigger_id', async () => {
    await startWith(SECRET);
    bot.answer = () => ({ body: { response_type: 'ephemeral', text: 'Pipelines: *orders*' } });

    const { status, json } = await post('/api/command', {
      user: OWNER,
      text: '/evolve develop orders',
    });

    expect(status).toBe(200);
    expect(json).toEqual({ ok: true });
    expect(bot.received).toHaveLength(1);
    const [request] = bot.received;
    expect(request?.signatureValid).toBe(true);
    expect(request?.contentType).toBe('application/x-www-form-urlencoded');
    expect(request?.fields).toMatchObject({
      command: '/evolve',
      text: 'develop orders',
      user_id: OWNER,
      user_name: 'Olivia (owner)',
      channel_id: CHANNEL,
      team_id: fake.teamId,
    });
    expect(request?.fields.response_url).toMatch(
      new RegExp(`^${fake.apiUrl.replace('/api/', '')}/response/`),
    );
    expect(request?.fields.trigger_id).toMatch(/^\d{13}\.\d+\.[0-9a-f]{32}$/);

    // The ack's payload is shown to the person who ran the command, and to nobody else.
    const mine = await state(OWNER);
    expect(mine.ephemerals.map((e) => [e.kind, e.text])).toEqual([
      ['command', '/evolve develop orders'],
      ['bot', 'Pipelines: *orders*'],
    ]);
    expect((await state(APPROVER)).ephemerals).toEqual([]);
  });

  it('signs with the secret it was given: a bot with another secret refuses, and the page says so', async () => {
    await startWith('not-the-bots-secret');

    const { json } = await post('/api/command', { user: OWNER, text: '/evolve help' });

    expect(bot.received[0]?.signatureValid).toBe(false);
    expect(json).toEqual({ ok: false, error: 'http_service_error' });
    const errors = (await state(OWNER)).ephemerals.filter((e) => e.kind === 'error');
    expect(errors.map((e) => e.text)).toEqual([
      '/evolve failed with the error "http_service_error" (the app answered HTTP 401).',
    ]);
  });

  it('sends a button click as block_actions with the action_id and value of the button in the message', async () => {
    await startWith(SECRET);
    const parent = await botClient.chat.postMessage({ channel: CHANNEL, text: 'card' });
    const approval = await botClient.chat.postMessage({
      channel: CHANNEL,
      text: 'Approval needed',
      thread_ts: parent.ts,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Deploy?*' } }, approveButtons],
    });

    const { json } = await post('/api/click', {
      user: APPROVER,
      ts: approval.ts,
      actionId: 'evolve_approve',
    });

    expect(json).toEqual({ ok: true });
    const request = bot.received[0];
    expect(request?.signatureValid).toBe(true);
    const payload = request?.payload as unknown as BlockActionsPayload;
    expect(payload.type).toBe('block_actions');
    expect(payload.user.id).toBe(APPROVER);
    expect(payload.actions).toHaveLength(1);
    expect(payload.actions[0]).toMatchObject({
      action_id: 'evolve_approve',
      block_id: 'approval_actions',
      value: '{"evolutionId":"ev-1-a"}',
    });
    expect(payload.actions[0]).not.toHaveProperty('confirm');
    expect(payload.container).toMatchObject({ message_ts: approval.ts, channel_id: CHANNEL });
    expect(payload.message.thread_ts).toBe(parent.ts);
    expect(payload.trigger_id).toEqual(expect.any(String));

    // Its response_url is bound to the message: replace_original edits it in place.
    await fetch(payload.response_url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, text: 'Approved by <@U0DEMOAPPR>' }),
    });
    const [card] = (await state(APPROVER)).messages;
    expect(card?.replies.map((r) => [r.text, r.edited])).toEqual([
      ['Approved by <@U0DEMOAPPR>', true],
    ]);
  });

  it('refuses a click on a message or button that does not exist', async () => {
    await startWith(SECRET);
    const posted = await botClient.chat.postMessage({ channel: CHANNEL, text: 'no buttons' });

    expect((await post('/api/click', { user: OWNER, ts: '1.000001', actionId: 'x' })).status).toBe(
      404,
    );
    expect((await post('/api/click', { user: OWNER, ts: posted.ts, actionId: 'x' })).status).toBe(
      400,
    );
    expect(bot.received).toEqual([]);
  });
});

describe('playground: the state endpoint shows the workspace as one person sees it', () => {
  it('reflects chat.postMessage, thread replies and chat.update (edited in place)', async () => {
    await startWith(SECRET);
    const card = await botClient.chat.postMessage({
      channel: CHANNEL,
      text: 'orders: developing',
      blocks: [{ type: 'header', text: { type: 'plain_text', text: 'orders · ev-1' } }],
    });
    await botClient.chat.postMessage({
      channel: CHANNEL,
      text: 'Shadow started',
      thread_ts: card.ts,
    });
    await botClient.chat.postMessage({ channel: 'C0OTHER', text: 'elsewhere' });

    let seen = await state(OWNER);
    expect(seen.messages.map((m) => [m.text, m.edited, m.replies.map((r) => r.text)])).toEqual([
      ['orders: developing', false, ['Shadow started']],
    ]);

    await botClient.chat.update({ channel: CHANNEL, ts: card.ts!, text: 'orders: shadow running' });
    seen = await state(OWNER);
    expect(seen.messages).toHaveLength(1);
    expect(seen.messages[0]).toMatchObject({
      ts: card.ts,
      text: 'orders: shadow running',
      edited: true,
      blocks: [{ type: 'header', text: { type: 'plain_text', text: 'orders · ev-1' } }],
    });
  });

  it('shows chat.postEphemeral and response_url answers to their user only, and forgets dismissed ones', async () => {
    await startWith(SECRET);
    bot.answer = async (req) => {
      await fetch(req.fields.response_url!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ response_type: 'ephemeral', text: 'Queued: develop orders' }),
      });
      return {};
    };
    await post('/api/command', { user: OWNER, text: '/evolve develop orders' });
    await botClient.chat.postEphemeral({ channel: CHANNEL, user: APPROVER, text: 'Not yours' });

    const owner = await state(OWNER);
    expect(owner.ephemerals.map((e) => e.text)).toEqual([
      '/evolve develop orders',
      'Queued: develop orders',
    ]);
    expect((await state(APPROVER)).ephemerals.map((e) => e.text)).toEqual(['Not yours']);

    await post('/api/ephemerals/dismiss', { user: OWNER, id: owner.ephemerals[1]!.id });
    expect((await state(OWNER)).ephemerals.map((e) => e.text)).toEqual(['/evolve develop orders']);
  });
});

describe('playground: modals', () => {
  const developView = {
    type: 'modal' as const,
    callback_id: 'evolve_develop',
    private_metadata: '{"pipeline":"orders","channelId":"C0EVOLVE"}',
    title: { type: 'plain_text' as const, text: 'Develop v2' },
    submit: { type: 'plain_text' as const, text: 'Start shadow' },
    blocks: [
      {
        type: 'input' as const,
        block_id: 'v2_sql',
        label: { type: 'plain_text' as const, text: 'Flink SQL' },
        element: {
          type: 'plain_text_input' as const,
          action_id: 'sql_input',
          multiline: true,
          initial_value: 'SELECT 1;',
        },
      },
    ],
  };

  it('shows the view the bot opened with the trigger_id to that person, and submits it as view_submission', async () => {
    await startWith(SECRET, { demoV2Sql: 'SELECT 2;' });
    bot.answer = async (req) => {
      if (req.fields.command) {
        await botClient.views.open({ trigger_id: req.fields.trigger_id!, view: developView });
        return {};
      }
      const payload = req.payload as unknown as ViewSubmissionPayload;
      const sql = payload.view.state.values.v2_sql?.sql_input?.value ?? '';
      return sql.includes('SELECT 2')
        ? {}
        : { body: { response_action: 'errors', errors: { v2_sql: 'Line 1: try again' } } };
    };
    await post('/api/command', { user: OWNER, text: '/evolve develop orders' });

    const opened = (await state(OWNER)).view;
    expect(opened?.view).toMatchObject({
      callback_id: 'evolve_develop',
      title: { text: 'Develop v2' },
    });
    expect((await state(APPROVER)).view).toBeUndefined();

    const first = await post('/api/views/submit', {
      user: OWNER,
      viewId: opened!.id,
      values: { v2_sql: { sql_input: 'SELECT 1;' } },
    });
    expect(first.json).toEqual({ ok: false, errors: { v2_sql: 'Line 1: try again' } });
    expect((await state(OWNER)).view?.errors).toEqual({ v2_sql: 'Line 1: try again' });
    const submission = bot.received[1]?.payload;
    expect(bot.received[1]?.signatureValid).toBe(true);
    expect(submission).toMatchObject({
      type: 'view_submission',
      user: { id: OWNER },
      view: {
        id: opened!.id,
        callback_id: 'evolve_develop',
        private_metadata: developView.private_metadata,
        state: {
          values: { v2_sql: { sql_input: { type: 'plain_text_input', value: 'SELECT 1;' } } },
        },
      },
    });

    const second = await post('/api/views/submit', {
      user: OWNER,
      viewId: opened!.id,
      values: { v2_sql: { sql_input: 'SELECT 2;' } },
    });
    expect(second.json).toEqual({ ok: true, closed: true });
    expect((await state(OWNER)).view).toBeUndefined();
  });

  it('follows views.update (a new hash) and closes a view on Cancel without telling the bot', async () => {
    await startWith(SECRET);
    bot.answer = async (req) => {
      const opened = await botClient.views.open({
        trigger_id: req.fields.trigger_id!,
        view: { ...developView, title: { type: 'plain_text', text: 'Loading…' }, blocks: [] },
      });
      await botClient.views.update({ view_id: opened.view!.id!, view: developView });
      return {};
    };
    await post('/api/command', { user: OWNER, text: '/evolve develop orders' });

    const view = (await state(OWNER)).view!;
    expect(view.view).toMatchObject({ title: { text: 'Develop v2' } });
    expect(view.hash).toBe(`${view.id}-2`);

    await post('/api/views/close', { user: OWNER, viewId: view.id });
    expect((await state(OWNER)).view).toBeUndefined();
    expect(bot.received).toHaveLength(1);
  });
});

describe('playground: the page and its guards', () => {
  it('serves the page and its scripts, tells the page who it can be, and never hands out the secret', async () => {
    await startWith(SECRET, { demoV2Sql: 'SELECT 2;' });
    const html = await (await fetch(playground.url)).text();
    expect(html).toContain('<script type="module" src="/playground-app.js">');
    for (const asset of ['/playground-app.js', '/block-kit.js', '/mrkdwn.js', '/modal-dialog.js']) {
      const res = await fetch(new URL(asset, playground.url));
      expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(await res.text()).not.toContain(SECRET);
    }
    const config = await (await fetch(new URL('/api/config', playground.url))).json();
    expect(config).toMatchObject({
      users: [
        { id: OWNER, name: 'Olivia (owner)' },
        { id: APPROVER, name: 'Arjun (approver)' },
      ],
      channel: { id: CHANNEL, name: 'evolve' },
      demoFill: {
        callbackId: 'evolve_develop',
        blockId: 'v2_sql',
        actionId: 'sql_input',
        sql: 'SELECT 2;',
      },
    });
    expect(JSON.stringify(config)).not.toContain(SECRET);
  });

  it('refuses unknown users, non-JSON posts and unknown paths without calling the bot', async () => {
    await startWith(SECRET);
    expect((await post('/api/command', { user: 'U0NOBODY', text: '/evolve help' })).status).toBe(
      400,
    );
    const form = await fetch(new URL('/api/command', playground.url), {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ user: OWNER, text: '/evolve help' }),
    });
    expect(form.status).toBe(415);
    expect((await fetch(new URL('/nope', playground.url))).status).toBe(404);
    expect((await fetch(new URL('/api/state?user=U0NOBODY', playground.url))).status).toBe(400);
    expect(bot.received).toEqual([]);
  });

  it('says operation_timeout when the bot does not answer in time, as Slack does', async () => {
    playground = await startPlayground({
      fake,
      botEventsUrl: await bot.start(),
      signingSecret: SECRET,
      ackTimeoutMs: 200,
    });
    bot.answer = () => new Promise((resolve) => setTimeout(() => resolve({}), 1500));

    const { json } = await post('/api/command', { user: OWNER, text: '/evolve status orders' });

    expect(json).toEqual({ ok: false, error: 'operation_timeout' });
  });
});
