import {
  blockActionsBody,
  fakeTriggerId,
  isRecord,
  slashCommandBody,
  viewSubmissionBody,
  type FakeSlackApi,
} from '../slack-fake/index.js';
import {
  DEFAULT_PLAYGROUND_CHANNEL,
  DEFAULT_PLAYGROUND_CHANNEL_NAME,
  DEFAULT_PLAYGROUND_USERS,
  SLACK_ACK_TIMEOUT_MS,
  type PlaygroundOptions,
  type PlaygroundUser,
} from './playground-options.js';
import {
  toPlaygroundMessage,
  type PlaygroundEphemeral,
  type PlaygroundState,
  type PlaygroundView,
} from './playground-state.js';
import { sendToBot, type BotAnswer } from './send-to-bot.js';

/** What the page is told about one action it asked for. */
export interface ActionOutcome {
  ok: boolean;
  /** Slack's complaint when the bot did not take it (operation_timeout, dispatch_failed…). */
  error?: string;
  /** A view submission answered with inline errors: block_id -> message. */
  errors?: Record<string, string>;
  /** A view submission after which Slack closes the modal. */
  closed?: boolean;
}

/** Thrown for a request the page should not have made (unknown user, message or view): HTTP 4xx. */
export class PlaygroundRequestError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

interface IssuedUrl {
  user: string;
  threadTs?: string;
}

/**
 * Plays Slack's part between the person at the page and the bot: turns
 * what they do into signed requests with response_urls and trigger_ids
 * issued by the fake, and turns what the bot answered (acks, response_url
 * posts, views) into what that one person sees.
 */
export class PlaygroundSession {
  readonly users: readonly PlaygroundUser[];
  readonly channel: string;
  readonly channelName: string;
  private readonly fake: FakeSlackApi;
  private readonly ackTimeoutMs: number;
  private readonly issuedUrls = new Map<string, IssuedUrl>();
  private readonly triggers = new Map<string, string>();
  private readonly notes: (PlaygroundEphemeral & { user: string })[] = [];
  private readonly dismissed = new Set<string>();
  private readonly closedViews = new Set<string>();
  private readonly viewErrors = new Map<string, { hash: string; errors: Record<string, string> }>();
  private sequence = 0;

  constructor(private readonly options: PlaygroundOptions) {
    this.fake = options.fake;
    this.users = options.users ?? DEFAULT_PLAYGROUND_USERS;
    if (this.users.length === 0) throw new Error('startPlayground needs at least one user.');
    this.channel = options.channel ?? DEFAULT_PLAYGROUND_CHANNEL;
    this.channelName = options.channelName ?? DEFAULT_PLAYGROUND_CHANNEL_NAME;
    this.ackTimeoutMs = options.ackTimeoutMs ?? SLACK_ACK_TIMEOUT_MS;
  }

  /** `/evolve develop orders` typed in the composer: a slash command, answered in the ack or through its response_url. */
  async command(userId: string, input: string): Promise<ActionOutcome> {
    const user = this.user(userId);
    const match = /^(\/\S+)\s*([\s\S]*)$/.exec(input.trim());
    if (!match) {
      this.note(user.id, 'error', 'The playground only sends slash commands: try `/evolve help`.');
      return { ok: false, error: 'not_a_command' };
    }
    const [, command = '/evolve', text = ''] = match;
    this.note(user.id, 'command', `${command} ${text}`.trim());
    const responseUrl = this.issueResponseUrl(user.id);
    const body = slashCommandBody({
      command,
      text,
      userId: user.id,
      userName: user.name,
      channelId: this.channel,
      channelName: this.channelName,
      responseUrl,
      triggerId: this.issueTrigger(user.id),
      teamId: this.fake.teamId,
    });
    const answer = await this.send(body);
    if (!answer.ok) return this.failed(user.id, `${command} failed`, answer);
    const reply = answer.body;
    if (isRecord(reply) && (typeof reply.text === 'string' || Array.isArray(reply.blocks))) {
      this.note(user.id, 'bot', typeof reply.text === 'string' ? reply.text : '', {
        ...(Array.isArray(reply.blocks) ? { blocks: reply.blocks as unknown[] } : {}),
        ...(reply.response_type === 'in_channel' ? { toEveryone: true } : {}),
      });
    }
    return { ok: true };
  }

  /** A button in a channel message (its confirm dialog, if any, was accepted on the page). */
  async click(
    userId: string,
    target: { ts: string; actionId: string; channel?: string },
  ): Promise<ActionOutcome> {
    const user = this.user(userId);
    const channel = target.channel ?? this.channel;
    const message = this.fake.workspace.message(channel, target.ts);
    if (!message) throw new PlaygroundRequestError(404, `No message ${target.ts} in ${channel}.`);
    const threadTs = message.threadTs !== message.ts ? message.threadTs : undefined;
    const responseUrl = this.issueResponseUrl(user.id, {
      channel,
      messageTs: message.ts,
      threadTs,
    });
    let body: string;
    try {
      body = blockActionsBody({
        user: { id: user.id, name: user.name },
        channelId: channel,
        message: {
          ts: message.ts,
          text: message.text,
          ...(message.blocks ? { blocks: message.blocks } : {}),
          ...(message.threadTs ? { threadTs: message.threadTs } : {}),
        },
        actionId: target.actionId,
        responseUrl,
        triggerId: this.issueTrigger(user.id),
        teamId: this.fake.teamId,
      });
    } catch (err) {
      throw new PlaygroundRequestError(400, err instanceof Error ? err.message : String(err));
    }
    const answer = await this.send(body);
    return answer.ok
      ? { ok: true }
      : this.failed(user.id, 'This button did not work', answer, threadTs);
  }

  /** The modal's submit button: view_submission, then close, show inline errors, or update. */
  async submitView(
    userId: string,
    viewId: string,
    values: Record<string, Record<string, string>>,
  ): Promise<ActionOutcome> {
    const user = this.user(userId);
    const record = this.openView(user.id, viewId);
    const body = viewSubmissionBody({
      user: { id: user.id, name: user.name },
      view: record.view,
      values,
      teamId: this.fake.teamId,
    });
    this.viewErrors.delete(viewId);
    const answer = await this.send(body);
    if (!answer.ok) {
      const errors = { '': `We had some trouble connecting (${answer.error}). Try again?` };
      this.viewErrors.set(viewId, { hash: String(record.view.hash), errors });
      return { ok: false, error: answer.error, errors };
    }
    const ack = isRecord(answer.body) ? answer.body : {};
    switch (ack.response_action) {
      case 'errors': {
        const errors = stringRecord(ack.errors);
        this.viewErrors.set(viewId, { hash: String(record.view.hash), errors });
        return { ok: false, errors };
      }
      case 'update':
      case 'push':
        // A pushed view replaces this one here: the playground keeps one modal per person.
        if (isRecord(ack.view)) this.replaceView(viewId, ack.view);
        return { ok: true, closed: false };
      case 'clear':
        for (const view of this.viewsOf(user.id)) this.closedViews.add(view.id);
        return { ok: true, closed: true };
      default:
        this.closedViews.add(viewId);
        return { ok: true, closed: true };
    }
  }

  /** The modal's close button (or Escape). Slack only tells the app when the view asked for notify_on_close. */
  closeView(userId: string, viewId: string): void {
    const user = this.user(userId);
    this.openView(user.id, viewId);
    this.closedViews.add(viewId);
  }

  dismiss(userId: string, ephemeralId: string): void {
    this.user(userId);
    this.dismissed.add(ephemeralId);
  }

  /** The channel as `userId` sees it: messages with threads, their ephemerals, their open modal. */
  state(userId: string): PlaygroundState {
    const user = this.user(userId);
    const workspace = this.fake.workspace;
    const messages = workspace.channelHistory(this.channel).map((m) => ({
      ...toPlaygroundMessage(m),
      replies: workspace.threadReplies(this.channel, m.ts).map(toPlaygroundMessage),
    }));
    const ephemerals = [...this.botEphemerals(user.id), ...this.responseUrlPosts(user.id)]
      .concat(this.notes.filter((n) => n.user === user.id || n.toEveryone).map(withoutUser))
      .filter((e) => !this.dismissed.has(e.id))
      .sort((a, b) => a.at - b.at);
    const view = this.viewsOf(user.id).at(-1);
    return { messages, ephemerals, ...(view ? { view: this.viewState(view) } : {}) };
  }

  /** A file shared in the channel (a large SQL diff): its bytes as uploaded. */
  fileBytes(fileId: string): { filename: string; bytes: Buffer } | undefined {
    const file = this.fake.workspace.files.get(fileId);
    return file?.bytes ? { filename: file.filename, bytes: file.bytes } : undefined;
  }

  private user(id: string): PlaygroundUser {
    const user = this.users.find((u) => u.id === id);
    if (!user) throw new PlaygroundRequestError(400, `Unknown user '${id}'.`);
    return user;
  }

  private send(body: string): Promise<BotAnswer> {
    return sendToBot(
      this.options.botEventsUrl,
      body,
      this.options.signingSecret,
      this.ackTimeoutMs,
    );
  }

  private failed(
    user: string,
    what: string,
    answer: Extract<BotAnswer, { ok: false }>,
    threadTs?: string,
  ): ActionOutcome {
    this.note(user, 'error', `${what} with the error "${answer.error}" (${answer.detail}).`, {
      ...(threadTs ? { threadTs } : {}),
    });
    return { ok: false, error: answer.error };
  }

  private note(
    user: string,
    kind: PlaygroundEphemeral['kind'],
    text: string,
    extra: Partial<Pick<PlaygroundEphemeral, 'blocks' | 'threadTs' | 'toEveryone'>> = {},
  ): void {
    this.notes.push({ id: `n${++this.sequence}`, user, kind, text, at: Date.now(), ...extra });
  }

  private issueResponseUrl(
    user: string,
    target: { channel?: string; messageTs?: string; threadTs?: string | undefined } = {},
  ): string {
    const { threadTs, ...bound } = target;
    const url = this.fake.createResponseUrl(bound);
    this.issuedUrls.set(url.split('/').pop() ?? url, { user, ...(threadTs ? { threadTs } : {}) });
    return url;
  }

  /** Issued by the playground so that a modal the bot opens with it shows for this person only. */
  private issueTrigger(user: string): string {
    const triggerId = fakeTriggerId();
    this.triggers.set(triggerId, user);
    return triggerId;
  }

  private botEphemerals(user: string): PlaygroundEphemeral[] {
    return this.fake.workspace.ephemerals.flatMap((e, index) =>
      e.user === user && e.channel === this.channel
        ? [
            {
              id: `e${index}`,
              kind: 'bot' as const,
              text: e.text,
              at: e.at,
              ...(e.blocks ? { blocks: e.blocks } : {}),
              ...(e.threadTs ? { threadTs: e.threadTs } : {}),
            },
          ]
        : [],
    );
  }

  /** respond() through a response_url: ephemeral unless in_channel; replace/delete already edited the message. */
  private responseUrlPosts(user: string): PlaygroundEphemeral[] {
    const out: PlaygroundEphemeral[] = [];
    this.fake.calls.forEach((call, index) => {
      if (call.method !== 'response_url' || !call.ok) return;
      const { id, ...fields } = call.args;
      const issued = typeof id === 'string' ? this.issuedUrls.get(id) : undefined;
      if (!issued || isTrue(fields.replace_original) || isTrue(fields.delete_original)) return;
      const toEveryone = fields.response_type === 'in_channel';
      if (issued.user !== user && !toEveryone) return;
      out.push({
        id: `r${index}`,
        kind: 'bot',
        text: typeof fields.text === 'string' ? fields.text : '',
        at: call.at,
        ...(Array.isArray(fields.blocks) ? { blocks: fields.blocks as unknown[] } : {}),
        ...(issued.threadTs ? { threadTs: issued.threadTs } : {}),
        ...(toEveryone ? { toEveryone } : {}),
      });
    });
    return out;
  }

  private viewsOf(user: string) {
    return [...this.fake.workspace.views.values()].filter(
      (v) =>
        v.triggerId !== undefined &&
        this.triggers.get(v.triggerId) === user &&
        !this.closedViews.has(v.id),
    );
  }

  private openView(user: string, viewId: string) {
    const record = this.viewsOf(user).find((v) => v.id === viewId);
    if (!record) throw new PlaygroundRequestError(404, `No open view ${viewId} for ${user}.`);
    return record;
  }

  /** response_action update: Slack replaces the view server-side, so the fake's record changes. */
  private replaceView(viewId: string, view: Record<string, unknown>): void {
    const record = this.fake.workspace.views.get(viewId);
    if (!record) return;
    const next = {
      ...view,
      id: viewId,
      team_id: this.fake.teamId,
      hash: `${viewId}-${record.history.length + 1}`,
    };
    record.view = next;
    record.history.push(next);
  }

  private viewState(record: { id: string; view: Record<string, unknown> }): PlaygroundView {
    const hash = String(record.view.hash ?? '');
    const errors = this.viewErrors.get(record.id);
    return {
      id: record.id,
      hash,
      view: record.view,
      errors: errors && errors.hash === hash ? errors.errors : {},
    };
  }
}

function withoutUser({
  user: _user,
  ...ephemeral
}: PlaygroundEphemeral & { user: string }): PlaygroundEphemeral {
  return ephemeral;
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

function stringRecord(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}
