import { request } from 'undici';
import { EvolveError } from '../errors.js';

export interface FetchSqlOptions {
  /** Host names (or host:port) SQL may be fetched from; nothing else is contacted. */
  allowedHosts: readonly string[];
  maxBytes?: number;
  timeoutMs?: number;
  maxRedirects?: number;
}

const refuse = (message: string) => new EvolveError('INPUT_INVALID', message);

function checkUrl(raw: string, allowed: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse(`'${raw}' is not a URL. Give sql=https://<allowed host>/path/to/v2.sql.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw refuse(`Only http(s) URLs can be fetched, not ${url.protocol}.`);
  }
  if (url.username || url.password)
    throw refuse('Credentials in the URL are refused; use a URL that needs none.');
  if (!allowed.includes(url.hostname) && !allowed.includes(url.host)) {
    throw refuse(
      allowed.length === 0
        ? 'Fetching SQL from a URL is off: no host is allowed (EVOLVE_SQL_URL_ALLOWED_HOSTS). Paste the SQL in the modal or attach it as a file.'
        : `${url.host} is not an allowed SQL host (allowed: ${allowed.join(', ')}). Ask an admin to add it to EVOLVE_SQL_URL_ALLOWED_HOSTS, or paste the SQL.`,
    );
  }
  return url;
}

/**
 * Fetches a v2 script from an allow-listed host. Redirects are followed by
 * hand so that each hop is checked against the allow-list, and the body is
 * read up to a limit, so a URL can neither reach an internal host nor
 * exhaust memory.
 */
export async function fetchSqlUrl(raw: string, options: FetchSqlOptions): Promise<string> {
  const maxBytes = options.maxBytes ?? 512 * 1024;
  let url = checkUrl(raw, options.allowedHosts);
  for (let hop = 0; hop <= (options.maxRedirects ?? 3); hop++) {
    const res = await request(url, {
      method: 'GET',
      headersTimeout: options.timeoutMs ?? 10_000,
      bodyTimeout: options.timeoutMs ?? 10_000,
    }).catch((err: unknown) => {
      throw refuse(
        `Could not fetch ${url.host}: ${err instanceof Error ? err.message : String(err)}. Check the URL, or paste the SQL.`,
      );
    });
    if (res.statusCode >= 300 && res.statusCode < 400) {
      await res.body.dump();
      const location = res.headers.location;
      if (typeof location !== 'string')
        throw refuse(`${url.host} answered a redirect without a Location.`);
      url = checkUrl(new URL(location, url).href, options.allowedHosts);
      continue;
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw refuse(`${url.href} answered HTTP ${res.statusCode}. Check the URL, or paste the SQL.`);
    }
    const declared = Number(res.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      await res.body.dump();
      throw refuse(`The SQL at ${url.href} is ${declared} bytes; the limit is ${maxBytes}.`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        res.body.destroy();
        throw refuse(`The SQL at ${url.href} is over the ${maxBytes}-byte limit.`);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
  throw refuse(`Too many redirects from ${raw}.`);
}
