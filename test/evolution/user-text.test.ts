import { describe, expect, it } from 'vitest';
import { USER_TEXT_MAX_CHARS, userText } from '../../src/evolution/user-text.js';

describe('userText: input made safe to echo', () => {
  it('escapes &, < and > so a typed <!channel> or link is text, not a control sequence', () => {
    expect(userText('foo<!channel>')).toBe('foo&lt;!channel&gt;');
    expect(userText('<https://evil.example|click> & <@U0ADMIN>')).toBe(
      '&lt;https://evil.example|click&gt; &amp; &lt;@U0ADMIN&gt;',
    );
  });

  it('replaces backticks so the input cannot close the code span it is shown in', () => {
    const echoed = userText('x` <!here> `y');
    expect(echoed).not.toContain('`');
    expect(echoed).toBe('xˋ &lt;!here&gt; ˋy');
  });

  it('cuts long input to the limit with an ellipsis, before escaping (no entity is cut in half)', () => {
    const long = userText('<'.repeat(10_000));
    expect(long.endsWith('…')).toBe(true);
    expect(long).toBe('&lt;'.repeat(USER_TEXT_MAX_CHARS - 1) + '…');
    expect(userText('a'.repeat(USER_TEXT_MAX_CHARS))).toBe('a'.repeat(USER_TEXT_MAX_CHARS));
    expect(Array.from(userText('a'.repeat(10_000)))).toHaveLength(USER_TEXT_MAX_CHARS);
  });

  it('counts code points: an emoji is never split into a lone surrogate', () => {
    const cut = userText('🚀'.repeat(100), 10);
    expect(cut).toBe('🚀'.repeat(9) + '…');
  });

  it('flattens newlines and other control characters to spaces', () => {
    expect(userText('a\nb\r\n\tc\u0000d')).toBe('a b c d');
  });
});
