/**
 * The admin API's route table: each route is data (method, path template, zod schemas of its path
 * parameters, query, body and answer) plus a handler. The schemas validate requests here and can describe
 * the API (OpenAPI, issue 6) from the same source.
 */
import type { z } from 'zod';
import type { AdminActor } from './context.ts';
import type { Permission, RoutePermission } from './permissions.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The HTTP exchange around a route call, for the few routes that need more than JSON in and out
 * (signing in sets a cookie). Routes called without HTTP (tests) get a detached one.
 */
export interface AdminExchange {
  /** The client address (the socket's remote address), or null. */
  ip: string | null;
  /** The request came over TLS (cookies are then marked Secure). */
  secure: boolean;
  /** A request header by lower-case name (the first value when repeated). */
  header(name: string): string | undefined;
  /** Adds a response header (`set-cookie` may be added several times). */
  appendHeader(name: string, value: string): void;
  /** The session that authenticated this request (a cookie), or null for bearer credentials. */
  session: { secret: string; idHash: string; csrfHash: string; expiresAt: string } | null;
}

/** An exchange with no request behind it: no address, no headers, answers headers go nowhere. */
export const DETACHED_EXCHANGE: AdminExchange = Object.freeze({
  ip: null,
  secure: false,
  header: () => undefined,
  appendHeader: () => {},
  session: null,
});

/** What a handler receives: everything already validated. */
export interface AdminInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  actor: AdminActor;
  exchange: AdminExchange;
}

/** What a public route's handler receives: nobody is signed in. */
export type PublicInput<P, Q, B> = Omit<AdminInput<P, Q, B>, 'actor'>;

/** What the handler passes to a route: `actor` is null only for public routes. */
export interface RouteCall {
  params: unknown;
  query: unknown;
  body: unknown;
  actor: AdminActor | null;
  /** Default DETACHED_EXCHANGE. */
  exchange?: AdminExchange;
}

/**
 * How a successful state-changing call is recorded in the audit trail: `auto` (the handler summarises
 * the body, see admin/auth/audit.ts), a function returning the details to record instead, or `off` for
 * a route that records its own entries (signing in).
 */
export type RouteAudit = 'auto' | 'off' | ((call: RouteCall, answer: unknown) => Record<string, unknown>);

/** One route of the admin API. */
export interface AdminRoute {
  method: HttpMethod;
  /** Path under ADMIN_API_PREFIX with `{name}` for a path parameter, e.g. `/policies/{version}`. */
  path: string;
  /** One line for humans (docs, OpenAPI). */
  summary: string;
  /** The permission a caller needs (admin/permissions.ts), or `authenticated` / `public`. */
  permission: RoutePermission;
  /** Audit of successful POST, PUT, PATCH and DELETE calls (GET calls are not recorded). */
  audit: RouteAudit;
  /** Status of a successful answer. */
  status: number;
  /** Schema of the path parameters (an object of strings), the query (first value of each name), the body. */
  params: z.ZodType | null;
  query: z.ZodType | null;
  body: z.ZodType | null;
  /** Schema of a successful answer's body. */
  response: z.ZodType;
  handle(call: RouteCall): Promise<unknown>;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What defineRoute takes: the handler is typed from the schemas, its answer checked against `response`. */
export interface RouteSpec<
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
  R extends z.ZodType,
> {
  method: HttpMethod;
  path: string;
  summary: string;
  /** A permission of the caller's role, or `authenticated` (any signed-in caller). */
  permission: Permission | 'authenticated';
  /** Default 200. */
  status?: number;
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  /**
   * Default `auto`. A function gets the validated input and the answer and returns the audit details
   * (small, never secrets, passwords, policy text or content).
   */
  audit?:
    | 'auto'
    | 'off'
    | ((input: AdminInput<Out<P>, Out<Q>, Out<B>>, answer: z.input<R>) => Record<string, unknown>);
  handle(input: AdminInput<Out<P>, Out<Q>, Out<B>>): Promise<z.input<R>>;
}

/** What definePublicRoute takes: like RouteSpec, without a permission or an actor. */
export interface PublicRouteSpec<
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
  R extends z.ZodType,
> extends Omit<RouteSpec<P, Q, B, R>, 'permission' | 'handle' | 'audit'> {
  /** Default `off`: a public route records what matters itself. */
  audit?: 'off' | 'auto';
  handle(input: PublicInput<Out<P>, Out<Q>, Out<B>>): Promise<z.input<R>>;
}

/** A route from its spec; the handler's input and answer types follow the schemas. */
export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType = z.ZodType,
>(spec: RouteSpec<P, Q, B, R>): AdminRoute {
  type In = AdminInput<Out<P>, Out<Q>, Out<B>>;
  const input = (call: RouteCall): In => {
    if (call.actor === null) throw new Error(`admin route \`${spec.method} ${spec.path}\` needs an actor`);
    return {
      params: call.params,
      query: call.query,
      body: call.body,
      actor: call.actor,
      exchange: call.exchange ?? DETACHED_EXCHANGE,
    } as In;
  };
  const audit = spec.audit ?? 'auto';
  return {
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    permission: spec.permission,
    audit: typeof audit === 'function' ? (call, answer) => audit(input(call), answer as z.input<R>) : audit,
    status: spec.status ?? 200,
    params: spec.params ?? null,
    query: spec.query ?? null,
    body: spec.body ?? null,
    response: spec.response,
    handle: (call) => spec.handle(input(call)),
  };
}

/** A route answered without credentials (signing in); its handler gets no actor. */
export function definePublicRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType = z.ZodType,
>(spec: PublicRouteSpec<P, Q, B, R>): AdminRoute {
  type In = PublicInput<Out<P>, Out<Q>, Out<B>>;
  return {
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    permission: 'public',
    audit: spec.audit ?? 'off',
    status: spec.status ?? 200,
    params: spec.params ?? null,
    query: spec.query ?? null,
    body: spec.body ?? null,
    response: spec.response,
    handle: (call) =>
      spec.handle({
        params: call.params,
        query: call.query,
        body: call.body,
        exchange: call.exchange ?? DETACHED_EXCHANGE,
      } as In),
  };
}

/** The outcome of matching a request against the table. */
export type RouteMatch =
  | { kind: 'found'; route: AdminRoute; params: Record<string, string> }
  /** The path exists, not for this method. */
  | { kind: 'method'; allowed: HttpMethod[] }
  | { kind: 'none' };

export interface RouteTable {
  readonly routes: readonly AdminRoute[];
  /** `path` is relative to the API prefix (`/policies/3`), without the query string. */
  match(method: string, path: string): RouteMatch;
}

interface CompiledRoute {
  route: AdminRoute;
  /** Literal segment, or null for a parameter. */
  segments: (string | null)[];
  names: string[];
}

/**
 * A table that matches a path segment by segment. When several templates fit a path, literal segments
 * win over parameters, left to right: `/policies/active` is that route, not `/policies/{version}`. A path
 * parameter may not be empty; it is percent-decoded (a malformed escape does not match).
 */
export function createRouteTable(routes: readonly AdminRoute[]): RouteTable {
  const compiled: CompiledRoute[] = routes.map((route) => {
    const parts = route.path.split('/').slice(1);
    const names: string[] = [];
    const segments = parts.map((part) => {
      if (part.startsWith('{') && part.endsWith('}')) {
        names.push(part.slice(1, -1));
        return null;
      }
      return part;
    });
    return { route, segments, names };
  });
  for (const [i, a] of compiled.entries()) {
    for (const b of compiled.slice(i + 1)) {
      if (a.route.method === b.route.method && samePattern(a, b)) {
        throw new Error(`duplicate admin route \`${a.route.method} ${a.route.path}\``);
      }
    }
  }

  return {
    routes,
    match(method, path) {
      const parts = path.split('/').slice(1);
      let best: { rank: string; candidates: { c: CompiledRoute; params: Record<string, string> }[] } | null =
        null;
      for (const c of compiled) {
        const params = matchSegments(c, parts);
        if (params === null) continue;
        // '0' for a literal, '1' for a parameter: the smallest rank is the most literal template.
        const rank = c.segments.map((s) => (s === null ? '1' : '0')).join('');
        if (best === null || rank < best.rank) best = { rank, candidates: [{ c, params }] };
        else if (rank === best.rank) best.candidates.push({ c, params });
      }
      if (best === null) return { kind: 'none' };
      const hit = best.candidates.find((x) => x.c.route.method === method);
      if (hit !== undefined) return { kind: 'found', route: hit.c.route, params: hit.params };
      return { kind: 'method', allowed: best.candidates.map((x) => x.c.route.method) };
    },
  };
}

function matchSegments(c: CompiledRoute, parts: readonly string[]): Record<string, string> | null {
  if (parts.length !== c.segments.length) return null;
  const params: Record<string, string> = {};
  let n = 0;
  for (const [i, segment] of c.segments.entries()) {
    const part = parts[i]!;
    if (segment !== null) {
      if (part !== segment) return null;
      continue;
    }
    if (part === '') return null;
    let value: string;
    try {
      value = decodeURIComponent(part);
    } catch {
      return null;
    }
    params[c.names[n++]!] = value;
  }
  return params;
}

function samePattern(a: CompiledRoute, b: CompiledRoute): boolean {
  return a.segments.length === b.segments.length && a.segments.every((s, i) => s === b.segments[i]);
}
