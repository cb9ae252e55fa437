import { isValidSlackRequest } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import {
  blockActionsBody,
  signSlackRequest,
  slashCommandBody,
  viewSubmissionBody,
} from '../../src/slack-fake/index.js';

interface BlockActionsPayload {
  type: string;
  actions: Record<string, unknown>[];
  container: Record<string, unknown>;
}
interface ViewSubmissionPayload {
  view: {
    callback_id: string;
    state: { values: Record<string, Record<string, { value: string }>> };
  };
}

describe('signSlackRequest', () => {
  it("produces headers Bolt's own verifier accepts, and only for the same body and secret", () => {
    const body = 'command=%2Fevolve&text=help';
    const headers = signSlackRequest(body, 'secret-1');
    const verify = (b: string, secret: string) =>
      isValidSlackRequest({
        signingSecret: secret,
        body: b,
        headers: {
          'x-slack-signature': headers['X-Slack-Signature'],
          'x-slack-request-timestamp': Number(headers['X-Slack-Request-Timestamp']),
        },
      });
    expect(verify(body, 'secret-1')).toBe(true);
    expect(verify(body, 'secret-2')).toBe(false);
    expect(verify(`${body}x`, 'secret-1')).toBe(false);
  });
});

describe('payload builders', () => {
  it('builds a form-encoded slash command', () => {
    const form = new URLSearchParams(
      slashCommandBody({
        text: 'status revenue',
        userId: 'U1',
        channelId: 'C1',
        responseUrl: 'http://r/1',
      }),
    );
    expect(form.get('command')).toBe('/evolve');
    expect(form.get('text')).toBe('status revenue');
    expect(form.get('user_id')).toBe('U1');
    expect(form.get('trigger_id')).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
  });

  it('builds block_actions from the button actually in the message', () => {
    const message = {
      ts: '1.000001',
      text: 'approve?',
      blocks: [
        {
          type: 'actions',
          block_id: 'decision',
          elements: [
            {
              type: 'button',
              action_id: 'approve',
              value: '{"e":1}',
              confirm: {},
              text: { type: 'plain_text', text: 'Approve' },
            },
          ],
        },
      ],
    };
    const payload = JSON.parse(
      new URLSearchParams(
        blockActionsBody({
          user: { id: 'U2' },
          channelId: 'C1',
          message,
          actionId: 'approve',
          responseUrl: 'http://r/2',
        }),
      ).get('payload') ?? '',
    ) as BlockActionsPayload;
    expect(payload.type).toBe('block_actions');
    expect(payload.actions[0]).toMatchObject({
      action_id: 'approve',
      block_id: 'decision',
      value: '{"e":1}',
    });
    expect(payload.actions[0]).not.toHaveProperty('confirm');
    expect(payload.container).toMatchObject({ message_ts: '1.000001', channel_id: 'C1' });
    expect(() =>
      blockActionsBody({
        user: { id: 'U2' },
        channelId: 'C1',
        message,
        actionId: 'nope',
        responseUrl: 'x',
      }),
    ).toThrow(/nope/);
  });

  it('builds a view_submission with state values', () => {
    const payload = JSON.parse(
      new URLSearchParams(
        viewSubmissionBody({
          user: { id: 'U1' },
          view: { id: 'V1', callback_id: 'develop', private_metadata: '{}' },
          values: { sql: { sql_input: 'SELECT 1' } },
        }),
      ).get('payload') ?? '',
    ) as ViewSubmissionPayload;
    expect(payload.view.state.values.sql?.sql_input?.value).toBe('SELECT 1');
    expect(payload.view.callback_id).toBe('develop');
  });
});
