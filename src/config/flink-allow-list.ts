/**
 * Which Flink endpoints may receive the Authorization header and the TLS
 * client certificate: the origins (scheme, host, port) of
 * EVOLVE_FLINK_REST_URL, EVOLVE_FLINK_GATEWAY_URL and EVOLVE_FLINK_ALLOWED_URLS.
 * Origins, not prefixes: a path cannot smuggle another host in
 * ("http://jm:8081@evil/"), and WHATWG URL parsing lowercases the host and
 * drops the scheme's default port, so equal endpoints compare equal.
 */

/** The origin of an http(s) URL, or undefined if it is not one. */
export function flinkOrigin(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    // WHATWG keeps a trailing dot ("jm."), which resolves like "jm": one spelling only.
    return `${u.protocol}//${u.host.replace(/\.(?=:|$)/, '')}`;
  } catch {
    return undefined;
  }
}

/** The allowed origins: the configured endpoints first, then the listed ones; no duplicates. */
export function flinkAllowedOrigins(urls: readonly string[]): string[] {
  const origins = urls.map(flinkOrigin).filter((o): o is string => o !== undefined);
  return [...new Set(origins)];
}

export function isFlinkUrlAllowed(url: string, allowedOrigins: readonly string[]): boolean {
  const origin = flinkOrigin(url);
  return origin !== undefined && allowedOrigins.includes(origin);
}

/** Why an endpoint is refused and what to change, to follow the URL in a sentence. */
export function flinkUrlRefusal(allowedOrigins: readonly string[]): string {
  return (
    `is not an allowed Flink endpoint (allowed: ${allowedOrigins.join(', ') || 'none'}); ` +
    'an administrator adds it to EVOLVE_FLINK_ALLOWED_URLS on the bot and the workers'
  );
}
