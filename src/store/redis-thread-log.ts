import type { Redis } from 'ioredis';
import type { Evolution } from '../evolution/evolution.js';
import { displayState } from '../evolution/display-state.js';
import type { Milestone, Notifier } from '../evolution/ports/notifier.js';
import type { RedisKeys } from './redis-keys.js';

export interface ThreadEntry {
  id: string;
  kind: Milestone['kind'] | 'status';
  text: string;
  details: Record<string, string | number>;
  at: number;
}

/**
 * Each evolution's thread kept in Redis as well as in Slack: what the CLI
 * shows and follows (`evolve status`, progress while waiting), and what
 * stays readable when Slack is not configured. Capped per evolution.
 */
export class RedisThreadLog implements Notifier {
  private blocking: Redis | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly maxLen = 2_000,
  ) {}

  key(evolutionId: string): string {
    return this.keys.threadLog(evolutionId);
  }

  async ensureThread(evolution: Evolution): Promise<{ threadTs: string; statusMessageTs: string }> {
    return {
      threadTs: evolution.slack.threadTs ?? '',
      statusMessageTs: evolution.slack.statusMessageTs ?? '',
    };
  }

  async updateStatusCard(evolution: Evolution): Promise<void> {
    const state = displayState(evolution, Date.now());
    await this.append(evolution.id, 'status', `${evolution.id} is ${state}`, { state });
  }

  async postMilestone(evolution: Evolution, milestone: Milestone): Promise<void> {
    await this.append(evolution.id, milestone.kind, milestone.text, {
      ...(milestone.details ?? {}),
    });
  }

  private async append(
    evolutionId: string,
    kind: ThreadEntry['kind'],
    text: string,
    details: Record<string, string | number>,
  ) {
    await this.redis.xadd(
      this.key(evolutionId),
      'MAXLEN',
      '~',
      String(this.maxLen),
      '*',
      'kind',
      kind,
      'text',
      text,
      'details',
      JSON.stringify(details),
      'at',
      String(Date.now()),
    );
  }

  /** Entries after `afterId` ('0' for all); waits up to `blockMs` for new ones. */
  async read(evolutionId: string, afterId = '0', blockMs?: number): Promise<ThreadEntry[]> {
    const key = this.key(evolutionId);
    // A blocking read gets its own connection so that it does not stall other commands.
    if (blockMs !== undefined) this.blocking ??= this.redis.duplicate();
    const reply = (
      blockMs === undefined
        ? await this.redis.xread('COUNT', 500, 'STREAMS', key, afterId)
        : await this.blocking!.xread('COUNT', 500, 'BLOCK', blockMs, 'STREAMS', key, afterId)
    ) as Array<[string, Array<[string, string[]]>]> | null;
    const entries = reply?.[0]?.[1] ?? [];
    return entries.map(([id, flat]) => {
      const f = new Map<string, string>();
      for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i]!, flat[i + 1]!);
      return {
        id,
        kind: (f.get('kind') ?? 'info') as ThreadEntry['kind'],
        text: f.get('text') ?? '',
        details: JSON.parse(f.get('details') ?? '{}') as Record<string, string | number>,
        at: Number(f.get('at') ?? 0),
      };
    });
  }

  async close(): Promise<void> {
    await this.blocking?.quit().catch(() => undefined);
    this.blocking = undefined;
  }
}

/** Sends every update to each notifier; the thread ids come from the first (Slack when configured). */
export function fanOutNotifier(notifiers: readonly Notifier[]): Notifier {
  const [first, ...rest] = notifiers;
  if (!first) throw new Error('fanOutNotifier needs at least one notifier');
  return {
    async ensureThread(ev) {
      const ids = await first.ensureThread(ev);
      await Promise.all(rest.map((n) => n.ensureThread({ ...ev, slack: { ...ev.slack, ...ids } })));
      return ids;
    },
    async updateStatusCard(ev) {
      await Promise.all(notifiers.map((n) => n.updateStatusCard(ev)));
    },
    async postMilestone(ev, m) {
      await Promise.all(notifiers.map((n) => n.postMilestone(ev, m)));
    },
  };
}
