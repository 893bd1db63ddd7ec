/**
 * Helpers for admin-access tests: accounts and API tokens written the way the server writes them, and a
 * browser-like client that keeps the session cookie and sends the CSRF token.
 */
import assert from 'node:assert/strict';
import { createAccount, createApiToken } from '../../src/admin/auth/account-routes.ts';
import type { AdminRole } from '../../src/admin/permissions.ts';
import { accessStoreFor } from '../../src/store/access-store.ts';
import type { Store } from '../../src/store/ports.ts';
import type { AdminAnswer } from './admin-helpers.ts';

export const PASSWORD = 'correct horse battery staple';

/** Creates an account with PASSWORD (or `password`). */
export async function addUser(store: Store, name: string, role: AdminRole, password = PASSWORD) {
  return createAccount(accessStoreFor(store.sql), name, role, password, new Date().toISOString());
}

/** Creates an API token and returns the `pat_…` string. */
export async function addToken(
  store: Store,
  name: string,
  role: AdminRole,
  expiresAt: string | null = null,
): Promise<string> {
  const made = await createApiToken(accessStoreFor(store.sql), {
    name,
    role,
    createdBy: 'tests',
    now: new Date().toISOString(),
    expiresAt,
  });
  return made.token;
}

/** Forgets every failed sign-in (the tests all come from 127.0.0.1, which would lock itself). */
export async function resetLoginAttempts(store: Store): Promise<void> {
  const sql = store.sql;
  if (sql.dialect === 'sqlite') sql.db.prepare('DELETE FROM admin_login_attempts').run();
  else await sql.query('DELETE FROM admin_login_attempts');
}

/** The parsed attributes of a `set-cookie` value: name, value and lower-cased attribute names. */
export function parseSetCookie(header: string): {
  name: string;
  value: string;
  attributes: Map<string, string>;
} {
  const [pair, ...rest] = header.split(';');
  const eq = pair!.indexOf('=');
  const attributes = new Map<string, string>();
  for (const part of rest) {
    const [k, v = ''] = part.trim().split('=');
    attributes.set(k!.toLowerCase(), v);
  }
  return { name: pair!.slice(0, eq).trim(), value: pair!.slice(eq + 1).trim(), attributes };
}

/** A client that signs in like the dashboard: keeps the cookie, sends `x-csrf-token` on changes. */
export interface SessionClient {
  /** The answer of the sign-in. */
  login: AdminAnswer;
  cookie: string;
  csrfToken: string;
  /** Calls with the cookie; `csrf: false` leaves the header out, a string sends that instead. */
  call(
    method: string,
    path: string,
    body?: unknown,
    options?: { csrf?: boolean | string; headers?: Record<string, string> },
  ): Promise<AdminAnswer>;
}

export async function signIn(baseUrl: string, name: string, password = PASSWORD): Promise<SessionClient> {
  const login = await rawCall(baseUrl, 'POST', '/session', { name, password });
  assert.equal(login.status, 200, JSON.stringify(login.json));
  const setCookie = login.headers.getSetCookie();
  assert.equal(setCookie.length, 1);
  const cookie = parseSetCookie(setCookie[0]!);
  const csrfToken: string = login.json.csrfToken;
  const jar = `${cookie.name}=${cookie.value}`;
  return {
    login,
    cookie: jar,
    csrfToken,
    call(method, path, body, options = {}) {
      const headers: Record<string, string> = { cookie: jar, ...options.headers };
      const csrf = options.csrf ?? true;
      if (csrf !== false && method !== 'GET') headers['x-csrf-token'] = csrf === true ? csrfToken : csrf;
      return rawCall(baseUrl, method, path, body, headers);
    },
  };
}

/** One admin API call with exactly the given headers (no Authorization unless given). */
export async function rawCall(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<AdminAnswer> {
  const all: Record<string, string> = { ...headers };
  let payload: string | undefined;
  if (body !== undefined && method !== 'GET') {
    payload = JSON.stringify(body);
    all['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${baseUrl}/admin/api/v1${path}`, {
    method,
    headers: all,
    ...(payload === undefined ? {} : { body: payload }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text === '' ? null : JSON.parse(text) };
}
