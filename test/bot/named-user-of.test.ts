import { describe, expect, it } from 'vitest';
import { namedUserOf } from '../../src/bot/named-user-of.js';
import {
  blockActionsBody,
  slashCommandBody,
  viewSubmissionBody,
} from '../../src/slack-fake/index.js';

const payload = (form: string) =>
  JSON.parse(new URLSearchParams(form).get('payload') ?? '{}') as unknown;

describe('the name Slack gives a request sender', () => {
  it('is read from slash commands, button clicks and modal submissions', () => {
    const command = Object.fromEntries(
      new URLSearchParams(
        slashCommandBody({
          text: 'help',
          userId: 'U0DANA',
          userName: 'dana',
          channelId: 'C1',
          responseUrl: 'x',
        }),
      ),
    );
    expect(namedUserOf(command)).toEqual({ id: 'U0DANA', name: 'dana' });
    const click = payload(
      blockActionsBody({
        user: { id: 'U0ARJ', name: 'arjun' },
        channelId: 'C1',
        message: {
          ts: '1.1',
          text: 't',
          blocks: [
            {
              type: 'actions',
              block_id: 'b',
              elements: [{ type: 'button', action_id: 'go', value: 'v' }],
            },
          ],
        },
        actionId: 'go',
        responseUrl: 'x',
      }),
    );
    expect(namedUserOf(click)).toEqual({ id: 'U0ARJ', name: 'arjun' });
    const submit = payload(
      viewSubmissionBody({
        user: { id: 'U0ADA', name: 'ada' },
        view: { callback_id: 'c' },
        values: {},
      }),
    );
    expect(namedUserOf(submit)).toEqual({ id: 'U0ADA', name: 'ada' });
  });

  it('is nothing when Slack gives none', () => {
    expect(namedUserOf({ user_id: 'U0X' })).toBeUndefined();
    expect(namedUserOf({ user: { id: 'U0X' } })).toBeUndefined();
    expect(namedUserOf('text')).toBeUndefined();
  });
});
