/**
 * The run-time global section through the admin API over real HTTP: reading it, replacing it, the kill
 * switch; and an OpenAI SDK client of the same gateway blocked and let through at once, without a restart
 * (the policy poller is set far beyond the test's length, so only the admin call's refresh can do it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { GlobalChanged, GlobalState } from '../../src/admin/index.ts';
import { type AdminSetup, assertAdminError, assertShape, startAdminSetup } from './admin-helpers.ts';

let s: AdminSetup;
let openai: OpenAI;

before(async () => {
  s = await startAdminSetup();
  openai = new OpenAI({ apiKey: s.gw.key, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
});

after(() => s.close());

async function chat(model = 'gpt-4o-mini'): Promise<unknown> {
  return openai.chat.completions
    .create({ model, messages: [{ role: 'user', content: 'hello' }] })
    .then((r) => r.choices[0]?.message.content)
    .catch((e: unknown) => e);
}

function assertBlocked(outcome: unknown, message?: RegExp): void {
  assert.ok(outcome instanceof OpenAI.APIError, String(outcome));
  assert.equal(outcome.status, 403);
  assert.equal(outcome.code, 'PARAPET_POLICY_BLOCKED');
  if (message !== undefined) assert.match(outcome.message, message);
}

describe('GET /global', () => {
  test('before any change: the active policy global section, source `policy`', async () => {
    const res = await s.api('GET', '/global');
    assert.equal(res.status, 200);
    assertShape(GlobalState, res.json);
    assert.equal(res.json.source, 'policy');
    assert.equal(res.json.policyVersion, 1);
    assert.equal(res.json.setting, null);
    assert.equal(res.json.global.block_all, false);
    assert.deepEqual(res.json.global.blocked_models, []);
  });
});

describe('kill switch', () => {
  test('on through the admin API: the next SDK call is blocked with the message; off: allowed again', async () => {
    assert.equal(await chat(), 'Mock reply to: hello');
    const on = await s.api('POST', '/kill-switch', {
      on: true,
      message: 'AI access is paused for an incident',
    });
    assert.equal(on.status, 200);
    assertShape(GlobalChanged, on.json);
    assert.equal(on.json.source, 'setting');
    assert.equal(on.json.global.block_all, true);
    assert.equal(on.json.setting.updatedBy, 'admin-token');
    assert.equal(on.json.setting.revision, 1);
    assert.deepEqual(on.json.warnings, []);

    const blocked = await chat();
    assertBlocked(blocked, /paused for an incident/);
    assert.equal(
      (blocked as InstanceType<typeof OpenAI.APIError>).headers?.get('x-parapet-decision'),
      'block; rule=global.block_all',
    );
    assertBlocked(await chat('gpt-4o'));

    const read = await s.api('GET', '/global');
    assert.equal(read.json.source, 'setting');
    assert.equal(read.json.global.block_all, true);
    assert.equal(read.json.setting.revision, 1);

    const off = await s.api('POST', '/kill-switch', { on: false });
    assert.equal(off.status, 200);
    assert.equal(off.json.global.block_all, false);
    assert.equal(off.json.setting.revision, 2);
    assert.equal(await chat(), 'Mock reply to: hello');
  });

  test('it changes only the switch (and message): block lists stay as they were', async () => {
    await s.api('PUT', '/global', { blocked_apps: ['shadow-gpt'], blocked_users: ['mallory'] });
    const on = await s.api('POST', '/kill-switch', { on: true });
    assert.deepEqual(on.json.global.blocked_apps, ['shadow-gpt']);
    assert.deepEqual(on.json.global.blocked_users, ['mallory']);
    const off = await s.api('POST', '/kill-switch', { on: false });
    assert.equal(off.json.global.block_all, false);
    assert.deepEqual(off.json.global.blocked_apps, ['shadow-gpt']);
    await s.api('PUT', '/global', {});
  });

  test('bad bodies are 400 and change nothing', async () => {
    const before = await s.gw.store.getSetting('policy.global');
    for (const body of [
      {},
      { on: 'true' },
      { on: 1 },
      { on: true, message: '' },
      { on: true, block_all: true },
    ]) {
      assertAdminError(await s.api('POST', '/kill-switch', body), 400, 'PARAPET_REQUEST_INVALID');
    }
    assert.equal((await s.gw.store.getSetting('policy.global'))?.revision, before?.revision);
    assert.equal(await chat(), 'Mock reply to: hello');
  });
});

describe('PUT /global', () => {
  test('a whole global section: block a model at once, the other still answers', async () => {
    const res = await s.api('PUT', '/global', { blocked_models: ['gpt-4o'] });
    assert.equal(res.status, 200);
    assertShape(GlobalChanged, res.json);
    assert.deepEqual(res.json.global, {
      block_all: false,
      blocked_apps: [],
      blocked_models: ['gpt-4o'],
      blocked_users: [],
      blocked_groups: [],
      blocked_keys: [],
      blocked_providers: [],
    });
    assertBlocked(await chat('gpt-4o'));
    assert.equal(await chat('gpt-4o-mini'), 'Mock reply to: hello');
  });

  test('block_all through PUT blocks everything; PUT again without it lets requests through', async () => {
    await s.api('PUT', '/global', { block_all: true, message: 'maintenance window' });
    assertBlocked(await chat(), /maintenance window/);
    await s.api('PUT', '/global', {});
    assert.equal(await chat('gpt-4o'), 'Mock reply to: hello');
  });

  test('unknown names are 422 PARAPET_POLICY_INVALID with paths in the body sent and a suggestion', async () => {
    const before = await s.gw.store.getSetting('policy.global');
    const res = await s.api('PUT', '/global', {
      block_all: true,
      blocked_models: ['gpt-4o', 'gpt-4o-mimi'],
      blocked_providers: ['opneai'],
    });
    assertAdminError(res, 422, 'PARAPET_POLICY_INVALID');
    assert.deepEqual(
      res.json.error.issues.map((i: { path: unknown; suggestion?: string; severity: string }) => [
        i.path,
        i.suggestion,
        i.severity,
      ]),
      [
        [['blocked_models', 1], 'gpt-4o-mini', 'error'],
        [['blocked_providers', 0], 'openai', 'error'],
      ],
    );
    // Refused whole: the kill switch in the same body was not turned on.
    assert.equal((await s.gw.store.getSetting('policy.global'))?.revision, before?.revision);
    assert.equal(await chat(), 'Mock reply to: hello');
  });

  test('a group no key has is accepted with a warning', async () => {
    const res = await s.api('PUT', '/global', { blocked_groups: ['contractors'] });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.json.warnings.map((w: { path: unknown; severity: string }) => [w.path, w.severity]),
      [[['blocked_groups', 0], 'warning']],
    );
    await s.api('PUT', '/global', {});
  });

  test('wrong types and unknown keys are 400 PARAPET_REQUEST_INVALID', async () => {
    for (const body of [{ block_all: 'yes' }, { blocked_models: 'gpt-4o' }, { kill: true }, { message: 5 }]) {
      const res = await s.api('PUT', '/global', body);
      assertAdminError(res, 400, 'PARAPET_REQUEST_INVALID');
      assert.ok(res.json.error.issues.length >= 1);
    }
  });
});
