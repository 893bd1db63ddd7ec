/**
 * Admin access over real HTTP: signing in and out, the session cookie's attributes, CSRF, login limits,
 * accounts, API tokens, the authentication order, the audit trail, and the API switching itself on
 * when the first account appears.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  AdminUser,
  ApiToken,
  AuditPage,
  CreatedToken,
  SessionInfo,
  UserList,
} from '../../src/admin/index.ts';
import { ROLE_PERMISSIONS } from '../../src/admin/permissions.ts';
import { runCli } from '../../src/cli/main.ts';
import { accessStoreFor } from '../../src/store/access-store.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import {
  addToken,
  addUser,
  PASSWORD,
  parseSetCookie,
  rawCall,
  resetLoginAttempts,
  signIn,
} from './access-helpers.ts';
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

before(async () => {
  s = await startAdminSetup();
  await addUser(s.gw.store, 'alice', 'admin');
  await addUser(s.gw.store, 'rita', 'reviewer');
  await addUser(s.gw.store, 'anna', 'analyst');
});

after(() => s.close());

beforeEach(() => resetLoginAttempts(s.gw.store));

const access = () => accessStoreFor(s.gw.store.sql);

describe('signing in', () => {
  test('POST /session sets an HttpOnly, SameSite=Strict, Path=/ cookie (not Secure over plain HTTP) and answers the CSRF token', async () => {
    const res = await rawCall(s.gw.url, 'POST', '/session', { name: 'alice', password: PASSWORD });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assertShape(SessionInfo, res.json);
    assert.equal(res.json.user, 'alice');
    assert.equal(res.json.role, 'admin');
    assert.equal(res.json.kind, 'user');
    assert.deepEqual(res.json.permissions, [...ROLE_PERMISSIONS.admin]);
    assert.match(res.json.csrfToken, /^[A-Za-z0-9_-]{43}$/);
    const hours12 = Date.now() + 12 * 3_600_000;
    assert.ok(Math.abs(Date.parse(res.json.expiresAt) - hours12) < 60_000);
    const cookies = res.headers.getSetCookie();
    assert.equal(cookies.length, 1);
    const cookie = parseSetCookie(cookies[0]!);
    assert.equal(cookie.name, 'parapet_session');
    assert.match(cookie.value, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(cookie.attributes.get('samesite'), 'Strict');
    assert.equal(cookie.attributes.get('path'), '/');
    assert.equal(cookie.attributes.get('max-age'), String(12 * 3600));
    assert.ok(cookie.attributes.has('httponly'));
    assert.ok(!cookie.attributes.has('secure'));
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  test('only hashes are stored: neither the cookie value nor the CSRF token is in the sessions table', async () => {
    const client = await signIn(s.gw.url, 'rita');
    const secret = client.cookie.split('=')[1]!;
    const sql = s.gw.store.sql;
    assert.equal(sql.dialect, 'sqlite');
    const rows = sql.dialect === 'sqlite' ? sql.db.prepare('SELECT * FROM admin_sessions').all() : [];
    const dump = JSON.stringify(rows);
    assert.ok(!dump.includes(secret));
    assert.ok(!dump.includes(client.csrfToken));
    const passwords = JSON.stringify(
      sql.dialect === 'sqlite' ? sql.db.prepare('SELECT * FROM admin_users').all() : [],
    );
    assert.ok(!passwords.includes(PASSWORD));
    assert.match(passwords, /scrypt\$32768\$8\$1\$/);
  });

  test('a session cookie is marked Secure when the request came over TLS', async () => {
    // The gateway's own handler behind a server whose sockets say they are TLS sockets.
    const admin = s.gw.server.context.admin!;
    const server = createServer((req, res) => {
      Object.defineProperty(req.socket, 'encrypted', { value: true, configurable: true });
      admin(req, res, (req.url ?? '/').split('?')[0]!);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await rawCall(url, 'POST', '/session', { name: 'anna', password: PASSWORD });
      assert.equal(res.status, 200);
      const cookie = parseSetCookie(res.headers.getSetCookie()[0]!);
      assert.ok(cookie.attributes.has('secure'));
      assert.ok(cookie.attributes.has('httponly'));
      assert.equal(cookie.attributes.get('samesite'), 'Strict');
      const jar = `${cookie.name}=${cookie.value}`;
      const out = await rawCall(url, 'DELETE', '/session', undefined, {
        cookie: jar,
        'x-csrf-token': res.json.csrfToken,
      });
      const cleared = parseSetCookie(out.headers.getSetCookie()[0]!);
      assert.equal(cleared.attributes.get('max-age'), '0');
      assert.ok(cleared.attributes.has('secure'));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('GET /session answers who is signed in and the same CSRF token (for a reloaded page)', async () => {
    const client = await signIn(s.gw.url, 'rita');
    const me = await client.call('GET', '/session');
    assert.equal(me.status, 200);
    assertShape(SessionInfo, me.json);
    assert.equal(me.json.user, 'rita');
    assert.equal(me.json.role, 'reviewer');
    assert.equal(me.json.csrfToken, client.csrfToken);
    assert.ok(me.json.permissions.includes('approvals.decide'));
    assert.ok(!me.json.permissions.includes('policies.write'));
    // Bearer callers have no session: no CSRF token, no expiry.
    const bootstrap = await s.api('GET', '/session');
    assert.deepEqual(
      { ...bootstrap.json, permissions: bootstrap.json.permissions.length },
      {
        user: 'admin-token',
        role: 'admin',
        kind: 'bootstrap',
        permissions: ROLE_PERMISSIONS.admin.length,
        csrfToken: null,
        expiresAt: null,
      },
    );
    assertAdminError(await rawCall(s.gw.url, 'GET', '/session'), 401, 'PARAPET_ADMIN_UNAUTHORIZED');
  });

  test('a wrong password, an unknown name and a disabled account get the same 401, and are audited', async () => {
    await addUser(s.gw.store, 'dora', 'auditor');
    await access().updateUser('dora', { disabledAt: new Date().toISOString() });
    const answers = [
      await rawCall(s.gw.url, 'POST', '/session', { name: 'alice', password: 'not the password at all' }),
      await rawCall(s.gw.url, 'POST', '/session', { name: 'nobody-here', password: PASSWORD }),
      await rawCall(s.gw.url, 'POST', '/session', { name: 'dora', password: PASSWORD }),
    ];
    for (const res of answers) {
      assertAdminError(res, 401, 'PARAPET_ADMIN_UNAUTHORIZED');
      assert.equal(res.json.error.message, 'the account name or password is wrong');
      assert.deepEqual(res.headers.getSetCookie(), []);
    }
    const failed = await access().queryAudit({ action: 'login.failed', limit: 3 });
    assert.deepEqual(
      failed.map((e) => [e.actor, e.details?.['reason']]),
      [
        ['dora', 'disabled'],
        ['nobody-here', 'unknown-account'],
        ['alice', 'wrong-password'],
      ],
    );
    assert.ok(failed.every((e) => e.actorKind === 'user' && e.ip !== null));
    const ok = await access().queryAudit({ action: 'login', actor: 'alice', limit: 1 });
    assert.deepEqual(ok[0]?.details, { role: 'admin' });
    assert.ok(!s.gw.logs.join('').includes(PASSWORD));
  });

  test('names are case-insensitive at sign-in; a cross-site sign-in is refused', async () => {
    const res = await rawCall(s.gw.url, 'POST', '/session', { name: ' Alice ', password: PASSWORD });
    assert.equal(res.status, 200);
    assert.equal(res.json.user, 'alice');
    const cross = await rawCall(
      s.gw.url,
      'POST',
      '/session',
      { name: 'alice', password: PASSWORD },
      { 'sec-fetch-site': 'cross-site' },
    );
    assertAdminError(cross, 403, 'PARAPET_ADMIN_FORBIDDEN');
  });

  test('DELETE /session signs out: the cookie is cleared and no longer works', async () => {
    const client = await signIn(s.gw.url, 'anna');
    const out = await client.call('DELETE', '/session');
    assert.equal(out.status, 200);
    assert.deepEqual(out.json, { ended: true });
    const cleared = parseSetCookie(out.headers.getSetCookie()[0]!);
    assert.equal(cleared.name, 'parapet_session');
    assert.equal(cleared.value, '');
    assert.equal(cleared.attributes.get('max-age'), '0');
    const after = await client.call('GET', '/session');
    assertAdminError(after, 401, 'PARAPET_ADMIN_UNAUTHORIZED');
    assert.match(after.json.error.message, /session has expired or ended; sign in again/);
    // A bearer caller has nothing to end.
    assert.deepEqual((await s.api('DELETE', '/session')).json, { ended: false });
  });
});

describe('CSRF', () => {
  test('a change made with the cookie needs x-csrf-token equal to the session token: missing or wrong → 403', async () => {
    const client = await signIn(s.gw.url, 'alice');
    const missing = await client.call('POST', '/kill-switch', { on: false }, { csrf: false });
    assertAdminError(missing, 403, 'PARAPET_ADMIN_FORBIDDEN');
    assert.match(missing.json.error.message, /x-csrf-token/);
    const other = await signIn(s.gw.url, 'alice');
    for (const wrong of [other.csrfToken, `${client.csrfToken}x`, 'x', client.csrfToken.toLowerCase()]) {
      if (wrong === client.csrfToken) continue;
      assertAdminError(
        await client.call('POST', '/kill-switch', { on: false }, { csrf: wrong }),
        403,
        'PARAPET_ADMIN_FORBIDDEN',
      );
    }
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const path = method === 'PUT' ? '/global' : method === 'PATCH' ? '/users/anna' : '/tokens/none';
      assertAdminError(await client.call(method, path, {}, { csrf: false }), 403, 'PARAPET_ADMIN_FORBIDDEN');
    }
    // Nothing changed.
    assert.equal(await s.gw.store.getSetting('policy.global'), null);
    // Reads need no token; with the right one the change goes through.
    assert.equal((await client.call('GET', '/global', undefined, { csrf: false })).status, 200);
    const ok = await client.call('POST', '/kill-switch', { on: false });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal(ok.json.setting.updatedBy, 'alice');
  });

  test('bearer credentials are exempt', async () => {
    const token = await addToken(s.gw.store, 'csrf-exempt', 'admin');
    const res = await s.api('POST', '/kill-switch', { on: false }, { token });
    assert.equal(res.status, 200);
    assert.equal(res.json.setting.updatedBy, 'token:csrf-exempt');
    assert.equal((await s.api('POST', '/kill-switch', { on: false })).status, 200);
  });
});

describe('login limits', () => {
  test('5 failures for one name lock it for 15 minutes (429 with retry-after), even with the right password', async () => {
    await addUser(s.gw.store, 'lena', 'analyst');
    for (let i = 0; i < 5; i++) {
      const res = await rawCall(s.gw.url, 'POST', '/session', {
        name: 'lena',
        password: `wrong password ${i}`,
      });
      assertAdminError(res, 401, 'PARAPET_ADMIN_UNAUTHORIZED');
    }
    const locked = await rawCall(s.gw.url, 'POST', '/session', { name: 'lena', password: PASSWORD });
    assertAdminError(locked, 429, 'PARAPET_ADMIN_LOGIN_LOCKED');
    const retry = Number(locked.headers.get('retry-after'));
    assert.ok(retry > 890 && retry <= 900, String(retry));
    assert.equal(locked.json.error.retryAfterSeconds, retry);
    assert.deepEqual(locked.headers.getSetCookie(), []);
    const entries = await access().queryAudit({ actor: 'lena', action: 'login.failed', limit: 1 });
    assert.equal(entries[0]?.details?.['reason'], 'locked');
  });

  test('the lock is kept in the store: another replica on the same store refuses too', async () => {
    await addUser(s.gw.store, 'mira', 'analyst');
    for (let i = 0; i < 5; i++) {
      await rawCall(s.gw.url, 'POST', '/session', { name: 'mira', password: `nope nope nope ${i}` });
    }
    const lockedUntil = await access().loginLockedUntil(['name:mira'], new Date().toISOString());
    assert.ok(lockedUntil !== null);
    // A second gateway (replica) on the same data directory.
    const replica = await startTestGateway({
      config: adminTestConfig(s.mock),
      detectors: DETECTORS,
      dataDir: s.gw.dataDir,
    });
    try {
      const res = await rawCall(replica.url, 'POST', '/session', { name: 'mira', password: PASSWORD });
      assertAdminError(res, 429, 'PARAPET_ADMIN_LOGIN_LOCKED');
    } finally {
      await replica.close();
    }
  });

  test('5 failures from one address lock the address for every name', async () => {
    for (let i = 0; i < 5; i++) {
      await rawCall(s.gw.url, 'POST', '/session', { name: `guess-${i}`, password: 'wrong wrong wrong' });
    }
    assertAdminError(
      await rawCall(s.gw.url, 'POST', '/session', { name: 'alice', password: PASSWORD }),
      429,
      'PARAPET_ADMIN_LOGIN_LOCKED',
    );
  });

  test('a successful sign-in clears the failures of its name', async () => {
    for (let i = 0; i < 4; i++) {
      await rawCall(s.gw.url, 'POST', '/session', { name: 'anna', password: 'wrong wrong wrong' });
    }
    await signIn(s.gw.url, 'anna');
    // The address counter stays (4 failures): one more failure from here locks it, but not the name.
    assertAdminError(
      await rawCall(s.gw.url, 'POST', '/session', { name: 'anna', password: 'wrong wrong wrong' }),
      401,
      'PARAPET_ADMIN_UNAUTHORIZED',
    );
    assert.equal(await access().loginLockedUntil(['name:anna'], new Date().toISOString()), null);
  });
});

describe('accounts', () => {
  test('POST /users creates an account (201), GET /users lists them, never with passwords', async () => {
    const res = await s.api('POST', '/users', {
      name: 'Nora',
      role: 'policy_author',
      password: 'a long enough password',
    });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    assertShape(AdminUser, res.json);
    assert.deepEqual(
      {
        name: res.json.name,
        role: res.json.role,
        status: res.json.status,
        lastLoginAt: res.json.lastLoginAt,
      },
      { name: 'nora', role: 'policy_author', status: 'active', lastLoginAt: null },
    );
    const list = await s.api('GET', '/users');
    assertShape(UserList, list.json);
    assert.ok(list.json.users.some((u: { name: string }) => u.name === 'nora'));
    assert.ok(!JSON.stringify(list.json).includes('scrypt'));
    const nora = await signIn(s.gw.url, 'nora', 'a long enough password');
    assert.equal(nora.login.json.role, 'policy_author');
  });

  test('bad accounts are refused: short password, bad or reserved name, unknown role, taken name', async () => {
    const short = await s.api('POST', '/users', { name: 'pat', role: 'analyst', password: 'short pass' });
    assertAdminError(short, 400, 'PARAPET_REQUEST_INVALID');
    assert.match(short.json.error.message, /at least 12 characters/);
    for (const name of ['has space', '-dash', 'admin-token', 'x'.repeat(65), 'token:ci']) {
      assertAdminError(
        await s.api('POST', '/users', { name, role: 'analyst', password: PASSWORD }),
        400,
        'PARAPET_REQUEST_INVALID',
      );
    }
    assertAdminError(
      await s.api('POST', '/users', { name: 'pat', role: 'root', password: PASSWORD }),
      400,
      'PARAPET_REQUEST_INVALID',
    );
    const taken = await s.api('POST', '/users', { name: 'alice', role: 'analyst', password: PASSWORD });
    assertAdminError(taken, 409, 'PARAPET_ADMIN_CONFLICT');
  });

  test('PATCH /users/{name} changes the role at once (sessions included) and disabling ends sessions', async () => {
    await addUser(s.gw.store, 'olga', 'analyst');
    const olga = await signIn(s.gw.url, 'olga');
    assertAdminError(await olga.call('GET', '/users'), 403, 'PARAPET_ADMIN_FORBIDDEN');
    const promoted = await s.api('PATCH', '/users/olga', { role: 'auditor' });
    assert.equal(promoted.status, 200);
    assertShape(AdminUser, promoted.json);
    assert.equal(promoted.json.role, 'auditor');
    assert.equal((await olga.call('GET', '/users')).status, 200);
    const disabled = await s.api('PATCH', '/users/olga', { disabled: true });
    assert.equal(disabled.json.status, 'disabled');
    assertAdminError(await olga.call('GET', '/session'), 401, 'PARAPET_ADMIN_UNAUTHORIZED');
    assertAdminError(
      await rawCall(s.gw.url, 'POST', '/session', { name: 'olga', password: PASSWORD }),
      401,
      'PARAPET_ADMIN_UNAUTHORIZED',
    );
    await resetLoginAttempts(s.gw.store);
    const enabled = await s.api('PATCH', '/users/olga', { disabled: false });
    assert.equal(enabled.json.status, 'active');
    await signIn(s.gw.url, 'olga');
    assertAdminError(await s.api('PATCH', '/users/ghost', { role: 'admin' }), 404, 'PARAPET_ADMIN_NOT_FOUND');
    assertAdminError(await s.api('PATCH', '/users/olga', {}), 400, 'PARAPET_REQUEST_INVALID');
  });

  test('the last enabled admin account cannot be demoted or disabled through the API', async () => {
    const { store } = s.gw;
    // In this gateway alice is the only admin account.
    const admins = (await access().listUsers()).filter((u) => u.role === 'admin' && u.disabledAt === null);
    assert.deepEqual(
      admins.map((u) => u.name),
      ['alice'],
    );
    assertAdminError(
      await s.api('PATCH', '/users/alice', { role: 'analyst' }),
      409,
      'PARAPET_ADMIN_CONFLICT',
    );
    assertAdminError(await s.api('PATCH', '/users/alice', { disabled: true }), 409, 'PARAPET_ADMIN_CONFLICT');
    await addUser(store, 'second-admin', 'admin');
    const res = await s.api('PATCH', '/users/second-admin', { role: 'auditor' });
    assert.equal(res.status, 200);
  });
});

describe('API tokens', () => {
  test('POST /tokens shows the token once; only its SHA-256 is stored; it works with its role', async () => {
    const res = await s.api('POST', '/tokens', { name: 'ci-audit', role: 'auditor', expires: '30d' });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    assertShape(CreatedToken, res.json);
    const token: string = res.json.token;
    assert.match(token, /^pat_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    assert.equal(res.json.role, 'auditor');
    assert.equal(res.json.status, 'active');
    assert.equal(res.json.createdBy, 'admin-token');
    assert.ok(Math.abs(Date.parse(res.json.expiresAt) - (Date.now() + 30 * 86_400_000)) < 60_000);
    const stored = await access().getToken(res.json.id);
    const { createHash } = await import('node:crypto');
    assert.equal(stored?.hash, createHash('sha256').update(token).digest('hex'));
    const list = await s.api('GET', '/tokens');
    for (const t of list.json.tokens) assertShape(ApiToken, t);
    assert.ok(!JSON.stringify(list.json).includes(token.slice(4)));
    // The token carries its role: auditors read the audit trail but change nothing.
    assert.equal((await s.api('GET', '/audit', undefined, { token })).status, 200);
    assertAdminError(
      await s.api('POST', '/kill-switch', { on: true }, { token }),
      403,
      'PARAPET_ADMIN_FORBIDDEN',
    );
    const me = await s.api('GET', '/session', undefined, { token });
    assert.equal(me.json.user, 'token:ci-audit');
    assert.equal(me.json.kind, 'token');
    assert.ok((await access().getToken(res.json.id))?.lastUsedAt !== null);
    assert.ok(!s.gw.logs.join('').includes(token));
  });

  test('DELETE /tokens/{id} revokes at once; revoked, expired, malformed and unknown tokens are 401', async () => {
    const created = await s.api('POST', '/tokens', { name: 'short-lived', role: 'analyst' });
    const token: string = created.json.token;
    assert.equal((await s.api('GET', '/session', undefined, { token })).status, 200);
    const revoked = await s.api('DELETE', `/tokens/${created.json.id}`);
    assert.equal(revoked.status, 200);
    assertShape(ApiToken, revoked.json);
    assert.equal(revoked.json.status, 'revoked');
    // Idempotent.
    assert.equal((await s.api('DELETE', `/tokens/${created.json.id}`)).json.status, 'revoked');
    const refused = await s.api('GET', '/session', undefined, { token });
    assertAdminError(refused, 401, 'PARAPET_ADMIN_UNAUTHORIZED');
    assert.match(refused.json.error.message, /was revoked/);

    const expired = await addToken(
      s.gw.store,
      'expired-one',
      'admin',
      new Date(Date.now() - 1000).toISOString(),
    );
    const late = await s.api('GET', '/session', undefined, { token: expired });
    assertAdminError(late, 401, 'PARAPET_ADMIN_UNAUTHORIZED');
    assert.match(late.json.error.message, /expired/);
    for (const bad of [
      'pat_',
      `${token.slice(0, -1)}A`,
      'pat_aaaaaaaaaaaa_xyz',
      `pat_${'a'.repeat(12)}_${'b'.repeat(43)}`,
    ]) {
      assertAdminError(
        await s.api('GET', '/session', undefined, { token: bad }),
        401,
        'PARAPET_ADMIN_UNAUTHORIZED',
      );
    }
    assertAdminError(await s.api('DELETE', '/tokens/nope'), 404, 'PARAPET_ADMIN_NOT_FOUND');
  });

  test('token names are unique forever; expiry must be in the future', async () => {
    await s.api('POST', '/tokens', { name: 'once', role: 'analyst' });
    assertAdminError(
      await s.api('POST', '/tokens', { name: 'once', role: 'admin' }),
      409,
      'PARAPET_ADMIN_CONFLICT',
    );
    for (const expires of ['2001-01-01', 'soon', '0d']) {
      assertAdminError(
        await s.api('POST', '/tokens', { name: `exp-${expires}`, role: 'analyst', expires }),
        400,
        'PARAPET_REQUEST_INVALID',
      );
    }
  });
});

describe('authentication order', () => {
  test('the session cookie comes first, then an API token, then the admin token', async () => {
    const anna = await signIn(s.gw.url, 'anna');
    const adminToken = await addToken(s.gw.store, 'order-admin', 'admin');
    // Cookie and bearer together: the cookie's account (analyst) decides.
    const both = await anna.call('GET', '/session', undefined, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    assert.equal(both.json.user, 'anna');
    assertAdminError(
      await anna.call('GET', '/users', undefined, { headers: { authorization: `Bearer ${adminToken}` } }),
      403,
      'PARAPET_ADMIN_FORBIDDEN',
    );
    // A stale cookie does not hide a valid bearer credential.
    const stale = await rawCall(s.gw.url, 'GET', '/session', undefined, {
      cookie: `parapet_session=${'A'.repeat(43)}`,
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    assert.equal(stale.json.user, 'admin-token');
    // A stale cookie alone says to sign in again.
    const alone = await rawCall(s.gw.url, 'GET', '/global', undefined, { cookie: 'parapet_session=garbage' });
    assertAdminError(alone, 401, 'PARAPET_ADMIN_UNAUTHORIZED');
    assert.match(alone.json.error.message, /sign in again/);
    // A `pat_` credential is never tried as the admin token.
    assertAdminError(
      await s.api('GET', '/global', undefined, { token: `pat_${ADMIN_TOKEN}` }),
      401,
      'PARAPET_ADMIN_UNAUTHORIZED',
    );
  });
});

describe('audit trail', () => {
  test('every successful change is recorded with actor, kind, action template, target and a summary without secrets', async () => {
    const client = await signIn(s.gw.url, 'alice');
    const secretPassword = 'this one must never be logged';
    await client.call('POST', '/users', { name: 'quinn', role: 'analyst', password: secretPassword });
    const token = await client.call('POST', '/tokens', { name: 'audited', role: 'auditor' });
    await client.call('DELETE', `/tokens/${token.json.id}`);
    await client.call('PATCH', '/users/quinn', { role: 'reviewer' });
    // A refused change is not recorded as done.
    await client.call('PATCH', '/users/ghost', { role: 'reviewer' });

    const page = await client.call('GET', '/audit?actor=alice&limit=4');
    assert.equal(page.status, 200);
    assertShape(AuditPage, page.json);
    const [patch, revoke, create, user] = page.json.entries;
    assert.deepEqual(
      [patch.action, revoke.action, create.action, user.action],
      ['PATCH /users/{name}', 'DELETE /tokens/{id}', 'POST /tokens', 'POST /users'],
    );
    assert.deepEqual(patch.target, { name: 'quinn' });
    assert.deepEqual(patch.details, { body: { role: 'reviewer' }, result: { name: 'quinn' } });
    assert.deepEqual(revoke.target, { id: token.json.id });
    assert.deepEqual(create.details, {
      body: { name: 'audited', role: 'auditor' },
      result: { id: token.json.id, name: 'audited' },
    });
    assert.deepEqual(user.details, {
      body: { name: 'quinn', role: 'analyst', password: { omitted: 'secret' } },
      result: { name: 'quinn' },
    });
    for (const e of page.json.entries) {
      assert.equal(e.actorKind, 'user');
      assert.match(e.ip, /127\.0\.0\.1/);
    }
    const everything = JSON.stringify((await client.call('GET', '/audit?limit=10000')).json);
    assert.ok(!everything.includes(secretPassword));
    assert.ok(!everything.includes(token.json.token));
    assert.ok(!everything.includes(client.csrfToken));
  });

  test('policy text and messages are recorded by length only; bootstrap and token actors are named', async () => {
    const doc = 'default: allow\nrules: []\n';
    await s.api('POST', '/policies', { document: doc, comment: 'audited version' });
    await s.api('POST', '/kill-switch', { on: false, message: 'maintenance window tonight' });
    const entries = (await s.api('GET', '/audit?actor=admin-token&limit=2')).json.entries;
    assert.equal(entries[0].action, 'POST /kill-switch');
    assert.equal(entries[0].actorKind, 'bootstrap');
    assert.deepEqual(entries[0].details.body, { on: false, message: { omitted: 'text', length: 26 } });
    assert.equal(entries[1].action, 'POST /policies');
    assert.deepEqual(entries[1].details.body.document, { omitted: 'text', length: doc.length });
    assert.equal(entries[1].details.body.comment, 'audited version');
    assert.equal(typeof entries[1].details.result.version, 'number');
  });

  test('GET /audit filters by time and action and pages with `after`; reads are not recorded', async () => {
    const before = (await s.api('GET', '/audit?limit=10000')).json.entries.length;
    await s.api('GET', '/users');
    assert.equal((await s.api('GET', '/audit?limit=10000')).json.entries.length, before);

    const p1 = await s.api('GET', '/audit?limit=3');
    assert.equal(p1.json.entries.length, 3);
    assert.equal(p1.json.next, String(p1.json.entries[2].id));
    const p2 = await s.api('GET', `/audit?limit=3&after=${p1.json.next}`);
    assert.ok(p2.json.entries[0].id < p1.json.entries[2].id);
    const logins = await s.api('GET', '/audit?action=login&since=1h');
    assert.ok(logins.json.entries.length > 0);
    assert.ok(logins.json.entries.every((e: { action: string }) => e.action === 'login'));
    assert.equal((await s.api('GET', '/audit?until=2000-01-01')).json.entries.length, 0);
    assert.equal((await s.api('GET', '/audit?since=2000-01-01&limit=1')).json.next !== null, true);
    assertAdminError(await s.api('GET', '/audit?since=yesterday'), 400, 'PARAPET_REQUEST_INVALID');
    assertAdminError(await s.api('GET', '/audit?after=abc'), 400, 'PARAPET_REQUEST_INVALID');
  });

  test('the trail is append-only: no route changes or deletes it', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      assertAdminError(await s.api(method, '/audit', {}), 405, 'PARAPET_METHOD_NOT_ALLOWED');
    }
    assertAdminError(await s.api('DELETE', '/audit/1'), 404, 'PARAPET_ROUTE_NOT_FOUND');
  });
});

describe('switching on', () => {
  test('without admin.token the API is 404 until `parapet users add` creates an account, then sign-in works', async () => {
    const { admin: _none, ...config } = adminTestConfig(s.mock);
    const gw = await startTestGateway({ config, detectors: DETECTORS });
    try {
      const api = adminClient(gw.url);
      assertAdminError(
        await api('POST', '/session', { name: 'root', password: PASSWORD }),
        404,
        'PARAPET_ROUTE_NOT_FOUND',
      );
      assertAdminError(await api('GET', '/global'), 404, 'PARAPET_ROUTE_NOT_FOUND');
      let stdout = '';
      let stderr = '';
      const code = await runCli(['users', 'add', 'root', '--role', 'admin', '--data-dir', gw.dataDir], {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stderr += t) },
        stdin: (async function* () {
          yield `${PASSWORD}\n`;
        })(),
        env: {},
        cwd: gw.dataDir,
      });
      assert.equal(code, 0, stderr);
      assert.match(stdout, /created account root with role admin/);
      // The running gateway opens at once; the bootstrap token is not configured, so it opens nothing.
      const root = await signIn(gw.url, 'root');
      assert.equal(root.login.json.role, 'admin');
      assertAdminError(await api('GET', '/global'), 401, 'PARAPET_ADMIN_UNAUTHORIZED');
      assert.equal((await root.call('GET', '/global')).status, 200);
    } finally {
      await gw.close();
    }
  });
});
