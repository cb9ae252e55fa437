import type { ContextBlock, KnownBlock, SectionBlock } from '@slack/types';

/**
 * Slack's Block Kit limits, enforced here and nowhere else: every message
 * and view the bot builds passes through fitMessage / fitText, which cut
 * with a visible mark instead of letting Slack refuse the whole message.
 */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 2000,
  buttonValue: 2000,
  buttonText: 75,
  plainTextInput: 3000,
  /** Slack refuses messages around 13k characters of blocks JSON; keep a margin. */
  messageBlocksChars: 12_000,
  /** The fallback `text` of a message; Slack truncates at 40k. */
  messageText: 3000,
} as const;

export const TRUNCATION_MARK = '… (truncated; see file)';

/** Cuts `text` to at most `max` characters, ending with the mark when it had to cut. */
export function fitText(text: string, max: number, mark: string = TRUNCATION_MARK): string {
  if (text.length <= max) return text;
  if (max <= mark.length) return mark.slice(0, max);
  return text.slice(0, max - mark.length - 1).trimEnd() + '\n' + mark;
}

/** A mrkdwn code block that stays closed when cut (a half fence would swallow the rest of the message). */
export function codeBlock(code: string, max: number = SLACK_LIMITS.sectionText): string {
  const safe = code.replace(/```/g, "'''");
  const fence = '```';
  const budget = max - 2 * fence.length - 2;
  if (safe.length <= budget) return `${fence}\n${safe}${fence}`;
  const cut = safe.slice(0, Math.max(0, budget - TRUNCATION_MARK.length - 1));
  return `${fence}\n${cut}\n${fence}\n${TRUNCATION_MARK}`.slice(0, max);
}

/** Slack mrkdwn treats &, < and > as control characters; user text must not become mentions or links. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes like escapeMrkdwn but keeps user mentions (`<@U0123ABCD>`) live:
 * milestones name who approved or aborted, and a raw id helps nobody. Only
 * the exact mention form of a Slack user id is restored, so text that merely
 * contains `<@` (a Flink error, a SQL comment) stays escaped.
 */
export function escapeMrkdwnKeepMentions(text: string): string {
  return escapeMrkdwn(text).replace(/&lt;@([UW][A-Z0-9]{2,20})&gt;/g, '<@$1>');
}

/** The control sequences the bot builds itself from validated ids: a user, a user group, a date. */
const OWN_SEQUENCE = /<(?:@[UW][A-Z0-9]{2,20}|!subteam\^S[A-Z0-9]{2,20}|!date\^[^<>|]*\|[^<>]*)>/g;

/**
 * A safety net for text assembled elsewhere (an EvolveError's message) that
 * may carry input nobody escaped: every `<` and `>` becomes an entity except
 * in the sequences we build ourselves, so a `<!channel>`, `<!here>` or link
 * someone typed comes out as text. `&` is left alone, so text already
 * escaped at its source (userText) is not escaped twice.
 */
export function defuseMrkdwn(text: string): string {
  const angles = (part: string) => part.replace(/</g, '&lt;').replace(/>/g, '&gt;');
  let out = '';
  let last = 0;
  for (const m of text.matchAll(OWN_SEQUENCE)) {
    out += angles(text.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + angles(text.slice(last));
}

/**
 * Makes a message Slack will accept: clamps every text to its limit, keeps
 * at most 50 blocks, and keeps the blocks JSON under the overall budget by
 * shortening the longest texts, then dropping blocks from the end. Actions
 * blocks are never dropped (the buttons are the point of the message).
 */
export function fitMessage(blocks: readonly KnownBlock[]): KnownBlock[] {
  let fitted = blocks.map(clampBlock);
  if (fitted.length > SLACK_LIMITS.blocksPerMessage) {
    fitted = dropUntil(fitted, (b) => b.length <= SLACK_LIMITS.blocksPerMessage - 1);
    fitted = insertMark(fitted);
  }
  for (let guard = 0; size(fitted) > SLACK_LIMITS.messageBlocksChars && guard < 200; guard++) {
    const longest = longestSection(fitted);
    if (longest && longest.length > 400) {
      fitted[longest.index] = withSectionText(
        fitted[longest.index] as SectionBlock,
        Math.floor(longest.length / 2),
      );
      continue;
    }
    const before = fitted.length;
    fitted = dropUntil(fitted, (b) => b.length < before);
    if (fitted.length === before) break;
    if (!fitted.some(isMark)) fitted = insertMark(fitted);
  }
  return fitted;
}

function clampBlock(block: KnownBlock): KnownBlock {
  switch (block.type) {
    case 'section': {
      const out: SectionBlock = { ...block };
      if (block.text)
        out.text = { ...block.text, text: fitText(block.text.text, SLACK_LIMITS.sectionText) };
      if (block.fields) {
        out.fields = block.fields.slice(0, 10).map((f) => ({
          ...f,
          text: fitText(f.text, SLACK_LIMITS.sectionFieldText),
        }));
      }
      return out;
    }
    case 'header':
      return {
        ...block,
        text: { ...block.text, text: fitText(block.text.text, SLACK_LIMITS.headerText, '…') },
      };
    case 'context':
      return {
        ...block,
        elements: block.elements
          .slice(0, SLACK_LIMITS.contextElements)
          .map((e) =>
            e.type === 'mrkdwn' || e.type === 'plain_text'
              ? { ...e, text: fitText(e.text, SLACK_LIMITS.contextText) }
              : e,
          ),
      };
    default:
      return block;
  }
}

function withSectionText(block: SectionBlock, max: number): SectionBlock {
  if (!block.text) return block;
  const text = block.text.text;
  const fitted = text.startsWith('```\n')
    ? codeBlock(text.slice(4, text.lastIndexOf('```')), max)
    : fitText(text, max);
  return { ...block, text: { ...block.text, text: fitted } };
}

function longestSection(
  blocks: readonly KnownBlock[],
): { index: number; length: number } | undefined {
  let best: { index: number; length: number } | undefined;
  blocks.forEach((b, index) => {
    if (b.type !== 'section' || !b.text) return;
    const length = b.text.text.length;
    if (!best || length > best.length) best = { index, length };
  });
  return best;
}

/** Removes non-actions blocks from the end until `done` holds. */
function dropUntil(blocks: KnownBlock[], done: (b: KnownBlock[]) => boolean): KnownBlock[] {
  const out = [...blocks];
  for (let i = out.length - 1; i >= 0 && !done(out); i--) {
    const block = out[i];
    if (block && block.type !== 'actions' && !isMark(block)) out.splice(i, 1);
  }
  return out;
}

const MARK_BLOCK_ID = 'truncated';

function insertMark(blocks: KnownBlock[]): KnownBlock[] {
  if (blocks.some(isMark)) return blocks;
  const mark: ContextBlock = {
    type: 'context',
    block_id: MARK_BLOCK_ID,
    elements: [{ type: 'mrkdwn', text: TRUNCATION_MARK }],
  };
  const firstActions = blocks.findIndex((b) => b.type === 'actions');
  const at = firstActions === -1 ? blocks.length : firstActions;
  return [...blocks.slice(0, at), mark, ...blocks.slice(at)];
}

function isMark(block: KnownBlock): boolean {
  return block.block_id === MARK_BLOCK_ID;
}

function size(blocks: readonly KnownBlock[]): number {
  return JSON.stringify(blocks).length;
}
