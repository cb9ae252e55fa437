import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EvolveError } from '../../src/errors.js';
import { EvolutionConflictError } from '../../src/evolution/evolution-errors.js';
import {
  sendSignedRequest,
  signSlackRequest,
  slashCommandBody,
} from '../../src/slack-fake/index.js';
import {
  CHANNEL,
  eventually,
  SIGNING_SECRET,
  startBoltHarness,
  type BoltHarness,
} from './bolt-test-kit.js';

let h: BoltHarness;

beforeEach(async () => {
  h = await startBoltHarness();
});

afterEach(async () => {
  await h.close();
});

const nowS = () => Math.floor(Date.now() / 1000);
/** Long enough for anything the bot would do after an ack to reach the fake Slack. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

/** Web API calls and response_url posts after start-up (auth.test). */
const slackCallsAfterStart = () => h.fake.calls.filter((c) => c.method !== 'auth.test');

function statusCommand(responseUrl = h.fake.createResponseUrl()) {
  return {
    responseUrl,
    body: slashCommandBody({
      text: 'status revenue',
      userId: 'U0OWNER1',
      channelId: CHANNEL,
      responseUrl,
    }),
  };
}

describe('signed request timestamps (Bolt refuses the past; we add the future)', () => {
  it('answers 401 to a correctly signed request timestamped 6 minutes in the future, and Slack hears nothing', async () => {
    const { res } = await h.command('status revenue', 'U0OWNER1', { timestamp: nowS() + 6 * 60 });
    expect(res.status).toBe(401);
    await settle();
    expect(h.service.calls).toHaveLength(0);
    expect(slackCallsAfterStart()).toHaveLength(0);
  });

  it('still answers 401 to one 6 minutes in the past (Bolt), and accepts one 4 minutes ahead (within the skew)', async () => {
    const past = await h.command('status revenue', 'U0OWNER1', { timestamp: nowS() - 6 * 60 });
    expect(past.res.status).toBe(401);
    const ahead = await h.command('status revenue', 'U0OWNER1', { timestamp: nowS() + 4 * 60 });
    expect(ahead.res.status).toBe(200);
    await eventually(() => expect(h.fake.responsesTo(ahead.responseUrl)).toHaveLength(1));
    expect(h.service.callsOf('status')).toHaveLength(1);
  });

  it('a wrong signature with a future timestamp is refused too (the future check does not replace the signature check)', async () => {
    const { res } = await h.command('status revenue', 'U0OWNER1', {
      signWith: 'not-the-secret',
      timestamp: nowS() + 60,
    });
    expect(res.status).toBe(401);
    expect(h.service.calls).toHaveLength(0);
  });
});

describe('replayed signed requests', () => {
  it('runs the first delivery once and answers 401 to the same signed request sent again', async () => {
    const { body, responseUrl } = statusCommand();
    const timestamp = nowS();
    const first = await sendSignedRequest(h.url, body, SIGNING_SECRET, { timestamp });
    expect(first.status).toBe(200);
    await eventually(() => expect(h.fake.responsesTo(responseUrl)).toHaveLength(1));

    const replay = await sendSignedRequest(h.url, body, SIGNING_SECRET, { timestamp });
    expect(replay.status).toBe(401);
    await settle();
    expect(h.service.callsOf('status')).toHaveLength(1);
    expect(h.fake.responsesTo(responseUrl)).toHaveLength(1);
  });

  it('a forged request carrying a genuine signature does not use it up: the genuine one still runs', async () => {
    const { body, responseUrl } = statusCommand();
    const signature = signSlackRequest(body, SIGNING_SECRET, nowS());
    const forged = statusCommand().body.replace('status+revenue', 'abort+revenue');
    const refused = await sendSignedRequest(h.url, forged, SIGNING_SECRET, {
      signatureHeaders: { ...signature },
    });
    expect(refused.status).toBe(401);

    const genuine = await sendSignedRequest(h.url, body, SIGNING_SECRET, {
      signatureHeaders: { ...signature },
    });
    expect(genuine.status).toBe(200);
    await eventually(() => expect(h.fake.responsesTo(responseUrl)).toHaveLength(1));
    expect(h.service.calls.map((c) => c.method)).toEqual(['status']);
  });

  it('an Events API retry (Slack signs it anew) of an event already taken is acked with 200 and runs nothing', async () => {
    let mentions = 0;
    h.bot.app.event('app_mention', async () => {
      mentions += 1;
    });
    const event = JSON.stringify({
      token: 'deprecated-verification-token',
      team_id: h.fake.teamId,
      api_app_id: 'A0EVOLVE',
      type: 'event_callback',
      event_id: 'Ev0HYGIENE1',
      event_time: nowS(),
      event: {
        type: 'app_mention',
        user: 'U0OWNER1',
        text: '<@U0BOT> hello',
        ts: '1700000000.000100',
        channel: CHANNEL,
        event_ts: '1700000000.000100',
      },
    });
    const json = { contentType: 'application/json' } as const;
    const first = await sendSignedRequest(h.url, event, SIGNING_SECRET, {
      ...json,
      timestamp: nowS() - 2,
    });
    expect(first.status).toBe(200);
    await eventually(() => expect(mentions).toBe(1));

    const retry = await sendSignedRequest(h.url, event, SIGNING_SECRET, {
      ...json,
      timestamp: nowS(),
      headers: { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' },
    });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('x-slack-no-retry')).toBe('1');
    await settle();
    expect(mentions).toBe(1);
  });
});

describe('a replay store that does not answer', () => {
  it("refuses the request with 503 within the budget (under Slack's 3 s) and runs nothing", async () => {
    const silent = await startBoltHarness('AWAITING_APPROVAL', {
      replayGuard: { firstSeen: () => new Promise<boolean>(() => undefined) },
    });
    try {
      const { res, ms } = await silent.command('status revenue', 'U0OWNER1');
      console.log(`replay store silent: HTTP ${res.status} after ${Math.round(ms)} ms`);
      expect(res.status).toBe(503);
      expect(ms).toBeGreaterThanOrEqual(1400);
      expect(ms).toBeLessThan(3000);
      expect(silent.service.calls).toHaveLength(0);
    } finally {
      await silent.close();
    }
  });
});

describe('oversized commands and echoed input, through the real receiver', () => {
  type Ack = { response_type: string; text: string };

  it('answers a command of 4 KB + 1 byte with an ephemeral refusal naming the limit, and runs nothing', async () => {
    const text = `develop revenue ${'a'.repeat(4096 - 'develop revenue '.length + 1)}`;
    expect(Buffer.byteLength(text)).toBe(4097);
    const { res } = await h.command(text, 'U0OWNER1');
    expect(res.status).toBe(200);
    const ack = (await res.json()) as Ack;
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain(
      '4,097 bytes long; `/evolve` takes at most 4,096 bytes (4 KB), so nothing was run',
    );
    expect(ack.text).toContain('paste it in the form');
    await settle();
    expect(h.service.calls).toHaveLength(0);
    expect(slackCallsAfterStart()).toHaveLength(0);
  });

  it('`/evolve status foo<!channel>` comes back without a live <!channel>', async () => {
    const { res } = await h.command('status foo<!channel>', 'U0OWNER1');
    const ack = (await res.json()) as Ack;
    console.log(`status foo<!channel> → ${JSON.stringify(ack.text)}`);
    expect(ack.text).toContain('`foo&lt;!channel&gt;` is not a pipeline name');
    expect(JSON.stringify(ack)).not.toContain('<!channel>');
    expect(h.service.calls).toHaveLength(0);
  });

  it('a 4 KB garbage word is echoed escaped in 80 characters; a 10 KB one is not echoed at all', async () => {
    const word = `${'<!here>`'.repeat(500)}`;
    const four = (await (await h.command(`status ${word}`, 'U0OWNER1')).res.json()) as Ack;
    expect(four.text).not.toMatch(/<!here>/);
    const echoed = /^:warning: `([^`]*)` is not a pipeline name/.exec(four.text)?.[1] ?? '';
    expect(echoed).toMatch(/^(&lt;!here&gt;ˋ){9}&lt;!here&gt;…$/);
    expect(Array.from(echoed.replace(/&lt;|&gt;/g, '<'))).toHaveLength(80);
    expect(four.text.length).toBeLessThan(400);

    const ten = (await (
      await h.command(`status ${'<!channel>'.repeat(1024)}`, 'U0OWNER1')
    ).res.json()) as Ack;
    console.log(`10 KB word → ${ten.text.length} chars: ${JSON.stringify(ten.text.slice(0, 80))}…`);
    expect(ten.text).not.toContain('<!channel>');
    expect(ten.text).toContain('10,247 bytes long');
    expect(ten.text.length).toBeLessThan(400);
  });

  it("a service refusal that echoes input unescaped is defused; the bot's own mentions stay live", async () => {
    h.service.failNext = new EvolveError(
      'SQL_INVALID',
      'v2 writes to topic `out<!channel>`, but pipeline revenue writes `revenue-out`. Make v2 target the same topic.',
    );
    const refused = await h.command(
      'develop revenue sql=https://git.example.com/v2.sql',
      'U0OWNER1',
    );
    await eventually(() => expect(h.fake.responsesTo(refused.responseUrl)).toHaveLength(1));
    const reply = JSON.stringify(h.fake.responsesTo(refused.responseUrl)[0]);
    expect(reply).not.toContain('<!channel>');
    expect(reply).toContain('out&lt;!channel&gt;');

    h.service.failNext = new EvolutionConflictError({
      id: 'ev-1',
      pipeline: 'revenue',
      requester: 'U0OWNER2',
      status: 'SHADOW_RUNNING',
      createdAt: 0,
    });
    const conflict = await h.command(
      'develop revenue sql=https://git.example.com/v2.sql',
      'U0OWNER1',
    );
    await eventually(() => expect(h.fake.responsesTo(conflict.responseUrl)).toHaveLength(1));
    expect(JSON.stringify(h.fake.responsesTo(conflict.responseUrl)[0])).toContain(
      'started by <@U0OWNER2>',
    );
  });
});
