/**
 * Identity through the running gateway: virtual keys in either header, keys created and revoked with the
 * CLI while the gateway runs, identity headers from a trusted proxy, and per-key model lists.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../src/cli/main.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const cwdRoot = mkdtempSync(join(tmpdir(), 'parapet-identity-'));
after(() => rmSync(cwdRoot, { recursive: true, force: true }));

/** Runs the CLI against the gateway's data directory with an empty environment. */
async function cli(
  gw: TestGateway,
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...argv, '--data-dir', gw.dataDir], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd: mkdtempSync(join(cwdRoot, 'cwd-')),
  });
  return { code, stdout, stderr };
}

async function chat(
  gw: TestGateway,
  headers: Record<string, string>,
  path = '/v1/chat/completions',
  // biome-ignore lint/suspicious/noExplicitAny: reading arbitrary wire JSON
): Promise<{ status: number; body: any }> {
  const body =
    path === '/v1/messages'
      ? { model: 'echo', max_tokens: 20, messages: [{ role: 'user', content: 'who am i' }] }
      : { model: 'echo', messages: [{ role: 'user', content: 'who am i' }] };
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

describe('virtual keys', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ config: { server: { key_cache_ttl_ms: 50 } } });
  });
  after(async () => {
    await gw.close();
  });

  test('a key works as Authorization: Bearer and as x-api-key, on both wire formats', async () => {
    for (const path of ['/v1/chat/completions', '/v1/messages']) {
      const bearer = await chat(gw, { authorization: `Bearer ${gw.key}` }, path);
      assert.equal(bearer.status, 200, JSON.stringify(bearer.body));
      const apiKey = await chat(gw, { 'x-api-key': gw.key, 'anthropic-version': '2023-06-01' }, path);
      assert.equal(apiKey.status, 200, JSON.stringify(apiKey.body));
    }
    const events = await gw.waitForEvents(4);
    assert.equal(events.length, 4);
    for (const ev of events) {
      assert.equal(ev.principal.keyId, gw.keyId);
      assert.equal(ev.principal.via, 'key');
    }
  });

  test('a key created with the CLI while the gateway runs works at once; revoked, it stops within the cache TTL', async () => {
    const created = await cli(gw, [
      'keys',
      'create',
      '--user',
      'bob',
      '--group',
      'ops',
      '--app',
      'cli-app',
      '--json',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const { key, id } = JSON.parse(created.stdout) as { key: string; id: string };
    const before = (await gw.events()).length;
    const ok = await chat(gw, { authorization: `Bearer ${key}` });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.choices[0].message.content, 'Echo: who am i');
    const events = await gw.waitForEvents(before + 1);
    assert.deepEqual(events[events.length - 1]?.principal, {
      keyId: id,
      user: 'bob',
      groups: ['ops'],
      app: 'cli-app',
      via: 'key',
    });

    const revoked = await cli(gw, ['keys', 'revoke', id]);
    assert.equal(revoked.code, 0, revoked.stderr);
    // The cached record is older than key_cache_ttl_ms (50) once this wait is over.
    await new Promise((r) => setTimeout(r, 120));
    const refused = await chat(gw, { authorization: `Bearer ${key}` });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error.code, 'PARAPET_AUTH_REVOKED_KEY');
    const anthropic = await chat(gw, { 'x-api-key': key, 'anthropic-version': '2023-06-01' }, '/v1/messages');
    assert.equal(anthropic.status, 401);
    assert.equal(anthropic.body.type, 'error');
    assert.equal(anthropic.body.error.code, 'PARAPET_AUTH_REVOKED_KEY');
    // The gateway's own key is untouched.
    assert.equal((await chat(gw, { authorization: `Bearer ${gw.key}` })).status, 200);
  });

  test('/v1/models lists only the models a key may use', async () => {
    const all = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${gw.key}` } });
    assert.equal(all.status, 200);
    const allIds = ((await all.json()) as { data: { id: string }[] }).data.map((m) => m.id).sort();
    assert.deepEqual(allIds, ['echo', 'echo-embedding']);

    const limited = await gw.createKey({ models: ['echo-embedding'] });
    const res = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${limited.key}` } });
    const body = (await res.json()) as { object: string; data: { id: string }[] };
    assert.equal(body.object, 'list');
    assert.deepEqual(
      body.data.map((m) => m.id),
      ['echo-embedding'],
    );
    const anthropicShape = await fetch(`${gw.url}/v1/models`, {
      headers: { 'x-api-key': limited.key, 'anthropic-version': '2023-06-01' },
    });
    const anthropicBody = (await anthropicShape.json()) as { data: { id: string; type: string }[] };
    assert.deepEqual(
      anthropicBody.data.map((m) => [m.type, m.id]),
      [['model', 'echo-embedding']],
    );
    const refused = await chat(gw, { authorization: `Bearer ${limited.key}` });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'PARAPET_AUTH_MODEL_NOT_ALLOWED');
    const unauthenticated = await fetch(`${gw.url}/v1/models`);
    assert.equal(unauthenticated.status, 401);
  });
});

describe('trusted identity headers', () => {
  const identity = {
    'x-parapet-user': 'carol',
    'x-parapet-groups': 'finance, audit',
    'x-parapet-app': 'sso-portal',
  };

  async function withGateway(
    trusted: Record<string, unknown>,
    run: (gw: TestGateway) => Promise<void>,
  ): Promise<void> {
    const gw = await startTestGateway({ config: { server: { trusted_identity: trusted } } });
    try {
      await run(gw);
    } finally {
      await gw.close();
    }
  }

  test('accepted from a configured source when enabled; the event carries them', async () => {
    await withGateway({ enabled: true, sources: ['127.0.0.1'] }, async (gw) => {
      const res = await chat(gw, identity);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const [ev] = await gw.waitForEvents(1);
      assert.deepEqual(ev?.principal, {
        keyId: null,
        user: 'carol',
        groups: ['finance', 'audit'],
        app: 'sso-portal',
        via: 'trusted-header',
      });
      // A key, when present, wins over the headers.
      const keyed = await chat(gw, { ...identity, authorization: `Bearer ${gw.key}` });
      assert.equal(keyed.status, 200);
      const events = await gw.waitForEvents(2);
      assert.equal(events[1]?.principal.via, 'key');
      assert.equal(events[1]?.principal.user, 'alice');
      // Without the user header there is no identity.
      const noUser = await chat(gw, { 'x-parapet-groups': 'finance' });
      assert.equal(noUser.status, 401);
      assert.equal(noUser.body.error.code, 'PARAPET_AUTH_MISSING_KEY');
    });
  });

  test('custom header names and a CIDR source', async () => {
    await withGateway(
      {
        enabled: true,
        sources: ['127.0.0.0/8'],
        headers: { user: 'x-sso-user', groups: 'x-sso-groups', app: 'x-sso-app' },
      },
      async (gw) => {
        const ignored = await chat(gw, identity);
        assert.equal(ignored.status, 401);
        const res = await chat(gw, { 'x-sso-user': 'dave', 'x-sso-groups': 'ml', 'x-sso-app': 'notebook' });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const events = await gw.waitForEvents(2);
        const ev = events.find((e) => e.principal.via === 'trusted-header');
        assert.deepEqual(ev?.principal, {
          keyId: null,
          user: 'dave',
          groups: ['ml'],
          app: 'notebook',
          via: 'trusted-header',
        });
      },
    );
  });

  test('ignored when disabled', async () => {
    await withGateway({ enabled: false, sources: ['127.0.0.1'] }, async (gw) => {
      const res = await chat(gw, identity);
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'PARAPET_AUTH_MISSING_KEY');
      const [ev] = await gw.waitForEvents(1);
      assert.equal(ev?.principal.via, 'anonymous');
      assert.equal(ev?.principal.user, null);
    });
  });

  test('ignored when the request does not come from a listed source', async () => {
    await withGateway({ enabled: true, sources: ['10.0.0.0/8', '192.0.2.7'] }, async (gw) => {
      const res = await chat(gw, identity);
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'PARAPET_AUTH_MISSING_KEY');
      const [ev] = await gw.waitForEvents(1);
      assert.equal(ev?.principal.via, 'anonymous');
    });
  });
});
