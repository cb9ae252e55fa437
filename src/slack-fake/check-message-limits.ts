import { isRecord } from './parse-slack-body.js';

/**
 * Slack's documented Block Kit limits, written down independently of the
 * bot's own truncation module so that the fake catches a bot that gets them
 * wrong. Returns Slack's error code, or undefined when Slack would accept.
 */
const MAX_BLOCKS_MESSAGE = 50;
const MAX_BLOCKS_VIEW = 100;
const MAX_SECTION_TEXT = 3000;
const MAX_BLOCKS_JSON = 13_000;
const MAX_BUTTON_VALUE = 2000;
const MAX_INPUT_LENGTH = 3000;
const MAX_MESSAGE_TEXT = 40_000;

export function checkMessageLimits(text: unknown, blocks: unknown): string | undefined {
  if (typeof text === 'string' && text.length > MAX_MESSAGE_TEXT) return 'msg_too_long';
  if (blocks === undefined) return undefined;
  if (!Array.isArray(blocks)) return 'invalid_blocks_format';
  if (blocks.length > MAX_BLOCKS_MESSAGE) return 'invalid_blocks';
  if (JSON.stringify(blocks).length > MAX_BLOCKS_JSON) return 'msg_blocks_too_long';
  return blocks.every(blockWithinLimits) ? undefined : 'invalid_blocks';
}

export function checkViewLimits(view: unknown): string | undefined {
  if (!isRecord(view)) return 'invalid_arguments';
  const blocks = view.blocks;
  if (!Array.isArray(blocks) || blocks.length > MAX_BLOCKS_VIEW) return 'invalid_arguments';
  return blocks.every(blockWithinLimits) ? undefined : 'invalid_arguments';
}

function blockWithinLimits(block: unknown): boolean {
  if (!isRecord(block) || typeof block.type !== 'string') return false;
  if (block.type === 'section') {
    if (isRecord(block.text) && textLength(block.text) > MAX_SECTION_TEXT) return false;
    if (
      Array.isArray(block.fields) &&
      block.fields.some((f) => isRecord(f) && textLength(f) > 2000)
    )
      return false;
  }
  const elements: unknown[] = [];
  if (Array.isArray(block.elements)) elements.push(...(block.elements as unknown[]));
  if (block.accessory !== undefined) elements.push(block.accessory);
  if (block.element !== undefined) elements.push(block.element);
  return elements.every(elementWithinLimits);
}

function elementWithinLimits(element: unknown): boolean {
  if (!isRecord(element)) return true;
  if (typeof element.value === 'string' && element.value.length > MAX_BUTTON_VALUE) return false;
  if (element.type === 'plain_text_input') {
    const max = element.max_length;
    if (typeof max === 'number' && max > MAX_INPUT_LENGTH) return false;
    const initial = element.initial_value;
    if (typeof initial === 'string' && initial.length > MAX_INPUT_LENGTH) return false;
  }
  return true;
}

function textLength(text: Record<string, unknown>): number {
  return typeof text.text === 'string' ? text.text.length : 0;
}
