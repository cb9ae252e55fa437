import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const BOARD_COOKIE = 'evolve_board';

/** A browser session on the board lasts a working day, then the link with ?token= is needed again. */
const COOKIE_MAX_AGE_S = 12 * 3600;

function sameSecret(a: string, b: string): boolean {
  // Digests have one length, so the comparison's time says nothing about either value.
  return timingSafeEqual(
    createHash('sha256').update(a).digest(),
    createHash('sha256').update(b).digest(),
  );
}

function cookieValue(token: string): string {
  // Derived, not the token itself: the cookie jar never holds the credential, and every
  // worker process behind one address accepts the same cookie.
  return createHmac('sha256', token).update('flink-evolve bull board session').digest('base64url');
}

function cookieFrom(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

export type GuardVerdict = 'allowed' | 'redirected' | 'refused';

/**
 * Bull Board has no authentication of its own and can retry and delete
 * jobs. Access needs the configured token: `Authorization: Bearer <token>`,
 * or once `?token=<token>` in a browser, which sets an HttpOnly, SameSite
 * cookie and redirects to the same page without the token in the address
 * (so it stays out of history and Referer headers).
 */
export function guardBullBoard(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  token: string,
): GuardVerdict {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ') && sameSecret(auth.slice('Bearer '.length).trim(), token)) {
    return 'allowed';
  }
  const cookie = cookieFrom(req, BOARD_COOKIE);
  if (cookie && sameSecret(cookie, cookieValue(token))) return 'allowed';
  const given = url.searchParams.get('token');
  if (given !== null && sameSecret(given, token)) {
    url.searchParams.delete('token');
    const secure = req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
    res.writeHead(303, {
      'Set-Cookie': `${BOARD_COOKIE}=${cookieValue(token)}; Path=/queues; HttpOnly; SameSite=Strict; Max-Age=${COOKIE_MAX_AGE_S}${secure}`,
      Location: `${url.pathname}${url.search}`,
      'Cache-Control': 'no-store',
    });
    res.end();
    return 'redirected';
  }
  res.writeHead(401, {
    'Content-Type': 'text/plain; charset=utf-8',
    'WWW-Authenticate': 'Bearer realm="bull-board"',
    'Cache-Control': 'no-store',
  });
  res.end(
    'The queue dashboard needs the EVOLVE_BULL_BOARD_TOKEN: send Authorization: Bearer <token>, or open /queues?token=<token> once in a browser.\n',
  );
  return 'refused';
}
