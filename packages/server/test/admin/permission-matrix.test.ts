/**
 * The permission matrix, route by route for every role: the whole route table (`adminRoutes`, so routes
 * added by any part are covered as they land) × every role, with an API token of that role and with a
 * signed-in session of that role. A route answers 403 PARAPET_ADMIN_FORBIDDEN exactly when the role
 * lacks the route's permission. Requests are built to do nothing when allowed (unknown ids, bodies with
 * an unknown field), so the table can be walked on one gateway.
 *
 * Also: docs/admin-access.md shows exactly the matrix of permissions.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type AdminRoute, adminRoutes } from '../../src/admin/index.ts';
import {
  ADMIN_ROLES,
  type AdminRole,
  PERMISSIONS,
  permissionMatrixMarkdown,
  ROLE_PERMISSIONS,
  roleAllows,
} from '../../src/admin/permissions.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { addToken, addUser, PASSWORD, resetLoginAttempts } from './access-helpers.ts';
import { ADMIN_TOKEN, type AdminSetup, startAdminSetup } from './admin-helpers.ts';

let s: AdminSetup;
let routes: AdminRoute[];
const tokens = new Map<AdminRole, string>();

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
  });
  for (const role of ADMIN_ROLES) {
    tokens.set(role, await addToken(s.gw.store, `matrix-${role}`, role));
    await addUser(s.gw.store, `matrix-${role.replace('_', '-')}`, role);
  }
});

after(() => s.close());

/** A concrete path for a route: every parameter an id that does not exist. */
function probePath(route: AdminRoute): string {
  return route.path.replace(/\{[a-zA-Z]+\}/g, 'zz-probe');
}

interface Probe {
  status: number;
  code: string | null;
}

/**
 * One call; only the status and the error code header are read (a route may stream), then the body is
 * dropped. Bodies carry an unknown field so no route acts on them.
 */
async function probe(route: AdminRoute, headers: Record<string, string>): Promise<Probe> {
  const withBody = route.body !== null;
  const res = await fetch(`${s.gw.url}/admin/api/v1${probePath(route)}`, {
    method: route.method,
    headers: { ...headers, ...(withBody ? { 'content-type': 'application/json' } : {}) },
    ...(withBody ? { body: JSON.stringify({ zz_probe_unknown_field: true }) } : {}),
  });
  const answer = { status: res.status, code: res.headers.get('x-parapet-error-code') };
  await res.body?.cancel();
  return answer;
}

function expectation(route: AdminRoute, role: AdminRole): boolean {
  const p = route.permission;
  return p !== 'public' && p !== 'authenticated' && !roleAllows(role, p);
}

function assertMatrix(route: AdminRoute, role: AdminRole, answer: Probe, how: string): void {
  const where = `${route.method} ${route.path} as ${role} (${how}), permission ${route.permission}`;
  if (expectation(route, role)) {
    assert.deepEqual(answer, { status: 403, code: 'PARAPET_ADMIN_FORBIDDEN' }, where);
  } else {
    assert.notEqual(answer.code, 'PARAPET_ADMIN_FORBIDDEN', where);
    assert.notEqual(answer.status, 401, where);
  }
}

describe('the route table', () => {
  test('every route declares a permission of permissions.ts (or `authenticated` / `public`)', () => {
    assert.ok(routes.length > 0);
    for (const route of routes) {
      assert.ok(
        (PERMISSIONS as readonly string[]).includes(route.permission) ||
          route.permission === 'authenticated' ||
          route.permission === 'public',
        `${route.method} ${route.path}: ${route.permission}`,
      );
    }
    // Only signing in is public.
    assert.deepEqual(
      routes.filter((r) => r.permission === 'public').map((r) => `${r.method} ${r.path}`),
      ['POST /session'],
    );
  });

  test('the access routes are in the table with their permissions', () => {
    const table = new Map(routes.map((r) => [`${r.method} ${r.path}`, r.permission]));
    assert.deepEqual(
      Object.fromEntries(
        [
          'GET /session',
          'DELETE /session',
          'GET /users',
          'POST /users',
          'PATCH /users/{name}',
          'GET /tokens',
          'POST /tokens',
          'DELETE /tokens/{id}',
          'GET /audit',
        ].map((k) => [k, table.get(k)]),
      ),
      {
        'GET /session': 'authenticated',
        'DELETE /session': 'authenticated',
        'GET /users': 'users.read',
        'POST /users': 'users.write',
        'PATCH /users/{name}': 'users.write',
        'GET /tokens': 'users.read',
        'POST /tokens': 'users.write',
        'DELETE /tokens/{id}': 'users.write',
        'GET /audit': 'audit.read',
      },
    );
  });
});

describe('route × role', () => {
  for (const role of ADMIN_ROLES) {
    test(`with an API token of role ${role}: 403 exactly where ${role} lacks the permission`, async () => {
      const token = tokens.get(role)!;
      for (const route of routes) {
        assertMatrix(route, role, await probe(route, { authorization: `Bearer ${token}` }), 'API token');
      }
    });

    test(`signed in as ${role} (cookie and CSRF token): 403 exactly where ${role} lacks the permission`, async () => {
      await resetLoginAttempts(s.gw.store);
      const login = await fetch(`${s.gw.url}/admin/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `matrix-${role.replace('_', '-')}`, password: PASSWORD }),
      });
      assert.equal(login.status, 200);
      const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
      const { csrfToken } = (await login.json()) as { csrfToken: string };
      // Signing out last, so the session lasts the whole walk.
      const ordered = [...routes].sort(
        (a, b) =>
          Number(a.path === '/session' && a.method === 'DELETE') -
          Number(b.path === '/session' && b.method === 'DELETE'),
      );
      for (const route of ordered) {
        const headers: Record<string, string> = { cookie };
        if (route.method !== 'GET') headers['x-csrf-token'] = csrfToken;
        assertMatrix(route, role, await probe(route, headers), 'session');
      }
    });
  }

  test('the bootstrap admin token may do everything', async () => {
    for (const route of routes) {
      assertMatrix(
        route,
        'admin',
        await probe(route, { authorization: `Bearer ${ADMIN_TOKEN}` }),
        'admin.token',
      );
    }
  });
});

describe('the matrix itself', () => {
  test('admin has every permission; only admin writes users, settings and keys; the auditor changes nothing', () => {
    assert.deepEqual([...ROLE_PERMISSIONS.admin], [...PERMISSIONS]);
    for (const role of ADMIN_ROLES.filter((r) => r !== 'admin')) {
      for (const p of ['users.write', 'settings.write', 'keys.write'] as const) {
        assert.equal(roleAllows(role, p), false, `${role} ${p}`);
      }
    }
    const writes = ROLE_PERMISSIONS.auditor.filter((p) => !p.endsWith('.read') && p !== 'events.export');
    assert.deepEqual(writes, []);
    assert.equal(roleAllows('analyst', 'content.reveal'), false);
    assert.equal(roleAllows('auditor', 'content.reveal'), false);
    assert.equal(roleAllows('auditor', 'audit.read'), true);
    assert.equal(roleAllows('reviewer', 'approvals.decide'), true);
    assert.equal(roleAllows('policy_author', 'policies.write'), true);
    for (const role of ADMIN_ROLES) {
      assert.equal(new Set(ROLE_PERMISSIONS[role]).size, ROLE_PERMISSIONS[role].length, role);
    }
  });

  test('docs/admin-access.md shows exactly the matrix of permissions.ts', () => {
    const doc = readFileSync(new URL('../../../../docs/admin-access.md', import.meta.url), 'utf8');
    const begin = '<!-- permission-matrix:begin (generated from ROLE_PERMISSIONS; a test checks it) -->\n';
    const end = '<!-- permission-matrix:end -->';
    const start = doc.indexOf(begin);
    assert.ok(start >= 0, 'docs/admin-access.md lacks the permission-matrix markers');
    const table = doc.slice(start + begin.length, doc.indexOf(end, start));
    assert.equal(
      table.trim(),
      permissionMatrixMarkdown().trim(),
      'stale: paste `node --import tsx -e "import(\'./packages/server/src/admin/permissions.ts\').then(m => process.stdout.write(m.permissionMatrixMarkdown()))"` between the markers',
    );
  });
});
