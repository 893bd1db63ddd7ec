/**
 * The OpenAPI 3.1 document of the admin API, generated from the route table: the same zod schemas the
 * handler validates with (requests as their input, answers as their output, through `z.toJSONSchema`),
 * each route's summary, permission (`x-parapet-permission`: a permission of the caller's role,
 * `authenticated` for any signed-in caller, `public` for none), status and error answers. Nothing is
 * written by hand, so the document cannot drift from the server.
 */
import { z } from 'zod';
import { ADMIN_API_PREFIX } from './context.ts';
import * as platformSchemas from './platform-schemas.ts';
import type { AdminRoute } from './router.ts';
import * as coreSchemas from './schemas.ts';

/** The OpenAPI version the document follows. */
export const OPENAPI_VERSION = '3.1.1';
/** The JSON Schema dialect of every schema in it. */
export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

type Json = Record<string, unknown>;

export interface OpenApiOptions {
  /** `info.title`. Default `Parapet admin API`. */
  title?: string;
  /** `info.version`. Default `1`. */
  version?: string;
  /** Names for schemas, in addition to the exports of schemas.ts and platform-schemas.ts. */
  names?: Readonly<Record<string, unknown>>;
}

/** Error answers every route may give, with the codes behind them (docs/errors.md). */
const ERROR_RESPONSES: Readonly<Record<string, { description: string; when: (r: AdminRoute) => boolean }>> = {
  '400': {
    description:
      'Invalid request: `PARAPET_REQUEST_INVALID` (with `issues: [{path, message}]`) or `PARAPET_REQUEST_MALFORMED_JSON`.',
    when: (r) => r.params !== null || r.query !== null || r.body !== null,
  },
  '401': {
    description: 'Not signed in: `PARAPET_ADMIN_UNAUTHORIZED`.',
    when: (r) => r.permission !== 'public',
  },
  '403': {
    description:
      "`PARAPET_ADMIN_FORBIDDEN`: the caller's role lacks the route's permission (`x-parapet-permission`), or a session's state-changing request lacks its `x-csrf-token`.",
    when: (r) => r.permission !== 'public' && (r.permission !== 'authenticated' || r.method !== 'GET'),
  },
  '404': {
    description: 'No such record: `PARAPET_ADMIN_NOT_FOUND`.',
    when: (r) => r.params !== null,
  },
  '413': {
    description: 'Body over the admin API limit: `PARAPET_REQUEST_TOO_LARGE`.',
    when: (r) => r.body !== null,
  },
};

/**
 * The document for `routes` (paths relative to ADMIN_API_PREFIX, which is the server URL). Throws when a
 * route's path parameters and its `params` schema disagree, or a schema is not an object where one is needed.
 */
export function buildOpenApiDocument(routes: readonly AdminRoute[], options: OpenApiOptions = {}): Json {
  const components = new SchemaComponents({ ...coreSchemas, ...platformSchemas, ...options.names });
  const errorRef = components.add(coreSchemas.AdminErrorBody, 'output', 'AdminError');
  const paths: Record<string, Record<string, Json>> = {};
  const operationIds = new Set<string>();

  for (const route of routes) {
    const operationId = operationIdOf(route);
    if (operationIds.has(operationId)) {
      throw new Error(`two admin routes have the operation id \`${operationId}\``);
    }
    operationIds.add(operationId);
    const base = pascal(operationId);
    const parameters = [...pathParameters(route, components), ...queryParameters(route, components)];
    const streamed = streamedTypes(route.response);
    const responses: Record<string, Json> = {
      [String(route.status)]: {
        description: route.summary,
        content:
          streamed === null
            ? { 'application/json': { schema: components.add(route.response, 'output', `${base}Response`) } }
            : Object.fromEntries(streamed.types.map((type) => [type, { schema: streamed.schema }])),
      },
    };
    for (const [status, spec] of Object.entries(ERROR_RESPONSES)) {
      if (spec.when(route)) responses[status] = { $ref: `#/components/responses/Error${status}` };
    }
    responses['default'] = { $ref: '#/components/responses/Error' };

    const operation: Json = {
      operationId,
      summary: route.summary,
      tags: [tagOf(route.path)],
      'x-parapet-permission': route.permission,
      // A public route (signing in) needs no credentials.
      ...(route.permission === 'public' ? { security: [] } : {}),
      ...(parameters.length === 0 ? {} : { parameters }),
      responses,
    };
    if (route.body !== null) {
      const schema = components.add(route.body, 'input', `${base}Request`);
      operation['requestBody'] = {
        // An empty body reads as `{}`: the body is required only when `{}` is not valid.
        required: !route.body.safeParse({}).success,
        content: { 'application/json': { schema } },
      };
    }
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation;
  }

  const errorResponses: Record<string, Json> = {
    Error: { description: 'Any other error; `error.code` is stable.', content: jsonOf(errorRef) },
  };
  for (const [status, spec] of Object.entries(ERROR_RESPONSES)) {
    errorResponses[`Error${status}`] = { description: spec.description, content: jsonOf(errorRef) };
  }

  return {
    openapi: OPENAPI_VERSION,
    jsonSchemaDialect: JSON_SCHEMA_DIALECT,
    info: {
      title: options.title ?? 'Parapet admin API',
      version: options.version ?? '1',
      description:
        'The admin API of a Parapet gateway: generated from the route table and the zod schemas the server validates with. Answers are JSON with `cache-control: no-store`; errors are `{"error":{"code","message",…}}` with the code also in `x-parapet-error-code`.',
    },
    servers: [{ url: ADMIN_API_PREFIX, description: 'This gateway.' }],
    security: [{ bearer: [] }, { session: [] }],
    tags: [...new Set(routes.map((r) => tagOf(r.path)))].sort().map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'The bootstrap `admin.token`, or an API token (`pat_…`).',
        },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'parapet_session',
          description:
            'The dashboard session; state-changing requests also need `x-csrf-token` (docs/admin-access.md).',
        },
      },
      schemas: components.schemas,
      responses: errorResponses,
    },
  };
}

/**
 * A route whose answer is not JSON (a streamed export: its response schema is a `z.custom` check) is
 * described by its media types: the schema's `meta({ contentTypes: [...] })`, else
 * `application/octet-stream`, with a string body carrying the schema's description.
 */
function streamedTypes(schema: z.ZodType): { types: string[]; schema: Json } | null {
  const meta = z.globalRegistry.get(schema) as { contentTypes?: unknown; description?: unknown } | undefined;
  const declared = Array.isArray(meta?.contentTypes)
    ? meta.contentTypes.filter((t): t is string => typeof t === 'string')
    : [];
  const custom = (schema as { _zod?: { def?: { type?: unknown } } })._zod?.def?.type === 'custom';
  if (declared.length === 0 && !custom) return null;
  const description = typeof meta?.description === 'string' ? { description: meta.description } : {};
  return {
    types: declared.length > 0 ? declared : ['application/octet-stream'],
    schema: { type: 'string', ...description },
  };
}

function jsonOf(schema: Json): Json {
  return { 'application/json': { schema } };
}

/** `GET /policies/{version}/diff` → `getPoliciesVersionDiff`. */
export function operationIdOf(route: Pick<AdminRoute, 'method' | 'path'>): string {
  const words = route.path
    .split('/')
    .filter((part) => part !== '')
    .flatMap((part) => part.replace(/[{}]/g, '').split(/[^A-Za-z0-9]+/))
    .filter((word) => word !== '');
  return route.method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

function pascal(text: string): string {
  return text[0]!.toUpperCase() + text.slice(1);
}

function tagOf(path: string): string {
  return path.split('/')[1] ?? 'admin';
}

/** The `{name}` parameters of a path template, in order. */
export function pathTemplateNames(path: string): string[] {
  return path
    .split('/')
    .filter((part) => part.startsWith('{') && part.endsWith('}'))
    .map((part) => part.slice(1, -1));
}

function pathParameters(route: AdminRoute, components: SchemaComponents): Json[] {
  const names = pathTemplateNames(route.path);
  const object =
    route.params === null ? null : objectSchema(route.params, 'input', components, route, 'params');
  const declared = object === null ? [] : Object.keys(object.properties);
  const missing = names.filter((n) => !declared.includes(n));
  const extra = declared.filter((n) => !names.includes(n));
  if ((names.length > 0 && object === null) || missing.length > 0 || extra.length > 0) {
    throw new Error(
      `admin route \`${route.method} ${route.path}\`: its \`params\` schema must declare exactly ${names.map((n) => `\`${n}\``).join(', ') || 'no parameter'}`,
    );
  }
  return names.map((name) => parameter(name, 'path', true, object!.properties[name]!));
}

function queryParameters(route: AdminRoute, components: SchemaComponents): Json[] {
  if (route.query === null) return [];
  const object = objectSchema(route.query, 'input', components, route, 'query');
  return Object.entries(object.properties).map(([name, schema]) =>
    parameter(name, 'query', object.required.includes(name), schema),
  );
}

function parameter(name: string, where: 'path' | 'query', required: boolean, schema: Json): Json {
  const { description, ...rest } = schema;
  return {
    name,
    in: where,
    required,
    ...(typeof description === 'string' ? { description } : {}),
    schema: rest,
  };
}

/** The JSON Schema of an object schema (path or query parameters): its properties and required names. */
function objectSchema(
  schema: z.ZodType,
  io: 'input' | 'output',
  components: SchemaComponents,
  route: AdminRoute,
  part: string,
): { properties: Record<string, Json>; required: string[] } {
  const json = components.inline(schema, io);
  if (json['type'] !== 'object' || typeof json['properties'] !== 'object' || json['properties'] === null) {
    throw new Error(
      `admin route \`${route.method} ${route.path}\`: its \`${part}\` schema must be an object`,
    );
  }
  return {
    properties: json['properties'] as Record<string, Json>,
    required: Array.isArray(json['required']) ? (json['required'] as string[]) : [],
  };
}

/**
 * `components.schemas`: each zod schema converted once per direction and named (an export name of the
 * schema modules, else its `meta({id})`, else a name from the operation), then referenced by `$ref`.
 * `$defs` the converter emits (recursive or identified sub-schemas) are lifted into components too.
 */
class SchemaComponents {
  readonly schemas: Record<string, Json> = {};
  private readonly refs = new Map<z.ZodType, Map<'input' | 'output', Json>>();
  private readonly exported = new Map<unknown, string>();

  constructor(names: Readonly<Record<string, unknown>>) {
    for (const [name, value] of Object.entries(names)) {
      if (value instanceof z.ZodType && !this.exported.has(value)) this.exported.set(value, name);
    }
  }

  /** A `$ref` to the schema's component, creating it on first use. */
  add(schema: z.ZodType, io: 'input' | 'output', fallbackName: string): Json {
    const known = this.refs.get(schema)?.get(io);
    if (known !== undefined) return known;
    const meta = z.globalRegistry.get(schema) as { id?: unknown } | undefined;
    const base = this.exported.get(schema) ?? (typeof meta?.id === 'string' ? meta.id : fallbackName);
    const json = this.inline(schema, io);
    const name = this.freeName(base, io, json);
    this.schemas[name] = json;
    const ref = { $ref: `#/components/schemas/${name}` };
    if (!this.refs.has(schema)) this.refs.set(schema, new Map());
    this.refs.get(schema)!.set(io, ref);
    return ref;
  }

  /** The JSON Schema itself (its `$defs` lifted into components). */
  inline(schema: z.ZodType, io: 'input' | 'output'): Json {
    const converted = z.toJSONSchema(schema, {
      io,
      target: 'draft-2020-12',
      unrepresentable: 'any',
    }) as Json;
    const { $schema: _dialect, $defs, ...json } = converted;
    if ($defs === undefined) return json;
    const renamed = new Map<string, string>();
    for (const [def, body] of Object.entries($defs as Record<string, Json>)) {
      renamed.set(def, this.freeName(def, io, body));
    }
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (value === null || typeof value !== 'object') return value;
      const out: Json = {};
      for (const [key, inner] of Object.entries(value)) {
        if (key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')) {
          const target = renamed.get(inner.slice('#/$defs/'.length));
          out[key] = target === undefined ? inner : `#/components/schemas/${target}`;
        } else out[key] = rewrite(inner);
      }
      return out;
    };
    for (const [def, body] of Object.entries($defs as Record<string, Json>)) {
      this.schemas[renamed.get(def)!] = rewrite(body) as Json;
    }
    return rewrite(json) as Json;
  }

  /** `base`, or `base` + `Input`/`Output`/a number when that name holds a different schema already. */
  private freeName(base: string, io: 'input' | 'output', json: Json): string {
    const safe = base.replace(/[^A-Za-z0-9._-]/g, '_');
    const same = (name: string) => JSON.stringify(this.schemas[name]) === JSON.stringify(json);
    for (const candidate of [safe, `${safe}${io === 'input' ? 'Input' : 'Output'}`]) {
      if (this.schemas[candidate] === undefined || same(candidate)) return candidate;
    }
    for (let n = 2; ; n++) {
      const candidate = `${safe}${n}`;
      if (this.schemas[candidate] === undefined || same(candidate)) return candidate;
    }
  }
}
