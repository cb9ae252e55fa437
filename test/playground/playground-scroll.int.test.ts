import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startPlayground, type RunningPlayground } from '../../src/playground/index.js';
import { FakeSlackApi, type FakeMessage } from '../../src/slack-fake/index.js';
import { ensureChromium } from '../support/ensure-chromium.js';
import { StubBot } from './stub-bot.js';

const SECRET = 'playground-scroll-secret';
const CHANNEL = 'C0EVOLVE';
const TALL = 'A line the bot wrote\nanother line\nand a third one';

function posted(m: FakeMessage | 'thread_not_found'): FakeMessage {
  if (m === 'thread_not_found') throw new Error('thread_not_found');
  return m;
}

/**
 * The page in a real browser (Debian's chromium) in front of a stub bot:
 * messages are put into the fake's channel directly, as the bot's posts
 * would arrive, and the test reads where each timeline is scrolled.
 */
describe('the playground page scrolls to new messages (real browser)', () => {
  const fake = new FakeSlackApi();
  const bot = new StubBot(SECRET);
  let playground: RunningPlayground;
  let context: BrowserContext;
  let userDataDir: string;
  let page: Page;
  let parent: FakeMessage;

  const post = (text: string, extra: { threadTs?: string; blocks?: unknown[] } = {}) =>
    posted(fake.workspace.postMessage({ channel: CHANNEL, text, ...extra }));
  /** Pixels between the view's bottom and the timeline's end (evaluated in the page). */
  const distanceToEnd = (id: string) =>
    page.evaluate<number>(
      `(() => { const l = document.getElementById(${JSON.stringify(id)}); return l.scrollHeight - l.scrollTop - l.clientHeight; })()`,
    );
  const scrollToTop = async (id: string) => {
    await page.evaluate(`document.getElementById(${JSON.stringify(id)}).scrollTop = 0`);
    await vi.waitFor(async () => expect(await distanceToEnd(id)).toBeGreaterThan(200));
  };
  const showsText = async (id: string, text: string) =>
    ((await page.locator(`#${id}`).textContent()) ?? '').includes(text);

  beforeAll(async () => {
    const executablePath = await ensureChromium();
    await fake.start();
    playground = await startPlayground({
      fake,
      botEventsUrl: await bot.start(),
      signingSecret: SECRET,
      channel: CHANNEL,
    });
    post('The oldest card', {
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: 'The oldest card' } },
        {
          type: 'actions',
          elements: [
            { type: 'button', action_id: 'look', text: { type: 'plain_text', text: 'Look' } },
          ],
        },
      ],
    });
    parent = post('A card with a long thread');
    for (let i = 1; i <= 30; i += 1) post(`Reply ${i}\n${TALL}`, { threadTs: parent.ts });
    for (let i = 1; i <= 30; i += 1) post(`Message ${i}\n${TALL}`);
    userDataDir = await mkdtemp(join(tmpdir(), 'playground-scroll-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      viewport: { width: 1280, height: 640 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(playground.url);
    await vi.waitFor(async () => expect(await showsText('timeline', 'Message 30')).toBe(true), {
      timeout: 10_000,
    });
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await rm(userDataDir, { recursive: true, force: true }).catch(() => undefined);
    await playground?.stop();
    await bot.stop();
    await fake.stop();
  });

  it('opens at the newest message, keeps the view while the person reads up, and offers a jump button', async () => {
    expect(await distanceToEnd('timeline')).toBeLessThan(60);
    await scrollToTop('timeline');
    post('Posted while reading');
    await vi.waitFor(
      async () => expect(await page.locator('#timeline-jump').isVisible()).toBe(true),
      {
        timeout: 5_000,
      },
    );
    const distance = await distanceToEnd('timeline');
    console.log(`[scroll] reading up: ${distance}px above the end, jump button shown`);
    expect(distance).toBeGreaterThan(200);
    await page.locator('#timeline-jump').click();
    await vi.waitFor(async () => expect(await distanceToEnd('timeline')).toBeLessThan(60));
    expect(await page.locator('#timeline-jump').isVisible()).toBe(false);
  });

  it("after the person's own click on an old card, the bot's next message is brought into view", async () => {
    await scrollToTop('timeline');
    await page.getByRole('button', { name: 'Look' }).click();
    await vi.waitFor(() => expect(bot.received.length).toBeGreaterThan(0), { timeout: 5_000 });
    post('The answer to the click');
    await vi.waitFor(
      async () => expect(await showsText('timeline', 'The answer to the click')).toBe(true),
      {
        timeout: 5_000,
      },
    );
    await vi.waitFor(async () => expect(await distanceToEnd('timeline')).toBeLessThan(60), {
      timeout: 5_000,
    });
    await expect(page.getByText('The answer to the click').isVisible()).resolves.toBe(true);
  });

  it("with a thread open and scrolled up, the person's command makes the bot's next reply in it come into view", async () => {
    await page.getByRole('button', { name: /View thread: 30 replies/ }).click();
    await vi.waitFor(async () => expect(await showsText('thread-timeline', 'Reply 30')).toBe(true));
    expect(await distanceToEnd('thread-timeline')).toBeLessThan(60);
    await scrollToTop('thread-timeline');
    post('A reply while reading the thread', { threadTs: parent.ts });
    await vi.waitFor(
      async () => expect(await page.locator('#thread-timeline-jump').isVisible()).toBe(true),
      { timeout: 5_000 },
    );
    expect(await distanceToEnd('thread-timeline')).toBeGreaterThan(200);

    await page.locator('#composer-input').fill('/evolve status demo');
    await page.locator('#composer-input').press('Enter');
    await vi.waitFor(() => expect(bot.received.length).toBeGreaterThan(1), { timeout: 5_000 });
    post('The reply after the command', { threadTs: parent.ts });
    await vi.waitFor(
      async () =>
        expect(await showsText('thread-timeline', 'The reply after the command')).toBe(true),
      { timeout: 5_000 },
    );
    await vi.waitFor(async () => expect(await distanceToEnd('thread-timeline')).toBeLessThan(60), {
      timeout: 5_000,
    });
    console.log(
      `[scroll] thread after the command: ${await distanceToEnd('thread-timeline')}px from the end`,
    );
  });
});
