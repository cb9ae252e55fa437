import type { AddressInfo } from 'node:net';
import { INPUT_IDS, VIEW_IDS } from '../bot/blocks/action-ids.js';
import { loadPlaygroundAssets } from './playground-assets.js';
import type { PlaygroundOptions } from './playground-options.js';
import { createPlaygroundServer, type PlaygroundConfig } from './playground-server.js';
import { PlaygroundSession } from './playground-session.js';

export interface RunningPlayground {
  /** Open this in a browser: `http://127.0.0.1:<port>/`. */
  url: string;
  session: PlaygroundSession;
  stop(): Promise<void>;
}

/**
 * A local Slack channel in the browser, in front of a real bot: the page
 * shows the fake workspace (messages, threads, edits, ephemerals, modals)
 * and sends what the person does to the bot as Slack would, signed.
 */
export async function startPlayground(options: PlaygroundOptions): Promise<RunningPlayground> {
  const session = new PlaygroundSession(options);
  const workspace = options.fake.workspace;
  // The people one can act as are the workspace's people: users.info names them (the CLI asks).
  for (const user of session.users) options.fake.setUser(user.id, user.name);
  if (options.welcome && workspace.channelHistory(session.channel).length === 0)
    workspace.postMessage({ channel: session.channel, text: options.welcome });
  const config: PlaygroundConfig = {
    users: session.users,
    channel: { id: session.channel, name: session.channelName },
    bot: { id: options.fake.botUserId, name: 'evolve' },
    ...(options.demoV2Sql
      ? {
          demoFill: {
            callbackId: VIEW_IDS.develop,
            blockId: INPUT_IDS.developSql.block,
            actionId: INPUT_IDS.developSql.action,
            sql: options.demoV2Sql,
          },
        }
      : {}),
  };
  const server = createPlaygroundServer(session, await loadPlaygroundAssets(), config);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    session,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
