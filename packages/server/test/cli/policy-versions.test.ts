import assert from 'node:assert/strict';
import { userInfo } from 'node:os';
import { describe, test } from 'node:test';
import { createSqliteStore } from '../../src/store/index.ts';
import { run, workspace } from './policy-cli-helpers.ts';

const V1 = `# first
default: allow
rules:
  - id: block-secrets
    when: { direction: input, detections: { secrets: {} } }
    action: block
`;
const V2 = `${V1}  - id: redact-pii
    when: { direction: input, detections: { pii: {} } }
    action: redact
`;
const CONFIG_WITH_POLICY = `upstreams:
  openai: { type: openai, api_key: sk-secret-value }
models:
  gpt-4o-mini: { provider: openai, tags: [public] }
policy:
  default: block   # deny by default
  rules: []
`;

const at = (minute: number) => ({
  now: new Date(`2025-03-01T10:${String(minute).padStart(2, '0')}:00.000Z`),
});

describe('policy push, history, show, diff, activate, rollback', () => {
  test('a full round: versions are stored verbatim, diffed, activated and rolled back', async () => {
    const { cwd, dataDir } = workspace({ 'v1.yaml': V1, 'v2.yaml': V2 });
    const d = ['--data-dir', dataDir];
    const none = await run(['policy', 'history', ...d], cwd);
    assert.equal(none.code, 0);
    assert.match(none.stderr, /^no policy versions stored yet/);
    assert.equal((await run(['policy', 'show', ...d], cwd)).code, 1);

    const push1 = await run(
      ['policy', 'push', 'v1.yaml', '--activate', '--comment', 'start', '--by', 'alice', ...d],
      cwd,
      at(1),
    );
    assert.deepEqual([push1.code, push1.stdout], [0, 'stored and activated policy version 1\n']);
    const push2 = await run(['policy', 'push', 'v2.yaml', '--by', 'bob', ...d], cwd, at(2));
    assert.deepEqual(
      [push2.code, push2.stdout],
      [0, 'stored policy version 2; activate it with `parapet policy activate 2`\n'],
    );

    const history = await run(['policy', 'history', '--json', ...d], cwd);
    assert.deepEqual(JSON.parse(history.stdout), [
      {
        version: 2,
        active: false,
        author: 'bob',
        comment: null,
        createdAt: '2025-03-01T10:02:00.000Z',
        activatedAt: null,
      },
      {
        version: 1,
        active: true,
        author: 'alice',
        comment: 'start',
        createdAt: '2025-03-01T10:01:00.000Z',
        activatedAt: '2025-03-01T10:01:00.000Z',
      },
    ]);
    const table = await run(['policy', 'history', ...d], cwd);
    assert.match(
      table.stdout,
      /^VERSION +ACTIVE +CREATED +AUTHOR +LAST ACTIVATED +COMMENT\n2 +2025-03-01T10:02:00\.000Z +bob +- *\n1 +\* +2025-03-01T10:01:00\.000Z +alice +2025-03-01T10:01:00\.000Z +start\n$/,
    );

    assert.equal((await run(['policy', 'show', ...d], cwd)).stdout, V1);
    assert.equal((await run(['policy', 'show', '2', ...d], cwd)).stdout, V2);

    const diff = await run(['policy', 'diff', '1', '2', ...d], cwd);
    assert.equal(
      diff.stdout,
      [
        '--- policy version 1 (alice, 2025-03-01T10:01:00.000Z)',
        '+++ policy version 2 (bob, 2025-03-01T10:02:00.000Z)',
        '@@ -4,3 +4,6 @@',
        '   - id: block-secrets',
        '     when: { direction: input, detections: { secrets: {} } }',
        '     action: block',
        '+  - id: redact-pii',
        '+    when: { direction: input, detections: { pii: {} } }',
        '+    action: redact',
        '',
      ].join('\n'),
    );
    // B defaults to the active version (1): the reverse diff.
    const reverse = await run(['policy', 'diff', '2', ...d], cwd);
    assert.match(reverse.stdout, /^--- policy version 2 .*\n\+\+\+ policy version 1 .*\n@@ -4,6 \+4,3 @@\n/);
    const same = await run(['policy', 'diff', '1', '1', ...d], cwd);
    assert.deepEqual(
      [same.code, same.stdout, same.stderr],
      [0, '', 'versions 1 and 1 have the same lines\n'],
    );

    const activate = await run(['policy', 'activate', '2', '--by', 'carol', ...d], cwd, at(3));
    assert.deepEqual([activate.code, activate.stdout], [0, 'activated policy version 2 (was 1)\n']);
    const again = await run(['policy', 'activate', '2', ...d], cwd, at(4));
    assert.deepEqual([again.code, again.stdout], [0, 'policy version 2 is already active\n']);

    const rollback = await run(['policy', 'rollback', '--by', 'dave', ...d], cwd, at(5));
    assert.deepEqual([rollback.code, rollback.stdout], [0, 'activated policy version 1 (was 2)\n']);
    // Rolling back again returns to 2, like `cd -`.
    const back = await run(['policy', 'rollback', '--by', 'dave', ...d], cwd, at(6));
    assert.deepEqual([back.code, back.stdout], [0, 'activated policy version 2 (was 1)\n']);

    const store = createSqliteStore({ dataDir, writerThread: false });
    try {
      assert.deepEqual(await store.listPolicyActivations(), [
        { version: 2, by: 'dave', at: '2025-03-01T10:06:00.000Z' },
        { version: 1, by: 'dave', at: '2025-03-01T10:05:00.000Z' },
        { version: 2, by: 'carol', at: '2025-03-01T10:03:00.000Z' },
        { version: 1, by: 'alice', at: '2025-03-01T10:01:00.000Z' },
      ]);
    } finally {
      await store.close();
    }
  });

  test('an invalid policy is refused with its errors; nothing is stored', async () => {
    const bad = 'rules:\n  - id: a\n    when: { detections: { secret: {} } }\n    action: block\n';
    const { cwd, dataDir } = workspace({ 'bad.yaml': bad });
    const push = await run(['policy', 'push', 'bad.yaml', '--data-dir', dataDir], cwd);
    assert.equal(push.code, 1);
    assert.equal(push.stdout, '');
    assert.match(
      push.stderr,
      /^bad\.yaml:3:27: error: .*did you mean `secrets`\?\nparapet: refusing to store an invalid policy \(1 error\)\n$/,
    );
    const history = await run(['policy', 'history', '--json', '--data-dir', dataDir], cwd);
    assert.equal(history.stdout, '[]\n');
  });

  test('a parapet.yaml is stored as its policy section only (never the upstream keys); default author is the OS user', async () => {
    const { cwd, dataDir } = workspace({ 'deploy.yaml': CONFIG_WITH_POLICY });
    const push = await run(['policy', 'push', 'deploy.yaml', '--data-dir', dataDir], cwd);
    assert.equal(push.code, 0, push.stderr);
    const shown = await run(['policy', 'show', '1', '--data-dir', dataDir], cwd);
    assert.equal(shown.stdout, 'default: block # deny by default\nrules: []\n');
    assert.doesNotMatch(shown.stdout, /sk-secret-value|upstreams/);
    const history = JSON.parse(
      (await run(['policy', 'history', '--json', '--data-dir', dataDir], cwd)).stdout,
    );
    assert.equal(history[0].author, userInfo().username || 'cli');
  });

  test('activate checks the stored version against the deployment; unknown versions and rollbacks fail cleanly', async () => {
    const { cwd, dataDir } = workspace();
    const d = ['--data-dir', dataDir];
    const unknown = await run(['policy', 'activate', '7', ...d], cwd);
    assert.deepEqual(
      [unknown.code, unknown.stderr],
      [1, 'parapet: no policy version 7; see `parapet policy history`\n'],
    );
    const usage = await run(['policy', 'activate', 'x', ...d], cwd);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /a policy version is a whole number from 1, not `x`/);
    const nothing = await run(['policy', 'rollback', ...d], cwd);
    assert.deepEqual(
      [nothing.code, nothing.stderr],
      [1, 'parapet: no policy version was ever activated; nothing to roll back\n'],
    );

    // A version stored through another path (admin API, an older deployment) that names a model this
    // deployment does not have.
    const store = createSqliteStore({ dataDir, writerThread: false });
    try {
      const ok = await store.insertPolicyVersion({
        document: 'rules: []\n',
        author: 'x',
        comment: null,
        createdAt: '2025-01-01T00:00:00Z',
      });
      await store.activatePolicyVersion(ok.version, 'x', '2025-01-01T00:00:00Z');
      await store.insertPolicyVersion({
        document: 'rules:\n  - id: r\n    when: { destination: { models: [gpt-5] } }\n    action: block\n',
        author: 'x',
        comment: null,
        createdAt: '2025-01-01T00:00:00Z',
      });
    } finally {
      await store.close();
    }
    const refused = await run(['policy', 'activate', '2', ...d], cwd);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^policy version 2:3:37: error: unknown model `gpt-5`/);
    assert.match(
      refused.stderr,
      /refusing to activate version 2: it does not validate against this deployment \(1 error\)\n$/,
    );
    const only = await run(['policy', 'rollback', ...d], cwd);
    assert.deepEqual(
      [only.code, only.stderr],
      [1, 'parapet: version 1 is the only version ever activated; nothing to roll back to\n'],
    );
    const missing = await run(['policy', 'diff', '1', '9', ...d], cwd);
    assert.deepEqual(
      [missing.code, missing.stderr],
      [1, 'parapet: no policy version 9; see `parapet policy history`\n'],
    );
  });
});
