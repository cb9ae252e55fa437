import { randomBytes } from 'node:crypto';
import { isRecord } from './parse-slack-body.js';

/**
 * Request bodies exactly as Slack sends them to an app's request URL:
 * slash commands form-encoded, interactions as a form field `payload`
 * holding JSON. Sign them with signSlackRequest before sending.
 */

export interface SlackUser {
  id: string;
  name?: string;
}

interface Workspace {
  teamId?: string;
  apiAppId?: string;
}

const TEAM = 'T0FAKE';
const APP = 'A0EVOLVE';

export function fakeTriggerId(): string {
  return `${Date.now()}.${Math.floor(Math.random() * 1e9)}.${randomBytes(16).toString('hex')}`;
}

export interface SlashCommandInput extends Workspace {
  text: string;
  userId: string;
  channelId: string;
  responseUrl: string;
  command?: string;
  triggerId?: string;
  userName?: string;
  channelName?: string;
}

export function slashCommandBody(input: SlashCommandInput): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: input.teamId ?? TEAM,
    team_domain: 'fake',
    channel_id: input.channelId,
    channel_name: input.channelName ?? 'evolve',
    user_id: input.userId,
    user_name: input.userName ?? input.userId.toLowerCase(),
    command: input.command ?? '/evolve',
    text: input.text,
    api_app_id: input.apiAppId ?? APP,
    is_enterprise_install: 'false',
    response_url: input.responseUrl,
    trigger_id: input.triggerId ?? fakeTriggerId(),
  }).toString();
}

export interface ClickedMessage {
  ts: string;
  text: string;
  blocks?: unknown[];
  threadTs?: string;
}

export interface BlockActionInput extends Workspace {
  user: SlackUser;
  channelId: string;
  /** The message holding the button, as the channel shows it. */
  message: ClickedMessage;
  /** action_id of the button clicked; its block_id and value are read from the message. */
  actionId: string;
  responseUrl: string;
  triggerId?: string;
}

/** A button click on a message, with the button's value taken from the message itself. */
export function blockActionsBody(input: BlockActionInput): string {
  const found = findElement(input.message.blocks ?? [], input.actionId);
  if (!found) {
    throw new Error(`No element with action_id '${input.actionId}' in message ${input.message.ts}`);
  }
  const { blockId, element } = found;
  const teamId = input.teamId ?? TEAM;
  const payload = {
    type: 'block_actions',
    user: userJson(input.user, teamId),
    api_app_id: input.apiAppId ?? APP,
    token: 'deprecated-verification-token',
    container: {
      type: 'message',
      message_ts: input.message.ts,
      channel_id: input.channelId,
      is_ephemeral: false,
      ...(input.message.threadTs ? { thread_ts: input.message.threadTs } : {}),
    },
    trigger_id: input.triggerId ?? fakeTriggerId(),
    team: { id: teamId, domain: 'fake' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.channelId, name: 'evolve' },
    message: {
      type: 'message',
      ts: input.message.ts,
      text: input.message.text,
      blocks: input.message.blocks ?? [],
      ...(input.message.threadTs ? { thread_ts: input.message.threadTs } : {}),
    },
    state: { values: {} },
    response_url: input.responseUrl,
    actions: [
      {
        ...element,
        block_id: blockId,
        action_ts: `${Math.floor(Date.now() / 1000)}.000100`,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export interface ViewSubmissionInput extends Workspace {
  user: SlackUser;
  /** The view as opened (from views.open's answer or the fake's record), with its id. */
  view: Record<string, unknown>;
  /** What the user typed: values[blockId][actionId] = text. */
  values: Record<string, Record<string, string>>;
  triggerId?: string;
}

export function viewSubmissionBody(input: ViewSubmissionInput): string {
  const teamId = input.teamId ?? TEAM;
  const stateValues: Record<string, Record<string, { type: string; value: string }>> = {};
  for (const [blockId, byAction] of Object.entries(input.values)) {
    stateValues[blockId] = {};
    for (const [actionId, value] of Object.entries(byAction)) {
      stateValues[blockId][actionId] = { type: 'plain_text_input', value };
    }
  }
  const payload = {
    type: 'view_submission',
    team: { id: teamId, domain: 'fake' },
    user: userJson(input.user, teamId),
    api_app_id: input.apiAppId ?? APP,
    token: 'deprecated-verification-token',
    trigger_id: input.triggerId ?? fakeTriggerId(),
    view: {
      type: 'modal',
      private_metadata: '',
      callback_id: '',
      ...input.view,
      team_id: teamId,
      state: { values: stateValues },
      app_id: input.apiAppId ?? APP,
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

function userJson(user: SlackUser, teamId: string): Record<string, string> {
  const name = user.name ?? user.id.toLowerCase();
  return { id: user.id, username: name, name, team_id: teamId };
}

function findElement(
  blocks: readonly unknown[],
  actionId: string,
): { blockId: string; element: Record<string, unknown> } | undefined {
  for (const block of blocks) {
    if (!isRecord(block)) continue;
    const candidates: unknown[] = [
      ...(Array.isArray(block.elements) ? (block.elements as unknown[]) : []),
      block.accessory,
    ];
    for (const element of candidates) {
      if (isRecord(element) && element.action_id === actionId) {
        const { confirm: _confirm, style: _style, ...clicked } = element;
        return {
          blockId: typeof block.block_id === 'string' ? block.block_id : '',
          element: clicked,
        };
      }
    }
  }
  return undefined;
}
