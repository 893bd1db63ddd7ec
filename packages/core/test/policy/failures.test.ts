// Detector failures and three-valued logic, docs/policy.md S18–S23.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Condition, PolicyDocumentInput, RuleInput } from '../../src/index.ts';
import { failure, finding, input, policy, principal } from './test-kit.ts';

const piiDown = [failure('pii')];

/** The effect of one `block` rule with this `when`: decided (true), failed_closed (unknown) or nothing (false). */
function truth(when: Condition, over: Parameters<typeof input>[0] = {}): 'true' | 'false' | 'unknown' {
  const d = policy({ rules: [{ id: 'r', when, action: 'block' }] }).evaluate(
    input({ failures: piiDown, ...over }),
  );
  if (d.reason === 'detector_failure') return 'unknown';
  return d.action === 'block' ? 'true' : 'false';
}

test('S18: a detection condition on a family whose detector failed is unknown unless it holds anyway', () => {
  assert.equal(truth({ detections: { pii: {} } }), 'unknown');
  assert.equal(truth({ detections: { pii: {} } }, { findings: [finding('pii', 'EMAIL_ADDRESS')] }), 'true');
  // Short of min_count is unknown, not false: the failed detector may have found the rest.
  assert.equal(
    truth({ detections: { pii: { min_count: 2 } } }, { findings: [finding('pii', 'EMAIL_ADDRESS')] }),
    'unknown',
  );
  // Another family is not affected.
  assert.equal(truth({ detections: { secrets: {} } }), 'false');
  assert.equal(truth({ detections: { pii: {} } }, { failures: [] }), 'false');
});

test('S18: no other condition is ever unknown', () => {
  const conditions: Condition[] = [
    { users: ['bob'] },
    { groups: ['contractors'] },
    { apps: ['ide'] },
    { keys: ['other'] },
    { destination: { tags: ['private'] } },
    { languages: ['de'] },
    { has_tools: true },
    { stream: true },
    { time: { days: ['sun'] } },
  ];
  for (const when of conditions) assert.equal(truth(when), 'false', JSON.stringify(when));
  assert.equal(truth({ users: ['ada'] }), 'true');
});

test('S19: not of unknown is unknown', () => {
  assert.equal(truth({ not: { detections: { pii: {} } } }), 'unknown');
  assert.equal(truth({ not: { not: { detections: { pii: {} } } } }), 'unknown');
  assert.equal(truth({ not: { detections: { secrets: {} } } }), 'true');
});

test('S19: any holds when one branch holds, else is unknown when one branch is unknown', () => {
  assert.equal(truth({ any: [{ detections: { pii: {} } }, { users: ['ada'] }] }), 'true');
  assert.equal(truth({ any: [{ users: ['ada'] }, { detections: { pii: {} } }] }), 'true');
  assert.equal(truth({ any: [{ detections: { pii: {} } }, { users: ['bob'] }] }), 'unknown');
  assert.equal(truth({ any: [{ users: ['bob'] }, { apps: ['ide'] }] }), 'false');
});

test('S19: when and all do not hold when one part does not, else are unknown when one part is unknown', () => {
  assert.equal(truth({ users: ['bob'], detections: { pii: {} } }), 'false');
  assert.equal(truth({ detections: { pii: {}, secrets: {} } }), 'false');
  assert.equal(truth({ users: ['ada'], detections: { pii: {} } }), 'unknown');
  assert.equal(truth({ all: [{ detections: { pii: {} } }, { users: ['bob'] }] }), 'false');
  assert.equal(truth({ all: [{ detections: { pii: {} } }, { users: ['ada'] }] }), 'unknown');
  assert.equal(truth({ all: [{ users: ['ada'] }, { apps: ['chat-web'] }] }), 'true');
});

test('S19: a failure matters only when it could change whether the rule applies', () => {
  const rule: RuleInput = {
    id: 'finance',
    when: { groups: ['contractors'], detections: { topics: { labels: ['finance'] } } },
    action: 'hold',
  };
  const p = policy({ rules: [rule] });
  const failures = [failure('topics')];
  assert.equal(p.evaluate(input({ failures })).action, 'allow', 'not a contractor: unaffected');
  const contractor = p.evaluate(input({ failures, principal: principal({ groups: ['contractors'] }) }));
  assert.equal(contractor.action, 'block');
  assert.equal(contractor.reason, 'detector_failure');
});

test('S20: the failure mode is the rule on_error first, then the families, then the direction', () => {
  const rule = (over: Partial<RuleInput> = {}): RuleInput => ({
    id: 'r',
    when: { detections: { pii: {} } },
    action: 'block',
    ...over,
  });
  const effect = (doc: PolicyDocumentInput, direction: 'input' | 'output' = 'input') =>
    policy(doc).evaluate(input({ direction, failures: piiDown })).trail?.[0]?.effect;
  // Direction defaults: input block (fail closed), output allow.
  assert.equal(effect({ rules: [rule()] }, 'input'), 'failed_closed');
  assert.equal(effect({ rules: [rule()] }, 'output'), 'failed_open');
  assert.equal(effect({ on_error: { input: 'allow' }, rules: [rule()] }, 'input'), 'failed_open');
  assert.equal(effect({ on_error: { output: 'block' }, rules: [rule()] }, 'output'), 'failed_closed');
  // The family setting overrides the direction.
  assert.equal(effect({ on_error: { families: { pii: 'allow' } }, rules: [rule()] }, 'input'), 'failed_open');
  assert.equal(
    effect({ on_error: { families: { pii: 'block' } }, rules: [rule()] }, 'output'),
    'failed_closed',
  );
  // The rule setting overrides both.
  assert.equal(
    effect({ on_error: { families: { pii: 'block' } }, rules: [rule({ on_error: 'allow' })] }, 'input'),
    'failed_open',
  );
  assert.equal(
    effect({ on_error: { families: { pii: 'allow' } }, rules: [rule({ on_error: 'block' })] }, 'output'),
    'failed_closed',
  );
});

test('S20: only the failed families the rule reads count, and block wins when they disagree', () => {
  const when: Condition = { any: [{ detections: { pii: {} } }, { detections: { secrets: {} } }] };
  const doc: PolicyDocumentInput = {
    on_error: { families: { pii: 'allow', secrets: 'block' } },
    rules: [{ id: 'r', when, action: 'block' }],
  };
  // Only pii failed: pii says allow; secrets worked, its setting does not apply.
  const onlyPii = policy(doc).evaluate(input({ failures: [failure('pii')] }));
  assert.equal(onlyPii.action, 'allow');
  assert.deepEqual(onlyPii.trail, [{ ruleId: 'r', action: 'block', effect: 'failed_open' }]);
  // Both failed and disagree: block.
  const both = policy(doc).evaluate(input({ failures: [failure('pii'), failure('secrets')] }));
  assert.equal(both.action, 'block');
  assert.equal(both.reason, 'detector_failure');
  // A failed family the rule does not read does not count either.
  const unrelated = policy({
    on_error: { input: 'allow', families: { topics: 'block' } },
    rules: [{ id: 'r', when: { detections: { pii: {} } }, action: 'block' }],
  }).evaluate(input({ failures: [failure('pii'), failure('topics')] }));
  assert.equal(unrelated.action, 'allow');
});

test('S20: a monitor rule without its own on_error fails open, whatever the direction default', () => {
  const d = policy({
    rules: [{ id: 'watch', when: { detections: { pii: {} } }, action: 'monitor', tags: ['w'] }],
  }).evaluate(input({ failures: [failure('pii')] }));
  assert.equal(d.action, 'allow');
  assert.deepEqual(d.trail, [{ ruleId: 'watch', action: 'monitor', effect: 'failed_open' }]);
});

test('S21: failure mode block stops with block, the rule id, reason detector_failure, whatever the action', () => {
  for (const action of ['monitor', 'redact', 'allow', 'warn', 'route', 'hold', 'block'] as const) {
    const rule: RuleInput = { id: `r-${action}`, when: { detections: { pii: {} } }, action };
    // A monitor rule fails closed only when it says so (S20).
    if (action === 'monitor') rule.on_error = 'block';
    if (action === 'route') rule.route_to = 'private-llm';
    const p = policy({
      rules: [
        { id: 'tag', action: 'monitor', tags: ['t'] },
        { id: 'tag2', action: 'monitor', tags: ['t'] },
        rule,
        { id: 'never', action: 'allow' },
      ],
    });
    const d = p.evaluate(input({ failures: [failure('pii', { detector: 'pii.names' }), failure('pii')] }));
    assert.equal(d.action, 'block', action);
    assert.equal(d.ruleId, `r-${action}`);
    assert.equal(d.reason, 'detector_failure');
    assert.equal(
      d.message,
      `the request could not be checked (detector pii.names, pii.test failed) and rule \`r-${action}\` fails closed`,
    );
    assert.deepEqual(d.findings, []);
    assert.deepEqual(d.tags, ['tag', 't', 'tag2']);
    assert.deepEqual(d.trail?.at(-1), { ruleId: `r-${action}`, action, effect: 'failed_closed' });
    assert.equal(
      d.trail?.some((t) => t.ruleId === 'never'),
      false,
      'evaluation stopped',
    );
  }
});

test('S21: an advisory rule with on_error: allow does not block', () => {
  const p = policy({
    rules: [{ id: 'watch', when: { detections: { pii: {} } }, action: 'monitor', on_error: 'allow' }],
  });
  assert.equal(p.evaluate(input({ failures: piiDown })).action, 'allow');
});

test('S22: failure mode allow treats the rule as not matching and evaluation goes on', () => {
  const p = policy({
    on_error: { input: 'allow' },
    rules: [
      { id: 'pii', when: { detections: { pii: {} } }, action: 'block' },
      { id: 'next', when: { not: { detections: { pii: {} } } }, action: 'warn' },
      { id: 'last', action: 'route', route_to: 'private-llm' },
    ],
  });
  const d = p.evaluate(input({ failures: piiDown }));
  assert.equal(d.action, 'route');
  assert.equal(d.ruleId, 'last');
  assert.deepEqual(d.trail, [
    { ruleId: 'pii', action: 'block', effect: 'failed_open' },
    { ruleId: 'next', action: 'warn', effect: 'failed_open' },
    { ruleId: 'last', action: 'route', effect: 'decided' },
  ]);
});

test('S23: the decision lists every failed detector, whatever the action', () => {
  const failures = [
    failure('pii', { reason: 'error', message: 'boom' }),
    failure('toxicity'),
    failure('topics'),
  ];
  const decisions = [
    policy({}).evaluate(input({ failures })),
    policy({ global: { block_all: true } }).evaluate(input({ failures })),
    policy({ rules: [{ id: 'w', action: 'warn' }] }).evaluate(input({ failures })),
    policy({ rules: [{ id: 'p', when: { detections: { pii: {} } }, action: 'block' }] }).evaluate(
      input({ failures }),
    ),
    policy({ default: 'block' }).evaluate(input({ failures, direction: 'output' })),
  ];
  for (const d of decisions) assert.deepEqual(d.failures, failures, d.action);
});
