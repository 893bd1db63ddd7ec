/**
 * The admin API's edge, over real HTTP: the bearer token on every route, the API switched off without a
 * token, unknown routes and methods, and bodies that are not what a route takes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_BODY_LIMIT_BYTES, AdminErrorBody, adminRoutes } from '../../src/admin/index.ts';
import { buildConfig, ConfigError } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import {
  ADMIN_TOKEN,
  type AdminSetup,
  adminClient,
  adminTestConfig,
  assertAdminError,
  assertShape,
  DETECTORS,
  startAdminSetup,
} from './admin-helpers.ts';

let s: AdminSetup;
/** Every route of the table but signing in (public), with sample path parameters. */
let routes: { method: string; path: string }[];

before(async () => {
  s = await startAdminSetup();
  routes = adminRoutes({
    token: ADMIN_TOKEN,
    store: s.gw.store,
    policy: null,
    config: s.gw.config,
    detectors: [],
    logger: createLogger({ level: 'silent' }),
    clock: { wallMs: Date.now },
  })
    .filter((r) => r.permission !== 'public')
    .map((r) => ({ method: r.method, path: r.path.replace(/\{[a-zA-Z]+\}/g, 'zz-probe') }));
});

after(() => s.close());

describe('authentication', () => {
  test('the route table has the control routes (other parts add theirs)', () => {
    const table = routes.map((r) => `${r.method} ${r.path}`);
    for (const route of [
      'GET /approvals',
      'GET /approvals/zz-probe',
      'GET /global',
      'GET /policies',
      'GET /policies/zz-probe',
      'GET /policies/zz-probe/diff',
      'GET /policies/active',
      'POST /approvals/zz-probe/approve',
      'POST /approvals/zz-probe/deny',
      'POST /kill-switch',
      'POST /policies',
      'POST /policies/zz-probe/activate',
      'POST /policies/rollback',
      'POST /policies/simulate',
      'POST /policies/validate',
      'PUT /global',
    ]) {
      assert.ok(table.includes(route), route);
    }
  });

  test('every route but signing in answers 401 without a credential, before reading the body or looking the record up', async () => {
    for (const r of routes) {
      const res = await s.api(r.method, r.path, { on: true }, { token: null });
      assertAdminError(res, 401, 'PARAPET_ADMIN_UNAUTHORIZED');
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="parapet-admin"', r.path);
      assertShape(AdminErrorBody, res.json);
    }
    // Nothing changed: the kill switch is still off.
    assert.equal(await s.gw.store.getSetting('policy.global'), null);
  });

  test('every route answers 401 with a wrong token', async () => {
    for (const r of routes) {
      const res = await s.api(r.method, r.path, { on: true }, { token: `${ADMIN_TOKEN}x` });
      assertAdminError(res, 401, 'PARAPET_ADMIN_UNAUTHORIZED');
    }
  });

  test('only `Authorization: Bearer <admin token>` counts: not another scheme, x-api-key or a virtual key', async () => {
    const cases: Record<string, string>[] = [
      { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` },
      { authorization: ADMIN_TOKEN },
      { authorization: 'Bearer ' },
      { 'x-api-key': ADMIN_TOKEN },
      { authorization: `Bearer ${s.gw.key}` },
      { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` },
    ];
    for (const headers of cases) {
      const res = await s.api('GET', '/policies', undefined, { token: null, headers });
      assertAdminError(res, 401, 'PARAPET_ADMIN_UNAUTHORIZED');
    }
    const ok = await s.api('GET', '/policies', undefined, {
      token: null,
      headers: { authorization: `bearer   ${ADMIN_TOKEN}` },
    });
    assert.equal(ok.status, 200);
  });

  test('the token never reaches the log, even on failures', async () => {
    await s.api('GET', '/policies', undefined, { token: `${ADMIN_TOKEN}-wrong` });
    await s.api('POST', '/policies', { document: 5 });
    assert.ok(s.gw.logs.length > 0);
    assert.ok(!s.gw.logs.join('').includes(ADMIN_TOKEN));
  });

  test('answers are never cached', async () => {
    const res = await s.api('GET', '/global');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });
});

describe('switched off', () => {
  test('without `admin.token` every admin route answers 404 PARAPET_ROUTE_NOT_FOUND, token or not', async () => {
    const { admin: _ignored, ...config } = adminTestConfig(s.mock);
    const gw = await startTestGateway({ config, detectors: DETECTORS });
    try {
      assert.equal(gw.config.admin.token, null);
      const api = adminClient(gw.url);
      for (const r of routes) {
        const res = await api(r.method, r.path, {});
        assert.equal(res.status, 404, r.path);
        assert.equal(res.json.error.code, 'PARAPET_ROUTE_NOT_FOUND');
      }
      // The chat routes are unaffected.
      const chat = await api(
        'POST',
        '/v1/chat/completions',
        {
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'hi' }],
        },
        { token: gw.key },
      );
      assert.equal(chat.status, 200);
    } finally {
      await gw.close();
    }
  });

  test('PARAPET_ADMIN_TOKEN turns it on', async () => {
    const { admin: _ignored, ...config } = adminTestConfig(s.mock);
    const token = 'from-the-environment-0123456789';
    const gw = await startTestGateway({ config, detectors: DETECTORS, env: { PARAPET_ADMIN_TOKEN: token } });
    try {
      assert.equal(gw.config.admin.token, token);
      const api = adminClient(gw.url);
      assert.equal((await api('GET', '/global', undefined, { token })).status, 200);
      assertAdminError(await api('GET', '/global'), 401, 'PARAPET_ADMIN_UNAUTHORIZED');
    } finally {
      await gw.close();
    }
  });

  test('a token shorter than 16 characters is a configuration error that does not echo it', () => {
    assert.throws(
      () => buildConfig({ admin: { token: 'short-secret' } }, { env: {} }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.issues[0]?.path, 'admin.token');
        assert.match(err.issues[0]!.message, /at least 16 characters/);
        assert.doesNotMatch(err.message, /short-secret/);
        return true;
      },
    );
    assert.equal(buildConfig({ admin: { token: null } }, { env: {} }).admin.token, null);
    assert.equal(buildConfig({}, { env: {} }).admin.token, null);
  });
});

describe('routing', () => {
  test('an unknown admin path is 404 PARAPET_ROUTE_NOT_FOUND', async () => {
    for (const path of [
      '/nothing',
      '/policies/1/nothing',
      '/admin/other',
      '/admin/api/v2/policies',
      '/policies/',
    ]) {
      assertAdminError(await s.api('GET', path), 404, 'PARAPET_ROUTE_NOT_FOUND');
    }
  });

  test('a known path with another method is 405 with `allow`', async () => {
    const res = await s.api('DELETE', '/policies');
    assertAdminError(res, 405, 'PARAPET_METHOD_NOT_ALLOWED');
    assert.equal(res.headers.get('allow'), 'GET, POST');
    // `validate` is a route of its own (POST), not version `validate`.
    const validate = await s.api('GET', '/policies/validate');
    assertAdminError(validate, 405, 'PARAPET_METHOD_NOT_ALLOWED');
    assert.equal(validate.headers.get('allow'), 'POST');
    assert.equal((await s.api('GET', '/global')).status, 200);
    assert.equal((await s.api('POST', '/global', {})).headers.get('allow'), 'GET, PUT');
  });
});

describe('bodies', () => {
  test('malformed JSON is 400 PARAPET_REQUEST_MALFORMED_JSON', async () => {
    const res = await s.api('POST', '/kill-switch', undefined, { raw: '{"on": tru' });
    assertAdminError(res, 400, 'PARAPET_REQUEST_MALFORMED_JSON');
  });

  test('a JSON value that is not an object is 400 PARAPET_REQUEST_INVALID', async () => {
    for (const raw of ['[]', '"on"', 'true', 'null']) {
      assertAdminError(
        await s.api('POST', '/kill-switch', undefined, { raw }),
        400,
        'PARAPET_REQUEST_INVALID',
      );
    }
  });

  test('invalid UTF-8 is 400 PARAPET_REQUEST_INVALID_UTF8', async () => {
    const raw = new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]);
    assertAdminError(
      await s.api('POST', '/kill-switch', undefined, { raw }),
      400,
      'PARAPET_REQUEST_INVALID_UTF8',
    );
  });

  test('a body that is not JSON is 415', async () => {
    const res = await s.api('POST', '/kill-switch', undefined, {
      raw: 'on=true',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assertAdminError(res, 415, 'PARAPET_REQUEST_UNSUPPORTED_MEDIA_TYPE');
  });

  test('a body over 1 MiB is 413 with the admin limit in the message', async () => {
    const document = `# ${'x'.repeat(ADMIN_BODY_LIMIT_BYTES)}\nrules: []\n`;
    const res = await s.api('POST', '/policies/validate', { document });
    assertAdminError(res, 413, 'PARAPET_REQUEST_TOO_LARGE');
    assert.match(res.json.error.message, /admin API limit of 1048576 bytes/);
  });

  test('wrong types and unknown fields are 400 PARAPET_REQUEST_INVALID naming each field', async () => {
    const wrong = await s.api('POST', '/kill-switch', { on: 'yes', message: 3 });
    assertAdminError(wrong, 400, 'PARAPET_REQUEST_INVALID');
    assert.deepEqual(
      wrong.json.error.issues.map((i: { path: unknown[] }) => i.path),
      [['on'], ['message']],
    );
    assert.match(
      wrong.json.error.message,
      /^request body `on`: expected boolean, got string \(and 1 more problem\)$/,
    );
    const missing = await s.api('POST', '/kill-switch', {});
    assertAdminError(missing, 400, 'PARAPET_REQUEST_INVALID');
    assert.match(missing.json.error.message, /`on`: is required \(boolean\)/);
    const unknown = await s.api('POST', '/kill-switch', { on: true, mesage: 'x' });
    assertAdminError(unknown, 400, 'PARAPET_REQUEST_INVALID');
    assert.match(unknown.json.error.message, /unknown field `mesage`/);
  });

  test('an empty body counts as `{}`: fine where every field is optional, an error where one is required', async () => {
    const res = await s.api('POST', '/kill-switch', undefined, { raw: '' });
    assertAdminError(res, 400, 'PARAPET_REQUEST_INVALID');
    assert.match(res.json.error.message, /`on`: is required/);
  });
});
