const SLACK_API_URL = 'https://slack.com/api/';

export interface SlackUserLookupOptions {
  botToken: string;
  /** Another Slack Web API (the local fake); Slack's own by default. */
  apiUrl?: string;
  /** The CLI never waits on Slack longer than this for names; unanswered ids stay ids. */
  timeoutMs: number;
}

export interface SlackNames {
  names: Map<string, string>;
  /** Slack answered at least one of them (a user_not_found is an answer; a timeout is not). */
  answered: boolean;
}

function nameOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { ok, user } = body as { ok?: unknown; user?: Record<string, unknown> };
  if (ok !== true || typeof user !== 'object' || user === null) return undefined;
  const profile = (user.profile ?? {}) as Record<string, unknown>;
  for (const name of [profile.display_name, user.real_name, profile.real_name, user.name]) {
    if (typeof name === 'string' && name.trim() !== '') return name.trim();
  }
  return undefined;
}

/**
 * Names of people the installation has not seen yet, from Slack's users.info
 * (scope users:read), all asked at once and given up together after the
 * timeout: a slow or unreachable Slack costs the CLI that much, never more.
 */
export async function lookUpSlackNames(
  ids: readonly string[],
  options: SlackUserLookupOptions,
): Promise<SlackNames> {
  const names = new Map<string, string>();
  let answered = false;
  if (ids.length === 0) return { names, answered };
  const signal = AbortSignal.timeout(options.timeoutMs);
  const base = options.apiUrl ?? SLACK_API_URL;
  await Promise.all(
    ids.map(async (id) => {
      try {
        const res = await fetch(`${base}users.info`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${options.botToken}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ user: id }).toString(),
          signal,
        });
        const name = nameOf(await res.json());
        answered = true;
        if (name) names.set(id, name);
      } catch {
        // Timed out, unreachable or refused: the id is shown as it is.
      }
    }),
  );
  return { names, answered };
}
