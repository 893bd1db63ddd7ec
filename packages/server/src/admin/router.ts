/**
 * The admin API's route table: each route is data (method, path template, zod schemas of its path
 * parameters, query, body and answer) plus a handler. The schemas validate requests here and can describe
 * the API (OpenAPI, issue 6) from the same source.
 */
import type { z } from 'zod';
import type { AdminActor } from './context.ts';
import type { Permission } from './permissions.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a handler receives: everything already validated. */
export interface AdminInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  actor: AdminActor;
}

/** One route of the admin API. */
export interface AdminRoute {
  method: HttpMethod;
  /** Path under ADMIN_API_PREFIX with `{name}` for a path parameter, e.g. `/policies/{version}`. */
  path: string;
  /** One line for humans (docs, OpenAPI). */
  summary: string;
  /** The permission a caller needs (admin/permissions.ts). */
  permission: Permission;
  /** Status of a successful answer. */
  status: number;
  /** Schema of the path parameters (an object of strings), the query (first value of each name), the body. */
  params: z.ZodType | null;
  query: z.ZodType | null;
  body: z.ZodType | null;
  /** Schema of a successful answer's body. */
  response: z.ZodType;
  handle(input: AdminInput<unknown, unknown, unknown>): Promise<unknown>;
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
  permission: Permission;
  /** Default 200. */
  status?: number;
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  handle(input: AdminInput<Out<P>, Out<Q>, Out<B>>): Promise<z.input<R>>;
}

/** A route from its spec; the handler's input and answer types follow the schemas. */
export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType = z.ZodType,
>(spec: RouteSpec<P, Q, B, R>): AdminRoute {
  return {
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    permission: spec.permission,
    status: spec.status ?? 200,
    params: spec.params ?? null,
    query: spec.query ?? null,
    body: spec.body ?? null,
    response: spec.response,
    handle: spec.handle as AdminRoute['handle'],
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
