/**
 * Signing in and out: `POST /session` (name and password → session cookie and CSRF token), `GET
 * /session` (who am I), `DELETE /session` (sign out). Failed sign-ins are throttled per account name
 * and per client address, in the store, so the limit holds across replicas.
 */
import { ParapetError, tryParseDuration } from '@parapet/core';
import type { Config } from '../../config/index.ts';
import { type AccessStore, accessStoreFor, type LoginLimits } from '../../store/access-store.ts';
import type { AdminActor, AdminDeps } from '../context.ts';
import { AdminError } from '../http.ts';
import { isAdminRole, PERMISSIONS, type Permission, roleAllows } from '../permissions.ts';
import { type AdminExchange, type AdminRoute, definePublicRoute, defineRoute } from '../router.ts';
import { appendAudit } from './audit.ts';
import type { SessionLifetimes } from './authenticate.ts';
import {
  clearedSessionCookie,
  csrfTokenFor,
  newSessionSecret,
  type RandomBytes,
  sessionCookie,
  sha256Hex,
} from './credentials.ts';
import { dummyVerify, verifyPassword } from './passwords.ts';
import { LoginRequest, LogoutAnswer, SessionInfo, USER_NAME_PATTERN } from './schemas.ts';

/** 5 failed sign-ins within 15 minutes lock the account name (and, separately, the address) for 15 minutes. */
export const LOGIN_LIMITS: LoginLimits = Object.freeze({
  maxFailures: 5,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
});

/** The session lifetimes a deployment configured (`admin.session_ttl`, `admin.session_idle_ttl`). */
export function sessionLifetimes(config: Config): SessionLifetimes {
  const ttlMs = tryParseDuration(config.admin.session_ttl) ?? 12 * 3_600_000;
  const idleMs = tryParseDuration(config.admin.session_idle_ttl) ?? 3_600_000;
  return { ttlMs, idleMs: Math.min(idleMs, ttlMs) };
}

/** The permissions of a role, in PERMISSIONS order. */
export function permissionsOf(role: AdminActor['role']): Permission[] {
  return PERMISSIONS.filter((p) => roleAllows(role, p));
}

const WRONG_CREDENTIALS = 'the account name or password is wrong';

export function sessionRoutes(deps: AdminDeps, random?: RandomBytes): AdminRoute[] {
  const access = accessStoreFor(deps.store.sql);
  const lifetimes = sessionLifetimes(deps.config);

  return [
    definePublicRoute({
      method: 'POST',
      path: '/session',
      summary: 'Sign in with an account name and password: sets the session cookie, answers the CSRF token',
      body: LoginRequest,
      response: SessionInfo,
      async handle({ body, exchange }) {
        return signIn({ access, clock: deps.clock, lifetimes, random }, body, exchange);
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/session',
      summary: 'Who is signed in: name, role, permissions and (for a session) the CSRF token',
      permission: 'authenticated',
      response: SessionInfo,
      async handle({ actor, exchange }) {
        const session = exchange.session;
        return {
          user: actor.name,
          role: actor.role,
          kind: actor.kind,
          permissions: permissionsOf(actor.role),
          csrfToken: session === null ? null : csrfTokenFor(session.secret),
          expiresAt: session === null ? null : session.expiresAt,
        };
      },
    }),

    defineRoute({
      method: 'DELETE',
      path: '/session',
      summary: 'Sign out: ends the session and clears its cookie',
      permission: 'authenticated',
      response: LogoutAnswer,
      async handle({ exchange }) {
        const session = exchange.session;
        if (session === null) return { ended: false };
        await access.deleteSession(session.idHash);
        exchange.appendHeader('set-cookie', clearedSessionCookie({ secure: exchange.secure }));
        return { ended: true };
      },
    }),
  ];
}

interface SignInDeps {
  access: AccessStore;
  clock: { wallMs(): number };
  lifetimes: SessionLifetimes;
  random: RandomBytes | undefined;
}

async function signIn(d: SignInDeps, body: LoginRequest, exchange: AdminExchange) {
  const { access } = d;
  // A page of another site posting a sign-in form (login CSRF); browsers say so in Sec-Fetch-Site.
  if (exchange.header('sec-fetch-site') === 'cross-site') {
    throw new ParapetError('PARAPET_ADMIN_FORBIDDEN', 'signing in from a page of another site is refused');
  }
  const nowMs = d.clock.wallMs();
  const now = new Date(nowMs).toISOString();
  const name = body.name.trim().toLowerCase();
  const validName = USER_NAME_PATTERN.test(name);
  const keys = [`name:${name.slice(0, 200)}`, ...(exchange.ip === null ? [] : [`ip:${exchange.ip}`])];
  const audit = (action: string, actorName: string, details: Record<string, unknown>) =>
    appendAudit(access, nowMs, { name: actorName, kind: 'user', ip: exchange.ip }, action, null, details);
  const attempted = validName ? name : '(not an account name)';

  const lockedUntil = await access.loginLockedUntil(keys, now);
  if (lockedUntil !== null) {
    await audit('login.failed', attempted, { reason: 'locked', lockedUntil });
    throw locked(lockedUntil, nowMs);
  }

  const user = validName ? await access.getUserByName(name) : null;
  const passwordOk =
    user === null ? await dummyVerify(body.password) : await verifyPassword(body.password, user.passwordHash);
  if (user === null || !passwordOk || user.disabledAt !== null || !isAdminRole(user.role)) {
    let lockedNow: string | null = null;
    for (const key of keys) {
      const counted = await access.recordLoginFailure(key, now, LOGIN_LIMITS);
      if (counted.lockedUntil !== null && (lockedNow === null || counted.lockedUntil > lockedNow)) {
        lockedNow = counted.lockedUntil;
      }
    }
    const reason =
      user === null
        ? 'unknown-account'
        : !passwordOk
          ? 'wrong-password'
          : user.disabledAt !== null
            ? 'disabled'
            : 'unknown-role';
    await audit('login.failed', attempted, {
      reason,
      ...(lockedNow === null ? {} : { lockedUntil: lockedNow }),
    });
    throw new ParapetError('PARAPET_ADMIN_UNAUTHORIZED', WRONG_CREDENTIALS);
  }

  await access.clearLoginFailures(keys[0]!);
  // Housekeeping on a path that is rare and already slow (scrypt): sessions and counters that are over.
  await access.purgeSessions(now, new Date(nowMs - d.lifetimes.idleMs).toISOString());
  await access.purgeLoginAttempts(now, LOGIN_LIMITS.windowMs);
  // A new sign-in from a browser that still holds a session replaces it.
  if (exchange.session !== null) await access.deleteSession(exchange.session.idHash);

  const secret = newSessionSecret(d.random);
  const csrfToken = csrfTokenFor(secret);
  const expiresAt = new Date(nowMs + d.lifetimes.ttlMs).toISOString();
  await access.createSession({
    idHash: sha256Hex(secret),
    userId: user.id,
    csrfHash: sha256Hex(csrfToken),
    createdAt: now,
    expiresAt,
    lastSeenAt: now,
  });
  await access.recordLogin(user.id, now);
  await audit('login', user.name, { role: user.role });
  exchange.appendHeader(
    'set-cookie',
    sessionCookie(secret, { maxAgeSeconds: d.lifetimes.ttlMs / 1000, secure: exchange.secure }),
  );
  const role = user.role;
  return {
    user: user.name,
    role,
    kind: 'user' as const,
    permissions: permissionsOf(role),
    csrfToken,
    expiresAt,
  };
}

function locked(lockedUntil: string, nowMs: number): AdminError {
  const seconds = Math.max(1, Math.ceil((Date.parse(lockedUntil) - nowMs) / 1000));
  return new AdminError(
    'PARAPET_ADMIN_LOGIN_LOCKED',
    `too many failed sign-ins for this account or from this address; try again in ${Math.ceil(seconds / 60)} minute${seconds > 60 ? 's' : ''}`,
    { retryAfterSeconds: seconds },
    { headers: { 'retry-after': String(seconds) } },
  );
}
