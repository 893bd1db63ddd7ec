/**
 * The pieces of admin access without HTTP: password hashing, credentials, session expiry (idle and
 * absolute, with an injected clock), and the audit summariser.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { automaticAuditDetails, MAX_AUDIT_DETAILS_CHARS, recordAudit } from '../../src/admin/auth/audit.ts';
import { createAuthenticator } from '../../src/admin/auth/authenticate.ts';
import {
  csrfTokenFor,
  generateApiToken,
  newSessionSecret,
  parseApiToken,
  readCookie,
  sessionCookie,
  sha256Hex,
} from '../../src/admin/auth/credentials.ts';
import {
  dummyVerify,
  hashPassword,
  passwordProblem,
  SCRYPT_PARAMS,
  verifyPassword,
} from '../../src/admin/auth/passwords.ts';
import { type AccessStore, accessStoreFor } from '../../src/store/access-store.ts';
import { createSqliteStore, type Store } from '../../src/store/index.ts';
import { tempDir } from '../store/store-fixtures.ts';

describe('passwords', () => {
  test('scrypt N=2^15 r=8 p=1 with a 16-byte salt, encoded scrypt$N$r$p$salt$hash', async () => {
    const encoded = await hashPassword('correct horse battery staple');
    const parts = encoded.split('$');
    assert.deepEqual(parts.slice(0, 4), ['scrypt', '32768', '8', '1']);
    assert.equal(Buffer.from(parts[4]!, 'base64url').length, 16);
    assert.equal(Buffer.from(parts[5]!, 'base64url').length, SCRYPT_PARAMS.keyLength);
    assert.equal(await verifyPassword('correct horse battery staple', encoded), true);
    assert.equal(await verifyPassword('correct horse battery stapl', encoded), false);
    // A fresh salt each time.
    assert.notEqual(await hashPassword('correct horse battery staple'), encoded);
  });

  test('NFKC: the same password typed in another Unicode form verifies', async () => {
    const encoded = await hashPassword('caf\u00e9 au lait, s\u2019il vous pla\u00eet');
    assert.equal(await verifyPassword('cafe\u0301 au lait, s\u2019il vous pla\u00eet', encoded), true);
  });

  test('unreadable or tampered encodings never verify (and do not run an absurd cost)', async () => {
    const good = await hashPassword('correct horse battery staple');
    const [, , r, p, salt, hash] = good.split('$');
    for (const bad of [
      '',
      'bcrypt$2b$10$abc',
      `scrypt$3$${r}$${p}$${salt}$${hash}`,
      `scrypt$${2 ** 24}$${r}$${p}$${salt}$${hash}`,
      `scrypt$32768$999$${p}$${salt}$${hash}`,
      `scrypt$32768$${r}$${p}$$${hash}`,
      `scrypt$32768$${r}$${p}$${salt}$`,
      `scrypt$32768$x$${p}$${salt}$${hash}`,
    ]) {
      assert.equal(await verifyPassword('correct horse battery staple', bad), false, bad);
    }
  });

  test('the dummy check costs about as much as a real one', async () => {
    const encoded = await hashPassword('correct horse battery staple');
    const time = async (work: () => Promise<unknown>) => {
      const start = performance.now();
      for (let i = 0; i < 3; i++) await work();
      return performance.now() - start;
    };
    const real = await time(() => verifyPassword('wrong password here', encoded));
    const dummy = await time(() => dummyVerify('wrong password here'));
    assert.ok(dummy > real / 3 && dummy < real * 3, `real ${real} ms, dummy ${dummy} ms`);
  });

  test('at least 12 characters (code points), at most 1024', () => {
    assert.match(passwordProblem('elevenchars')!, /at least 12 characters long \(it has 11\)/);
    assert.equal(passwordProblem('twelve chars'), null);
    assert.match(passwordProblem('😀'.repeat(11))!, /it has 11/);
    assert.match(passwordProblem('x'.repeat(1025))!, /at most 1024/);
  });
});

describe('credentials', () => {
  test('API tokens: pat_<12 base32>_<43 base64url>, parsed back to their id, anything else refused', () => {
    const made = generateApiToken();
    assert.match(made.token, /^pat_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(parseApiToken(made.token), { id: made.id });
    assert.equal(made.hash, sha256Hex(made.token));
    for (const bad of [
      '',
      made.token.slice(0, -1),
      `${made.token}x`,
      made.token.replace('pat_', 'pak_'),
      `pat_${'A'.repeat(12)}_${'b'.repeat(43)}`,
      `pat_${'a'.repeat(12)}-${'b'.repeat(43)}`,
      `pat_${'a'.repeat(12)}_${'b'.repeat(42)}!`,
    ]) {
      assert.equal(parseApiToken(bad), null, bad);
    }
  });

  test('the CSRF token is bound to the session secret', () => {
    const a = newSessionSecret();
    const b = newSessionSecret();
    assert.equal(csrfTokenFor(a), csrfTokenFor(a));
    assert.notEqual(csrfTokenFor(a), csrfTokenFor(b));
    assert.notEqual(csrfTokenFor(a), a);
  });

  test('cookies: the attribute set, and reading one cookie among others', () => {
    assert.equal(
      sessionCookie('abc', { maxAgeSeconds: 3600, secure: false }),
      'parapet_session=abc; HttpOnly; SameSite=Strict; Path=/; Max-Age=3600',
    );
    assert.equal(
      sessionCookie('abc', { maxAgeSeconds: 3600, secure: true }),
      'parapet_session=abc; HttpOnly; SameSite=Strict; Path=/; Max-Age=3600; Secure',
    );
    assert.equal(readCookie('a=1; parapet_session=xyz; b=2', 'parapet_session'), 'xyz');
    assert.equal(readCookie('parapet_session_old=1', 'parapet_session'), null);
    assert.equal(readCookie(undefined, 'parapet_session'), null);
    assert.equal(readCookie('parapet_session="q"', 'parapet_session'), 'q');
  });
});

describe('session expiry (injected clock)', () => {
  let store: Store;
  let access: AccessStore;
  let remove: () => void;
  let nowMs = Date.UTC(2025, 0, 1, 9, 0, 0);
  const clock = { wallMs: () => nowMs };
  const MINUTE = 60_000;

  before(async () => {
    const tmp = tempDir('parapet-auth-');
    remove = tmp.remove;
    store = createSqliteStore({ dataDir: tmp.dir, writerThread: false });
    access = accessStoreFor(store.sql);
    await access.createUser({
      id: 'usr_e',
      name: 'erin',
      role: 'analyst',
      passwordHash: 'x',
      createdAt: new Date(nowMs).toISOString(),
      disabledAt: null,
      lastLoginAt: null,
    });
  });
  after(async () => {
    await store.close();
    remove();
  });

  const authenticate = () =>
    createAuthenticator({
      access,
      bootstrapToken: null,
      lifetimes: { ttlMs: 60 * MINUTE, idleMs: 10 * MINUTE },
      clock,
    });
  const request = (secret: string) =>
    ({ headers: { cookie: `parapet_session=${secret}` } }) as IncomingMessage;
  const open = async () => {
    const secret = newSessionSecret();
    const now = new Date(nowMs).toISOString();
    await access.createSession({
      idHash: sha256Hex(secret),
      userId: 'usr_e',
      csrfHash: sha256Hex(csrfTokenFor(secret)),
      createdAt: now,
      expiresAt: new Date(nowMs + 60 * MINUTE).toISOString(),
      lastSeenAt: now,
    });
    return secret;
  };

  test('a session unused for the idle limit ends; use keeps it alive', async () => {
    const auth = authenticate();
    const secret = await open();
    nowMs += 9 * MINUTE;
    const used = await auth(request(secret), '10.0.0.1');
    assert.equal(used.kind, 'ok');
    assert.deepEqual(used.kind === 'ok' && used.actor, {
      name: 'erin',
      role: 'analyst',
      kind: 'user',
      ip: '10.0.0.1',
    });
    nowMs += 9 * MINUTE;
    assert.equal((await auth(request(secret), null)).kind, 'ok');
    nowMs += 10 * MINUTE + 1;
    const idle = await auth(request(secret), null);
    assert.equal(idle.kind, 'refused');
    // The ended session is deleted.
    assert.equal(await access.findSession(sha256Hex(secret)), null);
  });

  test('a session in use still ends at its absolute expiry', async () => {
    const auth = authenticate();
    const secret = await open();
    for (let i = 0; i < 7; i++) {
      nowMs += 8 * MINUTE;
      assert.equal((await auth(request(secret), null)).kind, 'ok', `step ${i}`);
    }
    nowMs += 5 * MINUTE; // 61 minutes after sign-in
    assert.equal((await auth(request(secret), null)).kind, 'refused');
  });

  test('a disabled account ends its sessions at the next request', async () => {
    const auth = authenticate();
    const secret = await open();
    assert.equal((await auth(request(secret), null)).kind, 'ok');
    await access.updateUser('erin', { disabledAt: new Date(nowMs).toISOString() });
    assert.equal((await auth(request(secret), null)).kind, 'refused');
    await access.updateUser('erin', { disabledAt: null });
  });

  test('no credential at all is `none`, not `refused`', async () => {
    assert.deepEqual(await authenticate()({ headers: {} } as IncomingMessage, null), { kind: 'none' });
  });

  test('recordAudit appends with the clock and the actor address; oversized details are replaced', async () => {
    const deps = { store, clock };
    const entry = await recordAudit(
      deps,
      { name: 'erin', role: 'reviewer', kind: 'user', ip: '10.0.0.9' },
      'events.reveal',
      { event: 'evt_1' },
      { reason: 'false-positive review' },
    );
    assert.deepEqual(
      { ...entry, id: 0 },
      {
        id: 0,
        time: new Date(nowMs).toISOString(),
        actor: 'erin',
        actorKind: 'user',
        action: 'events.reveal',
        target: { event: 'evt_1' },
        details: { reason: 'false-positive review' },
        ip: '10.0.0.9',
      },
    );
    const big = await recordAudit(deps, { name: 'x', kind: 'cli', ip: null }, 'x', null, {
      blob: 'y'.repeat(MAX_AUDIT_DETAILS_CHARS),
    });
    assert.deepEqual(big.details, { truncated: true, chars: MAX_AUDIT_DETAILS_CHARS + 11 });
  });
});

describe('automatic audit details', () => {
  test('numbers, booleans and chosen words are kept; other text by length; secrets not at all', () => {
    const details = automaticAuditDetails(
      {
        on: true,
        limit: 5,
        name: 'ci',
        role: 'admin',
        password: 'hunter2hunter2',
        document: 'rules: []',
        hmac_secret: 'shh',
        api_key: 'sk-1',
        message: 'hello',
        blocked_models: ['gpt-4o'],
        blocked_keys: ['key_1'],
        nested: { reason: 'why', content: 'prompt text', deeper: { deepest: { x: 1 } } },
        many: Array.from({ length: 3 }, () => 'item'),
      },
      { id: 'tok_1', token: 'pat_secret', version: 3, other: 'x' },
    );
    assert.deepEqual(details, {
      body: {
        on: true,
        limit: 5,
        name: 'ci',
        role: 'admin',
        password: { omitted: 'secret' },
        document: { omitted: 'text', length: 9 },
        hmac_secret: { omitted: 'secret' },
        api_key: { omitted: 'secret' },
        message: { omitted: 'text', length: 5 },
        blocked_models: ['gpt-4o'],
        blocked_keys: ['key_1'],
        nested: {
          reason: 'why',
          content: { omitted: 'text', length: 11 },
          deeper: { deepest: { omitted: 'object' } },
        },
        many: { omitted: 'list', length: 3 },
      },
      result: { id: 'tok_1', version: 3 },
    });
    assert.equal(automaticAuditDetails(undefined, null), null);
    assert.equal(automaticAuditDetails({}, []), null);
  });
});
