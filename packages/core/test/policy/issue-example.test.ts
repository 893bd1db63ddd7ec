// The example policy of issue 5, verbatim, as the worked example of docs/policy.md: it parses, validates
// against a catalogue that knows its models, groups and families, and decides as the docs' table says.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import type { Decision, DecisionInput, PolicyCatalogue } from '../../src/index.ts';
import { compilePolicy, validatePolicy } from '../../src/index.ts';
import { failure, finding, input, principal } from './test-kit.ts';

/** Issue 5, "The language": "This example must work as written." Copied byte for byte. */
const ISSUE_EXAMPLE = `models:
  gpt-4o-mini:   { provider: openai,    tags: [public] }
  private-llm:   { provider: local-vllm, model: llama-3.1-70b, tags: [private] }

policy:
  default: allow
  global:                      # checked before every rule: the kill switch and block lists
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
      action: redact            # reversible: the model sees placeholders, the user gets real values back
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

const DOCS = readFileSync(new URL('../../../../docs/policy.md', import.meta.url), 'utf8');

/** Built by hand: what a deployment with this model table, these detectors and a contractors key knows. */
const CATALOGUE: PolicyCatalogue = {
  families: {
    secrets: ['AWS_ACCESS_KEY', 'GITHUB_TOKEN', 'GENERIC_SECRET', 'PRIVATE_KEY'],
    pii: ['EMAIL_ADDRESS', 'PHONE_NUMBER', 'PERSON', 'CREDIT_CARD', 'US_SSN', 'IBAN_CODE', 'LOCATION', 'URL'],
    topics: ['legal', 'finance', 'medical', 'hr'],
    code: null,
    prompt_attack: ['INSTRUCTION_OVERRIDE', 'JAILBREAK_PERSONA', 'CLASSIFIER'],
  },
  models: ['gpt-4o-mini', 'private-llm'],
  providers: ['openai', 'local-vllm'],
  tags: ['public', 'private'],
  groups: ['contractors'],
};

function load() {
  const file = parseYaml(ISSUE_EXAMPLE) as { models: Record<string, unknown>; policy: unknown };
  const result = validatePolicy(file.policy, CATALOGUE);
  assert.deepEqual(result.issues, []);
  assert.ok(result.policy);
  return { file, document: result.policy, compiled: compilePolicy(result.policy) };
}

const { compiled } = load();
const decide = (over: Partial<DecisionInput>): Decision => compiled.evaluate(input(over));

const email = finding('pii', 'EMAIL_ADDRESS', { span: { start: 12, end: 29 } });
const card = finding('pii', 'CREDIT_CARD', { span: { start: 40, end: 59 } });
const awsKey = finding('secrets', 'AWS_ACCESS_KEY', { span: { start: 5, end: 25 } });
const legal = finding('topics', 'legal', { score: 0.8, span: null });
const finance = finding('topics', 'finance', { score: 0.7, span: null });
const python = finding('code', 'python', { span: { start: 0, end: 120 } });
const attack = finding('prompt_attack', 'INSTRUCTION_OVERRIDE', { score: 0.9 });
const privateLlm = { model: 'private-llm', provider: 'local-vllm', modelTags: ['private'] };

test('the issue example is in docs/policy.md verbatim', () => {
  assert.ok(
    DOCS.includes(`\`\`\`yaml\n${ISSUE_EXAMPLE}\`\`\``),
    'docs/policy.md must carry the example byte for byte',
  );
});

test('the issue example parses and validates against a catalogue that knows its names', () => {
  const { file, document } = load();
  assert.deepEqual(Object.keys(file.models), ['gpt-4o-mini', 'private-llm']);
  assert.deepEqual(
    document.rules.map((r) => [r.id, r.action]),
    [
      ['block-secrets', 'block'],
      ['redact-pii-for-public-models', 'redact'],
      ['legal-stays-private', 'route'],
      ['contractors-finance-needs-approval', 'hold'],
      ['coach-on-source-code', 'warn'],
      ['attacks', 'block'],
      ['leak-in-answers', 'redact'],
    ],
  );
  assert.equal(document.default, 'allow');
  assert.deepEqual(document.on_error, { input: 'block', output: 'allow', families: {} });
  // Without the contractors group (no key has it, no policy.groups) the example is valid, with a warning.
  const noGroup = validatePolicy(file.policy, { ...CATALOGUE, groups: [] });
  assert.notEqual(noGroup.policy, null);
  assert.deepEqual(noGroup.issues, [
    {
      path: ['rules', 3, 'when', 'groups', 0],
      message: 'group `contractors` is not declared in `policy.groups` and no virtual key has it',
      severity: 'warning',
    },
  ]);
  // Without the code detector, the coaching rule would never match: an error, not a silent no-op.
  const { code: _code, ...families } = CATALOGUE.families;
  const noCode = validatePolicy(file.policy, { ...CATALOGUE, families });
  assert.deepEqual(
    noCode.issues.map((i) => i.path),
    [['rules', 4, 'when', 'detections', 'code']],
  );
});

test('example: block-secrets blocks input with a credential, with its message', () => {
  const d = decide({ findings: [email, awsKey] });
  assert.equal(d.action, 'block');
  assert.equal(d.ruleId, 'block-secrets');
  assert.equal(d.message, 'Credentials must never be sent to an AI model. Remove them and try again.');
  assert.deepEqual(d.findings, [1]);
  assert.equal(d.respondAs, 'error');
});

test('example: redact-pii-for-public-models tokenizes personal data sent to a public model', () => {
  const d = decide({ findings: [email, finding('pii', 'LOCATION', { span: { start: 70, end: 76 } })] });
  assert.equal(d.action, 'redact');
  assert.equal(d.ruleId, 'redact-pii-for-public-models');
  assert.deepEqual(d.redactions, [
    { ruleId: 'redact-pii-for-public-models', mode: 'tokenize', findings: [0] },
  ]);
  assert.equal(
    decide({ ...privateLlm, findings: [email] }).action,
    'allow',
    'the private model is not tagged public',
  );
});

test('example: legal-stays-private routes legal matters to private-llm, above its min_score', () => {
  const d = decide({ findings: [legal] });
  assert.equal(d.action, 'route');
  assert.equal(d.ruleId, 'legal-stays-private');
  assert.equal(d.routeTo, 'private-llm');
  assert.equal(decide({ findings: [{ ...legal, score: 0.5 }] }).action, 'allow');
  const withEmail = decide({ findings: [email, legal] });
  assert.equal(withEmail.action, 'route');
  assert.deepEqual(withEmail.redactions, [
    { ruleId: 'redact-pii-for-public-models', mode: 'tokenize', findings: [0] },
  ]);
});

test('example: contractors-finance-needs-approval holds a contractor asking about finance', () => {
  const d = decide({ principal: principal({ groups: ['contractors'] }), findings: [finance] });
  assert.equal(d.action, 'hold');
  assert.equal(d.ruleId, 'contractors-finance-needs-approval');
  assert.deepEqual(d.hold, { timeoutMs: 15 * 60_000, onTimeout: 'deny' });
  assert.equal(decide({ findings: [finance] }).action, 'allow', 'an employee');
  const approved = decide({
    principal: principal({ groups: ['contractors'] }),
    findings: [finance],
    approved: ['contractors-finance-needs-approval'],
  });
  assert.equal(approved.action, 'allow');
});

test('example: coach-on-source-code warns chat-web users pasting code, until acknowledged', () => {
  const d = decide({ findings: [python] });
  assert.equal(d.action, 'warn');
  assert.equal(d.ruleId, 'coach-on-source-code');
  assert.equal(
    d.message,
    'Pasting source code into external AI tools needs a reason. Acknowledge to continue.',
  );
  assert.equal(d.ackTtlMs, 3_600_000);
  assert.equal(decide({ findings: [python], acknowledged: ['coach-on-source-code'] }).action, 'allow');
  assert.equal(decide({ findings: [python], principal: principal({ app: 'ide' }) }).action, 'allow');
});

test('example: attacks blocks a prompt attack scored at least 0.8, in both directions', () => {
  for (const direction of ['input', 'output'] as const) {
    const d = decide({ direction, findings: [attack] });
    assert.equal(d.action, 'block');
    assert.equal(d.ruleId, 'attacks');
  }
  assert.equal(decide({ findings: [{ ...attack, score: 0.79 }] }).action, 'allow');
});

test('example: leak-in-answers masks card numbers in answers; the input rule does not apply to answers', () => {
  const d = decide({ direction: 'output', findings: [card, email], segmentSources: ['completion'] });
  assert.equal(d.action, 'redact');
  assert.equal(d.ruleId, 'leak-in-answers');
  assert.deepEqual(d.redactions, [{ ruleId: 'leak-in-answers', mode: 'mask', findings: [0] }]);
  assert.equal(decide({ direction: 'output', findings: [email] }).action, 'allow');
  // On output the route, hold and warn rules are skipped.
  assert.equal(decide({ direction: 'output', findings: [legal, finance, python] }).action, 'allow');
});

test('example: a failed secrets detector blocks input (fail closed); a failed pii detector lets answers through', () => {
  const closed = decide({ findings: [email], failures: [failure('secrets')] });
  assert.equal(closed.action, 'block');
  assert.equal(closed.ruleId, 'block-secrets');
  assert.equal(closed.reason, 'detector_failure');
  assert.deepEqual(closed.failures, [failure('secrets')]);
  const open = decide({ direction: 'output', failures: [failure('pii')] });
  assert.equal(open.action, 'allow');
  assert.deepEqual(open.trail, [{ ruleId: 'leak-in-answers', action: 'redact', effect: 'failed_open' }]);
  assert.deepEqual(open.failures, [failure('pii')]);
});

test('example: an ordinary prompt is allowed by the default', () => {
  const d = decide({});
  assert.equal(d.action, 'allow');
  assert.equal(d.ruleId, null);
  assert.equal(d.reason, 'default');
});
