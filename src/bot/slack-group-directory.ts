import type { WebClient } from '@slack/web-api';

export interface SlackGroupDirectoryOptions {
  /** How long a group's member list is reused (default 60 s). */
  ttlMs?: number;
  now?: () => number;
}

/**
 * Which of the given user groups (S… ids, as listed in a pipeline's owners
 * and approvers) a user belongs to, from usergroups.users.list, cached
 * briefly so a burst of clicks costs one call per group. The service passes
 * the result to the domain's permission checks as actorGroups.
 */
export class SlackGroupDirectory {
  private readonly cache = new Map<string, { users: ReadonlySet<string>; at: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly client: Pick<WebClient, 'usergroups'>,
    options: SlackGroupDirectoryOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  async groupsOf(userId: string, candidateGroups: readonly string[]): Promise<string[]> {
    const groups = candidateGroups.filter((g) => /^S[A-Z0-9]+$/.test(g));
    const members = await Promise.all(groups.map((g) => this.members(g)));
    return groups.filter((_, i) => members[i]?.has(userId));
  }

  private async members(group: string): Promise<ReadonlySet<string>> {
    const cached = this.cache.get(group);
    if (cached && this.now() - cached.at < this.ttlMs) return cached.users;
    let users: ReadonlySet<string>;
    try {
      const res = await this.client.usergroups.users.list({ usergroup: group });
      users = new Set(res.users ?? []);
    } catch {
      // A deleted or unreadable group grants nothing; it must not block the people listed by id.
      return new Set();
    }
    this.cache.set(group, { users, at: this.now() });
    return users;
  }
}
