/**
 * Policy versions through the admin API over real HTTP: list, validate, store (and activate), read, diff,
 * activate, roll back, simulate; and a stored policy taking effect on the chat route at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { allowAll } from '@parapet/core';
import OpenAI from 'openai';
import {
  ActivatedPolicy,
  PolicyDetail,
  PolicyDiff,
  PolicyList,
  PolicyValidation,
  SimulationResult,
  StoredPolicy,
} from '../../src/admin/index.ts';
import { type AdminSetup, assertAdminError, assertShape, startAdminSetup } from './admin-helpers.ts';

/** A comment no log line may contain: policy contents are never logged. */
const MARKER = 'policy-text-marker-7c1d';

const BLOCK_LAWSUITS = `# ${MARKER}
default: allow
rules:
  - id: no-lawsuits
    when: { detections: { topics: { labels: [legal] } } }
    action: block
    message: Legal questions go to the legal team.
`;

let s: AdminSetup;
let openai: OpenAI;

before(async () => {
  s = await startAdminSetup();
  openai = new OpenAI({ apiKey: s.gw.key, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
});

after(() => s.close());

async function chat(content: string, model = 'gpt-4o-mini'): Promise<unknown> {
  return openai.chat.completions
    .create({ model, messages: [{ role: 'user', content }] })
    .then((r) => r.choices[0]?.message.content)
    .catch((e: unknown) => e);
}

async function activeVersion(): Promise<number | undefined> {
  return (await s.gw.store.getActivePolicyVersion())?.version;
}

describe('list and read', () => {
  test('the config file policy is version 1, active, by `config-file`', async () => {
    const res = await s.api('GET', '/policies');
    assert.equal(res.status, 200);
    assertShape(PolicyList, res.json);
    const [first] = res.json.versions;
    assert.equal(first.version, 1);
    assert.equal(first.author, 'config-file');
    assert.equal(first.active, true);
    assert.ok(first.activatedAt);
    assert.equal('document' in first, false);

    const active = await s.api('GET', '/policies/active');
    assert.equal(active.status, 200);
    assertShape(PolicyDetail, active.json);
    assert.equal(active.json.version, 1);
    assert.match(active.json.document, /block-secrets/);

    const one = await s.api('GET', '/policies/1');
    assert.deepEqual(one.json, active.json);
  });

  test('an unknown version is 404 PARAPET_ADMIN_NOT_FOUND; a version that is not a number is 400', async () => {
    assertAdminError(await s.api('GET', '/policies/999'), 404, 'PARAPET_ADMIN_NOT_FOUND');
    for (const bad of ['0', 'abc', '01', '-1', '1.5', '9999999999']) {
      const res = await s.api('GET', `/policies/${bad}`);
      assertAdminError(res, 400, 'PARAPET_REQUEST_INVALID');
      assert.match(res.json.error.message, /^path parameter `version`: must be a policy version/);
    }
  });

  test('`limit` bounds the list; a bad limit or an unknown query parameter is 400', async () => {
    const res = await s.api('GET', '/policies?limit=1');
    assert.equal(res.json.versions.length, 1);
    for (const q of ['limit=0', 'limit=10001', 'limit=x', 'limt=3']) {
      assertAdminError(await s.api('GET', `/policies?${q}`), 400, 'PARAPET_REQUEST_INVALID');
    }
  });
});

describe('validate', () => {
  test('a valid policy: `{valid: true}` with its warnings; nothing is stored', async () => {
    const before = (await s.gw.store.listPolicyVersions()).length;
    const res = await s.api('POST', '/policies/validate', {
      document: 'rules:\n  - { id: c, when: { groups: [contractors] }, action: monitor }\n',
    });
    assert.equal(res.status, 200);
    assertShape(PolicyValidation, res.json);
    assert.equal(res.json.valid, true);
    assert.deepEqual(
      res.json.issues.map((i: { path: unknown; severity: string }) => [i.path, i.severity]),
      [[['rules', 0, 'when', 'groups', 0], 'warning']],
    );
    assert.equal((await s.gw.store.listPolicyVersions()).length, before);
  });

  test('an invalid policy: every issue with its path in the document, message, suggestion, severity', async () => {
    const res = await s.api('POST', '/policies/validate', {
      document: JSON.stringify({
        rules: [
          { id: 'a', when: { detections: { piii: {} } }, action: 'block' },
          { id: 'b', when: { destination: { models: ['gpt-4o-mimi'] } }, action: 'blok' },
        ],
      }),
    });
    assert.equal(res.status, 200);
    assertShape(PolicyValidation, res.json);
    assert.equal(res.json.valid, false);
    const byPath = new Map(res.json.issues.map((i: { path: (string | number)[] }) => [i.path.join('/'), i]));
    // Structure errors come first: the unknown action stops validation before names are checked.
    const action = byPath.get('rules/1/action') as Record<string, unknown>;
    assert.equal(action.severity, 'error');
    assert.equal(action.suggestion, 'block');
    assert.match(String(action.message), /must be one of/);
    assert.equal(action.line, 1);
  });

  test('unknown names: a family, a model and a type, each with a suggestion', async () => {
    const res = await s.api('POST', '/policies/validate', {
      document: [
        'rules:',
        '  - id: a',
        '    when: { detections: { piii: {} } }',
        '    action: block',
        '  - id: b',
        '    when: { destination: { models: [gpt-4o-mimi] }, detections: { topics: { labels: [finanse] } } }',
        '    action: block',
        '',
      ].join('\n'),
    });
    assert.equal(res.json.valid, false);
    const issues = res.json.issues as { path: (string | number)[]; suggestion?: string; line?: number }[];
    assert.deepEqual(
      issues.map((i) => [i.path, i.suggestion, i.line]),
      [
        [['rules', 0, 'when', 'detections', 'piii'], 'pii', 3],
        [['rules', 1, 'when', 'destination', 'models', 0], 'gpt-4o-mini', 6],
        [['rules', 1, 'when', 'detections', 'topics', 'labels', 0], 'finance', 6],
      ],
    );
  });

  test('a YAML syntax error is an issue with a line and column and an empty path', async () => {
    const res = await s.api('POST', '/policies/validate', {
      document: 'rules:\n  - id: a\n   action: [block\n',
    });
    assert.equal(res.json.valid, false);
    const [issue] = res.json.issues;
    assert.deepEqual(issue.path, []);
    assert.equal(issue.severity, 'error');
    assert.match(issue.message, /^yaml syntax error/);
    assert.equal(typeof issue.line, 'number');
  });

  test('a document that is not a string, or empty, is 400 PARAPET_REQUEST_INVALID', async () => {
    for (const body of [
      { document: { rules: [] } },
      { document: '' },
      {},
      { document: 'rules: []', extra: 1 },
    ]) {
      const res = await s.api('POST', '/policies/validate', body);
      assertAdminError(res, 400, 'PARAPET_REQUEST_INVALID');
    }
  });
});

describe('store, activate, diff, rollback', () => {
  test('an invalid policy is refused with 422 PARAPET_POLICY_INVALID and every issue; nothing is stored', async () => {
    const before = (await s.gw.store.listPolicyVersions()).length;
    const res = await s.api('POST', '/policies', {
      document: 'rules:\n  - { id: x, when: { detections: { piii: {} } }, action: block }\n',
      activate: true,
    });
    assertAdminError(res, 422, 'PARAPET_POLICY_INVALID');
    assert.match(
      res.json.error.message,
      /unknown or disabled detector family `piii`.* at `rules\[0\]\.when\.detections\.piii`/,
    );
    assert.deepEqual(res.json.error.issues[0].path, ['rules', 0, 'when', 'detections', 'piii']);
    assert.equal(res.json.error.issues[0].suggestion, 'pii');
    assert.equal((await s.gw.store.listPolicyVersions()).length, before);
  });

  test('bodies with wrong types or unknown fields are 400; nothing is stored', async () => {
    const before = (await s.gw.store.listPolicyVersions()).length;
    for (const body of [
      { document: 5 },
      { document: 'rules: []', activate: 'yes' },
      { document: 'rules: []', comment: 3 },
      { document: 'rules: []', author: 'mallory' },
      { comment: 'no document' },
    ]) {
      assertAdminError(await s.api('POST', '/policies', body), 400, 'PARAPET_REQUEST_INVALID');
    }
    assertAdminError(
      await s.api('POST', '/policies', undefined, { raw: '{"document": "rules: []",}' }),
      400,
      'PARAPET_REQUEST_MALFORMED_JSON',
    );
    assert.equal((await s.gw.store.listPolicyVersions()).length, before);
  });

  test('storing without `activate` keeps the active version; the document is kept verbatim', async () => {
    const res = await s.api('POST', '/policies', { document: BLOCK_LAWSUITS, comment: 'legal questions' });
    assert.equal(res.status, 201);
    assertShape(StoredPolicy, res.json);
    assert.equal(res.json.version, 2);
    assert.equal(res.json.author, 'admin-token');
    assert.equal(res.json.comment, 'legal questions');
    assert.equal(res.json.active, false);
    assert.equal(res.json.activatedAt, null);
    assert.equal(res.json.document, BLOCK_LAWSUITS);
    assert.deepEqual(res.json.warnings, []);
    assert.equal(await activeVersion(), 1);
    assert.equal(await chat('about the lawsuit'), 'Mock reply to: about the lawsuit');
  });

  test('activating applies at once: the next chat call is decided by the new version', async () => {
    const res = await s.api('POST', '/policies/2/activate');
    assert.equal(res.status, 200);
    assertShape(ActivatedPolicy, res.json);
    assert.equal(res.json.version, 2);
    assert.equal(res.json.active, true);
    assert.equal(res.json.previousVersion, 1);
    assert.ok(res.json.activatedAt);
    const err = await chat('about the lawsuit');
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 403);
    assert.equal(err.code, 'PARAPET_POLICY_BLOCKED');
    assert.match(err.message, /legal team/);
    const [activation] = await s.gw.store.listPolicyActivations();
    assert.deepEqual([activation?.version, activation?.by], [2, 'admin-token']);

    // Activating the active version again changes nothing.
    const again = await s.api('POST', '/policies/2/activate');
    assert.equal(again.json.previousVersion, 2);
    assert.equal((await s.gw.store.listPolicyActivations()).length, 2);
  });

  test('store with `activate: true`: a parapet.yaml is stored as its policy section only', async () => {
    const config = [
      'upstreams:',
      '  openai: { type: openai, api_key: sk-do-not-store-me }',
      'policy:',
      '  default: allow',
      '  rules:',
      '    - { id: watch-revenue, when: { detections: { topics: { labels: [finance] } } }, action: monitor }',
      '',
    ].join('\n');
    const res = await s.api('POST', '/policies', { document: config, activate: true });
    assert.equal(res.status, 201);
    assert.equal(res.json.version, 3);
    assert.equal(res.json.active, true);
    assert.doesNotMatch(res.json.document, /sk-do-not-store-me|upstreams/);
    assert.match(res.json.document, /watch-revenue/);
    assert.equal(s.gw.server.context.policy?.current().version, 3);
    assert.equal(await chat('about the lawsuit'), 'Mock reply to: about the lawsuit');
  });

  test('diff: from `against` (default the active version) to the path version', async () => {
    const res = await s.api('GET', '/policies/2/diff');
    assert.equal(res.status, 200);
    assertShape(PolicyDiff, res.json);
    assert.equal(res.json.from, 3);
    assert.equal(res.json.to, 2);
    assert.match(res.json.diff, /^--- policy version 3\n\+\+\+ policy version 2\n@@ /);
    assert.match(res.json.diff, /^\+ {2}- id: no-lawsuits$/m);
    assert.match(res.json.diff, /^- +id: watch-revenue,$/m);

    const explicit = await s.api('GET', '/policies/2/diff?against=1');
    assert.equal(explicit.json.from, 1);
    const same = await s.api('GET', '/policies/2/diff?against=2');
    assert.equal(same.json.diff, '');

    assertAdminError(await s.api('GET', '/policies/2/diff?against=99'), 404, 'PARAPET_ADMIN_NOT_FOUND');
    assertAdminError(await s.api('GET', '/policies/99/diff'), 404, 'PARAPET_ADMIN_NOT_FOUND');
    const bad = await s.api('GET', '/policies/2/diff?against=latest');
    assertAdminError(bad, 400, 'PARAPET_REQUEST_INVALID');
    assert.match(bad.json.error.message, /`against`/);
  });

  test('rollback activates the version active before the current one, and back again', async () => {
    const res = await s.api('POST', '/policies/rollback');
    assert.equal(res.status, 200);
    assertShape(ActivatedPolicy, res.json);
    assert.equal(res.json.version, 2);
    assert.equal(res.json.previousVersion, 3);
    assert.ok((await chat('about the lawsuit')) instanceof OpenAI.APIError);
    const back = await s.api('POST', '/policies/rollback');
    assert.equal(back.json.version, 3);
    assert.equal(await activeVersion(), 3);
  });

  test('a stored version that no longer validates against this deployment is not activated (422)', async () => {
    // Written behind the API's back, naming a model this deployment does not have.
    const stale = await s.gw.store.insertPolicyVersion({
      document: 'global: { blocked_models: [gpt-3-retired] }\n',
      author: 'someone',
      comment: null,
      createdAt: new Date().toISOString(),
    });
    const res = await s.api('POST', `/policies/${stale.version}/activate`);
    assertAdminError(res, 422, 'PARAPET_POLICY_INVALID');
    assert.deepEqual(res.json.error.issues[0].path, ['global', 'blocked_models', 0]);
    assert.equal(await activeVersion(), 3);
    assertAdminError(await s.api('POST', '/policies/999/activate'), 404, 'PARAPET_ADMIN_NOT_FOUND');
  });

  test('policy contents are never logged', () => {
    assert.ok(!s.gw.logs.join('').includes(MARKER));
    assert.ok(s.gw.logs.some((l) => l.includes('policy version activated through the admin API')));
  });
});

describe('no policy version at all (an embedder supplying its own decider)', () => {
  test('active, diff against active and rollback have nothing to work on', async () => {
    const local = await startAdminSetup({ decider: allowAll });
    try {
      assert.equal(local.gw.server.context.policy, null);
      assert.deepEqual((await local.api('GET', '/policies')).json, { versions: [] });
      assertAdminError(await local.api('GET', '/policies/active'), 404, 'PARAPET_ADMIN_NOT_FOUND');
      const stored = await local.api('POST', '/policies', { document: BLOCK_LAWSUITS });
      assert.equal(stored.json.version, 1);
      assert.equal(stored.json.active, false);
      const diff = await local.api('GET', '/policies/1/diff');
      assertAdminError(diff, 404, 'PARAPET_ADMIN_NOT_FOUND');
      assert.match(diff.json.error.message, /against=<version>/);
      const rollback = await local.api('POST', '/policies/rollback');
      assertAdminError(rollback, 409, 'PARAPET_ADMIN_CONFLICT');
      assert.match(rollback.json.error.message, /was ever activated; nothing to roll back/);
      const global = await local.api('GET', '/global');
      assert.equal(global.json.source, 'policy');
      assert.equal(global.json.policyVersion, null);
    } finally {
      await local.close();
    }
  });
});

describe('rollback with nothing to roll back to', () => {
  test('409 PARAPET_ADMIN_CONFLICT when only one version was ever activated', async () => {
    const local = await startAdminSetup();
    try {
      const res = await local.api('POST', '/policies/rollback');
      assertAdminError(res, 409, 'PARAPET_ADMIN_CONFLICT');
      assert.match(res.json.error.message, /only version ever activated/);
    } finally {
      await local.close();
    }
  });
});

describe('simulate', () => {
  test('replays stored events against a candidate and counts the decisions that would change', async () => {
    const local = await startAdminSetup();
    try {
      const client = new OpenAI({ apiKey: local.gw.key, baseURL: `${local.gw.url}/v1`, maxRetries: 0 });
      for (const content of ['hello', 'a lawsuit question', 'another lawsuit']) {
        await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
      }
      await local.gw.waitForEvents(3);
      const res = await local.api('POST', '/policies/simulate', { document: BLOCK_LAWSUITS, since: '1h' });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assertShape(SimulationResult, res.json);
      assert.equal(res.json.eventsScanned, 3);
      assert.equal(res.json.truncated, false);
      assert.equal(res.json.window.until, null);
      assert.equal(res.json.rescan, null);
      assert.ok(res.json.decisionsChanged >= 2);
      assert.equal(res.json.eventsChanged, 2);
      assert.equal(res.json.byRule[0].ruleId, 'no-lawsuits');
      assert.deepEqual(
        res.json.byTransition.map((t: { from: string; to: string }) => `${t.from}->${t.to}`),
        ['allow->block'],
      );
      // Nothing was stored or activated.
      assert.equal((await local.gw.store.listPolicyVersions()).length, 1);

      const rescan = await local.api('POST', '/policies/simulate', {
        document: BLOCK_LAWSUITS,
        since: new Date(Date.now() - 3_600_000).toISOString(),
        until: new Date(Date.now() + 60_000).toISOString(),
        rescan: true,
      });
      assert.equal(rescan.status, 200, JSON.stringify(rescan.json));
      assert.equal(rescan.json.rescan.rescanned, 3);
      assert.equal(rescan.json.eventsChanged, 2);

      const empty = await local.api('POST', '/policies/simulate', {
        document: BLOCK_LAWSUITS,
        since: '2020-01-01',
        until: '2020-02-01',
      });
      assert.equal(empty.json.eventsScanned, 0);
    } finally {
      await local.close();
    }
  });

  test('bad windows are 400, an invalid candidate 422', async () => {
    const bad = await s.api('POST', '/policies/simulate', { document: BLOCK_LAWSUITS, since: 'last week' });
    assertAdminError(bad, 400, 'PARAPET_REQUEST_INVALID');
    assert.match(bad.json.error.message, /`since` must be a duration/);
    const order = await s.api('POST', '/policies/simulate', {
      document: BLOCK_LAWSUITS,
      since: '1h',
      until: '2h',
    });
    assertAdminError(order, 400, 'PARAPET_REQUEST_INVALID');
    assertAdminError(
      await s.api('POST', '/policies/simulate', { document: BLOCK_LAWSUITS, limit: 0 }),
      400,
      'PARAPET_REQUEST_INVALID',
    );
    assertAdminError(
      await s.api('POST', '/policies/simulate', { document: 'rules: [{ id: a, action: nope }]' }),
      422,
      'PARAPET_POLICY_INVALID',
    );
  });
});
