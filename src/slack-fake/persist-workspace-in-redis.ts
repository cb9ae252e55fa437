import {
  DEFAULT_KEPT_MESSAGES,
  type FakeSlackWorkspace,
  type WorkspaceRecord,
} from './fake-slack-workspace.js';

/** The two Redis commands the persistence needs (an ioredis client fits). */
export interface WorkspaceRedis {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
}

export interface PersistWorkspaceOptions {
  workspace: FakeSlackWorkspace;
  redis: WorkspaceRedis;
  /** One key for the whole workspace (RedisKeys.playgroundWorkspace()). */
  key: string;
  /** A burst of changes (a card edited while replies are posted) is saved once, this long after the first. */
  saveDelayMs?: number;
  maxMessages?: number;
  /** A failed save is reported here and retried with the next change; the playground keeps running. */
  onError?: (err: unknown) => void;
}

export interface PersistedWorkspace {
  /** Messages the workspace got back from Redis (0 on a first start). */
  restored: number;
  /** Saves now if anything changed since the last save. */
  flush(): Promise<void>;
  /** Stops following changes, after saving what is pending. */
  stop(): Promise<void>;
}

/**
 * Keeps the playground's fake Slack workspace in Redis so `npm start`,
 * stopped and started again, shows the same channel and threads and the
 * bot continues them in place. Restores first (call it before the bot
 * starts), then saves the whole record as one JSON value after changes:
 * small (capped) and simple, and a save is never half applied.
 */
export async function persistWorkspaceInRedis(
  options: PersistWorkspaceOptions,
): Promise<PersistedWorkspace> {
  const { workspace, redis, key } = options;
  const saveDelayMs = options.saveDelayMs ?? 250;
  const maxMessages = options.maxMessages ?? DEFAULT_KEPT_MESSAGES;
  const record = parseRecord(await redis.get(key));
  if (record) workspace.restore(record);

  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  let saving: Promise<void> = Promise.resolve();

  const save = (): Promise<void> => {
    // Chained so two saves never race and the last one written is the newest state.
    saving = saving.then(async () => {
      if (!dirty) return;
      dirty = false;
      try {
        await redis.set(key, JSON.stringify(workspace.toRecord(maxMessages)));
      } catch (err) {
        dirty = true;
        options.onError?.(err);
      }
    });
    return saving;
  };
  const unsubscribe = workspace.onChange(() => {
    dirty = true;
    timer ??= setTimeout(() => {
      timer = undefined;
      void save();
    }, saveDelayMs);
  });

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    return save();
  };
  return {
    restored: record?.messages.length ?? 0,
    flush,
    async stop() {
      unsubscribe();
      await flush();
    },
  };
}

/** A record this version wrote; anything else (another version, damaged JSON) starts an empty workspace. */
function parseRecord(json: string | null): WorkspaceRecord | undefined {
  if (json === null) return undefined;
  try {
    const value = JSON.parse(json) as Partial<WorkspaceRecord>;
    const ok =
      value.version === 1 &&
      Array.isArray(value.messages) &&
      Array.isArray(value.files) &&
      typeof value.lastTsMicros === 'number' &&
      typeof value.sequence === 'number';
    return ok ? (value as WorkspaceRecord) : undefined;
  } catch {
    return undefined;
  }
}
