/**
 * Who is calling the admin API. Credentials are tried in a fixed order:
 *
 * 1. the session cookie `parapet_session` (a local account signed in with `POST /session`);
 * 2. `Authorization: Bearer pat_…`, an API token;
 * 3. `Authorization: Bearer <admin.token>`, the bootstrap token (break-glass: role `admin`, actor
 *    `admin-token`).
 *
 * A stale cookie does not hide a valid bearer credential; a presented bearer credential that is wrong
 * is refused (it never falls back to "anonymous").
 */
import type { IncomingMessage } from 'node:http';
import type { AccessStore, AdminUserRecord } from '../../store/access-store.ts';
import { ADMIN_TOKEN_ACTOR, type AdminActor } from '../context.ts';
import { createTokenCheck } from '../http.ts';
import { isAdminRole } from '../permissions.ts';
import type { AdminExchange } from '../router.ts';
import {
  bearerOf,
  isSessionSecret,
  looksLikeApiToken,
  matchesHash,
  parseApiToken,
  readCookie,
  SESSION_COOKIE,
  sha256Hex,
} from './credentials.ts';

/** Session lifetimes, from `admin.session_ttl` and `admin.session_idle_ttl`. */
export interface SessionLifetimes {
  /** Absolute: a session ends this long after sign-in, used or not. */
  ttlMs: number;
  /** Idle: a session unused for this long ends. */
  idleMs: number;
}

/** lastSeenAt / lastUsedAt are written at most this often per session or token. */
export const TOUCH_INTERVAL_MS = 60_000;

export type Authentication =
  /** Signed in; `session` is set when the session cookie did it. */
  | { kind: 'ok'; actor: AdminActor; session: AdminExchange['session'] }
  /** No credential at all. */
  | { kind: 'none' }
  /** A credential that does not open the API; `message` says which and what to do. */
  | { kind: 'refused'; message: string };

export interface AuthenticatorOptions {
  access: AccessStore;
  /** `admin.token`, or null. */
  bootstrapToken: string | null;
  lifetimes: SessionLifetimes;
  clock: { wallMs(): number };
}

export type Authenticator = (req: IncomingMessage, ip: string | null) => Promise<Authentication>;

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { access, lifetimes, clock } = options;
  const bootstrapMatches =
    options.bootstrapToken === null ? () => false : createTokenCheck(options.bootstrapToken);

  return async function authenticate(req, ip) {
    const nowMs = clock.wallMs();
    const now = new Date(nowMs).toISOString();
    let cookieRefusal: string | null = null;

    const secret = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (secret !== null && secret !== '') {
      const idHash = isSessionSecret(secret) ? sha256Hex(secret) : null;
      const found = idHash === null ? null : await access.findSession(idHash);
      if (found !== null && idHash !== null) {
        const { session, user } = found;
        const idleSince = new Date(nowMs - lifetimes.idleMs).toISOString();
        const live = session.expiresAt > now && session.lastSeenAt > idleSince;
        if (live && user.disabledAt === null && isAdminRole(user.role)) {
          if (session.lastSeenAt < new Date(nowMs - TOUCH_INTERVAL_MS).toISOString()) {
            await access.touchSession(idHash, now, new Date(nowMs - TOUCH_INTERVAL_MS).toISOString());
          }
          return {
            kind: 'ok',
            actor: userActor(user, ip),
            session: { secret, idHash, csrfHash: session.csrfHash, expiresAt: session.expiresAt },
          };
        }
        await access.deleteSession(idHash);
      }
      cookieRefusal =
        'your admin session has expired or ended; sign in again with `POST /admin/api/v1/session`';
    }

    const bearer = bearerOf(req.headers.authorization);
    if (bearer !== null) {
      if (looksLikeApiToken(bearer)) return apiToken(access, bearer, now, nowMs, ip);
      if (bootstrapMatches(req.headers.authorization)) {
        return {
          kind: 'ok',
          actor: { name: ADMIN_TOKEN_ACTOR, role: 'admin', kind: 'bootstrap', ip },
          session: null,
        };
      }
      return {
        kind: 'refused',
        message:
          'the bearer credential is neither a valid API token (`pat_…`) nor the admin token (`admin.token`)',
      };
    }
    return cookieRefusal === null ? { kind: 'none' } : { kind: 'refused', message: cookieRefusal };
  };
}

/** The actor of a signed-in account (its role must be checked with isAdminRole first). */
export function userActor(user: AdminUserRecord, ip: string | null): AdminActor {
  return { name: user.name, role: user.role as AdminActor['role'], kind: 'user', ip };
}

async function apiToken(
  access: AccessStore,
  presented: string,
  now: string,
  nowMs: number,
  ip: string | null,
): Promise<Authentication> {
  const parsed = parseApiToken(presented);
  const record = parsed === null ? null : await access.getToken(parsed.id);
  if (record === null || !matchesHash(presented, record.hash)) {
    return {
      kind: 'refused',
      message: 'the API token is not valid; create one with `POST /tokens` or `parapet tokens create`',
    };
  }
  if (record.revokedAt !== null) {
    return { kind: 'refused', message: `API token \`${record.name}\` was revoked at ${record.revokedAt}` };
  }
  if (record.expiresAt !== null && record.expiresAt <= now) {
    return { kind: 'refused', message: `API token \`${record.name}\` expired at ${record.expiresAt}` };
  }
  if (!isAdminRole(record.role)) {
    return {
      kind: 'refused',
      message: `API token \`${record.name}\` has role \`${record.role}\`, which this version does not know`,
    };
  }
  const touchBefore = new Date(nowMs - TOUCH_INTERVAL_MS).toISOString();
  if (record.lastUsedAt === null || record.lastUsedAt < touchBefore) {
    await access.touchToken(record.id, now, touchBefore);
  }
  return {
    kind: 'ok',
    actor: { name: `token:${record.name}`, role: record.role, kind: 'token', ip },
    session: null,
  };
}
