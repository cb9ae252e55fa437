/* global document */
// Block Kit to DOM: the blocks the bot sends (header, section with text,
// fields and accessory, context, divider, actions with buttons, input with
// plain_text_input). Anything else shows as a labelled placeholder rather
// than silently disappearing.
import { renderMrkdwn, renderPlainText, renderTextObject } from './mrkdwn.js';

/**
 * @typedef {object} BlockContext
 * @property {Map<string, string>} names display names for mentions
 * @property {(element: object, button: HTMLButtonElement) => void} [onButton] a button was pressed
 * @property {boolean} [interactive] false renders buttons disabled (ephemerals, history)
 * @property {(block: object) => HTMLElement | undefined} [renderInput] input blocks (modals only)
 */

/** @param {object[] | undefined} blocks @param {string} fallbackText @param {BlockContext} ctx */
export function renderMessageBody(blocks, fallbackText, ctx) {
  const body = document.createElement('div');
  body.className = 'blocks';
  if (!Array.isArray(blocks) || blocks.length === 0) {
    const text = document.createElement('div');
    text.className = 'bk-section-text';
    text.append(renderMrkdwn(fallbackText ?? '', ctx));
    body.append(text);
    return body;
  }
  for (const block of blocks) body.append(renderBlock(block, ctx));
  return body;
}

/** @param {object} block @param {BlockContext} ctx @returns {HTMLElement} */
export function renderBlock(block, ctx) {
  switch (block?.type) {
    case 'header':
      return element('h3', 'bk-header', renderPlainText(block.text));
    case 'section':
      return renderSection(block, ctx);
    case 'context':
      return renderContext(block, ctx);
    case 'divider': {
      const hr = document.createElement('hr');
      hr.className = 'bk-divider';
      return hr;
    }
    case 'actions': {
      const row = element('div', 'bk-actions');
      row.setAttribute('role', 'group');
      for (const el of block.elements ?? []) row.append(renderElement(el, ctx));
      return row;
    }
    case 'input':
      return ctx.renderInput?.(block) ?? unsupported('input outside a modal');
    default:
      return unsupported(`${block?.type ?? 'unknown'} block`);
  }
}

function renderSection(block, ctx) {
  const section = element('div', 'bk-section');
  const main = element('div', 'bk-section-main');
  if (block.text) main.append(element('div', 'bk-section-text', renderTextObject(block.text, ctx)));
  if (Array.isArray(block.fields) && block.fields.length > 0) {
    const fields = element('div', 'bk-fields');
    for (const field of block.fields) {
      fields.append(element('div', 'bk-field', renderTextObject(field, ctx)));
    }
    main.append(fields);
  }
  section.append(main);
  if (block.accessory) {
    section.append(element('div', 'bk-accessory', renderElement(block.accessory, ctx)));
  }
  return section;
}

function renderContext(block, ctx) {
  const row = element('div', 'bk-context');
  for (const el of block.elements ?? []) {
    if (el.type === 'image') {
      // Images are not fetched: the playground runs offline; show what they stand for.
      row.append(element('span', 'bk-image-alt', `[${el.alt_text ?? 'image'}]`));
    } else {
      row.append(element('span', 'bk-context-item', renderTextObject(el, ctx)));
    }
  }
  return row;
}

function renderElement(el, ctx) {
  if (el?.type !== 'button') return unsupported(`${el?.type ?? 'unknown'} element`);
  if (el.url) {
    const a = element('a', `bk-button ${styleClass(el.style)}`, renderPlainText(el.text));
    a.href = el.url;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }
  const button = element('button', `bk-button ${styleClass(el.style)}`, renderPlainText(el.text));
  button.type = 'button';
  button.dataset.actionId = el.action_id ?? '';
  if (el.accessibility_label) button.setAttribute('aria-label', el.accessibility_label);
  if (ctx.interactive === false || !ctx.onButton) {
    button.disabled = true;
    button.title = 'Buttons in messages only you can see are not clickable in the playground.';
  } else {
    button.addEventListener('click', () => ctx.onButton(el, button));
  }
  return button;
}

/** A plain_text_input in a modal: label, field, hint and a place for Slack's inline error. */
export function renderPlainTextInput(block, { error, extra } = {}) {
  const input = block.element ?? {};
  const id = `input-${block.block_id}-${input.action_id}`;
  const wrap = element('div', 'bk-input');
  wrap.dataset.blockId = block.block_id ?? '';
  const label = element('label', 'bk-label', renderPlainText(block.label));
  label.htmlFor = id;
  if (block.optional) label.append(element('span', 'bk-optional', ' (optional)'));
  const labelRow = element('div', 'bk-label-row', label);
  if (extra) labelRow.append(extra);
  wrap.append(labelRow);
  if (input.type !== 'plain_text_input') {
    wrap.append(unsupported(`${input.type ?? 'unknown'} input`));
    return wrap;
  }
  const field = document.createElement(input.multiline ? 'textarea' : 'input');
  field.id = id;
  field.className = 'bk-field-input';
  field.dataset.blockId = block.block_id ?? '';
  field.dataset.actionId = input.action_id ?? '';
  field.spellcheck = false;
  if (input.multiline) field.rows = 14;
  if (input.max_length) field.maxLength = input.max_length;
  if (input.min_length) field.minLength = input.min_length;
  if (input.placeholder) field.placeholder = input.placeholder.text ?? '';
  if (!block.optional) field.required = true;
  field.value = input.initial_value ?? '';
  const described = [];
  if (block.hint) {
    const hint = element('p', 'bk-hint', renderPlainText(block.hint));
    hint.id = `${id}-hint`;
    described.push(hint.id);
    wrap.append(field, hint);
  } else {
    wrap.append(field);
  }
  const errorEl = element('p', 'bk-error');
  errorEl.id = `${id}-error`;
  errorEl.setAttribute('role', 'alert');
  described.push(errorEl.id);
  field.setAttribute('aria-describedby', described.join(' '));
  wrap.append(errorEl);
  setInputError(wrap, error);
  return wrap;
}

/** Shows (or clears) Slack's inline error under an input block. */
export function setInputError(wrap, message) {
  const errorEl = wrap.querySelector('.bk-error');
  const field = wrap.querySelector('.bk-field-input');
  if (!errorEl) return;
  errorEl.textContent = message ?? '';
  errorEl.hidden = !message;
  wrap.classList.toggle('has-error', Boolean(message));
  if (field) field.setAttribute('aria-invalid', message ? 'true' : 'false');
}

function styleClass(style) {
  return style === 'primary' ? 'bk-primary' : style === 'danger' ? 'bk-danger' : '';
}

function unsupported(what) {
  return element('div', 'bk-unsupported', `[${what}: not shown in the playground]`);
}

function element(tag, className, ...children) {
  const el = document.createElement(tag);
  if (className) el.className = className.trim();
  el.append(...children);
  return el;
}
