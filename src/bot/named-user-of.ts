/**
 * Who sent a Slack request and the name Slack gave them, when it says:
 * slash commands carry `user_id` and `user_name`; block actions and view
 * submissions a `user` with `name` (or `username`). The request was signed,
 * so the name is Slack's word, not the sender's.
 */
export function namedUserOf(body: unknown): { id: string; name: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.user_id === 'string' && typeof b.user_name === 'string' && b.user_name)
    return { id: b.user_id, name: b.user_name };
  const user = b.user;
  if (typeof user !== 'object' || user === null) return undefined;
  const u = user as Record<string, unknown>;
  const name = [u.name, u.username].find((n): n is string => typeof n === 'string' && n !== '');
  return typeof u.id === 'string' && name ? { id: u.id, name } : undefined;
}
