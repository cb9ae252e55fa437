import type { FakeFile, FakeSlackWorkspace } from './fake-slack-workspace.js';
import { isRecord } from './parse-slack-body.js';

export type MethodResult = Record<string, unknown> & { ok: boolean; error?: string };

export interface MethodContext {
  workspace: FakeSlackWorkspace;
  origin: string;
  now: () => number;
  teamId: string;
  botUserId: string;
  botId: string;
  checkMessageLimits: (text: unknown, blocks: unknown) => string | undefined;
  checkViewLimits: (view: unknown) => string | undefined;
}

type Args = Record<string, unknown>;
type Method = (args: Args, ctx: MethodContext) => MethodResult;

const fail = (error: string): MethodResult => ({ ok: false, error });
const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const blocksOf = (value: unknown): unknown[] | undefined =>
  Array.isArray(value) ? (value as unknown[]) : undefined;

/** The Web API methods the bot uses, answered the way Slack answers them (HTTP 200, `ok` flag). */
export const webApiMethods: Readonly<Record<string, Method>> = {
  'auth.test': (_args, ctx) => ({
    ok: true,
    url: `${ctx.origin}/`,
    team: 'Fake Workspace',
    user: 'evolve',
    team_id: ctx.teamId,
    user_id: ctx.botUserId,
    bot_id: ctx.botId,
  }),

  'chat.postMessage': (args, ctx) => {
    const channel = str(args.channel);
    if (!channel) return fail('channel_not_found');
    const text = str(args.text) ?? '';
    const blocks = blocksOf(args.blocks);
    if (!text && !blocks) return fail('no_text');
    const limitError = ctx.checkMessageLimits(args.text, args.blocks);
    if (limitError) return fail(limitError);
    const threadTs = str(args.thread_ts);
    const posted = ctx.workspace.postMessage({
      channel,
      text,
      ...(blocks ? { blocks } : {}),
      ...(threadTs ? { threadTs } : {}),
      ...(isRecord(args.metadata) ? { metadata: args.metadata } : {}),
    });
    if (posted === 'thread_not_found') return fail('thread_not_found');
    return { ok: true, channel, ts: posted.ts, message: messageJson(posted, ctx) };
  },

  /** The thread's parent and replies, oldest first; `oldest` (a ts) leaves out earlier ones. */
  'conversations.replies': (args, ctx) => {
    const channel = str(args.channel);
    const ts = str(args.ts);
    if (!channel || !ts) return fail('invalid_arguments');
    if (!ctx.workspace.channels().includes(channel)) return fail('channel_not_found');
    const parent = ctx.workspace.message(channel, ts);
    if (!parent) return fail('thread_not_found');
    const oldest = Number(str(args.oldest) ?? '0');
    const withMetadata = String(args.include_all_metadata) === 'true';
    const messages = [parent, ...ctx.workspace.threadReplies(channel, ts)]
      .filter((m) => Number(m.ts) >= oldest)
      .map((m) => ({
        ...messageJson(m, ctx),
        ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
      }));
    return { ok: true, messages, has_more: false };
  },

  'chat.update': (args, ctx) => {
    const channel = str(args.channel);
    const ts = str(args.ts);
    if (!channel || !ts) return fail('invalid_arguments');
    const limitError = ctx.checkMessageLimits(args.text, args.blocks);
    if (limitError) return fail(limitError);
    const blocks = blocksOf(args.blocks);
    const text = typeof args.text === 'string' ? args.text : undefined;
    const updated = ctx.workspace.updateMessage({
      channel,
      ts,
      ...(text !== undefined ? { text } : {}),
      ...(blocks ? { blocks } : {}),
    });
    if (!updated) return fail('message_not_found');
    return { ok: true, channel, ts, text: updated.text, message: messageJson(updated, ctx) };
  },

  'chat.postEphemeral': (args, ctx) => {
    const channel = str(args.channel);
    const user = str(args.user);
    if (!channel) return fail('channel_not_found');
    if (!user) return fail('user_not_in_channel');
    const limitError = ctx.checkMessageLimits(args.text, args.blocks);
    if (limitError) return fail(limitError);
    const blocks = blocksOf(args.blocks);
    const threadTs = str(args.thread_ts);
    ctx.workspace.ephemerals.push({
      channel,
      user,
      text: str(args.text) ?? '',
      at: ctx.now(),
      ...(blocks ? { blocks } : {}),
      ...(threadTs ? { threadTs } : {}),
    });
    return { ok: true, message_ts: ctx.workspace.nextTs() };
  },

  'views.open': (args, ctx) => {
    const triggerId = str(args.trigger_id);
    if (!triggerId) return fail('invalid_trigger_id');
    if (triggerExpired(triggerId, ctx.now())) return fail('expired_trigger_id');
    const limitError = ctx.checkViewLimits(args.view);
    if (limitError || !isRecord(args.view)) return fail(limitError ?? 'invalid_arguments');
    const id = ctx.workspace.nextId('V');
    const view = { ...args.view, id, team_id: ctx.teamId, hash: `${id}-1` };
    ctx.workspace.views.set(id, { id, triggerId, view, history: [view] });
    return { ok: true, view };
  },

  'views.update': (args, ctx) => {
    const id = str(args.view_id);
    const existing = id ? ctx.workspace.views.get(id) : undefined;
    if (!existing) return fail('not_found');
    const hash = str(args.hash);
    if (hash && hash !== existing.view.hash) return fail('hash_conflict');
    const limitError = ctx.checkViewLimits(args.view);
    if (limitError || !isRecord(args.view)) return fail(limitError ?? 'invalid_arguments');
    const view = {
      ...args.view,
      id: existing.id,
      team_id: ctx.teamId,
      hash: `${existing.id}-${existing.history.length + 1}`,
    };
    existing.view = view;
    existing.history.push(view);
    return { ok: true, view };
  },

  'usergroups.users.list': (args, ctx) => {
    const group = str(args.usergroup);
    const users = group ? ctx.workspace.userGroups.get(group) : undefined;
    return users ? { ok: true, users: [...users] } : fail('no_such_subteam');
  },

  'users.info': (args, ctx) => {
    const id = str(args.user);
    const person = id ? ctx.workspace.users.get(id) : undefined;
    if (!id || !person) return fail('user_not_found');
    // Slack's shape: the handle in `name`, the name people read in real_name and the profile.
    const handle = person.name.split(/\s/)[0]?.toLowerCase() ?? id.toLowerCase();
    return {
      ok: true,
      user: {
        id,
        team_id: ctx.teamId,
        name: handle,
        real_name: person.name,
        profile: { real_name: person.name, display_name: person.name },
      },
    };
  },

  'files.getUploadURLExternal': (args, ctx) => {
    const filename = str(args.filename);
    const length = Number(args.length);
    if (!filename) return fail('invalid_arguments');
    if (!Number.isInteger(length) || length <= 0) return fail('invalid_arguments');
    const id = ctx.workspace.nextId('F');
    ctx.workspace.files.set(id, { id, filename, length, completed: false });
    ctx.workspace.markChanged();
    return { ok: true, upload_url: `${ctx.origin}/upload/${id}`, file_id: id };
  },

  'files.completeUploadExternal': (args, ctx) => {
    if (!Array.isArray(args.files) || args.files.length === 0) return fail('invalid_arguments');
    const completed: FakeFile[] = [];
    for (const entry of args.files as unknown[]) {
      const id = isRecord(entry) ? str(entry.id) : undefined;
      const file = id ? ctx.workspace.files.get(id) : undefined;
      // Slack refuses to complete a file whose bytes never arrived.
      if (!file || !file.bytes) return fail('file_not_found');
      const title = isRecord(entry) ? str(entry.title) : undefined;
      file.completed = true;
      if (title) file.title = title;
      completed.push(file);
    }
    ctx.workspace.markChanged();
    const channel = str(args.channel_id) ?? str(args.channels);
    if (channel) {
      const threadTs = str(args.thread_ts);
      const shared = ctx.workspace.postMessage({
        channel,
        text: str(args.initial_comment) ?? '',
        files: completed,
        ...(threadTs ? { threadTs } : {}),
      });
      if (shared === 'thread_not_found') return fail('thread_not_found');
    }
    return {
      ok: true,
      files: completed.map((f) => ({ id: f.id, name: f.filename, title: f.title ?? f.filename })),
    };
  },
};

/**
 * Slack's trigger_ids are valid for 3 s. The fake can only date the ones it
 * made (fakeTriggerId starts with the issue time in ms); others never expire.
 */
function triggerExpired(triggerId: string, now: number): boolean {
  const issuedAt = /^(\d{13})\./.exec(triggerId)?.[1];
  return issuedAt !== undefined && now - Number(issuedAt) > 3000;
}

function messageJson(
  message: { ts: string; text: string; blocks?: unknown[]; threadTs?: string },
  ctx: MethodContext,
): Record<string, unknown> {
  return {
    type: 'message',
    user: ctx.botUserId,
    bot_id: ctx.botId,
    ts: message.ts,
    text: message.text,
    ...(message.blocks ? { blocks: message.blocks } : {}),
    ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
  };
}
