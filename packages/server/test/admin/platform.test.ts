/**
 * The platform routes over real HTTP: virtual keys (created keys work on the gateway at once, revoked
 * ones stop; listings never carry secrets or hashes), and the SIEM sink's run-time settings, end to end:
 * a request through the gateway reaches a loopback SIEM receiver as a signed NDJSON line with its
 * content masked, after the sink is switched on through the admin API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KeyList, KeySummary, NewKey, RevokedKey, SiemView } from '../../src/admin/platform-schemas.ts';
import { hashVirtualKey, parseVirtualKey } from '../../src/identity/virtual-keys.ts';
import { SIEM_SETTINGS_KEY, SiemRecord } from '../../src/siem/index.ts';
import { type SiemReceiver, startSiemReceiver } from '../siem/siem-receiver.ts';
import {
  type AdminSetup,
  adminTestConfig,
  assertAdminError,
  assertShape,
  startAdminSetup,
} from './admin-helpers.ts';

const SIEM_SECRET = 'platform-test-siem-secret-2b9e4f1a';

let s: AdminSetup;
let receiver: SiemReceiver;

before(async () => {
  receiver = await startSiemReceiver(SIEM_SECRET);
  s = await startAdminSetup({
    config: (mock) =>
      adminTestConfig(mock, {
        // Keys are looked up on every request, so a revocation applies at once.
        server: { key_cache_ttl_ms: 0 },
        events: { content_mode: 'encrypted' },
        // The sink is off in the file; it polls its run-time setting often.
        siem: { flush_interval_ms: 50 },
      }),
  });
});

after(async () => {
  await s?.close();
  await receiver?.close();
});

/** A chat request through the gateway with `key`; answers the HTTP status. */
async function chat(key: string, content = 'hello'): Promise<number> {
  const res = await fetch(`${s.gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('keys', () => {
  test('create: the key is answered once, works at once, and is stored only as its hash', async () => {
    const created = await s.api('POST', '/keys', {
      user: 'bob',
      groups: ['eng', 'ml', 'eng'],
      app: 'notebook',
      models: ['gpt-4o-mini'],
      expires: '30d',
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assertShape(NewKey, created.json);
    const { key, id } = created.json;
    assert.deepEqual(parseVirtualKey(key), { id });
    assert.deepEqual(created.json.groups, ['eng', 'ml']);
    assert.equal(created.json.status, 'ok');
    const days = (Date.parse(created.json.expiresAt) - Date.parse(created.json.createdAt)) / 86_400_000;
    assert.equal(days, 30);
    const stored = await s.gw.store.findKey(id);
    assert.equal(stored?.hash, hashVirtualKey(key));
    assert.equal(await chat(key), 200);

    const listed = await s.api('GET', '/keys');
    assert.equal(listed.status, 200);
    assertShape(KeyList, listed.json);
    const text = JSON.stringify(listed.json);
    assert.ok(!text.includes(key) && !text.includes(hashVirtualKey(key)), 'never the secret or its hash');
    assert.ok(!text.includes('"hash"'));
    assert.equal(listed.json.keys.find((k: { id: string }) => k.id === id)?.user, 'bob');

    const one = await s.api('GET', `/keys/${id}`);
    assert.equal(one.status, 200);
    assertShape(KeySummary, one.json);
    assert.deepEqual(
      one.json,
      listed.json.keys.find((k: { id: string }) => k.id === id),
    );
  });

  test('create with nothing: a key for every model, no user, no expiry', async () => {
    const created = await s.api('POST', '/keys');
    assert.equal(created.status, 201);
    assert.equal(created.json.user, null);
    assert.equal(created.json.models, null);
    assert.equal(created.json.expiresAt, null);
    assert.deepEqual(created.json.groups, []);
  });

  test('revoke: the gateway refuses the key; revoking again is a no-op that says so', async () => {
    const { json } = await s.api('POST', '/keys', { user: 'carol' });
    assert.equal(await chat(json.key), 200);
    const revoked = await s.api('DELETE', `/keys/${json.id}`);
    assert.equal(revoked.status, 200);
    assertShape(RevokedKey, revoked.json);
    assert.equal(revoked.json.status, 'revoked');
    assert.equal(revoked.json.alreadyRevoked, false);
    assert.equal(await chat(json.key), 401);
    const again = await s.api('DELETE', `/keys/${json.id}`);
    assert.equal(again.json.alreadyRevoked, true);
    assert.equal(again.json.revokedAt, revoked.json.revokedAt);
  });

  test('bad input and unknown ids get clear errors', async () => {
    const past = await s.api('POST', '/keys', { expires: '2020-01-01' });
    assertAdminError(past, 400, 'PARAPET_REQUEST_INVALID');
    assert.match(past.json.error.message, /`expires`.*in the past/);
    const nonsense = await s.api('POST', '/keys', { expires: 'soon' });
    assertAdminError(nonsense, 400, 'PARAPET_REQUEST_INVALID');
    assert.match(nonsense.json.error.message, /duration such as `30d`/);
    assertAdminError(await s.api('POST', '/keys', { models: [] }), 400, 'PARAPET_REQUEST_INVALID');
    assertAdminError(await s.api('POST', '/keys', { user: '' }), 400, 'PARAPET_REQUEST_INVALID');
    assertAdminError(await s.api('POST', '/keys', { hash: 'x' }), 400, 'PARAPET_REQUEST_INVALID');
    assertAdminError(await s.api('GET', '/keys/nope'), 404, 'PARAPET_ADMIN_NOT_FOUND');
    assertAdminError(await s.api('DELETE', '/keys/nope'), 404, 'PARAPET_ADMIN_NOT_FOUND');
    assertAdminError(
      await s.api('GET', '/keys', undefined, { token: null }),
      401,
      'PARAPET_ADMIN_UNAUTHORIZED',
    );
  });
});

describe('SIEM sink settings', () => {
  test('off by default: the config file has no URL', async () => {
    const res = await s.api('GET', '/siem');
    assert.equal(res.status, 200);
    assertShape(SiemView, res.json);
    assert.equal(res.json.source, 'config');
    assert.equal(res.json.settings.enabled, false);
    assert.equal(res.json.settings.url, null);
    assert.equal(res.json.settings.secretSet, false);
    assert.equal(res.json.status.cursor, null);
  });

  test('switching it on without a URL or a secret is refused', async () => {
    const noUrl = await s.api('PUT', '/siem', { enabled: true });
    assertAdminError(noUrl, 400, 'PARAPET_REQUEST_INVALID');
    assert.match(noUrl.json.error.message, /`url`/);
    const noSecret = await s.api('PUT', '/siem', { enabled: true, url: receiver.url });
    assertAdminError(noSecret, 400, 'PARAPET_REQUEST_INVALID');
    assert.match(noSecret.json.error.message, /`secret`/);
    assertAdminError(await s.api('PUT', '/siem', { secret: 'short' }), 400, 'PARAPET_REQUEST_INVALID');
    assertAdminError(await s.api('PUT', '/siem', { url: 'ftp://x.example' }), 400, 'PARAPET_REQUEST_INVALID');
    assert.equal(await s.gw.store.getSetting(SIEM_SETTINGS_KEY), null, 'nothing written');
  });

  test('on at run time: gateway traffic reaches the receiver signed, masked, once', async () => {
    assert.equal(await chat(s.gw.key, 'write to alice@example.com about the lawsuit'), 200);
    await s.gw.waitForEvents(1);
    const on = await s.api('PUT', '/siem', {
      enabled: true,
      url: `${receiver.url}?token=abc123`,
      secret: SIEM_SECRET,
      delayMs: 0,
      start: 'beginning',
      flushIntervalMs: 100,
      batchSize: 50,
    });
    assert.equal(on.status, 200, JSON.stringify(on.json));
    assertShape(SiemView, on.json);
    assert.equal(on.json.source, 'setting');
    assert.equal(on.json.settings.enabled, true);
    assert.equal(on.json.settings.secretSet, true);
    assert.equal(on.json.settings.url, `${receiver.url}?token=***`);
    assert.ok(!JSON.stringify(on.json).includes(SIEM_SECRET));
    const stored = await s.gw.store.getSetting(SIEM_SETTINGS_KEY);
    assert.ok(!JSON.stringify(stored?.value).includes(SIEM_SECRET), 'the secret is stored encrypted');
    assert.match(String((stored?.value as { secret?: string } | undefined)?.secret), /^v1:/);

    const deadline = Date.now() + 10_000;
    while (receiver.events().length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const delivery = receiver.accepted()[0];
    assert.ok(delivery, 'a delivery arrived');
    assert.equal(delivery.verified, true);
    const records = receiver.events().map((r) => SiemRecord.parse(r));
    const event = records.find((r) => r.route === 'chat.completions' && r.principal.user === 'alice');
    assert.ok(event, 'the chat request is exported');
    assert.equal(event.contentMode, 'encrypted');
    assert.equal(event.contentStatus, 'redacted');
    assert.ok(event.content?.input.some((seg) => seg.text.includes('write to [EMAIL_ADDRESS] about')));
    const all = receiver.received.map((d) => d.body).join('');
    assert.ok(!all.includes('alice@example.com'), 'the masked value never leaves the gateway');
    assert.ok(!s.gw.logs.join('').includes(SIEM_SECRET), 'nor is the secret logged');

    const status = await s.api('GET', '/siem');
    assert.ok(status.json.status.stats.events >= 1);
    assert.equal(status.json.status.lease.active, true);
    assert.equal(status.json.status.failures, 0);
    assert.notEqual(status.json.status.cursor, null);
    assert.equal(status.json.setting.updatedBy, 'admin-token');
  });

  test('changing one field keeps the others (the secret included); off stops the export', async () => {
    const changed = await s.api('PUT', '/siem', { batchSize: 7 });
    assert.equal(changed.status, 200);
    assert.equal(changed.json.settings.batchSize, 7);
    assert.equal(changed.json.settings.secretSet, true);
    assert.equal(changed.json.settings.enabled, true);
    const off = await s.api('PUT', '/siem', { enabled: false });
    assert.equal(off.json.settings.enabled, false);
    // The sink gives its lease up at its next round.
    const deadline = Date.now() + 5000;
    let lease = (await s.api('GET', '/siem')).json.status.lease;
    while (lease !== null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      lease = (await s.api('GET', '/siem')).json.status.lease;
    }
    assert.equal(lease, null);
    const before = receiver.received.length;
    assert.equal(await chat(s.gw.key), 200);
    await s.gw.waitForEvents(3);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(receiver.received.length, before, 'nothing is sent while off');
  });
});
