/**
 * `admin.trusted_proxies`: behind a TLS-terminating reverse proxy, the admin API takes the client address
 * (sign-in limits, audit trail) and TLS (the Secure cookie attribute) from X-Forwarded-For and
 * X-Forwarded-Proto, but only when the socket's peer is a configured proxy. Tests talk from 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accessStoreFor } from '../../src/store/access-store.ts';
import { addUser, PASSWORD, parseSetCookie, rawCall } from './access-helpers.ts';
import { type AdminSetup, adminTestConfig, assertAdminError, startAdminSetup } from './admin-helpers.ts';

function signIn(s: AdminSetup, name: string, headers: Record<string, string>, password = PASSWORD) {
  return rawCall(s.gw.url, 'POST', '/session', { name, password }, headers);
}

async function lastLoginIp(s: AdminSetup, name: string): Promise<string | null | undefined> {
  const entries = await accessStoreFor(s.gw.store.sql).queryAudit({ actor: name, limit: 1 });
  return entries[0]?.ip;
}

describe('admin.trusted_proxies set to the proxy (127.0.0.1)', () => {
  let s: AdminSetup;
  before(async () => {
    s = await startAdminSetup({
      config: (mock) => adminTestConfig(mock, { admin: { token: null, trusted_proxies: ['127.0.0.1/32'] } }),
    });
    await addUser(s.gw.store, 'pia', 'analyst');
    await addUser(s.gw.store, 'ole', 'analyst');
  });
  after(() => s.close());

  test('X-Forwarded-Proto https marks the session cookie Secure; the forwarded client is recorded', async () => {
    const res = await signIn(s, 'pia', { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const cookie = parseSetCookie(res.headers.getSetCookie()[0]!);
    assert.ok(cookie.attributes.has('secure'));
    assert.equal(await lastLoginIp(s, 'pia'), '203.0.113.7');
  });

  test('the client is the rightmost untrusted hop: addresses the client wrote further left are ignored', async () => {
    const res = await signIn(s, 'pia', {
      'x-forwarded-for': '198.51.100.1, 203.0.113.9, 127.0.0.1',
      'x-forwarded-proto': 'http',
    });
    assert.equal(res.status, 200);
    assert.ok(!parseSetCookie(res.headers.getSetCookie()[0]!).attributes.has('secure'));
    assert.equal(await lastLoginIp(s, 'pia'), '203.0.113.9');
  });

  test('sign-in limits apply per forwarded client: one locked client does not lock the others', async () => {
    for (let i = 0; i < 5; i++) {
      await signIn(s, `guess-${i}`, { 'x-forwarded-for': '192.0.2.66' }, 'wrong wrong wrong');
    }
    assertAdminError(
      await signIn(s, 'ole', { 'x-forwarded-for': '192.0.2.66' }),
      429,
      'PARAPET_ADMIN_LOGIN_LOCKED',
    );
    const other = await signIn(s, 'ole', { 'x-forwarded-for': '192.0.2.67' });
    assert.equal(other.status, 200, JSON.stringify(other.json));
  });
});

describe('admin.trusted_proxies empty (the default)', () => {
  let s: AdminSetup;
  before(async () => {
    s = await startAdminSetup({ config: (mock) => adminTestConfig(mock, { admin: { token: null } }) });
    await addUser(s.gw.store, 'uma', 'analyst');
  });
  after(() => s.close());

  test('forwarding headers are ignored: no Secure over plain HTTP, the socket address is recorded', async () => {
    const res = await signIn(s, 'uma', { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' });
    assert.equal(res.status, 200);
    assert.ok(!parseSetCookie(res.headers.getSetCookie()[0]!).attributes.has('secure'));
    const ip = await lastLoginIp(s, 'uma');
    assert.ok(ip === '127.0.0.1' || ip === '::ffff:127.0.0.1', String(ip));
  });
});
