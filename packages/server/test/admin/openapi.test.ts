/**
 * The OpenAPI document of the admin API: served at /admin/api/v1/openapi.json, structurally valid
 * OpenAPI 3.1, listing every route of the table (iterated, so routes added later are covered), and
 * describing each schema faithfully: a sample built from the document's schema passes the zod schema the
 * server validates with, and zod's output still validates against the document.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { type AdminRoute, adminRoutes, defineRoute } from '../../src/admin/index.ts';
import { buildOpenApiDocument, operationIdOf, pathTemplateNames } from '../../src/admin/openapi.ts';
import { definePublicRoute } from '../../src/admin/router.ts';
import { ADMIN_TOKEN, type AdminSetup, startAdminSetup } from './admin-helpers.ts';
import { checkOpenApi31, resolveRef, sampleOf, validateJson } from './openapi-check.ts';

// biome-ignore lint/suspicious/noExplicitAny: generated documents are read as JSON
type JsonDoc = any;

let s: AdminSetup;
let doc: JsonDoc;
let routes: AdminRoute[];

before(async () => {
  s = await startAdminSetup();
  const res = await s.api('GET', '/openapi.json');
  assert.equal(res.status, 200, JSON.stringify(res.json));
  doc = res.json;
  const ctx = s.gw.server.context;
  routes = adminRoutes({
    token: ADMIN_TOKEN,
    store: ctx.store,
    policy: ctx.policy,
    config: s.gw.config,
    detectors: ctx.detectors,
    logger: ctx.logger,
    clock: { wallMs: Date.now },
    contentKey: ctx.contentKey,
  });
});

after(() => s.close());

describe('GET /admin/api/v1/openapi.json', () => {
  test('is a structurally valid OpenAPI 3.1 document', () => {
    assert.deepEqual(checkOpenApi31(doc), []);
    assert.match(doc.openapi, /^3\.1\./);
    assert.equal(doc.jsonSchemaDialect, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(doc.servers[0].url, '/admin/api/v1');
  });

  test('any signed-in caller may read it, nobody else', async () => {
    const route = routes.find((r) => r.path === '/openapi.json')!;
    assert.equal(route.permission, 'authenticated');
    assert.equal(doc.paths['/openapi.json'].get['x-parapet-permission'], 'authenticated');
    const anonymous = await s.api('GET', '/openapi.json', undefined, { token: null });
    assert.equal(anonymous.status, 401);
  });

  test('lists every route of the table: summary, permission, status, parameters, errors', () => {
    assert.ok(routes.length >= 20, `only ${routes.length} routes`);
    let operations = 0;
    for (const item of Object.values(doc.paths)) operations += Object.keys(item as object).length;
    assert.equal(operations, routes.length, 'one operation per route, nothing else');
    for (const route of routes) {
      const where = `${route.method} ${route.path}`;
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      assert.ok(op, `${where} is missing`);
      assert.equal(op.operationId, operationIdOf(route), where);
      assert.equal(op.summary, route.summary, where);
      assert.equal(op['x-parapet-permission'], route.permission, where);
      const media = Object.values(op.responses[String(route.status)]?.content ?? {}) as {
        schema?: unknown;
      }[];
      assert.ok(media.length > 0 && media.every((m) => m.schema !== undefined), where);
      assert.ok(op.responses['default'], where);
      if (route.permission === 'public') {
        assert.deepEqual(op.security, [], `${where} needs no credentials`);
        assert.equal(op.responses['401'], undefined, where);
      } else {
        assert.equal(op.security, undefined, `${where} uses the document's security`);
        assert.ok(op.responses['401'], where);
        if (route.permission !== 'authenticated') assert.ok(op.responses['403'], where);
      }
      const errorSchema = resolveRef(
        doc,
        resolveRef(doc, op.responses.default.$ref).content['application/json'].schema.$ref,
      );
      assert.deepEqual(errorSchema.required, ['error']);
      const pathNames = (op.parameters ?? [])
        .filter((p: { in: string }) => p.in === 'path')
        .map((p: { name: string }) => p.name);
      assert.deepEqual(pathNames, pathTemplateNames(route.path), where);
      if (route.params !== null || route.query !== null || route.body !== null)
        assert.ok(op.responses['400'], where);
      assert.equal(op.requestBody !== undefined, route.body !== null, where);
    }
  });

  test('each schema round-trips a sample: document → sample → zod → document', () => {
    const failures: string[] = [];
    const check = (where: string, fn: () => void) => {
      try {
        fn();
      } catch (err) {
        failures.push(`${where}: ${(err as Error).message}`);
      }
    };
    for (const route of routes) {
      const op = doc.paths[route.path][route.method.toLowerCase()];
      const where = `${route.method} ${route.path}`;
      const params = (op.parameters ?? []) as {
        name: string;
        in: string;
        required: boolean;
        schema: unknown;
      }[];
      for (const [part, schema] of [
        ['path', route.params],
        ['query', route.query],
      ] as const) {
        if (schema === null) continue;
        check(`${where} ${part}`, () => {
          const sample: Record<string, unknown> = {};
          for (const p of params.filter((x) => x.in === part)) sample[p.name] = sampleOf(doc, p.schema);
          accepts(schema, sample);
        });
      }
      if (route.body !== null) {
        check(`${where} body`, () => {
          const json = op.requestBody.content['application/json'].schema;
          const sample = sampleOf(doc, json);
          assert.deepEqual(validateJson(doc, json, sample), [], 'the sample fits the document');
          accepts(route.body!, sample);
        });
      }
      // A streamed answer (an export) is text, not JSON: nothing to round-trip.
      const content = op.responses[String(route.status)].content;
      if (content['application/json'] === undefined) continue;
      check(`${where} response`, () => {
        const json = content['application/json'].schema;
        const sample = sampleOf(doc, json);
        assert.deepEqual(validateJson(doc, json, sample), [], 'the sample fits the document');
        const output = accepts(route.response, sample);
        assert.deepEqual(validateJson(doc, json, output), [], "zod's output fits the document");
      });
    }
    assert.deepEqual(failures, []);
  });

  test('the answer is the document built from the route table, and stable', async () => {
    assert.deepEqual(buildOpenApiDocument(routes), doc);
    assert.deepEqual((await s.api('GET', '/openapi.json')).json, doc);
  });
});

describe('buildOpenApiDocument on a small table', () => {
  const route = (spec: Partial<AdminRoute>): AdminRoute =>
    defineRoute({
      method: 'GET',
      path: '/things/{id}',
      summary: 'A thing',
      permission: 'keys.read',
      params: z.strictObject({ id: z.string().min(1) }),
      response: z.object({ id: z.string() }),
      handle: async () => ({ id: 'x' }),
      ...spec,
    } as never);

  test('names each schema, refers to it, and marks public routes', () => {
    const Thing = z.object({ id: z.string() });
    const built = buildOpenApiDocument(
      [
        route({ response: Thing }),
        route({ method: 'DELETE', response: Thing }),
        definePublicRoute({
          method: 'POST',
          path: '/login',
          summary: 'Sign in',
          body: z.strictObject({ name: z.string() }),
          response: z.object({ ok: z.boolean() }),
          handle: async () => ({ ok: true }),
        }),
      ],
      { names: { Thing } },
    ) as JsonDoc;
    assert.deepEqual(checkOpenApi31(built), []);
    const ref = { $ref: '#/components/schemas/Thing' };
    assert.deepEqual(
      built.paths['/things/{id}'].get.responses['200'].content['application/json'].schema,
      ref,
    );
    assert.deepEqual(
      built.paths['/things/{id}'].delete.responses['200'].content['application/json'].schema,
      ref,
    );
    assert.deepEqual(built.paths['/login'].post.security, []);
    assert.equal(built.paths['/login'].post.requestBody.required, true);
    assert.equal(built.paths['/login'].post['x-parapet-permission'], 'public');
  });

  test('a streamed answer is described by its media types, not as JSON', () => {
    const built = buildOpenApiDocument([
      route({
        response: z
          .custom<string>((v) => typeof v === 'string')
          .meta({ contentTypes: ['text/csv', 'application/x-ndjson'], description: 'rows' }),
      }),
    ]) as JsonDoc;
    const content = built.paths['/things/{id}'].get.responses['200'].content;
    assert.deepEqual(Object.keys(content), ['text/csv', 'application/x-ndjson']);
    assert.deepEqual(content['text/csv'].schema, { type: 'string', description: 'rows' });
  });

  test('refuses a route whose params schema does not match its path template', () => {
    assert.throws(
      () => buildOpenApiDocument([route({ params: z.strictObject({ other: z.string() }) })]),
      /must declare exactly `id`/,
    );
  });
});

describe('the structural checker', () => {
  test('finds what breaks a document', () => {
    const broken = (mutate: (d: typeof doc) => void) => {
      const copy = structuredClone(doc);
      mutate(copy);
      return checkOpenApi31(copy);
    };
    assert.ok(broken((d) => delete d.info).length > 0);
    assert.ok(broken((d) => (d.openapi = '3.0.3')).length > 0);
    assert.ok(broken((d) => (d.paths['/keys'].get.responses = {})).length > 0);
    assert.ok(
      broken((d) => (d.paths['/keys/{id}'].get.parameters = [])).some((p) => p.includes('do not match')),
    );
    assert.ok(
      broken((d) => (d.paths['/keys'].get.operationId = d.paths['/siem'].get.operationId)).some((p) =>
        p.includes('duplicate operationId'),
      ),
    );
    assert.ok(
      broken(
        (d) =>
          (d.paths['/keys'].get.responses['200'].content['application/json'].schema = {
            $ref: '#/components/schemas/Nope',
          }),
      ).some((p) => p.includes('unresolved')),
    );
    assert.ok(broken((d) => (d.security = [{ nope: [] }])).some((p) => p.includes('not declared')));
  });

  test('the validator and the sampler agree with zod on a few shapes', () => {
    const tiny = {
      components: {
        schemas: {
          A: {
            type: 'object',
            properties: { n: { type: 'integer', minimum: 3 } },
            required: ['n'],
            additionalProperties: false,
          },
        },
      },
    };
    const ref = { $ref: '#/components/schemas/A' };
    assert.deepEqual(sampleOf(tiny, ref), { n: 3 });
    assert.deepEqual(validateJson(tiny, ref, { n: 3 }), []);
    assert.ok(validateJson(tiny, ref, { n: 2 }).length > 0);
    assert.ok(validateJson(tiny, ref, { n: 3, x: 1 }).length > 0);
    assert.ok(validateJson(tiny, ref, {}).length > 0);
  });
});

/** Parses with zod (a failure names every issue) and returns the output. */
function accepts(schema: z.ZodType, value: unknown): unknown {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new Error(
      `zod refuses ${JSON.stringify(value).slice(0, 300)}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
