import { INPUT_IDS, VIEW_IDS } from '../../src/bot/blocks/action-ids.js';
import {
  blockActionsBody,
  sendSignedRequest,
  slashCommandBody,
  viewSubmissionBody,
  type FakeMessage,
  type FakeSlackApi,
} from '../../src/slack-fake/index.js';
import { until } from './until.js';

/**
 * Slack's side of a bot in HTTP mode, for people of one channel: what they
 * type and click reaches the bot as Slack sends it (signed, with
 * response_urls and trigger_ids the fake issued), and what the bot answered
 * is read back from the fake. `url` may change (a restarted bot).
 */
export class SignedSlack {
  constructor(
    private readonly fake: FakeSlackApi,
    private readonly secret: string,
    readonly channel: string,
    public url: string,
  ) {}

  /** A slash command; resolves with the first answer through its response_url (or the ack's text). */
  async command(text: string, userId: string): Promise<string> {
    const { responseUrl, ack } = await this.send(text, userId);
    if (ack !== '') return String((JSON.parse(ack) as { text?: string }).text ?? '');
    return until(
      `the answer to /evolve ${text}`,
      async () => {
        const first = this.fake.responsesTo(responseUrl)[0];
        return first ? String(first.text ?? '') : undefined;
      },
      60_000,
      100,
    );
  }

  /** Sends a slash command and returns once the bot acked it. */
  private async send(text: string, userId: string): Promise<{ responseUrl: string; ack: string }> {
    const responseUrl = this.fake.createResponseUrl();
    const res = await sendSignedRequest(
      this.url,
      slashCommandBody({ text, userId, channelId: this.channel, responseUrl }),
      this.secret,
    );
    if (res.status !== 200) throw new Error(`/evolve ${text}: HTTP ${res.status}`);
    return { responseUrl, ack: await res.text() };
  }

  /**
   * `/evolve develop <pipeline>` opens the modal; the person pastes v2 and
   * submits it. Resolves with what the bot told them (an ephemeral in the
   * channel), which names the evolution.
   */
  async develop(pipeline: string, sql: string, userId: string): Promise<string> {
    const opened = this.fake.workspace.views.size;
    const ephemerals = this.fake.workspace.ephemeralsFor(userId).length;
    // The modal is the answer: nothing comes through the response_url.
    await this.send(`develop ${pipeline}`, userId);
    const view = await until(
      'the develop modal',
      async () =>
        [...this.fake.workspace.views.values()]
          .slice(opened)
          .find((v) => v.view.callback_id === VIEW_IDS.develop),
      60_000,
      100,
    );
    const body = viewSubmissionBody({
      user: { id: userId },
      view: view.view,
      values: { [INPUT_IDS.developSql.block]: { [INPUT_IDS.developSql.action]: sql } },
    });
    const res = await sendSignedRequest(this.url, body, this.secret);
    const ack = await res.text();
    if (res.status !== 200 || ack.includes('"errors"'))
      throw new Error(`develop submission refused: HTTP ${res.status} ${ack}`);
    return until(
      'the answer to the develop submission',
      async () => this.fake.workspace.ephemeralsFor(userId).slice(ephemerals)[0]?.text,
      60_000,
      100,
    );
  }

  /** A button click on a message as the channel shows it (a confirm dialog, if any, accepted). */
  async click(message: FakeMessage, actionId: string, userId: string): Promise<void> {
    const responseUrl = this.fake.createResponseUrl({
      channel: message.channel,
      messageTs: message.ts,
    });
    const body = blockActionsBody({
      user: { id: userId },
      channelId: message.channel,
      message: {
        ts: message.ts,
        text: message.text,
        ...(message.blocks ? { blocks: message.blocks } : {}),
        ...(message.threadTs ? { threadTs: message.threadTs } : {}),
      },
      actionId,
      responseUrl,
    });
    const res = await sendSignedRequest(this.url, body, this.secret);
    if (res.status !== 200) throw new Error(`click on ${actionId}: HTTP ${res.status}`);
  }
}
