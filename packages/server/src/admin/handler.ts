/**
 * The admin API (`/admin/api/v1`): JSON over HTTP for the dashboard and automation. The gateway hands it
 * every `/admin/…` request. For each request, in order:
 *
 * 1. Switched off (no `admin.token` and no account yet) → 404 PARAPET_ROUTE_NOT_FOUND, as if absent.
 * 2. Authentication (admin/auth/authenticate.ts): session cookie, then an API token, then the bootstrap
 *    `admin.token`. Without a valid credential → 401 PARAPET_ADMIN_UNAUTHORIZED, before the path or the
 *    body is looked at; only `public` routes (signing in) go on.
 * 3. Routing: 404 PARAPET_ROUTE_NOT_FOUND, 405 PARAPET_METHOD_NOT_ALLOWED (with `allow`).
 * 4. CSRF: a POST, PUT, PATCH or DELETE authenticated by the session cookie must carry `x-csrf-token`
 *    equal to the session's token → 403 PARAPET_ADMIN_FORBIDDEN otherwise. Bearer credentials are exempt
 *    (a browser never adds them on its own).
 * 5. Authorization: the route's permission against the actor's role (permissions.ts) → 403
 *    PARAPET_ADMIN_FORBIDDEN.
 * 6. Validation of path, query and body; the route runs.
 * 7. Audit: a successful POST, PUT, PATCH or DELETE is appended to the audit trail (admin/auth/audit.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ParapetError } from '@parapet/core';
import { sendRaw, toParapetError } from '../http/respond.ts';
import { type AccessStore, accessStoreFor } from '../store/access-store.ts';
import { analyticsRoutes } from './analytics-routes.ts';
import { approvalRoutes } from './approval-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { appendAudit, automaticAuditDetails } from './auth/audit.ts';
import { type Authentication, type Authenticator, createAuthenticator } from './auth/authenticate.ts';
import { matchesHash } from './auth/credentials.ts';
import { accessRoutes } from './auth/index.ts';
import { sessionLifetimes } from './auth/session-routes.ts';
import { type ClientOrigin, clientOriginResolver } from './client-origin.ts';
import { ADMIN_API_PREFIX, ADMIN_BODY_LIMIT_BYTES, type AdminActor, type AdminDeps } from './context.ts';
import { discoveryRoutes } from './discovery-routes.ts';
import { eventRoutes } from './event-routes.ts';
import { globalRoutes } from './global-routes.ts';
import { parseInput, readJsonObject, sendAdminError, sendAdminJson } from './http.ts';
import { roleAllows } from './permissions.ts';
import { platformRoutes } from './platform-routes.ts';
import { policyRoutes } from './policy-routes.ts';
import { type AdminExchange, type AdminRoute, createRouteTable, type RouteTable } from './router.ts';
import { StreamedAnswer } from './stream-answer.ts';

/** Handles one request whose path starts with `/admin/` (`path` is the URL path without the query). */
export type AdminHandler = (req: IncomingMessage, res: ServerResponse, path: string) => void;

/** Every route of the admin API, bound to its collaborators. */
export function adminRoutes(deps: AdminDeps): AdminRoute[] {
  return [
    ...accessRoutes(deps),
    ...policyRoutes(deps),
    ...globalRoutes(deps),
    ...approvalRoutes(deps),
    ...analyticsRoutes(deps),
    ...auditRoutes(deps),
    ...eventRoutes(deps),
    ...discoveryRoutes(deps),
    ...platformRoutes(deps),
  ];
}

/** Methods that change state: CSRF-checked for sessions, recorded in the audit trail. */
const STATE_CHANGING: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The request header carrying the CSRF token of a cookie session. */
export const CSRF_HEADER = 'x-csrf-token';

/** The admin API handler; see the steps at the top of this file. */
export function createAdminHandler(deps: AdminDeps): AdminHandler {
  const table = createRouteTable(adminRoutes(deps));
  const access = accessStoreFor(deps.store.sql);
  const served: Served = {
    deps,
    table,
    access,
    authenticate: createAuthenticator({
      access,
      bootstrapToken: deps.token,
      lifetimes: sessionLifetimes(deps.config),
      clock: deps.clock,
    }),
    enabled: enabledCheck(deps.token, access),
    limit: deps.bodyLimitBytes ?? ADMIN_BODY_LIMIT_BYTES,
    origin: clientOriginResolver(deps.config.admin.trusted_proxies),
  };
  return function admin(req, res, path) {
    void serve(req, res, path, served);
  };
}

interface Served {
  deps: AdminDeps;
  table: RouteTable;
  access: AccessStore;
  authenticate: Authenticator;
  enabled: () => Promise<boolean>;
  limit: number;
  /** The client's address and whether it used TLS (admin.trusted_proxies). */
  origin: (req: IncomingMessage) => ClientOrigin;
}

/**
 * On when `admin.token` is set or an account exists. Accounts are never deleted, so once one is seen the
 * answer stays yes without asking the store again; until then each request asks (a cheap query), so an
 * account added with `parapet users add` opens the API of a running gateway at once.
 */
function enabledCheck(token: string | null, access: AccessStore): () => Promise<boolean> {
  let on = token !== null;
  return async () => {
    if (!on) on = await access.hasUsers();
    return on;
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, path: string, s: Served): Promise<void> {
  const method = req.method ?? 'GET';
  const { ip, secure } = s.origin(req);
  let route: AdminRoute | null = null;
  try {
    if (!(await s.enabled())) {
      throw new ParapetError(
        'PARAPET_ROUTE_NOT_FOUND',
        `no route \`${method} ${path.slice(0, 200)}\`; see docs/api.md`,
      );
    }
    const auth = await s.authenticate(req, ip);
    const sub = path.startsWith(`${ADMIN_API_PREFIX}/`) ? path.slice(ADMIN_API_PREFIX.length) : null;
    const match = sub === null ? ({ kind: 'none' } as const) : s.table.match(method, sub);
    const isPublic = match.kind === 'found' && match.route.permission === 'public';
    if (auth.kind !== 'ok' && !isPublic) throw unauthorized(auth);
    if (match.kind === 'none') {
      throw new ParapetError(
        'PARAPET_ROUTE_NOT_FOUND',
        `no admin route \`${method} ${path.slice(0, 200)}\`; see docs/api.md`,
      );
    }
    if (match.kind === 'method') {
      throw new ParapetError(
        'PARAPET_METHOD_NOT_ALLOWED',
        `\`${method}\` is not allowed on \`${path.slice(0, 200)}\`; use ${match.allowed.map((m) => `\`${m}\``).join(' or ')}`,
        { headers: { allow: match.allowed.join(', ') } },
      );
    }
    route = match.route;
    let actor: AdminActor | null = null;
    if (!isPublic && auth.kind === 'ok') {
      actor = auth.actor;
      if (auth.session !== null && STATE_CHANGING.has(method)) checkCsrf(req, auth.session.csrfHash);
      if (route.permission !== 'authenticated' && route.permission !== 'public') {
        if (!roleAllows(actor.role, route.permission)) {
          throw new ParapetError(
            'PARAPET_ADMIN_FORBIDDEN',
            `role \`${actor.role}\` lacks permission \`${route.permission}\` for \`${route.method} ${route.path}\`; see docs/admin-access.md`,
          );
        }
      }
    }

    const params = route.params === null ? undefined : parseInput(route.params, match.params, 'path');
    const query = route.query === null ? undefined : parseInput(route.query, queryObject(req.url), 'query');
    let body: unknown;
    if (route.body === null) req.resume();
    else body = parseInput(route.body, await readJsonObject(req, s.limit), 'body');

    const answerHeaders: [string, string][] = [];
    const exchange: AdminExchange = {
      ip,
      secure,
      header: (name) => headerValue(req, name),
      appendHeader: (name, value) => void answerHeaders.push([name, value]),
      session: auth.kind === 'ok' ? auth.session : null,
    };
    const call = { params, query, body, actor, exchange };
    const answer = await route.handle(call);

    const how = route.audit;
    if (actor !== null && STATE_CHANGING.has(method) && how !== 'off') {
      await audit(s, actor, `${route.method} ${route.path}`, match.params, () =>
        how === 'auto' ? automaticAuditDetails(body, answer) : how(call, answer),
      );
    }
    for (const [name, value] of answerHeaders) res.appendHeader(name, value);
    // A route whose answer is a string (the discovery blocklist, read by proxies) is sent as plain text.
    if (answer instanceof StreamedAnswer) await answer.send(res, route.status);
    else if (typeof answer === 'string') {
      sendRaw(res, route.status, Buffer.from(answer, 'utf8'), {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
      });
    } else sendAdminJson(res, route.status, answer);
    s.deps.logger.debug('admin request', { method, route: route.path, status: route.status });
  } catch (err) {
    if (!req.complete) req.resume();
    const perr = toParapetError(err);
    if (perr.code === 'PARAPET_GATEWAY_INTERNAL') {
      // The error object only: never the body (it may hold a policy or a password) nor the headers.
      s.deps.logger.error('admin request failed', { method, route: route?.path ?? null, error: err });
      sendAdminError(
        res,
        new ParapetError(
          'PARAPET_GATEWAY_INTERNAL',
          'the admin API failed to handle the request; see the gateway log',
        ),
      );
      return;
    }
    s.deps.logger.debug('admin request refused', { method, route: route?.path ?? null, code: perr.code });
    sendAdminError(res, perr);
  }
}

/**
 * Appends the automatic audit entry. The change is already made, so a failure here (the store, or a
 * route's own summary function) does not turn the answer into an error the client would retry; it is
 * logged loudly instead.
 */
async function audit(
  s: Served,
  actor: AdminActor,
  action: string,
  target: Record<string, string>,
  details: () => Record<string, unknown> | null,
): Promise<void> {
  try {
    await appendAudit(
      s.access,
      s.deps.clock.wallMs(),
      actor,
      action,
      Object.keys(target).length === 0 ? null : target,
      details(),
    );
  } catch (err) {
    s.deps.logger.error('admin audit entry could not be written', { action, actor: actor.name, error: err });
  }
}

function unauthorized(auth: Exclude<Authentication, { kind: 'ok' }>): ParapetError {
  const message =
    auth.kind === 'refused'
      ? auth.message
      : 'the admin API needs a session (sign in with `POST /admin/api/v1/session`), an API token or the admin token, as `Authorization: Bearer …`';
  return new ParapetError('PARAPET_ADMIN_UNAUTHORIZED', message, {
    headers: { 'www-authenticate': 'Bearer realm="parapet-admin"' },
  });
}

/** A state-changing request made with the session cookie must carry the session's CSRF token. */
function checkCsrf(req: IncomingMessage, csrfHash: string): void {
  const presented = headerValue(req, CSRF_HEADER);
  if (presented === undefined || presented === '') {
    throw new ParapetError(
      'PARAPET_ADMIN_FORBIDDEN',
      `a change made with the session cookie needs the \`${CSRF_HEADER}\` header; its value is \`csrfToken\` from \`POST /session\` or \`GET /session\``,
    );
  }
  if (presented.length > 200 || !matchesHash(presented, csrfHash)) {
    throw new ParapetError(
      'PARAPET_ADMIN_FORBIDDEN',
      `the \`${CSRF_HEADER}\` header does not match this session; read \`csrfToken\` again from \`GET /session\``,
    );
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The query string as an object: the first value of each name. */
function queryObject(url: string | undefined): Record<string, string> {
  const q = url?.indexOf('?') ?? -1;
  if (url === undefined || q < 0) return {};
  const out: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(url.slice(q + 1))) {
    if (!Object.hasOwn(out, name)) out[name] = value;
  }
  return out;
}
