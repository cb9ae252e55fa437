import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import {
  SLACK_LIMITS,
  TRUNCATION_MARK,
  codeBlock,
  defuseMrkdwn,
  escapeMrkdwnKeepMentions,
  fitMessage,
  fitText,
} from '../../src/bot/blocks/slack-limits.js';
import { checkMessageLimits } from '../../src/slack-fake/index.js';

const section = (text: string, id?: string): KnownBlock => ({
  type: 'section',
  ...(id ? { block_id: id } : {}),
  text: { type: 'mrkdwn', text },
});
const actions: KnownBlock = {
  type: 'actions',
  block_id: 'buttons',
  elements: [
    { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'A' }, value: 'v' },
  ],
};

describe('escapeMrkdwnKeepMentions', () => {
  it('keeps user mentions live and escapes everything else', () => {
    expect(escapeMrkdwnKeepMentions('Aborted by <@U0APPR1>: a < b & c > d')).toBe(
      'Aborted by <@U0APPR1>: a &lt; b &amp; c &gt; d',
    );
    // Not a user id: a broadcast, a link, a lower-case look-alike stay escaped.
    expect(escapeMrkdwnKeepMentions('<!channel> <http://x|y> <@u0abc> <@U0A|name>')).toBe(
      '&lt;!channel&gt; &lt;http://x|y&gt; &lt;@u0abc&gt; &lt;@U0A|name&gt;',
    );
  });
});

describe('fitText and codeBlock', () => {
  it('leaves short text alone and cuts long text with the visible mark', () => {
    expect(fitText('short', 10)).toBe('short');
    const cut = fitText('x'.repeat(5000), 3000);
    expect(cut.length).toBeLessThanOrEqual(3000);
    expect(cut.endsWith(TRUNCATION_MARK)).toBe(true);
  });

  it('keeps a cut code block closed, and neutralises fences inside the code', () => {
    const block = codeBlock('line\n'.repeat(2000), 3000);
    expect(block.length).toBeLessThanOrEqual(3000);
    expect(block.match(/```/g)).toHaveLength(2);
    expect(block).toContain(TRUNCATION_MARK);
    expect(codeBlock('a ``` b').match(/```/g)).toHaveLength(2);
  });
});

describe('fitMessage', () => {
  it('makes an oversized message acceptable to Slack, with the mark visible and the buttons kept', () => {
    const blocks = [
      ...Array.from({ length: 70 }, (_, i) => section(`${i} ${'y'.repeat(4000)}`)),
      actions,
    ];
    expect(checkMessageLimits('t', blocks)).toBeDefined();
    const fitted = fitMessage(blocks);
    expect(checkMessageLimits('t', fitted)).toBeUndefined();
    expect(fitted.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
    expect(JSON.stringify(fitted).length).toBeLessThanOrEqual(SLACK_LIMITS.messageBlocksChars);
    expect(fitted.at(-1)).toEqual(actions);
    expect(JSON.stringify(fitted)).toContain(TRUNCATION_MARK);
    expect((fitted[0] as { text: { text: string } }).text.text.startsWith('0 ')).toBe(true);
  });

  it('returns a message within the limits unchanged', () => {
    const blocks = [section('hello', 'h'), actions];
    expect(fitMessage(blocks)).toEqual(blocks);
  });
});

describe('defuseMrkdwn: the safety net of error replies', () => {
  it('turns typed control sequences into text and keeps the mentions and dates we build', () => {
    const ours =
      'started by <@U0OWNER1>, approvers <!subteam^S0OPS> <!date^1700000000^{date_short}|2023-11-14>';
    expect(defuseMrkdwn(ours)).toBe(ours);
    expect(
      defuseMrkdwn('v2 writes to topic x<!channel>, see <https://evil.example|docs> <!here> a < b'),
    ).toBe(
      'v2 writes to topic x&lt;!channel&gt;, see &lt;https://evil.example|docs&gt; &lt;!here&gt; a &lt; b',
    );
  });

  it('does not escape again what userText already escaped', () => {
    expect(defuseMrkdwn("No pipeline 'foo&lt;!channel&gt;' is registered.")).toBe(
      "No pipeline 'foo&lt;!channel&gt;' is registered.",
    );
  });
});
