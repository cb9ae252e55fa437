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
  /** The workspace's people (users.info): id -> the name Slack shows for them. */
  readonly users = new Map<string, { name: string }>();
  private lastTsMicros = 0;
  private sequence = 0;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Called after every change of what a restart should keep (messages,
   * edits, deletions, files); the playground saves the workspace from here.
   * Returns the unsubscribe.
   */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells the listeners that a kept part changed (the Web API methods call it for files). */
  markChanged(): void {
    for (const listener of this.listeners) listener();
  }

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
    this.markChanged();
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
    this.markChanged();
    return message;
  }

  deleteMessage(channel: string, ts: string): boolean {
    const deleted = this.messages.get(channel)?.delete(ts) ?? false;
    if (deleted) this.markChanged();
    return deleted;
  }

  /**
   * What a restart keeps: the newest `maxMessages` messages of all channels
   * (a reply only with its parent), the files they show (metadata, no
   * bytes) and the ts/id counters. Ephemerals, views and response URLs are
   * left out: Slack forgets those too.
   */
  toRecord(maxMessages = DEFAULT_KEPT_MESSAGES): WorkspaceRecord {
    const all = this.channels()
      .flatMap((id) => this.sorted(id))
      .sort((a, b) => compareTs(a.ts, b.ts));
    const newest = all.slice(Math.max(0, all.length - maxMessages));
    const kept = new Set(newest.map((m) => `${m.channel}/${m.ts}`));
    const messages = newest
      .filter((m) => isTopLevel(m) || kept.has(`${m.channel}/${m.threadTs}`))
      .map(withoutBytes);
    const fileIds = new Set(messages.flatMap((m) => (m.files ?? []).map((f) => f.id)));
    const files = [...this.files.values()]
      .filter((f) => fileIds.has(f.id))
      .map(({ bytes: _bytes, ...file }) => file);
    return {
      version: 1,
      lastTsMicros: this.lastTsMicros,
      sequence: this.sequence,
      messages,
      files,
    };
  }

  /** Replaces the messages and files with a record's; counters only move forward, so new ts stay increasing. */
  restore(record: WorkspaceRecord): void {
    this.messages.clear();
    this.files.clear();
    for (const file of record.files) this.files.set(file.id, { ...file });
    for (const message of record.messages) {
      const files = message.files?.map((f) => this.files.get(f.id) ?? { ...f });
      this.channelMap(message.channel).set(message.ts, {
        ...message,
        ...(files ? { files } : {}),
      });
    }
    this.lastTsMicros = Math.max(this.lastTsMicros, record.lastTsMicros);
    this.sequence = Math.max(this.sequence, record.sequence);
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

/** The newest messages a saved workspace keeps (older ones are dropped at each save). */
export const DEFAULT_KEPT_MESSAGES = 2_000;

/** A workspace as saved between restarts (JSON-safe: file bytes are left out). */
export interface WorkspaceRecord {
  version: 1;
  lastTsMicros: number;
  sequence: number;
  /** Oldest first. */
  messages: FakeMessage[];
  files: FakeFile[];
}

export interface WorkspaceSnapshot {
  channels: { id: string; messages: (FakeMessage & { replies: FakeMessage[] })[] }[];
  ephemerals: FakeEphemeral[];
  views: Record<string, unknown>[];
}

function isTopLevel(message: FakeMessage): boolean {
  return message.threadTs === undefined || message.threadTs === message.ts;
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
