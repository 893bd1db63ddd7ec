/**
 * The discovery admin routes over real HTTP: importing a log, services with usage, status and risk,
 * users of a service, candidates, runs, blocking a service (it lands in `global.blocked_apps`, and a
 * gateway request from an app of that name is blocked at once), the plain-text blocklist, and errors.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import {
  DiscoveredServiceList,
  DiscoveryCandidateList,
  DiscoveryImportResult,
  DiscoveryRunList,
  DiscoveryServiceStatusChanged,
  DiscoveryServiceUserList,
} from '../../src/admin/discovery/schemas.ts';
import { blocklistText } from '../../src/admin/discovery-routes.ts';
import { shippedServiceCatalog } from '../../src/discovery/catalog.ts';
import {
  ADMIN_TOKEN,
  type AdminSetup,
  assertAdminError,
  assertShape,
  startAdminSetup,
} from './admin-helpers.ts';

const FIXTURES = join(import.meta.dirname, '..', 'discovery', 'fixtures');
const squid = readFileSync(join(FIXTURES, 'squid-access.log'), 'utf8');

let s: AdminSetup;

before(async () => {
  s = await startAdminSetup();
});
after(() => s.close());

async function blocklist(query = ''): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${s.gw.url}/admin/api/v1/discovery/blocklist${query}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

async function chatAs(app: string): Promise<unknown> {
  const { key } = await s.gw.createKey({ app });
  const client = new OpenAI({ apiKey: key, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
  return client.chat.completions
    .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] })
    .then((r) => r.choices[0]?.message.content)
    .catch((e: unknown) => e);
}

describe('discovery routes', () => {
  test('before any import: no service seen, no candidate, no run, an empty blocklist', async () => {
    const services = await s.api('GET', '/discovery/services');
    assert.equal(services.status, 200);
    assertShape(DiscoveredServiceList, services.json);
    assert.deepEqual(services.json.services, []);
    assert.deepEqual((await s.api('GET', '/discovery/candidates')).json, { candidates: [] });
    assert.deepEqual((await s.api('GET', '/discovery/runs')).json, { runs: [] });
    assert.deepEqual(await blocklist(), { status: 200, type: 'text/plain; charset=utf-8', text: '' });
  });

  test('POST /discovery/import stores a run; the services, users, candidates and runs routes show it', async () => {
    const imported = await s.api('POST', '/discovery/import?format=squid', {
      content: squid,
      name: 'access.log',
    });
    assert.equal(imported.status, 200, JSON.stringify(imported.json));
    assertShape(DiscoveryImportResult, imported.json);
    assert.equal(imported.json.run.source, 'api');
    assert.equal(imported.json.run.actor, 'admin-token');
    assert.deepEqual(imported.json.run.files, ['access.log']);
    assert.deepEqual(
      imported.json.files[0].malformedSamples.map((m: { line: number }) => m.line),
      [8, 9, 10],
    );
    assert.deepEqual(
      imported.json.services.map((x: { id: string }) => x.id),
      ['chatgpt', 'anthropic-api', 'claude', 'deepseek'],
    );

    const services = await s.api('GET', '/discovery/services');
    assertShape(DiscoveredServiceList, services.json);
    const chatgpt = services.json.services[0];
    assert.equal(chatgpt.id, 'chatgpt');
    assert.deepEqual(chatgpt.usage, {
      users: 1,
      requests: 3,
      bytesUp: 0,
      bytesDown: 6042 + 1532 + 7781,
      firstSeen: '2024-06-20T14:29:11.123Z',
      lastSeen: '2024-06-20T14:29:34.500Z',
      hosts: 2,
    });
    assert.deepEqual(chatgpt.status, { status: 'unreviewed', note: null, updatedBy: null, updatedAt: null });
    assert.equal(chatgpt.risk.trains_on_user_data_by_default.value, true);
    assert.match(chatgpt.risk.trains_on_user_data_by_default.source, /^https:\/\/help\.openai\.com\//);
    assert.equal(services.json.catalogUpdated, shippedServiceCatalog().updated);

    const users = await s.api('GET', '/discovery/services/chatgpt/users');
    assertShape(DiscoveryServiceUserList, users.json);
    assert.deepEqual(users.json.service, { id: 'chatgpt', name: 'ChatGPT' });
    assert.deepEqual(
      users.json.users.map((u: { user: string; requests: number; hosts: string[] }) => [
        u.user,
        u.requests,
        u.hosts,
      ]),
      [['alice', 3, ['cdn.oaistatic.com', 'chatgpt.com']]],
    );

    const candidates = await s.api('GET', '/discovery/candidates?limit=10');
    assertShape(DiscoveryCandidateList, candidates.json);
    assert.deepEqual(
      candidates.json.candidates.map((c: { host: string; users: number; reason: string }) => [
        c.host,
        c.users,
        c.reason,
      ]),
      [['gpt4free.example.net', 1, '`gpt` in label `gpt4free`']],
    );

    const runs = await s.api('GET', '/discovery/runs');
    assertShape(DiscoveryRunList, runs.json);
    assert.deepEqual(runs.json.runs, [imported.json.run]);
  });

  test('the whole catalog with ?scope=all; filters by category and status', async () => {
    const all = await s.api('GET', '/discovery/services?scope=all');
    assert.equal(all.json.services.length, shippedServiceCatalog().services.length);
    // Seen services first (most requests), then the rest by name.
    assert.equal(all.json.services[0].id, 'chatgpt');
    const coding = await s.api('GET', '/discovery/services?scope=all&category=coding');
    assert.ok(coding.json.services.length > 10);
    assert.ok(coding.json.services.every((x: { category: string }) => x.category === 'coding'));
    const blocked = await s.api('GET', '/discovery/services?status=blocked');
    assert.deepEqual(blocked.json.services, []);
  });

  test('`store: false` answers the results without storing a run', async () => {
    const before = (await s.api('GET', '/discovery/runs')).json.runs.length;
    const res = await s.api('POST', '/discovery/import?format=csv', {
      content: readFileSync(join(FIXTURES, 'proxy.csv'), 'utf8'),
      store: false,
    });
    assert.equal(res.status, 200);
    assert.equal(res.json.run, null);
    assert.ok(res.json.services.some((x: { id: string }) => x.id === 'perplexity'));
    assert.equal((await s.api('GET', '/discovery/runs')).json.runs.length, before);
  });

  test('blocking a service adds it to global.blocked_apps at once; a gateway app of that name is blocked', async () => {
    assert.equal(await chatAs('chatgpt'), 'Mock reply to: hello');
    const res = await s.api('PUT', '/discovery/services/chatgpt/status', {
      status: 'blocked',
      note: 'use the gateway',
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assertShape(DiscoveryServiceStatusChanged, res.json);
    assert.equal(res.json.previousStatus, 'unreviewed');
    assert.equal(res.json.policyUpdated, true);
    assert.deepEqual(res.json.blockedApps, ['chatgpt']);
    assert.equal(res.json.service.status.status, 'blocked');
    assert.equal(res.json.service.status.note, 'use the gateway');
    assert.equal(res.json.service.status.updatedBy, 'admin-token');

    const global = await s.api('GET', '/global');
    assert.deepEqual(global.json.global.blocked_apps, ['chatgpt']);
    assert.equal(global.json.source, 'setting');

    const blocked = await chatAs('chatgpt');
    assert.ok(blocked instanceof OpenAI.APIError, String(blocked));
    assert.equal(blocked.status, 403);
    assert.equal(blocked.code, 'PARAPET_POLICY_BLOCKED');
    assert.equal(await chatAs('tests'), 'Mock reply to: hello');

    // Blocking again changes nothing in the policy.
    const again = await s.api('PUT', '/discovery/services/chatgpt/status', { status: 'blocked' });
    assert.deepEqual([again.json.previousStatus, again.json.policyUpdated], ['blocked', false]);

    const listed = await s.api('GET', '/discovery/services?status=blocked');
    assert.deepEqual(
      listed.json.services.map((x: { id: string }) => x.id),
      ['chatgpt'],
    );
  });

  test('the blocklist lists the blocked services’ domains as plain text (plain and squid styles)', async () => {
    await s.api('PUT', '/discovery/services/claude/status', { status: 'blocked' });
    const plain = await blocklist();
    assert.equal(plain.status, 200);
    assert.equal(plain.type, 'text/plain; charset=utf-8');
    const chatgpt = shippedServiceCatalog().get('chatgpt')!.domains;
    const claude = shippedServiceCatalog().get('claude')!.domains;
    assert.deepEqual(plain.text.trimEnd().split('\n'), [...chatgpt, ...claude].sort());
    const squidStyle = await blocklist('?style=squid');
    assert.deepEqual(squidStyle.text.trimEnd().split('\n'), [
      '.chatgpt.com',
      '.claude.ai',
      '.oaiusercontent.com',
      'cdn.oaistatic.com',
      'chat.openai.com',
    ]);
  });

  test('sanctioning a blocked service takes it out of global.blocked_apps; the app works again', async () => {
    const res = await s.api('PUT', '/discovery/services/chatgpt/status', { status: 'sanctioned' });
    assert.equal(res.status, 200);
    assert.deepEqual([res.json.previousStatus, res.json.policyUpdated], ['blocked', true]);
    assert.deepEqual(res.json.blockedApps, ['claude']);
    assert.equal(await chatAs('chatgpt'), 'Mock reply to: hello');
    assert.deepEqual(
      (await blocklist()).text.trimEnd().split('\n'),
      [...shippedServiceCatalog().get('claude')!.domains].sort(),
    );
    // A status for a service never seen in logs makes it part of the "seen" list too.
    const seen = await s.api('GET', '/discovery/services');
    assert.ok(seen.json.services.some((x: { id: string; usage: unknown }) => x.id === 'claude'));
  });

  test('errors: unknown service, invalid status, missing format, unreadable log, unknown fields', async () => {
    assertAdminError(
      await s.api('GET', '/discovery/services/not-a-service/users'),
      404,
      'PARAPET_ADMIN_NOT_FOUND',
    );
    assertAdminError(
      await s.api('PUT', '/discovery/services/not-a-service/status', { status: 'blocked' }),
      404,
      'PARAPET_ADMIN_NOT_FOUND',
    );
    const badStatus = await s.api('PUT', '/discovery/services/chatgpt/status', { status: 'maybe' });
    assertAdminError(badStatus, 400, 'PARAPET_REQUEST_INVALID');
    assert.match(
      badStatus.json.error.message,
      /`status`: must be one of `sanctioned`, `blocked`, `unreviewed`/,
    );
    assertAdminError(
      await s.api('POST', '/discovery/import', { content: squid }),
      400,
      'PARAPET_REQUEST_INVALID',
    );
    assertAdminError(
      await s.api('POST', '/discovery/import?format=syslog', { content: squid }),
      400,
      'PARAPET_REQUEST_INVALID',
    );
    const header = await s.api('POST', '/discovery/import?format=csv', { content: 'time,user\n1,2\n' });
    assertAdminError(header, 400, 'PARAPET_REQUEST_INVALID');
    assert.match(header.json.error.message, /no host or URL column/);
    assertAdminError(
      await s.api('POST', '/discovery/import?format=squid', { content: '' }),
      400,
      'PARAPET_REQUEST_INVALID',
    );
    assertAdminError(
      await s.api('POST', '/discovery/import?format=squid', { content: squid, extra: 1 }),
      400,
      'PARAPET_REQUEST_INVALID',
    );
    assertAdminError(await s.api('GET', '/discovery/runs?limit=0'), 400, 'PARAPET_REQUEST_INVALID');
    assertAdminError(await s.api('GET', '/discovery/blocklist?style=pf'), 400, 'PARAPET_REQUEST_INVALID');
  });
});

describe('blocklistText', () => {
  test('squid style drops entries already covered by a listed domain', () => {
    assert.equal(
      blocklistText(['x.com', '*.x.com', 'api.x.com', '*.eu.x.com', 'y.org', '*.y.org', 'z.net'], 'squid'),
      '.x.com\n.y.org\nz.net\n',
    );
    assert.equal(blocklistText(['b.com', '*.a.com', 'b.com'], 'plain'), '*.a.com\nb.com\n');
    assert.equal(blocklistText([], 'plain'), '');
  });
});
