/** How much of a person's input a reply echoes: enough to recognise it, too little to flood a message. */
export const USER_TEXT_MAX_CHARS = 80;

const ELLIPSIS = '…';
/** U+02CB MODIFIER LETTER GRAVE ACCENT: looks like a backtick but cannot close a code span. */
const BACKTICK_LOOKALIKE = 'ˋ';

/**
 * Text a person typed, made safe to echo in a Slack message (and harmless in
 * a terminal): control characters flattened to spaces, cut to `max`
 * characters with an ellipsis, `&`, `<` and `>` escaped so nothing becomes a
 * mention (`<!channel>`), link or date, and backticks replaced so the input
 * cannot close the code span it is shown in. Cut before escaping, so an
 * entity is never cut in half. Mentions we build ourselves from validated
 * ids must not go through here.
 */
export function userText(input: string, max: number = USER_TEXT_MAX_CHARS): string {
  const flat = input.replace(/\p{Cc}+/gu, ' ');
  // Code points, not UTF-16 units: a cut must not split an emoji into a lone surrogate.
  const chars = Array.from(flat);
  const short =
    chars.length > max ? chars.slice(0, Math.max(0, max - 1)).join('') + ELLIPSIS : flat;
  return short
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/`/g, BACKTICK_LOOKALIKE);
}

/**
 * Text from data (a Flink exception, a planner message, a record's field)
 * quoted in a message the product writes: `&`, `<` and `>` escaped where it
 * enters, so nothing in it becomes a mention, a link or `@channel` (a Java
 * "For input string: '<@U123>'" must not ping anyone). The only live
 * sequences left in a milestone are the ones the product writes itself.
 * Unlike userText it keeps the whole text and its backticks.
 */
export function dataText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
