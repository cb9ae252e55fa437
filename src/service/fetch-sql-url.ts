import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import {
  describeSqlTarget,
  fetchTarget,
  isSqlTargetAllowed,
  parseSqlHostEntries,
  type SqlHostEntry,
} from '../config/sql-url-allow-list.js';
import { EvolveError } from '../errors.js';
import { userText } from '../evolution/user-text.js';
import { nonPublicAddressKind } from './non-public-address.js';

export interface FetchSqlOptions {
  /** EVOLVE_SQL_URL_ALLOWED_HOSTS entries (sql-url-allow-list.ts); nothing else is contacted. */
  allowedHosts: readonly string[];
  maxBytes?: number;
  timeoutMs?: number;
  maxRedirects?: number;
  /**
   * PEM certificates trusted besides Node's public CAs. The product passes
   * none (SQL hosts have public certificates); tests pass their private CA.
   */
  ca?: string;
}

const refuse = (message: string) => new EvolveError('INPUT_INVALID', message);

/** User input shown back in a refusal: shortened and escaped like every echo (userText). */
const shown = (text: string) => userText(text, 120);

function parseUrl(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw refuse(`'${shown(raw)}' is not a URL. Give sql=https://<allowed host>/path/to/v2.sql.`);
  }
}

function checkUrl(url: URL, allowed: readonly SqlHostEntry[]): SqlHostEntry {
  const target = fetchTarget(url);
  if (!target) throw refuse(`Only https URLs can be fetched, not ${url.protocol}.`);
  if (url.username || url.password)
    throw refuse('Credentials in the URL are refused; use a URL that needs none.');
  if (allowed.length === 0) {
    throw refuse(
      'Fetching SQL from a URL is off: no host is allowed (EVOLVE_SQL_URL_ALLOWED_HOSTS). Paste the SQL in the modal or attach it as a file.',
    );
  }
  if (!isSqlTargetAllowed(target, allowed)) {
    throw refuse(
      `${describeSqlTarget(target)} is not an allowed SQL host (allowed: ${allowed.map(describeSqlTarget).join(', ')}). Ask an admin to add it to EVOLVE_SQL_URL_ALLOWED_HOSTS, or paste the SQL.`,
    );
  }
  return target;
}

/** Refuses a non-public address unless an entry names that very address (and port). */
function checkAddress(address: string, target: SqlHostEntry, allowed: readonly SqlHostEntry[]) {
  const kind = nonPublicAddressKind(address);
  if (kind === undefined) return;
  if (isSqlTargetAllowed({ ...target, hostname: address.toLowerCase() }, allowed)) return;
  const host = isIP(target.hostname) ? '' : `${target.hostname} resolves to `;
  throw refuse(
    `${host}${address}, a ${kind} address: refused, so a URL cannot reach the bot's own network. If that is meant, an admin lists the address itself (${describeSqlTarget({ ...target, hostname: address })}) in EVOLVE_SQL_URL_ALLOWED_HOSTS.`,
  );
}

/**
 * The socket's DNS lookup: every address the name resolves to is checked,
 * and the socket connects to those checked addresses, so a name cannot
 * answer one address to the check and another to the connection (DNS
 * rebinding).
 */
function checkedLookup(target: SqlHostEntry, allowed: readonly SqlHostEntry[]): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      try {
        for (const a of addresses) checkAddress(a.address, target, allowed);
      } catch (refusal) {
        return callback(refusal as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first)
        return callback(
          Object.assign(new Error(`${hostname}: no address`), { code: 'ENOTFOUND' }),
          '',
          0,
        );
      callback(null, first.address, first.family);
    });
  };
}

/**
 * Fetches a v2 script from an allow-listed origin: https only, redirects
 * only within the same origin (so never to http) and followed by
 * hand, every address checked at connect time, and the body read up to a
 * limit, so a URL can neither reach an internal host nor exhaust memory.
 */
export async function fetchSqlUrl(raw: string, options: FetchSqlOptions): Promise<string> {
  const allowed = parseSqlHostEntries(options.allowedHosts);
  const first = parseUrl(raw);
  const target = checkUrl(first, allowed);
  // An IP literal is never looked up: it is checked here, the same way.
  if (isIP(target.hostname)) checkAddress(target.hostname, target, allowed);
  const agent = new Agent({
    connect: { lookup: checkedLookup(target, allowed), ...(options.ca ? { ca: options.ca } : {}) },
  });
  try {
    return await fetchFollowingSameOrigin(first, agent, options);
  } finally {
    await agent.close();
  }
}

async function fetchFollowingSameOrigin(
  first: URL,
  agent: Agent,
  options: FetchSqlOptions,
): Promise<string> {
  let url = first;
  for (let hop = 0; hop <= (options.maxRedirects ?? 3); hop++) {
    const res = await request(url, {
      method: 'GET',
      dispatcher: agent,
      headersTimeout: options.timeoutMs ?? 10_000,
      bodyTimeout: options.timeoutMs ?? 10_000,
    }).catch((err: unknown) => {
      if (err instanceof EvolveError) throw err;
      throw refuse(
        `Could not fetch ${url.host}: ${err instanceof Error ? shown(err.message) : 'unknown error'}. Check the URL, or paste the SQL.`,
      );
    });
    if (res.statusCode >= 300 && res.statusCode < 400) {
      await res.body.dump();
      url = sameOriginRedirect(url, res.headers.location);
      continue;
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw refuse(
        `${shown(url.href)} answered HTTP ${res.statusCode}. Check the URL, or paste the SQL.`,
      );
    }
    return readLimited(res, url, options.maxBytes ?? 512 * 1024);
  }
  throw refuse(`Too many redirects from ${shown(first.href)}.`);
}

/** A redirect may change the path only: another host, port or scheme (https -> http) is refused. */
function sameOriginRedirect(from: URL, location: string | string[] | undefined): URL {
  if (typeof location !== 'string')
    throw refuse(`${from.host} answered a redirect without a Location.`);
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw refuse(`${from.host} redirected to something that is not a URL.`);
  }
  if (next.origin !== from.origin || next.username || next.password) {
    throw refuse(
      `${from.host} redirected to ${shown(next.origin)}, another origin: refused (redirects may only stay on ${from.origin}). Give the final URL if it is allowed, or paste the SQL.`,
    );
  }
  return next;
}

async function readLimited(
  res: Awaited<ReturnType<typeof request>>,
  url: URL,
  maxBytes: number,
): Promise<string> {
  const declared = Number(res.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    await res.body.dump();
    throw refuse(`The SQL at ${shown(url.href)} is ${declared} bytes; the limit is ${maxBytes}.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      res.body.destroy();
      throw refuse(`The SQL at ${shown(url.href)} is over the ${maxBytes}-byte limit.`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
