/* global document, window, fetch, URL, URLSearchParams, Option, setTimeout, localStorage */
// The playground page: polls /api/state about once a second and renders the
// channel, the open thread, this person's ephemerals and their modal; sends
// what they do to the server, which signs it and passes it to the bot.
import { renderMessageBody } from './block-kit.js';
import { askToConfirm, ModalDialog } from './modal-dialog.js';
import { renderMrkdwn } from './mrkdwn.js';

const POLL_MS = 1000;
/** Closer than this to the end counts as "at the bottom": new messages keep it there. */
const NEAR_BOTTOM_PX = 60;
const $ = (id) => document.getElementById(id);

const page = {
  config: undefined,
  user: undefined,
  names: new Map(),
  state: undefined,
  openThread: undefined,
  lastJson: '',
  /** The channel and thread timelines: see createPane. */
  panes: undefined,
};

async function api(path, body) {
  const res = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(json.error ?? `HTTP ${res.status}`);
  return json;
}

async function start() {
  page.config = await api('/api/config');
  const { users, channel, bot } = page.config;
  for (const u of users) page.names.set(u.id, u.name);
  page.names.set(bot.id, bot.name);
  const wanted =
    new URLSearchParams(window.location.search).get('user') ??
    localStorage.getItem('playground-user');
  page.user = users.some((u) => u.id === wanted) ? wanted : users[0].id;

  const select = $('user-select');
  select.replaceChildren(...users.map((u) => new Option(u.name, u.id, false, u.id === page.user)));
  select.addEventListener('change', () => switchUser(select.value));
  $('channel-title').textContent = `# ${channel.name}`;
  $('channel-link').textContent = `# ${channel.name}`;
  document.title = `#${channel.name} · flink-evolve playground`;
  $('composer-input').placeholder = `Message #${channel.name}: type /evolve help and press Enter`;

  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    void sendComposer();
  });
  $('composer-input').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void sendComposer();
    }
  });
  $('thread-close').addEventListener('click', () => openThread(undefined));
  page.panes = { channel: createPane('timeline'), thread: createPane('thread-timeline') };

  page.modal = new ModalDialog($('modal'), {
    names: page.names,
    ...(page.config.demoFill ? { demoFill: page.config.demoFill } : {}),
    onSubmit: async (viewId, values) => {
      followNewMessages();
      const outcome = await api('/api/views/submit', { user: page.user, viewId, values });
      void refresh();
      return outcome;
    },
    onClose: async (viewId) => {
      await api('/api/views/close', { user: page.user, viewId }).catch(() => undefined);
      void refresh();
    },
  });
  void poll();
}

function switchUser(user) {
  page.user = user;
  localStorage.setItem('playground-user', user);
  const url = new URL(window.location.href);
  url.searchParams.set('user', user);
  window.history.replaceState(null, '', url);
  page.modal.hide();
  page.lastJson = '';
  void refresh();
}

async function poll() {
  await refresh();
  setTimeout(() => void poll(), POLL_MS);
}

async function refresh() {
  const user = page.user;
  try {
    const state = await api(`/api/state?user=${encodeURIComponent(user)}`);
    $('connection').textContent = '';
    if (user !== page.user) return;
    const json = JSON.stringify(state);
    if (json === page.lastJson) return;
    page.lastJson = json;
    page.state = state;
    render();
  } catch {
    $('connection').textContent = 'Connection to the playground lost; retrying…';
  }
}

async function sendComposer() {
  const input = $('composer-input');
  const text = input.value.trim();
  if (text === '') return;
  input.value = '';
  followNewMessages();
  // The composer is at the channel's end: the person expects to see their command there.
  scrollToEnd(page.panes.channel);
  await api('/api/command', { user: page.user, text }).catch((err) => {
    $('connection').textContent = `Not sent: ${err.message}`;
  });
  void refresh();
}

async function pressButton(message, element, button) {
  if (element.confirm && !(await askToConfirm($('confirm'), element.confirm, page.names))) return;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  followNewMessages();
  try {
    await api('/api/click', { user: page.user, ts: message.ts, actionId: element.action_id });
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    void refresh();
  }
}

function openThread(ts) {
  page.openThread = ts;
  $('thread-pane').hidden = ts === undefined;
  const pane = page.panes.thread;
  pane.rendered.clear();
  pane.list.replaceChildren();
  pane.jump.hidden = true;
  pane.follow = false;
  render();
}

function render() {
  const { messages, ephemerals, view } = page.state;
  const channelItems = [
    ...messages.map((m) => ({ kind: 'message', key: `m${m.ts}`, at: m.at, message: m })),
    ...ephemerals
      .filter((e) => !e.threadTs || !messages.some((m) => m.ts === e.threadTs))
      .map((e) => ({ kind: 'ephemeral', key: `e${e.id}`, at: e.at, ephemeral: e })),
  ].sort((a, b) => a.at - b.at);
  renderTimeline(page.panes.channel, channelItems, true);

  const parent = messages.find((m) => m.ts === page.openThread);
  if (page.openThread && !parent) openThread(undefined);
  if (parent) {
    const threadItems = [
      { kind: 'message', key: `m${parent.ts}`, at: parent.at, message: { ...parent, replies: [] } },
      ...parent.replies.map((m) => ({ kind: 'message', key: `m${m.ts}`, at: m.at, message: m })),
      ...ephemerals
        .filter((e) => e.threadTs === parent.ts)
        .map((e) => ({ kind: 'ephemeral', key: `e${e.id}`, at: e.at, ephemeral: e })),
    ].sort((a, b) => a.at - b.at);
    renderTimeline(page.panes.thread, threadItems, false);
  }

  if (view) page.modal.show(view);
  else page.modal.hide();
}

/**
 * A timeline and how it scrolls. New messages are brought into view when the
 * person is at the bottom, or follows them after their own command, click or
 * submission until they scroll up to read; then a "new messages" button
 * appears instead of moving the view under them.
 */
function createPane(listId) {
  const pane = {
    list: $(listId),
    jump: $(`${listId}-jump`),
    rendered: new Map(),
    follow: false,
    lastTop: 0,
  };
  pane.list.addEventListener('scroll', () => {
    const top = pane.list.scrollTop;
    if (isNearBottom(pane.list)) pane.jump.hidden = true;
    // Only the person scrolls up (new content and scrollToEnd only move down).
    else if (top < pane.lastTop) pane.follow = false;
    pane.lastTop = top;
  });
  pane.jump.addEventListener('click', () => {
    pane.follow = true;
    scrollToEnd(pane);
  });
  return pane;
}

/** What the person just did will be answered below: follow both timelines until they scroll up. */
function followNewMessages() {
  for (const pane of Object.values(page.panes)) pane.follow = true;
}

function isNearBottom(list) {
  return list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_BOTTOM_PX;
}

function scrollToEnd(pane) {
  pane.list.scrollTop = pane.list.scrollHeight;
  pane.lastTop = pane.list.scrollTop;
  pane.jump.hidden = true;
}

/** Rebuilds only the items that changed, so focus and scroll survive the polling. */
function renderTimeline(pane, items, inChannel) {
  const { list, rendered } = pane;
  const firstRender = rendered.size === 0;
  const nearBottom = isNearBottom(list);
  const added = items.filter((item) => !rendered.has(item.key)).length;
  const keep = new Set(items.map((i) => i.key));
  for (const [key, entry] of rendered) {
    if (!keep.has(key)) {
      entry.el.remove();
      rendered.delete(key);
    }
  }
  items.forEach((item, index) => {
    const signature = signatureOf(item, inChannel);
    let entry = rendered.get(item.key);
    if (!entry || entry.signature !== signature) {
      const el = renderItem(item, inChannel);
      if (entry) entry.el.replaceWith(el);
      entry = { el, signature };
      rendered.set(item.key, entry);
    }
    if (list.children[index] !== entry.el)
      list.insertBefore(entry.el, list.children[index] ?? null);
  });
  if (firstRender || nearBottom || (pane.follow && added > 0)) scrollToEnd(pane);
  else if (added > 0) pane.jump.hidden = false;
}

function signatureOf(item, inChannel) {
  if (item.kind === 'ephemeral') return JSON.stringify(item.ephemeral);
  const { replies = [], ...message } = item.message;
  const last = replies.at(-1);
  const threadSummary = inChannel ? [replies.length, last?.at, page.openThread === message.ts] : [];
  return JSON.stringify([message, threadSummary]);
}

function renderItem(item, inChannel) {
  return item.kind === 'ephemeral'
    ? renderEphemeral(item.ephemeral)
    : renderMessage(item.message, inChannel);
}

function renderMessage(message, inChannel) {
  const ctx = {
    names: page.names,
    interactive: true,
    onButton: (element, button) => void pressButton(message, element, button),
  };
  const li = shell('message', page.config.bot.name, true, message.at, message.edited);
  li.dataset.ts = message.ts;
  if (page.openThread === message.ts && inChannel) li.classList.add('is-open-thread');
  const body = li.querySelector('.message-content');
  body.append(renderMessageBody(message.blocks, message.text, ctx));
  for (const file of message.files ?? []) {
    const a = document.createElement('a');
    a.className = 'file-card';
    a.href = `/api/files/${file.id}`;
    a.target = '_blank';
    a.textContent = `📄 ${file.title ?? file.filename}`;
    body.append(a);
  }
  const replies = message.replies ?? [];
  if (inChannel && replies.length > 0) {
    const link = document.createElement('button');
    link.type = 'button';
    link.className = 'replies-link';
    const n = replies.length;
    link.textContent = `${n} ${n === 1 ? 'reply' : 'replies'}`;
    link.setAttribute('aria-label', `View thread: ${n} ${n === 1 ? 'reply' : 'replies'}`);
    const last = document.createElement('span');
    last.className = 'replies-last';
    last.textContent = `Last reply ${clock(replies.at(-1).at)}`;
    link.addEventListener('click', () => openThread(message.ts));
    body.append(link, last);
  }
  return li;
}

function renderEphemeral(ephemeral) {
  const me = page.names.get(page.user) ?? page.user;
  const fromMe = ephemeral.kind === 'command';
  const li = shell(
    'message ephemeral',
    fromMe ? me : page.config.bot.name,
    !fromMe,
    ephemeral.at,
    false,
  );
  li.classList.add(`ephemeral-${ephemeral.kind}`);
  const body = li.querySelector('.message-content');
  if (fromMe) {
    const code = document.createElement('code');
    code.className = 'command-echo';
    code.textContent = ephemeral.text;
    body.append(code);
  } else if (ephemeral.kind === 'error') {
    const p = document.createElement('p');
    p.className = 'slack-error';
    p.append(renderMrkdwn(ephemeral.text, { names: page.names }));
    body.append(p);
  } else {
    body.append(
      renderMessageBody(ephemeral.blocks, ephemeral.text, {
        names: page.names,
        interactive: false,
      }),
    );
  }
  if (!ephemeral.toEveryone) {
    const note = document.createElement('div');
    note.className = 'ephemeral-note';
    note.append('👁 Only visible to you · ');
    const dismiss = document.createElement('button');
    dismiss.type = 'button';
    dismiss.className = 'link-button';
    dismiss.textContent = 'Dismiss';
    dismiss.setAttribute('aria-label', 'Dismiss this message');
    dismiss.addEventListener('click', async () => {
      await api('/api/ephemerals/dismiss', { user: page.user, id: ephemeral.id }).catch(
        () => undefined,
      );
      void refresh();
    });
    note.append(dismiss);
    body.append(note);
  }
  return li;
}

function shell(className, author, isApp, at, edited) {
  const li = document.createElement('li');
  li.className = className;
  const avatar = document.createElement('div');
  avatar.className = `avatar ${isApp ? 'avatar-app' : 'avatar-user'}`;
  avatar.setAttribute('aria-hidden', 'true');
  avatar.textContent = isApp ? 'ƒ' : author.slice(0, 1).toUpperCase();
  const main = document.createElement('div');
  main.className = 'message-main';
  const meta = document.createElement('div');
  meta.className = 'message-meta';
  const name = document.createElement('span');
  name.className = 'author';
  name.textContent = author;
  meta.append(name);
  if (isApp) {
    const badge = document.createElement('span');
    badge.className = 'app-badge';
    badge.textContent = 'APP';
    meta.append(badge);
  }
  const time = document.createElement('time');
  time.dateTime = new Date(at).toISOString();
  time.textContent = clock(at);
  meta.append(time);
  if (edited) {
    const e = document.createElement('span');
    e.className = 'edited';
    e.textContent = '(edited)';
    meta.append(e);
  }
  const content = document.createElement('div');
  content.className = 'message-content';
  main.append(meta, content);
  li.append(avatar, main);
  return li;
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

void start();
