// Evaluation order and actions, docs/policy.md S8–S17 and S25.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RuleInput } from '../../src/index.ts';
import { finding, input, policy, principal } from './test-kit.ts';

const pii = finding('pii', 'EMAIL_ADDRESS');
const blockAll: RuleInput = { id: 'block-everything', action: 'block' };

test('S8: the kill switch blocks before any rule, in both directions', () => {
  const p = policy({
    global: { block_all: true },
    rules: [{ id: 'allow-all', action: 'allow' }],
  });
  for (const direction of ['input', 'output'] as const) {
    const d = p.evaluate(input({ direction, findings: [pii] }));
    assert.equal(d.action, 'block');
    assert.equal(d.ruleId, 'global.block_all');
    assert.equal(d.reason, 'global');
    assert.equal(d.message, 'AI access is switched off by the administrator (kill switch).');
    assert.deepEqual(d.findings, []);
    assert.deepEqual(d.tags, []);
    assert.equal(d.trail, undefined, 'no rule is evaluated');
  }
  const custom = policy({ global: { block_all: true, message: 'Maintenance until 14:00.' } });
  assert.equal(custom.evaluate(input()).message, 'Maintenance until 14:00.');
});

test('S8: block lists block by app, user, group, key, model and provider, with wildcards, before any rule', () => {
  const cases: [Record<string, string[]>, string, Parameters<typeof input>[0]][] = [
    [{ blocked_apps: ['chat-*'] }, 'global.blocked_apps', {}],
    [{ blocked_users: ['ada'] }, 'global.blocked_users', {}],
    [{ blocked_groups: ['staff'] }, 'global.blocked_groups', {}],
    [{ blocked_keys: ['key-1'] }, 'global.blocked_keys', {}],
    [{ blocked_models: ['gpt-4o*'] }, 'global.blocked_models', {}],
    [{ blocked_providers: ['openai'] }, 'global.blocked_providers', {}],
  ];
  for (const [global, ruleId, over] of cases) {
    const p = policy({ global, rules: [{ id: 'allow-all', action: 'allow' }] });
    const d = p.evaluate(input(over));
    assert.equal(d.action, 'block', ruleId);
    assert.equal(d.ruleId, ruleId);
    assert.equal(d.reason, 'global');
    assert.equal(d.message, `blocked by the administrator (${ruleId.slice('global.'.length)})`);
    assert.equal(d.trail, undefined);
  }
  const p = policy({ global: { blocked_apps: ['ide'], blocked_users: ['bob'] } });
  assert.equal(p.evaluate(input()).action, 'allow', 'not on a list');
  const withMessage = policy({ global: { blocked_users: ['ada'], message: 'Your access is suspended.' } });
  assert.equal(withMessage.evaluate(input()).message, 'Your access is suspended.');
});

test('S8: the block lists are checked in order: apps, users, groups, keys, models, providers', () => {
  const all = {
    blocked_apps: ['chat-web'],
    blocked_users: ['ada'],
    blocked_groups: ['staff'],
    blocked_keys: ['key-1'],
    blocked_models: ['gpt-4o-mini'],
    blocked_providers: ['openai'],
  };
  assert.equal(policy({ global: all }).evaluate(input()).ruleId, 'global.blocked_apps');
  const { blocked_apps: _a, ...noApps } = all;
  assert.equal(policy({ global: noApps }).evaluate(input()).ruleId, 'global.blocked_users');
  const { blocked_users: _u, ...noUsers } = noApps;
  assert.equal(policy({ global: noUsers }).evaluate(input()).ruleId, 'global.blocked_groups');
  const { blocked_groups: _g, ...noGroups } = noUsers;
  assert.equal(policy({ global: noGroups }).evaluate(input()).ruleId, 'global.blocked_keys');
  const { blocked_keys: _k, ...noKeys } = noGroups;
  assert.equal(policy({ global: noKeys }).evaluate(input()).ruleId, 'global.blocked_models');
  const { blocked_models: _m, ...noModels } = noKeys;
  assert.equal(policy({ global: noModels }).evaluate(input()).ruleId, 'global.blocked_providers');
});

test('S8: global comes before a rule that would fail closed', () => {
  const p = policy({
    global: { blocked_users: ['ada'] },
    rules: [{ id: 'secrets', when: { detections: { secrets: {} } }, action: 'block' }],
  });
  const d = p.evaluate(
    input({ failures: [{ detector: 's', family: 'secrets', reason: 'error', message: 'x' }] }),
  );
  assert.equal(d.ruleId, 'global.blocked_users');
  assert.equal(d.failures.length, 1, 'failures are still recorded');
});

test('S9: rules are evaluated in document order', () => {
  const rules: RuleInput[] = [
    { id: 'first', when: { detections: { pii: {} } }, action: 'warn', message: 'first' },
    { id: 'second', when: { detections: { pii: {} } }, action: 'block' },
  ];
  assert.equal(policy({ rules }).evaluate(input({ findings: [pii] })).ruleId, 'first');
  assert.equal(policy({ rules: [...rules].reverse() }).evaluate(input({ findings: [pii] })).ruleId, 'second');
});

test('S9: a disabled rule is skipped', () => {
  const p = policy({
    rules: [
      { ...blockAll, enabled: false },
      { id: 'then', action: 'warn' },
    ],
  });
  const d = p.evaluate(input());
  assert.equal(d.ruleId, 'then');
  assert.deepEqual(d.trail, [{ ruleId: 'then', action: 'warn', effect: 'decided' }]);
});

test('S9: a rule takes part only in its directions, in both when it has none', () => {
  const p = (direction?: 'input' | 'output' | ('input' | 'output')[]) =>
    policy({ rules: [{ id: 'b', when: direction === undefined ? {} : { direction }, action: 'block' }] });
  assert.equal(p('input').evaluate(input({ direction: 'input' })).action, 'block');
  assert.equal(p('input').evaluate(input({ direction: 'output' })).action, 'allow');
  assert.equal(p('output').evaluate(input({ direction: 'input' })).action, 'allow');
  assert.equal(p('output').evaluate(input({ direction: 'output' })).action, 'block');
  assert.equal(p(['input', 'output']).evaluate(input({ direction: 'output' })).action, 'block');
  assert.equal(p().evaluate(input({ direction: 'input' })).action, 'block');
  assert.equal(p().evaluate(input({ direction: 'output' })).action, 'block');
});

test('S10: on output, warn, route and hold rules are skipped', () => {
  const p = policy({
    rules: [
      { id: 'w', action: 'warn', message: 'think twice' },
      { id: 'r', action: 'route', route_to: 'private-llm' },
      { id: 'h', action: 'hold' },
      { id: 'tag', action: 'monitor' },
    ],
  });
  const out = p.evaluate(input({ direction: 'output' }));
  assert.equal(out.action, 'monitor');
  assert.deepEqual(out.trail, [{ ruleId: 'tag', action: 'monitor', effect: 'accumulated' }]);
  assert.equal(p.evaluate(input({ direction: 'input' })).action, 'warn');
});

test('S11: redact accumulates and evaluation goes on', () => {
  const p = policy({
    rules: [
      { id: 'redact-email', when: { detections: { pii: { types: ['EMAIL_ADDRESS'] } } }, action: 'redact' },
      {
        id: 'hash-phone',
        when: { detections: { pii: { types: ['PHONE_NUMBER'] } } },
        action: 'redact',
        redact: { mode: 'hash' },
      },
      { id: 'block-secrets', when: { detections: { secrets: {} } }, action: 'block' },
    ],
  });
  const findings = [pii, finding('pii', 'PHONE_NUMBER', { span: { start: 9, end: 21 } })];
  const d = p.evaluate(input({ findings }));
  assert.equal(d.action, 'redact');
  assert.deepEqual(d.redactions, [
    { ruleId: 'redact-email', mode: 'tokenize', findings: [0] },
    { ruleId: 'hash-phone', mode: 'hash', findings: [1] },
  ]);
  // Evaluation went on past both redact rules: the block rule still decides when it matches.
  const blocked = p.evaluate(input({ findings: [...findings, finding('secrets', 'AWS_ACCESS_KEY')] }));
  assert.equal(blocked.action, 'block');
  assert.equal(blocked.ruleId, 'block-secrets');
  assert.equal(blocked.redactions?.length, 2);
  const mask = policy({
    rules: [{ id: 'm', when: { detections: { pii: {} } }, action: 'redact', redact: { mode: 'mask' } }],
  });
  assert.equal(mask.evaluate(input({ findings: [pii] })).redactions?.[0]?.mode, 'mask');
});

test('S11: a redact rule whose matched findings have no span has no effect', () => {
  const p = policy({ rules: [{ id: 'r', when: { detections: { topics: {} } }, action: 'redact' }] });
  const d = p.evaluate(input({ findings: [finding('topics', 'legal', { span: null, segment: null })] }));
  assert.equal(d.action, 'allow');
  assert.equal(d.ruleId, null);
  assert.equal(d.redactions, undefined);
  // Spanless findings are dropped, spanned ones of the same rule kept.
  const mixed = p.evaluate(
    input({ findings: [finding('topics', 'legal', { span: null }), finding('topics', 'finance')] }),
  );
  assert.deepEqual(mixed.redactions, [{ ruleId: 'r', mode: 'tokenize', findings: [1] }]);
});

test('S12: on output, tokenize is applied as mask; mask and hash stay', () => {
  const p = policy({
    rules: [
      {
        id: 't',
        when: { detections: { pii: { types: ['EMAIL_ADDRESS'] } } },
        action: 'redact',
        redact: { mode: 'tokenize' },
      },
      {
        id: 'h',
        when: { detections: { pii: { types: ['US_SSN'] } } },
        action: 'redact',
        redact: { mode: 'hash' },
      },
    ],
  });
  const findings = [pii, finding('pii', 'US_SSN', { span: { start: 5, end: 16 } })];
  assert.deepEqual(p.evaluate(input({ direction: 'output', findings })).redactions, [
    { ruleId: 't', mode: 'mask', findings: [0] },
    { ruleId: 'h', mode: 'hash', findings: [1] },
  ]);
  assert.equal(p.evaluate(input({ direction: 'input', findings })).redactions?.[0]?.mode, 'tokenize');
});

test('S13: monitor accumulates the rule id and its tags, each once, and evaluation goes on', () => {
  const p = policy({
    rules: [
      { id: 'watch-pii', when: { detections: { pii: {} } }, action: 'monitor', tags: ['pii', 'review'] },
      { id: 'watch-staff', when: { groups: ['staff'] }, action: 'monitor', tags: ['review'] },
      { id: 'warn-pii', when: { detections: { pii: {} } }, action: 'warn', message: 'careful' },
    ],
  });
  const d = p.evaluate(input({ findings: [pii] }));
  assert.equal(d.action, 'warn', 'evaluation went on to the warn rule');
  assert.deepEqual(d.tags, ['watch-pii', 'pii', 'review', 'watch-staff']);
  const none = p.evaluate(input({ principal: principal({ groups: [] }) }));
  assert.equal(none.action, 'allow');
  assert.deepEqual(none.tags, []);
});

test('S14: the first matching deciding action wins, for each deciding action', () => {
  for (const action of ['allow', 'warn', 'block', 'route', 'hold'] as const) {
    const first: RuleInput = { id: `first-${action}`, when: { detections: { pii: {} } }, action };
    if (action === 'route') first.route_to = 'private-llm';
    const p = policy({
      rules: [
        { id: 'no-match', when: { detections: { secrets: {} } }, action: 'block' },
        first,
        { id: 'later', when: { detections: { pii: {} } }, action: action === 'block' ? 'allow' : 'block' },
      ],
    });
    const d = p.evaluate(input({ findings: [pii] }));
    assert.equal(d.action, action);
    assert.equal(d.ruleId, `first-${action}`);
    assert.equal(d.reason, 'rule');
    assert.deepEqual(d.findings, [0]);
    assert.deepEqual(d.trail, [{ ruleId: `first-${action}`, action, effect: 'decided' }]);
  }
});

test('S14: redactions and tags accumulated before the deciding rule are kept', () => {
  const p = policy({
    rules: [
      { id: 'tag', action: 'monitor', tags: ['seen'] },
      { id: 'redact', when: { detections: { pii: {} } }, action: 'redact' },
      {
        id: 'route',
        when: { detections: { topics: { labels: ['legal'] } } },
        action: 'route',
        route_to: 'private-llm',
      },
      { id: 'never', action: 'monitor', tags: ['after'] },
    ],
  });
  const d = p.evaluate(input({ findings: [pii, finding('topics', 'legal', { span: null })] }));
  assert.equal(d.action, 'route');
  assert.deepEqual(d.tags, ['tag', 'seen']);
  assert.deepEqual(d.redactions, [{ ruleId: 'redact', mode: 'tokenize', findings: [0] }]);
  assert.deepEqual(d.findings, [1]);
});

test('S15: the deciding rule settings go into the decision, with their defaults', () => {
  const ev = (rule: RuleInput) => policy({ rules: [rule] }).evaluate(input());
  const block = ev({ id: 'b', action: 'block', message: 'No.' });
  assert.equal(block.message, 'No.');
  assert.equal(block.respondAs, 'error');
  assert.equal(
    ev({ id: 'b', action: 'block', block: { respond_as: 'assistant_message' } }).respondAs,
    'assistant_message',
  );
  assert.equal(ev({ id: 'b', action: 'block' }).message, undefined);
  const route = ev({ id: 'r', action: 'route', route_to: 'private-llm' });
  assert.equal(route.routeTo, 'private-llm');
  assert.deepEqual(ev({ id: 'h', action: 'hold' }).hold, { timeoutMs: 15 * 60_000, onTimeout: 'deny' });
  assert.deepEqual(ev({ id: 'h', action: 'hold', hold: { timeout: '2h', on_timeout: 'allow' } }).hold, {
    timeoutMs: 2 * 3_600_000,
    onTimeout: 'allow',
  });
  assert.deepEqual(ev({ id: 'h', action: 'hold', hold: { timeout: '30s' } }).hold, {
    timeoutMs: 30_000,
    onTimeout: 'deny',
  });
  const warn = ev({ id: 'w', action: 'warn', message: 'Give a reason.' });
  assert.equal(warn.message, 'Give a reason.');
  assert.equal(warn.ackTtlMs, 3_600_000);
  assert.equal(ev({ id: 'w', action: 'warn', warn: { ack_ttl: '10m' } }).ackTtlMs, 600_000);
  const allow = ev({ id: 'a', action: 'allow' });
  for (const key of ['routeTo', 'respondAs', 'hold', 'ackTtlMs', 'message'] as const) {
    assert.equal(allow[key], undefined, key);
  }
});

test('S16: an acknowledged warn and an approved hold are passed over and evaluation goes on', () => {
  const p = policy({
    rules: [
      { id: 'coach', when: { detections: { code: {} } }, action: 'warn', message: 'Why?' },
      { id: 'approve', when: { detections: { code: {} } }, action: 'hold' },
      { id: 'tag', action: 'monitor' },
    ],
  });
  const code = [finding('code', 'python')];
  assert.equal(p.evaluate(input({ findings: code })).action, 'warn');
  const acked = p.evaluate(input({ findings: code, acknowledged: ['coach'] }));
  assert.equal(acked.action, 'hold');
  assert.deepEqual(acked.trail, [
    { ruleId: 'coach', action: 'warn', effect: 'acknowledged' },
    { ruleId: 'approve', action: 'hold', effect: 'decided' },
  ]);
  const both = p.evaluate(input({ findings: code, acknowledged: ['coach'], approved: ['approve'] }));
  assert.equal(both.action, 'monitor');
  assert.deepEqual(
    both.trail?.map((t) => t.effect),
    ['acknowledged', 'approved', 'accumulated'],
  );
  // Only the named rule is passed over: acknowledging one warn does not acknowledge another.
  assert.equal(p.evaluate(input({ findings: code, acknowledged: ['other'] })).ruleId, 'coach');
  // An approval is for hold rules, an acknowledgement for warn rules.
  assert.equal(p.evaluate(input({ findings: code, approved: ['coach'] })).ruleId, 'coach');
});

test('S17: with no deciding rule and default allow: redact, else monitor, else allow', () => {
  const p = policy({
    default: 'allow',
    rules: [
      { id: 'tag-staff', when: { groups: ['staff'] }, action: 'monitor' },
      { id: 'redact-1', when: { detections: { pii: {} } }, action: 'redact' },
      { id: 'redact-2', when: { detections: { secrets: {} } }, action: 'redact' },
    ],
  });
  const secret = finding('secrets', 'GENERIC_SECRET', { span: { start: 20, end: 30 } });
  const redacted = p.evaluate(input({ findings: [pii, secret] }));
  assert.equal(redacted.action, 'redact');
  assert.equal(redacted.ruleId, 'redact-1', 'the first rule that accumulated that action');
  assert.equal(redacted.reason, 'rule');
  assert.deepEqual(redacted.findings, [0, 1]);
  assert.deepEqual(redacted.tags, ['tag-staff']);
  const monitored = p.evaluate(input());
  assert.equal(monitored.action, 'monitor');
  assert.equal(monitored.ruleId, 'tag-staff');
  assert.equal(monitored.reason, 'rule');
  const allowed = p.evaluate(input({ principal: principal({ groups: [] }) }));
  assert.equal(allowed.action, 'allow');
  assert.equal(allowed.ruleId, null);
  assert.equal(allowed.reason, 'default');
  assert.deepEqual(allowed.findings, []);
  assert.equal(allowed.trail, undefined);
  assert.equal(policy({}).evaluate(input()).action, 'allow', 'default is allow');
});

test('S17: with default block, no deciding rule blocks whatever accumulated, in both directions', () => {
  const p = policy({
    default: 'block',
    rules: [
      { id: 'redact', when: { detections: { pii: {} } }, action: 'redact' },
      { id: 'tag', action: 'monitor' },
      { id: 'staff-may', when: { groups: ['staff'] }, action: 'allow' },
    ],
  });
  for (const direction of ['input', 'output'] as const) {
    const d = p.evaluate(input({ direction, findings: [pii], principal: principal({ groups: ['guests'] }) }));
    assert.equal(d.action, 'block', direction);
    assert.equal(d.ruleId, null);
    assert.equal(d.reason, 'default');
    assert.equal(d.message, 'no rule allows this request (the policy default is block)');
    assert.equal(d.redactions?.length, 1);
  }
  const staff = p.evaluate(input({ direction: 'output', findings: [pii] }));
  assert.equal(staff.action, 'allow', 'an allow rule covers answers too');
  assert.equal(staff.ruleId, 'staff-may');
});

test('S25: the trail lists each rule that took effect, in order, and policyVersion is recorded', () => {
  const p = policy(
    {
      on_error: { families: { topics: 'allow' } },
      rules: [
        { id: 'tag', action: 'monitor' },
        { id: 'no-match', when: { users: ['bob'] }, action: 'block' },
        {
          id: 'topics',
          when: { detections: { topics: { labels: ['legal'] } } },
          action: 'route',
          route_to: 'private-llm',
        },
        { id: 'redact', when: { detections: { pii: {} } }, action: 'redact' },
        { id: 'coach', when: { detections: { pii: {} } }, action: 'warn' },
        { id: 'decide', action: 'block' },
        { id: 'after', action: 'monitor' },
      ],
    },
    7,
  );
  const d = p.evaluate(
    input({
      findings: [pii],
      failures: [{ detector: 'topics.test', family: 'topics', reason: 'timeout', message: 'late' }],
      acknowledged: ['coach'],
    }),
  );
  assert.deepEqual(d.trail, [
    { ruleId: 'tag', action: 'monitor', effect: 'accumulated' },
    { ruleId: 'topics', action: 'route', effect: 'failed_open' },
    { ruleId: 'redact', action: 'redact', effect: 'accumulated' },
    { ruleId: 'coach', action: 'warn', effect: 'acknowledged' },
    { ruleId: 'decide', action: 'block', effect: 'decided' },
  ]);
  assert.equal(d.policyVersion, 7);
  assert.equal(policy({}).evaluate(input()).policyVersion, undefined);
  assert.equal(policy({ global: { block_all: true } }, 3).evaluate(input()).policyVersion, 3);
});
