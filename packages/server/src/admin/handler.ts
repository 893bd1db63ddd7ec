/**
 * The admin API (`/admin/api/v1`): policies, the run-time global section (kill switch, block lists) and
 * approvals, as JSON over HTTP with a bearer token. The gateway hands it every `/admin/…` request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ParapetError } from '@parapet/core';
import { toParapetError } from '../http/respond.ts';
import { approvalRoutes } from './approval-routes.ts';
import {
  ADMIN_API_PREFIX,
  ADMIN_BODY_LIMIT_BYTES,
  ADMIN_TOKEN_ACTOR,
  type AdminActor,
  type AdminDeps,
} from './context.ts';
import { globalRoutes } from './global-routes.ts';
import { createTokenCheck, parseInput, readJsonObject, sendAdminError, sendAdminJson } from './http.ts';
import { policyRoutes } from './policy-routes.ts';
import { type AdminRoute, createRouteTable, type RouteTable } from './router.ts';

/** Handles one request whose path starts with `/admin/` (`path` is the URL path without the query). */
export type AdminHandler = (req: IncomingMessage, res: ServerResponse, path: string) => void;

/** Every route of the admin API, bound to its collaborators. */
export function adminRoutes(deps: AdminDeps): AdminRoute[] {
  return [...policyRoutes(deps), ...globalRoutes(deps), ...approvalRoutes(deps)];
}

/**
 * The admin API handler. Every request needs `Authorization: Bearer <admin token>` (401
 * PARAPET_ADMIN_UNAUTHORIZED otherwise, before anything else is looked at); then the route table
 * answers, 404 PARAPET_ROUTE_NOT_FOUND for an unknown path and 405 PARAPET_METHOD_NOT_ALLOWED (with
 * `allow`) for a known path and another method.
 */
export function createAdminHandler(deps: AdminDeps): AdminHandler {
  const table = createRouteTable(adminRoutes(deps));
  const tokenMatches = createTokenCheck(deps.token);
  const limit = deps.bodyLimitBytes ?? ADMIN_BODY_LIMIT_BYTES;
  return function admin(req, res, path) {
    void serve(req, res, path, { deps, table, tokenMatches, limit });
  };
}

interface Served {
  deps: AdminDeps;
  table: RouteTable;
  tokenMatches: (authorization: string | undefined) => boolean;
  limit: number;
}

async function serve(req: IncomingMessage, res: ServerResponse, path: string, s: Served): Promise<void> {
  const method = req.method ?? 'GET';
  let route: AdminRoute | null = null;
  try {
    if (!s.tokenMatches(req.headers.authorization)) {
      throw new ParapetError(
        'PARAPET_ADMIN_UNAUTHORIZED',
        'the admin API needs `Authorization: Bearer <admin token>` with the token set in `admin.token`',
        { headers: { 'www-authenticate': 'Bearer realm="parapet-admin"' } },
      );
    }
    const actor: AdminActor = { name: ADMIN_TOKEN_ACTOR };
    const sub = path.startsWith(`${ADMIN_API_PREFIX}/`) ? path.slice(ADMIN_API_PREFIX.length) : null;
    const match = sub === null ? ({ kind: 'none' } as const) : s.table.match(method, sub);
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
    const params = route.params === null ? undefined : parseInput(route.params, match.params, 'path');
    const query = route.query === null ? undefined : parseInput(route.query, queryObject(req.url), 'query');
    let body: unknown;
    if (route.body === null) req.resume();
    else body = parseInput(route.body, await readJsonObject(req, s.limit), 'body');
    const answer = await route.handle({ params, query, body, actor });
    sendAdminJson(res, route.status, answer);
    s.deps.logger.debug('admin request', { method, route: route.path, status: route.status });
  } catch (err) {
    if (!req.complete) req.resume();
    const perr = toParapetError(err);
    if (perr.code === 'PARAPET_GATEWAY_INTERNAL') {
      // The error object only: never the body (it may hold a policy) nor the headers (the token).
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
