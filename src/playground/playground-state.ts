import type { FakeMessage } from '../slack-fake/index.js';

/** A channel message as the page renders it; the fake's own record minus what a client never sees. */
export interface PlaygroundMessage {
  ts: string;
  threadTs?: string;
  text: string;
  blocks?: unknown[];
  files?: { id: string; filename: string; title?: string }[];
  edited: boolean;
  /** Epoch ms, to order messages and ephemerals on one timeline. */
  at: number;
}

export interface PlaygroundThreadedMessage extends PlaygroundMessage {
  replies: PlaygroundMessage[];
}

/** Only the current user sees these (unless `toEveryone`), like Slack's "Only visible to you". */
export interface PlaygroundEphemeral {
  id: string;
  threadTs?: string;
  text: string;
  blocks?: unknown[];
  at: number;
  /** bot: the app said it; command: the command the person ran; error: Slack's own complaint. */
  kind: 'bot' | 'command' | 'error';
  /** A response_url answer with response_type in_channel: everybody sees it. */
  toEveryone?: boolean;
}

export interface PlaygroundView {
  id: string;
  hash: string;
  view: Record<string, unknown>;
  /** Inline errors from the last submission: block_id -> message. */
  errors: Record<string, string>;
}

/** What GET /api/state answers: the channel as one user sees it right now. */
export interface PlaygroundState {
  messages: PlaygroundThreadedMessage[];
  ephemerals: PlaygroundEphemeral[];
  view?: PlaygroundView;
}

export function toPlaygroundMessage(message: FakeMessage): PlaygroundMessage {
  return {
    ts: message.ts,
    ...(message.threadTs !== undefined ? { threadTs: message.threadTs } : {}),
    text: message.text,
    ...(message.blocks !== undefined ? { blocks: message.blocks } : {}),
    ...(message.files !== undefined
      ? {
          files: message.files.map((f) => ({
            id: f.id,
            filename: f.filename,
            ...(f.title !== undefined ? { title: f.title } : {}),
          })),
        }
      : {}),
    edited: message.editCount > 0,
    at: message.postedAt,
  };
}
