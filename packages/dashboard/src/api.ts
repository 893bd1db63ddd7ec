/**
 * The dashboard's only way to the server: the admin API under /admin/api/v1, same origin. A session
 * cookie (HttpOnly, set by signing in) authenticates; state-changing calls carry the session's CSRF token
 * in `x-csrf-token`. Signing in with an API token instead keeps it in sessionStorage and sends it as a
 * bearer credential (no cookie, no CSRF needed).
 */

export const API_PREFIX = '/admin/api/v1';
const TOKEN_KEY = 'parapet.apiToken';

/** An error answer of the admin API: its status, `PARAPET_…` code and message (shown as text). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function apiToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setApiToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage disabled: the token lasts for this page only.
  }
}

export type QueryValue = string | number | boolean | null | undefined | readonly string[];
export type Query = Readonly<Record<string, QueryValue>>;

/** `/path?a=1&b=2`, leaving out empty values. Arrays become comma-separated lists. */
export function apiPath(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length > 0) params.set(name, value.join(','));
    } else params.set(name, String(value));
  }
  const qs = params.toString();
  return `${API_PREFIX}${path}${qs === '' ? '' : `?${qs}`}`;
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Raw text body (policy YAML, proxy logs), sent as `text/plain`. */
  text?: string;
  signal?: AbortSignal;
}

function headers(method: string, opts: RequestOptions): Headers {
  const h = new Headers({ accept: 'application/json' });
  const token = apiToken();
  if (token !== null) h.set('authorization', `Bearer ${token}`);
  if (method !== 'GET' && csrfToken !== null) h.set('x-csrf-token', csrfToken);
  if (opts.body !== undefined) h.set('content-type', 'application/json');
  else if (opts.text !== undefined) h.set('content-type', 'text/plain; charset=utf-8');
  return h;
}

/** Calls the admin API and answers the parsed JSON body; throws ApiError on an error answer. */
export async function api<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await fetch(apiPath(path, opts.query), {
    method,
    headers: headers(method, opts),
    credentials: 'same-origin',
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    ...(opts.text !== undefined ? { body: opts.text } : {}),
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
  });
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok) throw await errorOf(res, type);
  if (res.status === 204) return undefined as T;
  if (type.includes('json')) return (await res.json()) as T;
  return (await res.text()) as T;
}

async function errorOf(res: Response, type: string): Promise<ApiError> {
  if (type.includes('json')) {
    try {
      const body = (await res.json()) as {
        error?: { code?: string; message?: string; [k: string]: unknown };
      };
      if (body.error !== undefined) {
        return new ApiError(
          res.status,
          body.error.code ?? `HTTP_${res.status}`,
          body.error.message ?? res.statusText,
          body.error,
        );
      }
    } catch {
      // fall through to the generic error
    }
  }
  return new ApiError(res.status, `HTTP_${res.status}`, `${res.status} ${res.statusText}`);
}

/** Who is signed in, as GET/POST /session answer it. */
export interface Session {
  user: string;
  role: string;
  kind: 'user' | 'token' | 'bootstrap' | string;
  permissions: string[];
  csrfToken?: string;
  expiresAt?: string;
}

export function can(session: Session | null, permission: string): boolean {
  return session?.permissions.includes(permission) === true;
}
