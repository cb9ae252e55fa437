import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CliNames } from '../../src/cli/cli-names.js';
import { lookUpSlackNames } from '../../src/cli/slack-user-lookup.js';
import type { UserNames } from '../../src/evolution/ports/user-names.js';
import { useFakeSlack } from '../support/use-fake-slack.js';

class InMemoryUserNames implements UserNames {
  readonly names = new Map<string, string>();
  asked: string[][] = [];
  namesOf(ids: readonly string[]): Promise<ReadonlyMap<string, string>> {
    this.asked.push([...ids]);
    return Promise.resolve(
      new Map(ids.flatMap((id) => (this.names.has(id) ? [[id, this.names.get(id)!]] : []))),
    );
  }
  remember(id: string, name: string): Promise<void> {
    this.names.set(id, name);
    return Promise.resolve();
  }
}

const slack = useFakeSlack();
let silent: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => (silent ? silent.close(resolve) : resolve(undefined)));
  silent = undefined;
});

describe('the CLI names people', () => {
  it('from what the bot learnt, then Slack for the rest (kept for next time), else @id', async () => {
    const stored = new InMemoryUserNames();
    stored.names.set('U0DANA', 'dana');
    slack.fake.setUser('U0ZOE', 'Zoe Park');
    const names = new CliNames(stored, (ids) =>
      lookUpSlackNames(ids, {
        botToken: slack.fake.botToken,
        apiUrl: slack.fake.apiUrl,
        timeoutMs: 2000,
      }),
    );
    await names.learn(['Requested by <@U0DANA>; approved by <@U0ZOE>; aborted by <@U0GHOST>.']);
    expect(
      names.render('Requested by <@U0DANA>; approved by <@U0ZOE>; aborted by <@U0GHOST>.'),
    ).toBe('Requested by dana (U0DANA); approved by Zoe Park (U0ZOE); aborted by @U0GHOST.');
    expect(stored.names.get('U0ZOE')).toBe('Zoe Park');
    expect(slack.fake.callsOf('users.info').map((c) => c.args.user)).toEqual(['U0ZOE', 'U0GHOST']);
    // Each id is asked once per call of the CLI.
    await names.learn(['<@U0DANA> <@U0ZOE> <@U0GHOST>']);
    expect(stored.asked).toHaveLength(1);
    expect(slack.fake.callsOf('users.info')).toHaveLength(2);
  });

  it('never waits on a Slack that does not answer longer than its timeout', async () => {
    silent = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const started = Date.now();
    const found = await lookUpSlackNames(['U0A', 'U0B'], {
      botToken: 'xoxb-x',
      apiUrl: `http://127.0.0.1:${port}/api/`,
      timeoutMs: 300,
    });
    const took = Date.now() - started;
    console.log(`[cli-names] a silent Slack: ${found.names.size} names after ${took} ms`);
    expect(found).toEqual({ names: new Map(), answered: false });
    expect(took).toBeLessThan(1000);
  });

  it('without a bot token, and with a Slack that refuses the token, ids stay ids', async () => {
    const names = new CliNames(new InMemoryUserNames());
    await names.learn(['<@U0X>']);
    expect(names.render('by <@U0X>')).toBe('by @U0X');
    slack.fake.setUser('U0Y', 'Yan');
    const refused = await lookUpSlackNames(['U0Y'], {
      botToken: 'xoxb-wrong',
      apiUrl: slack.fake.apiUrl,
      timeoutMs: 2000,
    });
    expect(refused.names.size).toBe(0);
  });
});
