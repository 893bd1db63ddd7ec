import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { run, workspace } from './policy-cli-helpers.ts';

const INVALID = `default: allow
global:
  blocked_models: [gpt-4o-mni]
rules:
  - id: redact-pii
    when:
      destination: { tags: [public] }
      detections: { pii: { types: [EMAIL_ADRESS, PHONE_NUMBER] } }
    action: redact
  - id: legal
    when: { groups: [contractors], detections: { topix: { labels: [legal] } } }
    action: route
    route_to: private
  - id: coach
    when: { detections: { code: {} } }
    action: warn
`;

const ISSUE_EXAMPLE = `models:
  gpt-4o-mini:   { provider: openai,    tags: [public] }
  private-llm:   { provider: local, model: llama-3.1-70b, tags: [private] }
upstreams:
  openai: { type: openai, api_key: sk-test }
  local: { type: openai, base_url: "http://127.0.0.1:9/v1" }
policy:
  default: allow
  groups: [contractors]
  global:
    block_all: false
    blocked_apps: []
    blocked_models: []
  rules:
    - id: block-secrets
      when: { direction: input, detections: { secrets: {} } }
      action: block
      message: Credentials must never be sent to an AI model. Remove them and try again.
    - id: redact-pii-for-public-models
      when:
        direction: input
        destination: { tags: [public] }
        detections: { pii: { types: [EMAIL_ADDRESS, PHONE_NUMBER, PERSON, CREDIT_CARD, US_SSN, IBAN_CODE] } }
      action: redact
    - id: legal-stays-private
      when: { detections: { topics: { labels: [legal], min_score: 0.6 } } }
      action: route
      route_to: private-llm
    - id: contractors-finance-needs-approval
      when: { groups: [contractors], detections: { topics: { labels: [finance] } } }
      action: hold
    - id: coach-on-source-code
      when: { apps: [chat-web], detections: { code: {} } }
      action: warn
      message: Pasting source code into external AI tools needs a reason. Acknowledge to continue.
    - id: attacks
      when: { detections: { prompt_attack: { min_score: 0.8 } } }
      action: block
    - id: leak-in-answers
      when: { direction: output, detections: { pii: { types: [CREDIT_CARD, US_SSN] } } }
      action: redact
`;

describe('policy validate', () => {
  test('every error on its own line as FILE:LINE:COLUMN with a suggestion; warnings too; exit 1', async () => {
    const { cwd, dataDir } = workspace({ 'policy.yaml': INVALID });
    const { code, stdout, stderr } = await run(
      ['policy', 'validate', 'policy.yaml', '--data-dir', dataDir],
      cwd,
    );
    assert.equal(code, 1);
    const lines = stdout.trimEnd().split('\n');
    // The messages are the policy validator's; this command adds the file, line and column.
    const expected: Array<[string, string]> = [
      ['policy.yaml:3:20: error: ', 'unknown model `gpt-4o-mni`; did you mean `gpt-4o-mini`?'],
      ['policy.yaml:8:36: error: ', '`EMAIL_ADRESS` is not a pii type; did you mean `EMAIL_ADDRESS`?'],
      ['policy.yaml:11:22: warning: ', '`contractors`'],
      ['policy.yaml:11:50: error: ', 'did you mean `topics`?'],
      ['policy.yaml:13:15: error: ', 'unknown model `private`'],
      ['policy.yaml:14:5: warning: ', '`warn` rule without a `message`'],
    ];
    assert.equal(lines.length, expected.length, stdout);
    expected.forEach(([prefix, fragment], i) => {
      assert.ok(
        lines[i]!.startsWith(prefix) && lines[i]!.includes(fragment),
        `${lines[i]} ~ ${prefix}${fragment}`,
      );
    });
    assert.equal(stderr, 'policy.yaml: 4 errors, 2 warnings\n');
    // Validation reads the store when there is one; it never creates one.
    assert.equal(existsSync(dataDir), false);
  });

  test('--json lists the issues with line, column, path and suggestion', async () => {
    const { cwd, dataDir } = workspace({ 'policy.yaml': INVALID });
    const { code, stdout } = await run(
      ['policy', 'validate', 'policy.yaml', '--json', '--data-dir', dataDir],
      cwd,
    );
    assert.equal(code, 1);
    const out = JSON.parse(stdout);
    assert.deepEqual([out.valid, out.errors, out.warnings], [false, 4, 2]);
    assert.deepEqual(out.issues[0], {
      line: 3,
      column: 20,
      severity: 'error',
      message: 'unknown model `gpt-4o-mni`; did you mean `gpt-4o-mini`?',
      suggestion: 'gpt-4o-mini',
      path: ['global', 'blocked_models', 0],
    });
  });

  test('structure errors: unknown keys point at the key, bad values at the value', async () => {
    const text = 'rules:\n  - id: a\n    actoin: block\n  - id: b\n    action: blok\n';
    const { cwd, dataDir } = workspace({ 'p.yaml': text });
    const { code, stdout } = await run(['policy', 'validate', 'p.yaml', '--data-dir', dataDir], cwd);
    assert.equal(code, 1);
    const lines = stdout.trimEnd().split('\n');
    assert.ok(lines.includes('p.yaml:3:5: error: unknown key `actoin`; did you mean `action`?'), stdout);
    assert.ok(
      lines.some(
        (l) => l.startsWith('p.yaml:5:13: error: must be one of ') && l.endsWith('did you mean `block`?'),
      ),
      stdout,
    );
  });

  test('the issue example as a parapet.yaml: valid, exit 0, and it is also the configuration', async () => {
    const { cwd, dataDir } = workspace({ 'deploy.yaml': ISSUE_EXAMPLE });
    const { code, stdout, stderr } = await run(
      ['policy', 'validate', 'deploy.yaml', '--data-dir', dataDir],
      cwd,
    );
    assert.equal(code, 0, stdout + stderr);
    assert.equal(stdout, '');
    assert.equal(stderr, 'deploy.yaml: valid policy (7 rules, 0 warnings)\n');
  });

  test('errors in a parapet.yaml are located in the whole file', async () => {
    const broken = ISSUE_EXAMPLE.replace('labels: [finance]', 'labels: [finanse]');
    const { cwd, dataDir } = workspace({ 'parapet.yaml': broken });
    const { code, stdout } = await run(['policy', 'validate', 'parapet.yaml', '--data-dir', dataDir], cwd);
    assert.equal(code, 1);
    assert.equal(
      stdout,
      'parapet.yaml:30:71: error: `finanse` is not a topics type; did you mean `finance`?\n',
    );
  });

  test('groups of stored virtual keys are known groups', async () => {
    const text =
      'groups: [staff]\nrules:\n  - id: c\n    when: { groups: [contractors] }\n    action: block\n';
    const { cwd, dataDir } = workspace({ 'p.yaml': text });
    const before = await run(['policy', 'validate', 'p.yaml', '--data-dir', dataDir], cwd);
    assert.equal(before.code, 1);
    assert.match(before.stdout, /^p\.yaml:4:22: error: .*`contractors`/);
    const key = await run(
      ['keys', 'create', '--user', 'x', '--group', 'contractors', '--data-dir', dataDir],
      cwd,
    );
    assert.equal(key.code, 0, key.stderr);
    const again = await run(['policy', 'validate', 'p.yaml', '--data-dir', dataDir], cwd);
    assert.equal(again.code, 0, again.stdout);
  });

  test('unreadable files and YAML syntax errors are located errors', async () => {
    const { cwd, dataDir } = workspace({ 'bad.yaml': 'rules:\n  - id: a\n    action: [block\n' });
    const missing = await run(['policy', 'validate', 'nope.yaml', '--data-dir', dataDir], cwd);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, 'nope.yaml:1:1: error: cannot read the file (no such file)\n');
    const syntax = await run(['policy', 'validate', 'bad.yaml', '--data-dir', dataDir], cwd);
    assert.equal(syntax.code, 1);
    assert.match(syntax.stdout, /^bad\.yaml:\d+:\d+: error: yaml syntax error: /);
    const usage = await run(['policy', 'validate'], cwd);
    assert.equal(usage.code, 2);
  });
});

const POLICY = `default: allow
groups: [contractors]
rules:
  - id: block-secrets
    when: { direction: input, detections: { secrets: {} } }
    action: block
  - id: redact-pii-for-public-models
    when:
      direction: input
      destination: { tags: [public] }
      detections: { pii: { types: [EMAIL_ADDRESS] } }
    action: redact
  - id: contractors-finance-needs-approval
    when: { groups: [contractors], detections: { topics: { labels: [finance] } } }
    action: hold
  - id: night-block
    when: { time: { between: ["22:00", "06:00"], timezone: Europe/Berlin } }
    action: block
  - id: indirect-injection
    when: { detections: { prompt_attack: { sources: [tool_result] } } }
    action: block
`;

const CASES = `- name: secrets are blocked (found by the detectors)
  model: gpt-4o-mini
  input: "my token is ghp_Zx8Kq2Lm9Np4Rt7Vw1Yb3Cd5Fg6Hj0Ks2Qe"
  expect: { action: block, rule: block-secrets }
- name: e-mail to a public model is redacted
  model: gpt-4o-mini
  findings: [{ family: pii, type: EMAIL_ADDRESS }]
  expect: { action: redact, rule: redact-pii-for-public-models }
- name: e-mail to the private model is allowed
  model: private-llm
  findings: [{ family: pii, type: EMAIL_ADDRESS }]
  expect: { action: allow, rule: null }
- name: contractors asking about finance wait for approval
  groups: [contractors]
  findings: [{ family: topics, type: finance, score: 0.7 }]
  expect: { action: hold, rule: contractors-finance-needs-approval }
- name: an approved hold goes on
  groups: [contractors]
  findings: [{ family: topics, type: finance }]
  approved: [contractors-finance-needs-approval]
  expect: { action: allow }
- name: a failed secrets detector fails closed on input
  failed: [secrets]
  expect: { action: block, rule: block-secrets }
- name: at night in Berlin
  now: "2025-01-06T22:30:00Z"
  expect: { action: block, rule: night-block }
- name: injection in a tool result
  findings: [{ family: prompt_attack, type: INSTRUCTION_OVERRIDE, source: tool_result }]
  expect: { action: block, rule: indirect-injection }
- name: injection typed by the user is not this rule
  findings: [{ family: prompt_attack, type: INSTRUCTION_OVERRIDE }]
  expect: { action: allow }
`;

describe('policy test', () => {
  test('every case passes: PASS lines, summary, exit 0', async () => {
    const { cwd, dataDir } = workspace({ 'policy.yaml': POLICY, 'cases.yaml': CASES });
    const { code, stdout, stderr } = await run(
      ['policy', 'test', 'policy.yaml', '--cases', 'cases.yaml', '--data-dir', dataDir],
      cwd,
    );
    assert.equal(code, 0, stdout + stderr);
    const lines = stdout.trimEnd().split('\n');
    assert.equal(lines.length, 10);
    assert.ok(
      lines.slice(0, 9).every((l) => l.startsWith('PASS  ')),
      stdout,
    );
    assert.equal(lines[9], '9 passed, 0 failed');
  });

  test('a failing case prints the expected and actual outcome with the case position; exit 1', async () => {
    const failing = `- name: ok
  expect: { action: allow }
- name: wrong expectation
  model: gpt-4o-mini
  findings: [{ family: pii, type: EMAIL_ADDRESS }]
  expect: { action: block, rule: block-secrets }
`;
    const { cwd, dataDir } = workspace({ 'policy.yaml': POLICY, 'cases.yaml': failing });
    const { code, stdout } = await run(
      ['policy', 'test', 'policy.yaml', '--cases', 'cases.yaml', '--data-dir', dataDir],
      cwd,
    );
    assert.equal(code, 1);
    assert.equal(
      stdout,
      [
        'PASS  ok',
        'FAIL  wrong expectation (cases.yaml:3:3)',
        '  - expected: block by rule `block-secrets`',
        '  + actual:   redact by rule `redact-pii-for-public-models`',
        '    rules matched: redact-pii-for-public-models (accumulated)',
        '1 passed, 1 failed',
        '',
      ].join('\n'),
    );
    const json = await run(
      ['policy', 'test', 'policy.yaml', '--cases', 'cases.yaml', '--json', '--data-dir', dataDir],
      cwd,
    );
    assert.equal(json.code, 1);
    const out = JSON.parse(json.stdout);
    assert.deepEqual([out.passed, out.failed], [1, 1]);
    assert.deepEqual(out.cases[1].actual.action, 'redact');
    assert.deepEqual(out.cases[1].expected, { action: 'block', rule: 'block-secrets' });
  });

  test('the cases file is validated: every problem with its line and column', async () => {
    const bad = `- name: a
  modle: gpt-4o-mini
  expect: { action: alow }
- name: b
  model: gpt-4o-mimi
  findings: [{ family: pii, type: EMAIL }]
  failed: [secret]
  now: yesterday
  expect: { action: block, rule: block-secret }
- name: c
`;
    const { cwd, dataDir } = workspace({ 'policy.yaml': POLICY, 'cases.yaml': bad });
    const { code, stdout } = await run(
      ['policy', 'test', 'policy.yaml', '--cases', 'cases.yaml', '--data-dir', dataDir],
      cwd,
    );
    assert.equal(code, 1);
    assert.equal(
      stdout,
      [
        'cases.yaml:2:3: error: unknown key `modle`; did you mean `model`?',
        'cases.yaml:3:21: error: must be one of `allow`, `monitor`, `warn`, `redact`, `block`, `route`, `hold`; did you mean `allow`?',
        'cases.yaml:5:10: error: unknown model `gpt-4o-mimi`; did you mean `gpt-4o-mini`?',
        'cases.yaml:6:35: error: `EMAIL` is not a pii type',
        'cases.yaml:7:12: error: unknown or disabled detector family `secret`; did you mean `secrets`?',
        'cases.yaml:8:8: error: `yesterday` is not an ISO time such as 2025-01-06T09:30:00Z',
        'cases.yaml:9:34: error: the policy has no rule `block-secret`; did you mean `block-secrets`?',
        'cases.yaml:10:3: error: `expect` is required (object)',
        '',
      ].join('\n'),
    );
  });

  test('an invalid policy is reported before any case runs', async () => {
    const { cwd, dataDir } = workspace({ 'policy.yaml': INVALID, 'cases.yaml': CASES });
    const { code, stdout } = await run(
      ['policy', 'test', 'policy.yaml', '--cases', 'cases.yaml', '--data-dir', dataDir],
      cwd,
    );
    assert.equal(code, 1);
    assert.match(stdout, /^policy\.yaml:3:20: error: unknown model/);
    assert.doesNotMatch(stdout, /PASS|FAIL/);
    const missing = await run(['policy', 'test', 'policy.yaml'], cwd);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing required option `--cases <file>`/);
    assert.equal(existsSync(join(dataDir, 'parapet.db')), false);
  });
});
