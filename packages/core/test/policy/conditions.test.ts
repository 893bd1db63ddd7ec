// Condition semantics, docs/policy.md S1–S7.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Condition, compilePolicy, PolicyDocument, type SegmentSource } from '../../src/index.ts';
import { finding, input, policy, principal } from './test-kit.ts';

/** Whether a single `block` rule with this `when` fires on the input. */
function fires(when: Condition, over: Parameters<typeof input>[0] = {}): boolean {
  return policy({ rules: [{ id: 'r', when, action: 'block' }] }).evaluate(input(over)).action === 'block';
}

test('S1: users, groups, apps and keys match the principal, any listed value', () => {
  assert.equal(fires({ users: ['bob', 'ada'] }), true);
  assert.equal(fires({ users: ['bob'] }), false);
  assert.equal(
    fires({ groups: ['contractors'] }, { principal: principal({ groups: ['staff', 'contractors'] }) }),
    true,
  );
  assert.equal(fires({ groups: ['contractors'] }, { principal: principal({ groups: ['staff'] }) }), false);
  assert.equal(fires({ apps: ['chat-web'] }), true);
  assert.equal(fires({ apps: ['ide'] }), false);
  assert.equal(fires({ keys: ['key-1'] }), true);
  assert.equal(fires({ keys: ['key-2'] }), false);
  // Every key of a `when` must hold.
  assert.equal(fires({ users: ['ada'], apps: ['ide'] }), false);
  assert.equal(fires({ users: ['ada'], apps: ['chat-web'] }), true);
});

test('S1: `*` stands for any run of characters, possibly empty; everything else is literal', () => {
  const user = (u: string) => ({ principal: principal({ user: u }) });
  assert.equal(fires({ users: ['*@contractor.example'] }, user('bob@contractor.example')), true);
  assert.equal(fires({ users: ['*@contractor.example'] }, user('@contractor.example')), true);
  assert.equal(fires({ users: ['*@contractor.example'] }, user('bob@contractor.example.org')), false);
  assert.equal(fires({ users: ['*@contractor.example'] }, user('bob@contractorXexample')), false);
  assert.equal(fires({ users: ['a*b*c'] }, user('a-b-c')), true);
  assert.equal(fires({ users: ['a*b*c'] }, user('acb')), false);
  assert.equal(fires({ users: ['ada.?'] }, user('ada.x')), false);
  assert.equal(fires({ users: ['*'] }, user('anyone')), true);
  assert.equal(fires({ destination: { models: ['gpt-4o*'] } }), true);
  assert.equal(fires({ destination: { models: ['gpt-4o*'] } }, { model: 'gpt-4.1' }), false);
  assert.equal(fires({ groups: ['contract*'] }, { principal: principal({ groups: ['contractors'] }) }), true);
});

test('S1: a principal field that is not set matches nothing, not even `*`', () => {
  const anonymous = principal({ user: null, app: null, keyId: null, groups: [], via: 'anonymous' });
  for (const when of [{ users: ['*'] }, { apps: ['*'] }, { keys: ['*'] }, { groups: ['*'] }]) {
    assert.equal(fires(when, { principal: anonymous }), false, JSON.stringify(when));
  }
});

test('S2: destination reads the requested model, its tags and its upstream', () => {
  assert.equal(fires({ destination: { models: ['gpt-4o-mini'] } }), true);
  assert.equal(fires({ destination: { models: ['private-llm'] } }), false);
  assert.equal(fires({ destination: { providers: ['openai'] } }), true);
  assert.equal(fires({ destination: { providers: ['local-vllm'] } }), false);
  assert.equal(fires({ destination: { tags: ['public'] } }), true);
  assert.equal(fires({ destination: { tags: ['public'] } }, { modelTags: ['private'] }), false);
  assert.equal(fires({ destination: { tags: ['public'] } }, { modelTags: undefined }), false);
  assert.equal(fires({ destination: { tags: ['pub*'] } }), true);
  assert.equal(fires({ destination: { models: ['gpt-4o-mini'], providers: ['anthropic'] } }), false);
});

test('S2: destination is read before any route: a redaction for public models stays on a routed request', () => {
  const p = policy({
    rules: [
      {
        id: 'pii-public',
        when: { destination: { tags: ['public'] }, detections: { pii: {} } },
        action: 'redact',
      },
      {
        id: 'legal',
        when: { detections: { topics: { labels: ['legal'] } } },
        action: 'route',
        route_to: 'private-llm',
      },
    ],
  });
  const d = p.evaluate(
    input({
      findings: [finding('pii', 'EMAIL_ADDRESS'), finding('topics', 'legal', { span: null, segment: null })],
    }),
  );
  assert.equal(d.action, 'route');
  assert.equal(d.routeTo, 'private-llm');
  assert.deepEqual(d.redactions, [{ ruleId: 'pii-public', mode: 'tokenize', findings: [0] }]);
});

test('S3: a finding counts by family, by type (types, categories and labels combine), and by min_score inclusive', () => {
  const findings = [
    finding('pii', 'EMAIL_ADDRESS', { score: 0.5 }),
    finding('topics', 'legal', { score: 0.6 }),
  ];
  assert.equal(fires({ detections: { pii: {} } }, { findings }), true);
  assert.equal(fires({ detections: { secrets: {} } }, { findings }), false);
  assert.equal(
    fires({ detections: { pii: { types: ['PHONE_NUMBER', 'EMAIL_ADDRESS'] } } }, { findings }),
    true,
  );
  assert.equal(fires({ detections: { pii: { types: ['PHONE_NUMBER'] } } }, { findings }), false);
  // The same type in another family does not count.
  assert.equal(fires({ detections: { secrets: { types: ['EMAIL_ADDRESS'] } } }, { findings }), false);
  assert.equal(fires({ detections: { topics: { labels: ['legal'] } } }, { findings }), true);
  assert.equal(fires({ detections: { topics: { categories: ['legal'] } } }, { findings }), true);
  assert.equal(
    fires({ detections: { topics: { types: ['finance'], labels: ['legal'] } } }, { findings }),
    true,
  );
  assert.equal(fires({ detections: { topics: { labels: ['legal'], min_score: 0.6 } } }, { findings }), true);
  assert.equal(
    fires({ detections: { topics: { labels: ['legal'], min_score: 0.61 } } }, { findings }),
    false,
  );
  assert.equal(fires({ detections: {} }, { findings }), true);
});

test('S3: min_count findings are needed (default 1)', () => {
  const two = [
    finding('pii', 'EMAIL_ADDRESS'),
    finding('pii', 'EMAIL_ADDRESS', { span: { start: 9, end: 20 } }),
  ];
  assert.equal(fires({ detections: { pii: { min_count: 2 } } }, { findings: two }), true);
  assert.equal(fires({ detections: { pii: { min_count: 3 } } }, { findings: two }), false);
  assert.equal(fires({ detections: { pii: { min_count: 2, min_score: 0.95 } } }, { findings: two }), false);
  assert.equal(fires({ detections: { pii: {} } }, { findings: [] }), false);
});

test('S3: sources keeps findings from segments with those sources; findings with no segment never count', () => {
  const sources = { segmentSources: ['system', 'user', 'tool_result'] as SegmentSource[] };
  const inTool = [finding('prompt_attack', 'INSTRUCTION_OVERRIDE', { segment: 2 })];
  const inUser = [finding('prompt_attack', 'INSTRUCTION_OVERRIDE', { segment: 1 })];
  const whole = [finding('prompt_attack', 'CLASSIFIER', { segment: null, span: null })];
  const cond: Condition = {
    detections: { prompt_attack: { sources: ['tool_result', 'retrieved_document'] } },
  };
  assert.equal(fires(cond, { ...sources, findings: inTool }), true);
  assert.equal(fires(cond, { ...sources, findings: inUser }), false);
  assert.equal(fires(cond, { ...sources, findings: whole }), false);
  // Without segment sources the source of a finding is unknown: it does not count.
  assert.equal(fires(cond, { segmentSources: undefined, findings: inTool }), false);
  // Without `sources`, every segment counts.
  assert.equal(fires({ detections: { prompt_attack: {} } }, { ...sources, findings: whole }), true);
});

test('S3: with several families under one `detections`, each must hold', () => {
  const when = { detections: { pii: {}, topics: { labels: ['finance'] } } };
  assert.equal(fires(when, { findings: [finding('pii', 'PERSON')] }), false);
  assert.equal(fires(when, { findings: [finding('pii', 'PERSON'), finding('topics', 'finance')] }), true);
});

test('S4: the findings that made the rule hold are the decision findings and what redact redacts', () => {
  const findings = [
    finding('pii', 'EMAIL_ADDRESS'),
    finding('pii', 'PERSON'),
    finding('secrets', 'AWS_ACCESS_KEY'),
    finding('pii', 'PHONE_NUMBER'),
  ];
  const block = policy({
    rules: [
      {
        id: 'b',
        when: { detections: { pii: { types: ['EMAIL_ADDRESS', 'PHONE_NUMBER'] } } },
        action: 'block',
      },
    ],
  }).evaluate(input({ findings }));
  assert.deepEqual(block.findings, [0, 3]);
  const redact = policy({
    rules: [{ id: 'r', when: { detections: { pii: { types: ['PERSON'] } } }, action: 'redact' }],
  }).evaluate(input({ findings }));
  assert.deepEqual(redact.redactions, [{ ruleId: 'r', mode: 'tokenize', findings: [1] }]);
  assert.deepEqual(redact.findings, [1]);
});

test('S4: findings short of min_count, in an `any` branch that does not hold, or inside `not` are not reasons', () => {
  const findings = [
    finding('pii', 'EMAIL_ADDRESS'),
    finding('pii', 'PHONE_NUMBER', { span: { start: 10, end: 20 } }),
    finding('pii', 'PERSON', { span: { start: 30, end: 33 } }),
  ];
  const d = policy({
    rules: [
      {
        id: 'r',
        when: {
          any: [
            { detections: { pii: { types: ['EMAIL_ADDRESS'], min_count: 3 } } },
            { all: [{ detections: { pii: { types: ['PERSON'] } } }, { groups: ['contractors'] }] },
            { detections: { pii: { types: ['PHONE_NUMBER'] } } },
          ],
          not: { detections: { secrets: {} } },
        },
        action: 'redact',
      },
    ],
  }).evaluate(input({ findings }));
  assert.deepEqual(d.redactions, [{ ruleId: 'r', mode: 'tokenize', findings: [1] }]);
  assert.deepEqual(d.findings, [1]);

  const inNot = policy({
    rules: [
      {
        id: 'b',
        when: {
          detections: { pii: { types: ['PHONE_NUMBER'] } },
          not: { detections: { pii: { types: ['SSN'] } } },
        },
        action: 'block',
      },
    ],
  }).evaluate(input({ findings }));
  assert.deepEqual(inNot.findings, [1]);
  const notOnly = policy({
    rules: [{ id: 'b', when: { not: { not: { detections: { pii: {} } } } }, action: 'block' }],
  }).evaluate(input({ findings }));
  assert.equal(notOnly.action, 'block');
  assert.deepEqual(notOnly.findings, []);
});

test('S4: every branch of `any` that holds contributes its findings', () => {
  const findings = [
    finding('pii', 'EMAIL_ADDRESS'),
    finding('pii', 'PHONE_NUMBER', { span: { start: 9, end: 19 } }),
  ];
  const d = policy({
    rules: [
      {
        id: 'r',
        when: {
          any: [
            { detections: { pii: { types: ['EMAIL_ADDRESS'] } } },
            { detections: { pii: { types: ['PHONE_NUMBER'] } } },
          ],
        },
        action: 'redact',
      },
    ],
  }).evaluate(input({ findings }));
  assert.deepEqual(d.redactions?.[0]?.findings, [0, 1]);
});

test('S5: languages compare case-insensitively and need a detected language', () => {
  assert.equal(fires({ languages: ['EN', 'de'] }, { language: 'en' }), true);
  assert.equal(fires({ languages: ['de'] }, { language: 'en' }), false);
  assert.equal(fires({ languages: ['en'] }, { language: null }), false);
  assert.equal(fires({ languages: ['en'] }, { language: undefined }), false);
});

test('S5: has_tools (absent counts as false) and stream', () => {
  assert.equal(fires({ has_tools: true }, { hasTools: true }), true);
  assert.equal(fires({ has_tools: true }, { hasTools: false }), false);
  assert.equal(fires({ has_tools: false }, { hasTools: undefined }), true);
  assert.equal(fires({ has_tools: true }, { hasTools: undefined }), false);
  assert.equal(fires({ stream: true }, { stream: true }), true);
  assert.equal(fires({ stream: true }, { stream: false }), false);
  assert.equal(fires({ stream: false }, { stream: false }), true);
});

test('S6: between is start inclusive, end exclusive, in UTC by default', () => {
  const at = (iso: string) => ({ now: new Date(iso) });
  const when = { time: { between: ['09:00', '17:00'] as [string, string] } };
  assert.equal(fires(when, at('2026-03-02T09:00:00Z')), true);
  assert.equal(fires(when, at('2026-03-02T08:59:59Z')), false);
  assert.equal(fires(when, at('2026-03-02T16:59:59Z')), true);
  assert.equal(fires(when, at('2026-03-02T17:00:00Z')), false);
});

test('S6: the evaluation time is read in the window timezone', () => {
  // 2026-03-02 10:00 UTC is 19:00 in Tokyo (UTC+9) and 05:00 in New York (UTC-5).
  const now = new Date('2026-03-02T10:00:00Z');
  assert.equal(fires({ time: { between: ['18:00', '20:00'], timezone: 'Asia/Tokyo' } }, { now }), true);
  assert.equal(fires({ time: { between: ['09:00', '17:00'], timezone: 'Asia/Tokyo' } }, { now }), false);
  assert.equal(fires({ time: { between: ['04:00', '06:00'], timezone: 'America/New_York' } }, { now }), true);
  // Day too: Monday 23:30 UTC is already Tuesday in Tokyo.
  const late = new Date('2026-03-02T23:30:00Z');
  assert.equal(fires({ time: { days: ['tue'], timezone: 'Asia/Tokyo' } }, { now: late }), true);
  assert.equal(fires({ time: { days: ['tue'] } }, { now: late }), false);
  assert.equal(fires({ time: { days: ['mon'] } }, { now: late }), true);
});

test('S6: a window whose start is after its end wraps midnight', () => {
  const when = { time: { between: ['22:00', '06:00'] as [string, string] } };
  assert.equal(fires(when, { now: new Date('2026-03-02T23:00:00Z') }), true);
  assert.equal(fires(when, { now: new Date('2026-03-03T02:00:00Z') }), true);
  assert.equal(fires(when, { now: new Date('2026-03-03T05:59:00Z') }), true);
  assert.equal(fires(when, { now: new Date('2026-03-03T06:00:00Z') }), false);
  assert.equal(fires(when, { now: new Date('2026-03-02T12:00:00Z') }), false);
  assert.equal(fires(when, { now: new Date('2026-03-02T21:59:00Z') }), false);
});

test('S6: days alone, and an overnight window belongs to the day it started on', () => {
  // 2026-03-06 is a Friday.
  assert.equal(fires({ time: { days: ['fri'] } }, { now: new Date('2026-03-06T12:00:00Z') }), true);
  assert.equal(fires({ time: { days: ['sat', 'sun'] } }, { now: new Date('2026-03-06T12:00:00Z') }), false);
  const w: Condition = { time: { days: ['fri'], between: ['22:00', '06:00'] } };
  assert.equal(fires(w, { now: new Date('2026-03-06T23:00:00Z') }), true, 'Friday 23:00');
  assert.equal(fires(w, { now: new Date('2026-03-07T02:00:00Z') }), true, 'Saturday 02:00 (Friday night)');
  assert.equal(fires(w, { now: new Date('2026-03-06T02:00:00Z') }), false, 'Friday 02:00 (Thursday night)');
  assert.equal(fires(w, { now: new Date('2026-03-07T23:00:00Z') }), false, 'Saturday 23:00');
  // Sunday night belongs to Sunday, across the week boundary.
  const sunday: Condition = { time: { days: ['sun'], between: ['22:00', '06:00'] } };
  assert.equal(fires(sunday, { now: new Date('2026-03-09T03:00:00Z') }), true, 'Monday 03:00 (Sunday night)');
});

test('S7: every key of a `when` must hold, an empty `when` always holds; not, any and all combine conditions', () => {
  assert.equal(fires({ not: { users: ['ada'] } }), false);
  assert.equal(fires({ not: { users: ['bob'] } }), true);
  assert.equal(fires({ any: [{ users: ['bob'] }, { apps: ['chat-web'] }] }), true);
  assert.equal(fires({ any: [{ users: ['bob'] }, { apps: ['ide'] }] }), false);
  assert.equal(fires({ all: [{ users: ['ada'] }, { apps: ['chat-web'] }] }), true);
  assert.equal(fires({ all: [{ users: ['ada'] }, { apps: ['ide'] }] }), false);
  assert.equal(fires({}), true);
});

test('S2: destination.models and blocked_models match the table name and the alias the client sent', () => {
  const rules = compilePolicy(
    PolicyDocument.parse({
      global: { blocked_models: ['gpt-4o-mini'] },
      rules: [],
    }),
  );
  const viaAlias = rules.evaluate({
    direction: 'input',
    principal: { keyId: null, user: null, groups: [], app: null, models: null, via: 'anonymous' },
    model: 'gpt-4o-mini',
    requestedModel: 'mini',
    provider: 'openai',
    stream: false,
    findings: [],
    failures: [],
    now: new Date('2025-01-06T12:00:00Z'),
  });
  assert.equal(viaAlias.action, 'block');
  const byAlias = compilePolicy(PolicyDocument.parse({ global: { blocked_models: ['mini'] } }));
  assert.equal(
    byAlias.evaluate({
      direction: 'input',
      principal: { keyId: null, user: null, groups: [], app: null, models: null, via: 'anonymous' },
      model: 'gpt-4o-mini',
      requestedModel: 'mini',
      provider: 'openai',
      stream: false,
      findings: [],
      failures: [],
      now: new Date('2025-01-06T12:00:00Z'),
    }).action,
    'block',
  );
});
