import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { POLICY_GLOBAL_SETTING } from '../../src/policy/active-policy.ts';
import { GLOBAL_SETTING_KEY } from '../../src/policy/runtime.ts';
import { createSqliteStore } from '../../src/store/index.ts';
import { run, workspace } from './policy-cli-helpers.ts';

const CONFIG_POLICY = `upstreams:
  openai: { type: openai, api_key: sk-test }
models:
  gpt-4o-mini: { provider: openai, tags: [public] }
  claude: { provider: openai, aliases: [claude-latest] }
policy:
  groups: [contractors]
  global:
    blocked_apps: [legacy-bot]
`;

async function setting(dataDir: string) {
  const store = createSqliteStore({ dataDir, writerThread: false });
  try {
    return await store.getSetting(POLICY_GLOBAL_SETTING);
  } finally {
    await store.close();
  }
}

describe('policy global show, killswitch, block, unblock', () => {
  test('the CLI writes the setting the gateway reads', () => {
    assert.equal(POLICY_GLOBAL_SETTING, GLOBAL_SETTING_KEY);
  });

  test('starts from the config file policy, then every change is a new revision of the setting', async () => {
    const { cwd, dataDir } = workspace({ 'parapet.yaml': CONFIG_POLICY });
    const d = ['--data-dir', dataDir, '--by', 'ops'];
    const now = { now: new Date('2025-03-01T12:00:00.000Z') };
    const initial = await run(['policy', 'global', 'show', '--data-dir', dataDir], cwd);
    assert.equal(initial.code, 0, initial.stderr);
    assert.match(
      initial.stdout,
      /^source: the config file policy \(no stored version is active\)\nkill switch: off\n/,
    );
    assert.match(initial.stdout, /\nblocked apps: legacy-bot\n/);

    const on = await run(
      ['policy', 'killswitch', 'on', '--message', 'paused for the incident', ...d],
      cwd,
      now,
    );
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stdout, /^kill switch on: every request is blocked \(policy\.global revision 1\)\n/);
    assert.deepEqual(await setting(dataDir), {
      key: 'policy.global',
      value: {
        block_all: true,
        message: 'paused for the incident',
        blocked_apps: ['legacy-bot'],
        blocked_models: [],
        blocked_users: [],
        blocked_groups: [],
        blocked_keys: [],
        blocked_providers: [],
      },
      updatedBy: 'ops',
      updatedAt: '2025-03-01T12:00:00.000Z',
      revision: 1,
    });

    const block = await run(
      [
        'policy',
        'block',
        '--apps',
        'shadow-gpt,legacy-bot',
        '--models',
        'claude-latest',
        '--groups',
        'contractors',
        '--users',
        'mallory',
        '--keys',
        'key_1',
        '--providers',
        'openai',
        ...d,
      ],
      cwd,
    );
    assert.equal(block.code, 0, block.stderr);
    assert.match(block.stdout, /^block lists updated \(policy\.global revision 2\)\n/);
    const off = await run(['policy', 'killswitch', 'off', ...d], cwd);
    assert.equal(off.code, 0);
    const unblock = await run(
      ['policy', 'unblock', '--apps', 'legacy-bot,never-blocked', '--providers', 'openai', ...d],
      cwd,
    );
    assert.equal(unblock.code, 0);
    assert.equal(unblock.stderr, '`never-blocked` was not in blocked_apps\n');

    const shown = await run(['policy', 'global', 'show', '--json', '--data-dir', dataDir], cwd);
    const out = JSON.parse(shown.stdout);
    assert.deepEqual(out.setting.revision, 4);
    assert.equal(out.source, 'setting');
    assert.deepEqual(out.global, {
      block_all: false,
      message: 'paused for the incident',
      blocked_apps: ['shadow-gpt'],
      blocked_models: ['claude-latest'],
      blocked_users: ['mallory'],
      blocked_groups: ['contractors'],
      blocked_keys: ['key_1'],
      blocked_providers: [],
    });
    const text = await run(['policy', 'global', 'show', '--data-dir', dataDir], cwd);
    assert.match(text.stdout, /^source: runtime setting `policy\.global` \(revision 4, by ops at /);
  });

  test('unknown models, providers and groups are refused with a suggestion; nothing is written', async () => {
    const { cwd, dataDir } = workspace({ 'parapet.yaml': CONFIG_POLICY });
    const d = ['--data-dir', dataDir];
    const bad = await run(
      [
        'policy',
        'block',
        '--models',
        'gpt-4o-mni,*-preview',
        '--providers',
        'opnai',
        '--groups',
        'contractrs',
        ...d,
      ],
      cwd,
    );
    assert.equal(bad.code, 1);
    const lines = bad.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 3, bad.stderr);
    assert.match(
      lines[0]!,
      /^parapet: `--models`: unknown model `gpt-4o-mni`; did you mean `gpt-4o-mini`\?$/,
    );
    assert.match(lines[1]!, /^parapet: `--providers`: unknown provider `opnai`; did you mean `openai`\?$/);
    assert.match(lines[2]!, /^parapet: `--groups`: .*`contractrs`/);
    assert.equal(await setting(dataDir), null);
  });

  test('usage errors: a state other than on/off, no list given', async () => {
    const { cwd, dataDir } = workspace();
    const state = await run(['policy', 'killswitch', 'maybe', '--data-dir', dataDir], cwd);
    assert.equal(state.code, 2);
    assert.match(state.stderr, /the state must be `on` or `off`, not `maybe`/);
    const empty = await run(['policy', 'block', '--data-dir', dataDir], cwd);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /give at least one of `--apps`/);
  });
});
