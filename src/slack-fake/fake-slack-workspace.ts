/** A message as the channel shows it: the latest edit applied. */
export interface FakeMessage {
  channel: string;
  ts: string;
  /** Set on thread replies (and on a thread's parent once it has replies: Slack's shape). */
  threadTs?: string;
  text: string;
  blocks?: unknown[];
  files?: FakeFile[];
  /** Message metadata (event_type, event_payload), as conversations.* return it with include_all_metadata. */
  metadata?: Record<string, unknown>;
  /** How many times chat.update (or a response_url replace) changed it. */
  editCount: number;
  postedAt: number;
  editedAt?: number;
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  threadTs?: string;
  at: number;
}

export interface FakeView {
  id: string;
  triggerId?: string;
  view: Record<string, unknown>;
  /** Every version shown, oldest first. */
  history: Record<string, unknown>[];
}

export interface FakeFile {
  id: string;
  filename: string;
  title?: string;
  length?: number;
  bytes?: Buffer;
  completed: boolean;
}

export interface FakeResponseUrl {
  id: string;
  /** Message a block_actions response_url may replace. */
  channel?: string;
  messageTs?: string;
  /** What was posted to it, in order. */
  posts: Record<string, unknown>[];
}

/**
 * The state behind the fake Web API: channels with their messages and
 * threads, ephemerals, open views, files and response URLs. Tests and the
 * playground read "what the channel shows" from here.
 */
export class FakeSlackWorkspace {
  private readonly messages = new Map<string, Map<string, FakeMessage>>();
  readonly ephemerals: FakeEphemeral[] = [];
  readonly views = new Map<string, FakeView>();
  readonly files = new Map<string, FakeFile>();
  readonly responseUrls = new Map<string, FakeResponseUrl>();
  readonly userGroups = new Map<string, string[]>();
  private lastTsMicros = 0;
  private sequence = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Slack ts: seconds.microseconds, unique and increasing per workspace. */
  nextTs(): string {
    const micros = Math.max(this.now() * 1000, this.lastTsMicros + 1);
    this.lastTsMicros = micros;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  nextId(prefix: string): string {
    this.sequence += 1;
    return `${prefix}${this.sequence.toString(36).toUpperCase().padStart(8, '0')}`;
  }

  postMessage(input: {
    channel: string;
    text: string;
    blocks?: unknown[];
    threadTs?: string;
    files?: FakeFile[];
    metadata?: Record<string, unknown>;
  }): FakeMessage | 'thread_not_found' {
    const channel = this.channelMap(input.channel);
    if (input.threadTs !== undefined) {
      const parent = channel.get(input.threadTs);
      if (!parent) return 'thread_not_found';
      parent.threadTs ??= parent.ts;
    }
    const message: FakeMessage = {
      channel: input.channel,
      ts: this.nextTs(),
      text: input.text,
      editCount: 0,
      postedAt: this.now(),
      ...(input.threadTs !== undefined ? { threadTs: input.threadTs } : {}),
      ...(input.blocks !== undefined ? { blocks: input.blocks } : {}),
      ...(input.files !== undefined ? { files: input.files } : {}),
      ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
    };
    channel.set(message.ts, message);
    return message;
  }

  updateMessage(input: {
    channel: string;
    ts: string;
    text?: string;
    blocks?: unknown[];
  }): FakeMessage | undefined {
    const message = this.messages.get(input.channel)?.get(input.ts);
    if (!message) return undefined;
    if (input.text !== undefined) message.text = input.text;
    if (input.blocks !== undefined) message.blocks = input.blocks;
    message.editCount += 1;
    message.editedAt = this.now();
    return message;
  }

  deleteMessage(channel: string, ts: string): boolean {
    return this.messages.get(channel)?.delete(ts) ?? false;
  }

  message(channel: string, ts: string): FakeMessage | undefined {
    return this.messages.get(channel)?.get(ts);
  }

  /** Top-level messages of a channel, oldest first (thread replies excluded). */
  channelHistory(channel: string): FakeMessage[] {
    return this.sorted(channel).filter((m) => m.threadTs === undefined || m.threadTs === m.ts);
  }

  /** Replies in a thread, oldest first, without the parent. */
  threadReplies(channel: string, threadTs: string): FakeMessage[] {
    return this.sorted(channel).filter((m) => m.threadTs === threadTs && m.ts !== threadTs);
  }

  channels(): string[] {
    return [...this.messages.keys()].sort();
  }

  /** Everything a person would see, as plain data (for the playground page and for debugging tests). */
  snapshot(): WorkspaceSnapshot {
    return {
      channels: this.channels().map((id) => ({
        id,
        messages: this.channelHistory(id).map((m) => ({
          ...withoutBytes(m),
          replies: this.threadReplies(id, m.ts).map(withoutBytes),
        })),
      })),
      ephemerals: [...this.ephemerals],
      views: [...this.views.values()].map((v) => v.view),
    };
  }

  ephemeralsFor(user: string): FakeEphemeral[] {
    return this.ephemerals.filter((e) => e.user === user);
  }

  private sorted(channel: string): FakeMessage[] {
    return [...(this.messages.get(channel)?.values() ?? [])].sort((a, b) => compareTs(a.ts, b.ts));
  }

  private channelMap(channel: string): Map<string, FakeMessage> {
    let map = this.messages.get(channel);
    if (!map) {
      map = new Map();
      this.messages.set(channel, map);
    }
    return map;
  }
}

export interface WorkspaceSnapshot {
  channels: { id: string; messages: (FakeMessage & { replies: FakeMessage[] })[] }[];
  ephemerals: FakeEphemeral[];
  views: Record<string, unknown>[];
}

function withoutBytes(message: FakeMessage): FakeMessage {
  if (!message.files) return { ...message };
  return { ...message, files: message.files.map(({ bytes: _bytes, ...file }) => file) };
}

export function compareTs(a: string, b: string): number {
  const [as = '0', au = '0'] = a.split('.');
  const [bs = '0', bu = '0'] = b.split('.');
  return Number(as) - Number(bs) || Number(au) - Number(bu);
}
