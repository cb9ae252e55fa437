/* global document */
// Slack mrkdwn to DOM nodes. Everything goes through text nodes (never
// innerHTML), so nothing the bot or a person wrote can turn into markup.

/** The emoji the bot uses, and a few common ones; others stay as `:name:`. */
const EMOJI = {
  alarm_clock: '⏰',
  arrow_forward: '▶️',
  arrows_counterclockwise: '🔄',
  camera: '📷',
  double_vertical_bar: '⏸️',
  floppy_disk: '💾',
  ghost: '👻',
  hourglass_flowing_sand: '⏳',
  information_source: 'ℹ️',
  leftwards_arrow_with_hook: '↩️',
  no_entry_sign: '🚫',
  raised_hand: '✋',
  rocket: '🚀',
  rotating_light: '🚨',
  stop_sign: '🛑',
  tada: '🎉',
  warning: '⚠️',
  white_check_mark: '✅',
  x: '❌',
  heavy_check_mark: '✔️',
  eyes: '👀',
  thumbsup: '👍',
  '+1': '👍',
};

// `code`, <entity>, *bold*, _italic_, ~strike~ (the last three only at word edges, as Slack does).
const INLINE =
  /`([^`\n]+)`|<([^<>\n]+)>|(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])|(?<![\w_])_(?!\s)([^_\n]+?)_(?![\w_])|(?<![\w~])~(?!\s)([^~\n]+?)~(?![\w~])/g;

/**
 * @param {string} text mrkdwn as the bot sent it (&, < and > escaped)
 * @param {{ names: Map<string, string> }} ctx display names for <@U…> mentions
 * @returns {DocumentFragment}
 */
export function renderMrkdwn(text, ctx) {
  const out = document.createDocumentFragment();
  const parts = String(text).split(/```/);
  parts.forEach((part, i) => {
    // Odd parts sit between fences; an unclosed fence is shown as typed.
    const isCode = i % 2 === 1 && i < parts.length - 1;
    if (isCode) {
      const pre = document.createElement('pre');
      pre.className = 'mrkdwn-pre';
      pre.textContent = decodeEntities(part.replace(/^\n/, '').replace(/\n$/, ''));
      out.append(pre);
    } else {
      const chunk = i % 2 === 1 ? '```' + part : part;
      if (chunk !== '') out.append(renderLines(chunk, ctx));
    }
  });
  return out;
}

/** plain_text objects: no formatting, but `:emoji:` unless emoji is false. */
export function renderPlainText(textObject) {
  const text = String(textObject?.text ?? '');
  return document.createTextNode(textObject?.emoji === false ? text : withEmoji(text));
}

/** A text object of either kind. */
export function renderTextObject(textObject, ctx) {
  if (!textObject) return document.createDocumentFragment();
  return textObject.type === 'mrkdwn'
    ? renderMrkdwn(textObject.text, ctx)
    : renderPlainText(textObject);
}

function renderLines(text, ctx) {
  const out = document.createDocumentFragment();
  // Consecutive "> " lines become one quote, like Slack's.
  const lines = text.split('\n');
  let quote;
  lines.forEach((line, i) => {
    const quoted = /^&gt;\s?/.exec(line);
    const last = i === lines.length - 1;
    if (quoted) {
      if (!quote) {
        quote = document.createElement('blockquote');
        quote.className = 'mrkdwn-quote';
        out.append(quote);
      } else {
        quote.append('\n');
      }
      quote.append(renderInline(line.slice(quoted[0].length), ctx));
      return;
    }
    quote = undefined;
    out.append(renderInline(line, ctx));
    if (!last) out.append('\n');
  });
  return out;
}

function renderInline(text, ctx) {
  const out = document.createDocumentFragment();
  let at = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > at) out.append(plain(text.slice(at, match.index)));
    const [whole, code, entity, bold, italic, strike] = match;
    if (code !== undefined) {
      const el = document.createElement('code');
      el.className = 'mrkdwn-code';
      el.textContent = decodeEntities(code);
      out.append(el);
    } else if (entity !== undefined) {
      out.append(renderEntity(entity, whole, ctx));
    } else {
      const tag = bold !== undefined ? 'strong' : italic !== undefined ? 'em' : 's';
      const el = document.createElement(tag);
      el.append(renderInline(bold ?? italic ?? strike, ctx));
      out.append(el);
    }
    at = match.index + whole.length;
  }
  if (at < text.length) out.append(plain(text.slice(at)));
  return out;
}

function renderEntity(entity, whole, ctx) {
  const [target, label] = splitOnce(entity, '|');
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return chip('mention', `@${ctx.names.get(id) ?? label ?? id}`, id);
  }
  if (target.startsWith('#')) return chip('mention', `#${label ?? target.slice(1)}`);
  if (target.startsWith('!subteam^')) return chip('mention', label ?? `@${target.slice(9)}`);
  if (target === '!here' || target === '!channel' || target === '!everyone') {
    return chip('mention', `@${target.slice(1)}`);
  }
  if (target.startsWith('!date^')) return renderDate(target, label);
  if (/^(https?:|mailto:)/i.test(target)) {
    const a = document.createElement('a');
    a.href = decodeEntities(target);
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = decodeEntities(label ?? target);
    return a;
  }
  return plain(whole);
}

/** <!date^1732421608^{date_short_pretty} {time_secs}|fallback> in the reader's time zone. */
function renderDate(target, fallback) {
  const [, epoch, format = ''] = target.split('^');
  const date = new Date(Number(epoch) * 1000);
  const el = document.createElement('time');
  if (Number.isNaN(date.getTime())) {
    el.textContent = decodeEntities(fallback ?? target);
    return el;
  }
  el.dateTime = date.toISOString();
  el.title = date.toISOString();
  el.textContent = format.replace(
    /\{(\w+)\}/g,
    (token, name) => formatDatePart(date, name) ?? token,
  );
  return el;
}

function formatDatePart(date, name) {
  const time = (seconds) =>
    date.toLocaleTimeString(undefined, {
      hour: '2-digit',
      minute: '2-digit',
      ...(seconds ? { second: '2-digit' } : {}),
    });
  const day = (style) => date.toLocaleDateString(undefined, { dateStyle: style });
  const pretty = (style) => {
    const today = new Date();
    const yesterday = new Date(today.getTime() - 86_400_000);
    if (date.toDateString() === today.toDateString()) return 'today';
    if (date.toDateString() === yesterday.toDateString()) return 'yesterday';
    return day(style);
  };
  switch (name) {
    case 'date_num':
      return date.toISOString().slice(0, 10);
    case 'date':
      return day('long');
    case 'date_short':
      return day('medium');
    case 'date_long':
      return day('full');
    case 'date_pretty':
      return pretty('long');
    case 'date_short_pretty':
      return pretty('medium');
    case 'date_long_pretty':
      return pretty('full');
    case 'time':
      return time(false);
    case 'time_secs':
      return time(true);
    default:
      return undefined;
  }
}

function chip(className, text, userId) {
  const el = document.createElement('span');
  el.className = className;
  el.textContent = text;
  if (userId) el.dataset.userId = userId;
  return el;
}

function plain(text) {
  return document.createTextNode(withEmoji(decodeEntities(text)));
}

function withEmoji(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] ?? whole);
}

export function decodeEntities(text) {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function splitOnce(text, separator) {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
