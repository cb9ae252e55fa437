/**
 * EVOLVE_SQL_URL_ALLOWED_HOSTS: where `/evolve develop sql=<url>` may fetch.
 * Only https (over plain http anyone on the path could rewrite the SQL that
 * production will run). Each entry is `host` or `host:port`; a bare host
 * means port 443 only, never "any port", because another port of an allowed
 * host is often another service. An IP address as host (`10.1.2.3:8443`)
 * also allows that address where a name resolves to a private one; nothing
 * else does.
 */
export interface SqlHostEntry {
  /** Lowercase, without a trailing dot; IPv6 without brackets. */
  hostname: string;
  port: number;
}

/** The canonical form of a URL's host name: lowercase, no trailing dot, IPv6 unbracketed. */
export function canonicalHostname(hostname: string): string {
  return hostname
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^\[(.*)\]$/, '$1');
}

/** The host and port an https URL is fetched from; undefined for any other scheme. */
export function fetchTarget(url: URL): SqlHostEntry | undefined {
  if (url.protocol !== 'https:') return undefined;
  return {
    hostname: canonicalHostname(url.hostname),
    port: url.port === '' ? 443 : Number(url.port),
  };
}

const ENTRY = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/;

/** One entry, or undefined when it is not `host` or `host:port`. */
export function parseSqlHostEntry(entry: string): SqlHostEntry | undefined {
  const m = ENTRY.exec(entry.trim());
  if (!m) return undefined;
  try {
    // The URL parser canonicalizes the spelling (case, IPv4 forms like 0x7f.1) as it will for URLs.
    return fetchTarget(new URL(`https://${m[1]}${m[2] ?? ''}`));
  } catch {
    return undefined;
  }
}

export function parseSqlHostEntries(entries: readonly string[]): SqlHostEntry[] {
  return entries.map(parseSqlHostEntry).filter((e): e is SqlHostEntry => e !== undefined);
}

/** Whether an entry allows fetching from this host and port. */
export function isSqlTargetAllowed(
  target: SqlHostEntry,
  allowed: readonly SqlHostEntry[],
): boolean {
  return allowed.some((e) => e.hostname === target.hostname && e.port === target.port);
}

/** How an entry reads in messages, as it is written in the variable. */
export function describeSqlTarget(t: SqlHostEntry): string {
  const host = t.hostname.includes(':') ? `[${t.hostname}]` : t.hostname;
  return t.port === 443 ? host : `${host}:${t.port}`;
}
