import { afterEach, describe, expect, it } from 'vitest';
import { demoWelcome } from '../../src/demo/setup-demo.js';
import { startPlayground, type RunningPlayground } from '../../src/playground/index.js';
import { FakeSlackApi } from '../../src/slack-fake/index.js';

describe('the playground’s first page', () => {
  const fake = new FakeSlackApi();
  const running: RunningPlayground[] = [];
  afterEach(async () => {
    for (const p of running.splice(0)) await p.stop();
    await fake.stop();
  });

  const start = async () => {
    const p = await startPlayground({
      fake,
      botEventsUrl: 'http://127.0.0.1:9/slack/events',
      signingSecret: 'welcome-secret',
      channel: 'C0WELCOME',
      welcome: demoWelcome(),
    });
    running.push(p);
    return p;
  };

  it('greets an empty channel once, saying who is who and what to type first', async () => {
    await fake.start();
    await start();
    const [welcome, ...rest] = fake.workspace.channelHistory('C0WELCOME');
    expect(rest).toHaveLength(0);
    expect(welcome?.text).toContain('Welcome to the flink-evolve playground');
    expect(welcome?.text).toContain('/evolve develop demo-revenue');
    expect(welcome?.text).toContain('Olivia (owner)');
    // A restart over the kept channel does not greet again.
    await running.pop()!.stop();
    await start();
    expect(fake.workspace.channelHistory('C0WELCOME')).toHaveLength(1);
  });
});
