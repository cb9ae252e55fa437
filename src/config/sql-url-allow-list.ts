/**
 * EVOLVE_SQL_URL_ALLOWED_HOSTS: where `/evolve develop sql=<url>` may fetch.
 * Each entry is an origin, written short: `host` or `host:port` is https
 * (a bare host means port 443 only, never "any port": another port of an
 * allowed host is often another service), and plain http must be spelt out,
 * `http://host:port`, because anyone on the path can rewrite what it carries.
 * An IP address as host (`10.1.2.3:8443`) also allows that address where a
 * name resolves to a private one; nothing else does.
 */
export interface SqlHostEntry {
  protocol: 'https:' | 'http:';
  /** Lowercase, without a trailing dot; IPv6 without brackets. */
  hostname: string;
  port: number;
}

const DEFAULT_PORT = { 'https:': 443, 'http:': 80 } as const;

/** The canonical form of a URL's host name: lowercase, no trailing dot, IPv6 unbracketed. */
export function canonicalHostname(hostname: string): string {
  return hostname
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^\[(.*)\]$/, '$1');
}

/** The protocol, host and port a URL is fetched from; undefined for other schemes. */
export function fetchTarget(url: URL): SqlHostEntry | undefined {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  return {
    protocol: url.protocol,
    hostname: canonicalHostname(url.hostname),
    port: url.port === '' ? DEFAULT_PORT[url.protocol] : Number(url.port),
  };
}

const ENTRY = /^(https?:\/\/)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?\/?$/;

/** One entry, or undefined when it is not `host`, `host:port` or `http(s)://host[:port]`. */
export function parseSqlHostEntry(entry: string): SqlHostEntry | undefined {
  const m = ENTRY.exec(entry.trim());
  if (!m) return undefined;
  try {
    return fetchTarget(new URL(`${m[1]?.toLowerCase() ?? 'https://'}${m[2]}${m[3] ?? ''}`));
  } catch {
    return undefined;
  }
}

export function parseSqlHostEntries(entries: readonly string[]): SqlHostEntry[] {
  return entries.map(parseSqlHostEntry).filter((e): e is SqlHostEntry => e !== undefined);
}

export function sameTarget(a: SqlHostEntry, b: SqlHostEntry): boolean {
  return a.protocol === b.protocol && a.hostname === b.hostname && a.port === b.port;
}

/** Whether an entry allows fetching from this protocol, host and port. */
export function isSqlTargetAllowed(
  target: SqlHostEntry,
  allowed: readonly SqlHostEntry[],
): boolean {
  return allowed.some((e) => sameTarget(e, target));
}

/** How an entry reads in messages: short for https, spelt out for http. */
export function describeSqlTarget(t: SqlHostEntry): string {
  const host = t.hostname.includes(':') ? `[${t.hostname}]` : t.hostname;
  return t.protocol === 'https:'
    ? `${host}${t.port === 443 ? '' : `:${t.port}`}`
    : `http://${host}:${t.port}`;
}
