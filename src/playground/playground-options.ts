import type { FakeSlackApi } from '../slack-fake/index.js';

export interface PlaygroundUser {
  id: string;
  name: string;
}

export interface PlaygroundOptions {
  /** The fake Slack Web API the bot talks to: the page shows its workspace. */
  fake: FakeSlackApi;
  /** The bot's request URL (`http://127.0.0.1:<port>/slack/events`). */
  botEventsUrl: string;
  /** Signs every request to the bot; stays on the server, never sent to the page. */
  signingSecret: string;
  /** Port to listen on (127.0.0.1 only); 0 or absent picks a free one. */
  port?: number;
  /** Who the person can act as; the first is selected when the page opens. */
  users?: readonly PlaygroundUser[];
  /** The channel the page shows and sends commands from. */
  channel?: string;
  channelName?: string;
  /** Posted by the bot when the channel is empty (a first start), so the first page says where to begin. */
  welcome?: string;
  /** When given, the develop modal offers a "Use the demo v2 SQL" button that fills it in. */
  demoV2Sql?: string;
  /** How long the bot has to answer a request before Slack gives up (3 s in Slack). */
  ackTimeoutMs?: number;
}

export const DEFAULT_PLAYGROUND_USERS: readonly PlaygroundUser[] = [
  { id: 'U0DEMOOWNER', name: 'Olivia (owner)' },
  { id: 'U0DEMOAPPR', name: 'Arjun (approver)' },
];

export const DEFAULT_PLAYGROUND_CHANNEL = 'C0EVOLVE';
export const DEFAULT_PLAYGROUND_CHANNEL_NAME = 'evolve';
export const SLACK_ACK_TIMEOUT_MS = 3000;
