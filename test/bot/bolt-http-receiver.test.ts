import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../src/bot/blocks/action-ids.js';
import { CHANNEL, eventually, startBoltHarness, type BoltHarness } from './bolt-test-kit.js';

let h: BoltHarness;

beforeEach(async () => {
  h = await startBoltHarness();
});

afterEach(async () => {
  await h.close();
});

const SLACK_ACK_MS = 3000;

describe('Bolt HTTP receiver: request signatures', () => {
  it('answers 401 to a request signed with another secret, and runs nothing', async () => {
    const { res } = await h.command('status revenue', 'U0OWNER1', { signWith: 'not-the-secret' });
    expect(res.status).toBe(401);
    expect(h.service.calls).toHaveLength(0);
  });

  it('answers 401 to a correctly signed request older than 5 minutes (replay)', async () => {
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    const { res } = await h.command('status revenue', 'U0OWNER1', { timestamp: sixMinutesAgo });
    expect(res.status).toBe(401);
    expect(h.service.calls).toHaveLength(0);
  });

  it('accepts the same request signed now with the right secret', async () => {
    const { res, responseUrl } = await h.command('status revenue', 'U0OWNER1');
    expect(res.status).toBe(200);
    await eventually(() => expect(h.fake.responsesTo(responseUrl)).toHaveLength(1));
    expect(JSON.stringify(h.fake.responsesTo(responseUrl)[0])).toContain(h.evolution.id);
  });
});

describe('Bolt HTTP receiver: /evolve acks within 3 s while the service is slow', () => {
  it.each([
    ['pipelines', 'listPipelines'],
    ['develop revenue', 'developForm'],
    ['develop revenue sql=https://git.example.com/v2.sql', 'startDevelop'],
    ['status revenue', 'status'],
    ['diff revenue', 'diff'],
    ['deploy revenue', 'requestDeploy'],
    ['backfill revenue rate=10 mode=refresh-only', 'startBackfill'],
    ['throttle revenue 20', 'throttleBackfill'],
    ['pause revenue', 'pauseBackfill'],
    ['resume revenue', 'resumeBackfill'],
    ['cancel revenue', 'cancelBackfill'],
    ['abort revenue', 'abort'],
    ['rollback revenue', 'rollback'],
    ['history revenue', 'history'],
  ] as const)(
    '`/evolve %s` acks before %s returns, then replies ephemeral',
    async (text, method) => {
      h.service.hold();
      const { res, ms, responseUrl } = await h.command(text, 'U0OWNER1');
      expect(res.status).toBe(200);
      expect(ms).toBeLessThan(SLACK_ACK_MS);
      // The service was reached but has not answered yet: the ack did not wait for it.
      await eventually(() => expect(h.service.callsOf(method)).toHaveLength(1));
      expect(h.fake.responsesTo(responseUrl)).toHaveLength(0);
      expect(h.service.callsOf(method)[0]?.actor).toMatchObject({
        userId: 'U0OWNER1',
        channelId: CHANNEL,
      });

      h.service.release();
      if (method === 'developForm') {
        // A placeholder modal opened within the trigger's 3 s; the form replaces it once the service answers.
        expect(h.fake.callsOf('views.open')).toHaveLength(1);
        await eventually(() => expect(h.fake.callsOf('views.update')).toHaveLength(1));
        expect(h.fake.callsOf('views.update')[0]?.ok).toBe(true);
      } else {
        await eventually(() => expect(h.fake.responsesTo(responseUrl)).toHaveLength(1));
        expect(h.fake.responsesTo(responseUrl)[0]).toMatchObject({ response_type: 'ephemeral' });
      }
    },
  );

  it.each(['help', 'register', 'launch revenue', 'backfill revenue rate=fast'])(
    '`/evolve %s` acks within 3 s without the service',
    async (text) => {
      h.service.hold();
      const { res, ms } = await h.command(text, 'U0OWNER1');
      expect(res.status).toBe(200);
      expect(ms).toBeLessThan(SLACK_ACK_MS);
      expect(h.service.calls).toHaveLength(0);
      if (text === 'register') {
        await eventually(() => expect(h.fake.callsOf('views.open')).toHaveLength(1));
        expect(h.fake.callsOf('views.open')[0]?.ok).toBe(true);
      }
    },
  );

  it('answers bad input in the ack itself, ephemeral, with usage', async () => {
    const { res } = await h.command('backfill revenue rate=fast', 'U0OWNER1');
    const body = (await res.json()) as { response_type: string; text: string };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toMatch(/not a rate[\s\S]*Usage: `\/evolve backfill/);
  });

  it('shows the userMessage of a service EvolveError to the person, ephemeral', async () => {
    const { responseUrl } = await h.command('history nosuch', 'U0OWNER1');
    await eventually(() => expect(h.fake.responsesTo(responseUrl)).toHaveLength(1));
    expect(h.fake.responsesTo(responseUrl)[0]).toMatchObject({ response_type: 'ephemeral' });
    expect(String(h.fake.responsesTo(responseUrl)[0]?.text)).toMatch(
      /No pipeline 'nosuch' is registered[\s\S]*\/evolve pipelines/,
    );
  });
});

describe('/evolve deploy', () => {
  it('posts the approval message in the thread, bound to the hash, and its Approve works end to end', async () => {
    const { responseUrl } = await h.command('deploy revenue', 'U0OWNER1');
    await eventually(() => expect(h.fake.responsesTo(responseUrl)).toHaveLength(1));
    expect(h.service.callsOf('requestDeploy')).toHaveLength(1);

    const [card] = h.fake.workspace.channelHistory(CHANNEL);
    const approval = h.fake.workspace
      .threadReplies(CHANNEL, card?.ts ?? '')
      .find((m) => JSON.stringify(m.blocks).includes(ACTION_IDS.approve));
    if (!approval) throw new Error('no approval message in the thread');
    expect(card?.text).toContain('Awaiting approval');

    await h.click(approval, ACTION_IDS.approve, 'U0APPR1');
    await eventually(() =>
      expect(h.fake.workspace.message(CHANNEL, approval.ts)?.editCount).toBe(1),
    );
    expect(h.service.callsOf('decideApproval')[0]?.args[0]).toEqual({
      evolutionId: h.evolution.id,
      sqlHash: h.evolution.v2.hash,
      decision: 'approve',
    });
  });

  it('an approval message Slack refused is posted anew when the requester runs /evolve deploy again', async () => {
    const isApproval = (args: Record<string, unknown>) =>
      JSON.stringify(args.blocks ?? '').includes(ACTION_IDS.approve);
    const approvalsPosted = () =>
      h.fake.callsOf('chat.postMessage').filter((c) => c.ok && isApproval(c.args));
    h.fake.refuseNext('chat.postMessage', 'channel_is_archived', isApproval);
    const first = await h.command('deploy revenue', 'U0OWNER1');
    await eventually(() => expect(h.fake.responsesTo(first.responseUrl)).toHaveLength(1));
    expect(JSON.stringify(h.fake.responsesTo(first.responseUrl)[0])).toContain(
      'run `/evolve deploy revenue` again to post the message anew',
    );
    expect(approvalsPosted()).toHaveLength(0);

    const second = await h.command('deploy revenue', 'U0OWNER1');
    await eventually(() => expect(h.fake.responsesTo(second.responseUrl)).toHaveLength(1));
    expect(h.service.callsOf('requestDeploy')).toHaveLength(2);
    expect(approvalsPosted()).toHaveLength(1);
  });
});

describe('Bolt HTTP receiver: approval buttons', () => {
  async function postApproval() {
    const { threadTs, statusMessageTs } = await h.notifier.ensureThread(h.evolution);
    h.evolution.slack = { ...h.evolution.slack, threadTs, statusMessageTs };
    const { messageTs } = await h.notifier.postApprovalRequest(h.evolution);
    const message = h.fake.workspace.message(CHANNEL, messageTs);
    if (!message) throw new Error('approval message not in the fake channel');
    return message;
  }

  it('an Approve click reaches the service with the user and the evolutionId/sqlHash of the button; buttons give way to the decision', async () => {
    const message = await postApproval();
    h.service.hold();
    const { res, ms } = await h.click(message, ACTION_IDS.approve, 'U0APPR1');
    expect(res.status).toBe(200);
    expect(ms).toBeLessThan(SLACK_ACK_MS);
    await eventually(() => expect(h.service.callsOf('decideApproval')).toHaveLength(1));
    const [call] = h.service.callsOf('decideApproval');
    expect(call?.actor.userId).toBe('U0APPR1');
    expect(call?.args[0]).toEqual({
      evolutionId: h.evolution.id,
      sqlHash: h.evolution.v2.hash,
      decision: 'approve',
    });

    h.service.release();
    await eventually(() =>
      expect(h.fake.workspace.message(CHANNEL, message.ts)?.editCount).toBe(1),
    );
    const edited = h.fake.workspace.message(CHANNEL, message.ts);
    expect(edited?.blocks?.some((b) => (b as { type: string }).type === 'actions')).toBe(false);
    expect(JSON.stringify(edited?.blocks)).toContain('Approved by <@U0APPR1>');
  });

  it("an unauthorized user's click gets the domain's refusal as an ephemeral, and the buttons stay", async () => {
    const message = await postApproval();
    const { res } = await h.click(message, ACTION_IDS.approve, 'U0STRANGER');
    expect(res.status).toBe(200);
    await eventually(() => expect(h.fake.workspace.ephemeralsFor('U0STRANGER')).toHaveLength(1));
    expect(h.fake.workspace.ephemeralsFor('U0STRANGER')[0]?.text).toMatch(
      /is not an approver of pipeline 'revenue'/,
    );
    expect(h.fake.workspace.message(CHANNEL, message.ts)?.editCount).toBe(0);
  });

  it('an approver who is also an owner may approve; an owner who is no approver is told why', async () => {
    const message = await postApproval();
    await h.click(message, ACTION_IDS.approve, 'U0OWNER2');
    await h.click(message, ACTION_IDS.reject, 'U0OWNER1');
    await eventually(() => expect(h.service.callsOf('decideApproval')).toHaveLength(2));
    // U0OWNER2 is an approver and not the requester: approved. U0OWNER1 is no approver.
    await eventually(() => expect(h.fake.workspace.ephemeralsFor('U0OWNER1')).toHaveLength(1));
    expect(h.fake.workspace.ephemeralsFor('U0OWNER1')[0]?.text).toMatch(/not an approver/);
    await eventually(() =>
      expect(h.fake.workspace.message(CHANNEL, message.ts)?.editCount).toBe(1),
    );
    expect(JSON.stringify(h.fake.workspace.message(CHANNEL, message.ts)?.blocks)).toContain(
      'Approved by <@U0OWNER2>',
    );
  });
});
