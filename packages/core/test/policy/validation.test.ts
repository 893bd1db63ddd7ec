// Validation, docs/policy.md V1–V9: every error kind with its path and, where one is close, a suggestion.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PolicyCatalogue, PolicyIssue } from '../../src/index.ts';
import { validatePolicy } from '../../src/index.ts';

const CATALOGUE: PolicyCatalogue = {
  families: {
    pii: ['EMAIL_ADDRESS', 'PHONE_NUMBER', 'PERSON', 'CREDIT_CARD', 'US_SSN', 'IBAN_CODE'],
    secrets: ['AWS_ACCESS_KEY', 'GENERIC_SECRET'],
    topics: ['legal', 'finance', 'medical'],
    harmful: ['S1', 'S2', 'S9'],
    code: null,
  },
  models: ['gpt-4o-mini', 'private-llm', 'mini'],
  providers: ['openai', 'local-vllm'],
  tags: ['public', 'private'],
  groups: ['engineering'],
};

function issues(raw: unknown, catalogue: PolicyCatalogue = CATALOGUE): PolicyIssue[] {
  return validatePolicy(raw, catalogue).issues;
}

/** The only issue of a policy: asserts there is exactly one error and returns it. */
function onlyError(raw: unknown, catalogue?: PolicyCatalogue): PolicyIssue {
  const result = validatePolicy(raw, catalogue ?? CATALOGUE);
  const errors = result.issues.filter((i) => i.severity === 'error');
  assert.equal(errors.length, 1, JSON.stringify(result.issues));
  assert.equal(result.policy, null, 'an invalid policy is not returned');
  return errors[0]!;
}

const rule = (over: Record<string, unknown>) => ({ id: 'r', action: 'block', ...over });

test('V1: a valid policy returns the parsed document with defaults and no issues', () => {
  const result = validatePolicy({ rules: [rule({ when: { detections: { pii: {} } } })] }, CATALOGUE);
  assert.deepEqual(result.issues, []);
  assert.equal(result.policy?.default, 'allow');
  assert.deepEqual(result.policy?.on_error, { input: 'block', output: 'allow', families: {} });
  assert.equal(result.policy?.global.block_all, false);
  assert.equal(result.policy?.rules[0]?.enabled, true);
  assert.deepEqual(validatePolicy(undefined, CATALOGUE).issues, [], 'no policy section is an empty policy');
});

test('V1: unknown keys are reported with the closest known key', () => {
  assert.deepEqual(onlyError({ defualt: 'allow' }), {
    path: ['defualt'],
    message: 'unknown key `defualt`; did you mean `default`?',
    suggestion: 'default',
    severity: 'error',
  });
  assert.deepEqual(onlyError({ rules: [rule({ whn: {} })] }).path, ['rules', 0, 'whn']);
  assert.equal(onlyError({ rules: [rule({ whn: {} })] }).suggestion, 'when');
  assert.equal(onlyError({ rules: [rule({ when: { group: ['x'] } })] }).suggestion, 'groups');
  assert.equal(onlyError({ rules: [rule({ when: { any: [{ user: ['x'] }] } })] }).suggestion, 'users');
  assert.deepEqual(onlyError({ rules: [rule({ when: { detections: { pii: { min_scor: 0.5 } } } })] }), {
    path: ['rules', 0, 'when', 'detections', 'pii', 'min_scor'],
    message: 'unknown key `min_scor`; did you mean `min_score`?',
    suggestion: 'min_score',
    severity: 'error',
  });
  assert.equal(onlyError({ global: { blocked_app: [] } }).suggestion, 'blocked_apps');
  const far = onlyError({ rules: [rule({ colour: 'red' })] });
  assert.equal(far.message, 'unknown key `colour`');
  assert.equal(far.suggestion, undefined);
});

test('V1: values outside an allowed set are reported with the closest allowed value', () => {
  assert.deepEqual(onlyError({ rules: [rule({ action: 'blok' })] }), {
    path: ['rules', 0, 'action'],
    message:
      'must be one of `allow`, `monitor`, `warn`, `redact`, `block`, `route`, `hold`; did you mean `block`?',
    suggestion: 'block',
    severity: 'error',
  });
  assert.equal(onlyError({ default: 'alow' }).suggestion, 'allow');
  assert.equal(onlyError({ on_error: { input: 'blocked' } }).suggestion, 'block');
  assert.equal(
    onlyError({ rules: [rule({ action: 'redact', redact: { mode: 'tokenise' } })] }).suggestion,
    'tokenize',
  );
  const direction = onlyError({ rules: [rule({ when: { direction: 'inptu' } })] });
  assert.deepEqual(direction.path, ['rules', 0, 'when', 'direction']);
  assert.equal(direction.suggestion, 'input');
  const inList = onlyError({ rules: [rule({ when: { direction: ['input', 'outptu'] } })] });
  assert.deepEqual(inList.path, ['rules', 0, 'when', 'direction', 1]);
  assert.equal(inList.suggestion, 'output');
  const days = onlyError({ rules: [rule({ when: { time: { days: ['monday'] } } })] });
  assert.deepEqual(days.path, ['rules', 0, 'when', 'time', 'days', 0]);
  const sources = onlyError({
    rules: [rule({ when: { detections: { pii: { sources: ['tool_results'] } } } })],
  });
  assert.equal(sources.suggestion, 'tool_result');
});

test('V1: wrong types, missing required values and numbers out of range', () => {
  assert.deepEqual(onlyError({ rules: [rule({ when: { users: 'ada' } })] }), {
    path: ['rules', 0, 'when', 'users'],
    message: 'expected array',
    severity: 'error',
  });
  assert.deepEqual(onlyError({ rules: [{ action: 'block' }] }), {
    path: ['rules', 0, 'id'],
    message: 'is required (string)',
    severity: 'error',
  });
  assert.equal(onlyError({ rules: [rule({ when: { stream: 'yes' } })] }).message, 'expected boolean');
  const score = onlyError({ rules: [rule({ when: { detections: { pii: { min_score: 2 } } } })] });
  assert.deepEqual(score.path, ['rules', 0, 'when', 'detections', 'pii', 'min_score']);
  assert.match(score.message, /^too big/);
  const count = onlyError({ rules: [rule({ when: { detections: { pii: { min_count: 0 } } } })] });
  assert.deepEqual(count.path, ['rules', 0, 'when', 'detections', 'pii', 'min_count']);
  assert.equal(onlyError('block everything').message, 'expected object');
});

test('V1: every structural problem is reported at once; names are checked once the structure is valid', () => {
  const found = issues({
    defualt: 'allow',
    rules: [rule({ action: 'blok' }), rule({ id: 'q', when: { groups: ['nobody'], stream: 1 } })],
  });
  // The unknown group is not among them: it is checked once the structure is fixed.
  assert.deepEqual(found.map((i) => i.path.join('.')).sort(), [
    'defualt',
    'rules.0.action',
    'rules.1.when.stream',
  ]);
  const names = issues({
    rules: [rule({ when: { groups: ['nobody'], detections: { pi: {} } } }), rule({ route_to: 'x' })],
  });
  assert.deepEqual(names.map((i) => i.path.join('.')).sort(), [
    'rules.0.when.detections.pi',
    'rules.0.when.groups.0',
    'rules.1.id',
    'rules.1.route_to',
  ]);
});

test('V2: an unknown or disabled detector family is an error, under detections and on_error.families', () => {
  assert.deepEqual(onlyError({ rules: [rule({ when: { detections: { pi: {} } } })] }), {
    path: ['rules', 0, 'when', 'detections', 'pi'],
    message:
      'unknown or disabled detector family `pi` (enabled: pii, secrets, topics, harmful, code); did you mean `pii`?',
    suggestion: 'pii',
    severity: 'error',
  });
  const nested = onlyError({ rules: [rule({ when: { not: { any: [{ detections: { toxicity: {} } }] } } })] });
  assert.deepEqual(nested.path, ['rules', 0, 'when', 'not', 'any', 0, 'detections', 'toxicity']);
  assert.deepEqual(onlyError({ on_error: { families: { topic: 'allow' } } }), {
    path: ['on_error', 'families', 'topic'],
    message: 'unknown or disabled detector family `topic`; did you mean `topics`?',
    suggestion: 'topics',
    severity: 'error',
  });
  const none = onlyError(
    { rules: [rule({ when: { detections: { pii: {} } } })] },
    { ...CATALOGUE, families: {} },
  );
  assert.match(none.message, /\(enabled: none\)/);
});

test('V3: a type the family never reports is an error; open families accept any type', () => {
  assert.deepEqual(
    onlyError({ rules: [rule({ when: { detections: { pii: { types: ['PERSON', 'EMAIL_ADRESS'] } } } })] }),
    {
      path: ['rules', 0, 'when', 'detections', 'pii', 'types', 1],
      message: '`EMAIL_ADRESS` is not a pii type; did you mean `EMAIL_ADDRESS`?',
      suggestion: 'EMAIL_ADDRESS',
      severity: 'error',
    },
  );
  const label = onlyError({ rules: [rule({ when: { detections: { topics: { labels: ['legel'] } } } })] });
  assert.deepEqual(label.path, ['rules', 0, 'when', 'detections', 'topics', 'labels', 0]);
  assert.equal(label.suggestion, 'legal');
  const category = onlyError({
    rules: [rule({ when: { detections: { harmful: { categories: ['S99'] } } } })],
  });
  assert.deepEqual(category.path, ['rules', 0, 'when', 'detections', 'harmful', 'categories', 0]);
  assert.deepEqual(
    issues({ rules: [rule({ when: { detections: { code: { types: ['cobol', 'python'] } } } })] }),
    [],
  );
});

test('V4: with policy.groups, a group neither declared nor on a virtual key is an error', () => {
  const doc = (groups: string[]) => ({
    groups: ['contractors', 'interns'],
    rules: [rule({ when: { groups } })],
  });
  assert.deepEqual(onlyError(doc(['engineering', 'contractor'])), {
    path: ['rules', 0, 'when', 'groups', 1],
    message: 'unknown group `contractor` (not in `policy.groups`); did you mean `contractors`?',
    suggestion: 'contractors',
    severity: 'error',
  });
  // Declared, or known from a virtual key (the catalogue), or a pattern: fine.
  assert.deepEqual(issues(doc(['contractors', 'engineering', 'intern*'])), []);
  assert.deepEqual(onlyError({ groups: ['staff'], global: { blocked_groups: ['interns'] } }).path, [
    'global',
    'blocked_groups',
    0,
  ]);
});

test('V4: without policy.groups, a group no virtual key has is a warning, not an error', () => {
  const result = validatePolicy(
    {
      global: { blocked_groups: ['interns'] },
      rules: [rule({ when: { groups: ['engineering', 'contractors'] } })],
    },
    CATALOGUE,
  );
  assert.notEqual(result.policy, null);
  assert.deepEqual(result.issues, [
    {
      path: ['rules', 0, 'when', 'groups', 1],
      message: 'group `contractors` is not declared in `policy.groups` and no virtual key has it',
      severity: 'warning',
    },
    {
      path: ['global', 'blocked_groups', 0],
      message: 'group `interns` is not declared in `policy.groups` and no virtual key has it',
      severity: 'warning',
    },
  ]);
});

test('V5: unknown models, providers and model tags are errors; names with * are not checked', () => {
  const model = onlyError({ rules: [rule({ when: { destination: { models: ['gpt-4o-mni'] } } })] });
  assert.deepEqual(model, {
    path: ['rules', 0, 'when', 'destination', 'models', 0],
    message: 'unknown model `gpt-4o-mni`; did you mean `gpt-4o-mini`?',
    suggestion: 'gpt-4o-mini',
    severity: 'error',
  });
  const provider = onlyError({ rules: [rule({ when: { destination: { providers: ['opanai'] } } })] });
  assert.deepEqual(provider.path, ['rules', 0, 'when', 'destination', 'providers', 0]);
  assert.equal(provider.suggestion, 'openai');
  const tag = onlyError({ rules: [rule({ when: { destination: { tags: ['publik'] } } })] });
  assert.equal(
    tag.message,
    'unknown model tag `publik` (no model in the model table has it); did you mean `public`?',
  );
  const route = onlyError({ rules: [rule({ action: 'route', route_to: 'privat-llm' })] });
  assert.deepEqual(route.path, ['rules', 0, 'route_to']);
  assert.equal(route.suggestion, 'private-llm');
  assert.deepEqual(onlyError({ global: { blocked_models: ['gpt5'] } }).path, ['global', 'blocked_models', 0]);
  assert.equal(onlyError({ global: { blocked_providers: ['anthropik'] } }).suggestion, undefined);
  // Aliases are models; patterns, users, apps and keys are not checked.
  assert.deepEqual(
    issues({
      global: {
        blocked_models: ['gpt-*'],
        blocked_apps: ['anything'],
        blocked_users: ['x'],
        blocked_keys: ['k'],
      },
      rules: [
        rule({
          when: { destination: { models: ['mini', 'claude-*'] }, users: ['x'], apps: ['y'], keys: ['z'] },
        }),
      ],
    }),
    [],
  );
});

test('V6: rule ids are unique', () => {
  assert.deepEqual(onlyError({ rules: [rule({ id: 'a' }), rule({ id: 'b' }), rule({ id: 'a' })] }), {
    path: ['rules', 2, 'id'],
    message: 'duplicate rule id `a` (also rules[0])',
    severity: 'error',
  });
});

test('V7: warn, route and hold cannot act on output only', () => {
  for (const action of ['warn', 'route', 'hold']) {
    const extra =
      action === 'route' ? { route_to: 'private-llm' } : action === 'warn' ? { message: 'm' } : {};
    const error = onlyError({ rules: [rule({ action, ...extra, when: { direction: 'output' } })] });
    assert.deepEqual(error.path, ['rules', 0, 'action']);
    assert.equal(
      error.message,
      `\`${action}\` can only act on input (before the request is forwarded); set \`when.direction: input\``,
    );
    assert.deepEqual(
      issues({ rules: [rule({ action, ...extra, when: { direction: ['input', 'output'] } })] }),
      [],
    );
  }
});

test('V7: route needs route_to, and route_to belongs only to route', () => {
  assert.deepEqual(onlyError({ rules: [rule({ action: 'route' })] }), {
    path: ['rules', 0, 'route_to'],
    message: 'a `route` rule needs `route_to: <model alias>`',
    severity: 'error',
  });
  assert.deepEqual(onlyError({ rules: [rule({ route_to: 'private-llm' })] }), {
    path: ['rules', 0, 'route_to'],
    message: '`route_to` only applies to `action: route`',
    severity: 'error',
  });
});

test('V7: redact needs a detections condition, directly or under any/all', () => {
  assert.deepEqual(onlyError({ rules: [rule({ action: 'redact', when: { groups: ['engineering'] } })] }), {
    path: ['rules', 0, 'when'],
    message: 'a `redact` rule needs a `detections` condition: it redacts the findings it matched',
    severity: 'error',
  });
  assert.equal(
    onlyError({ rules: [rule({ action: 'redact', when: { not: { detections: { pii: {} } } } })] }).path.at(
      -1,
    ),
    'when',
  );
  assert.equal(
    onlyError({ rules: [rule({ action: 'redact', when: { detections: {} } })] }).path.at(-1),
    'when',
  );
  assert.deepEqual(
    issues({ rules: [rule({ action: 'redact', when: { any: [{ detections: { pii: {} } }] } })] }),
    [],
  );
  assert.deepEqual(
    issues({ rules: [rule({ action: 'redact', when: { all: [{ detections: { pii: {} } }] } })] }),
    [],
  );
});

test('V7: redact, block, hold and warn settings belong only to their action', () => {
  const cases = [
    ['redact', { mode: 'mask' }],
    ['block', { respond_as: 'assistant_message' }],
    ['hold', { timeout: '5m' }],
    ['warn', { ack_ttl: '5m' }],
  ] as const;
  for (const [key, value] of cases) {
    const other = key === 'block' ? 'allow' : 'block';
    assert.deepEqual(onlyError({ rules: [rule({ action: other, [key]: value })] }), {
      path: ['rules', 0, key],
      message: `\`${key}\` settings only apply to \`action: ${key}\``,
      severity: 'error',
    });
  }
});

test('V8: durations, between times and time zones are checked', () => {
  assert.deepEqual(onlyError({ rules: [rule({ action: 'hold', hold: { timeout: '15 minutes' } })] }), {
    path: ['rules', 0, 'hold', 'timeout'],
    message: '`15 minutes` is not a duration (use 30s, 10m, 2h)',
    severity: 'error',
  });
  assert.deepEqual(
    onlyError({ rules: [rule({ action: 'warn', message: 'm', warn: { ack_ttl: '0h' } })] }).path,
    ['rules', 0, 'warn', 'ack_ttl'],
  );
  assert.deepEqual(onlyError({ rules: [rule({ when: { time: { between: ['9:00', '17:00'] } } })] }), {
    path: ['rules', 0, 'when', 'time', 'between', 0],
    message: '`9:00` is not a time; write HH:MM (24-hour)',
    severity: 'error',
  });
  assert.deepEqual(onlyError({ rules: [rule({ when: { time: { between: ['09:00', '24:00'] } } })] }).path, [
    'rules',
    0,
    'when',
    'time',
    'between',
    1,
  ]);
  assert.deepEqual(onlyError({ rules: [rule({ when: { time: { timezone: 'Europe/Berln' } } })] }), {
    path: ['rules', 0, 'when', 'time', 'timezone'],
    message: 'unknown time zone `Europe/Berln` (use an IANA name such as Europe/Berlin)',
    severity: 'error',
  });
  assert.deepEqual(
    issues({
      rules: [
        rule({ when: { time: { between: ['22:00', '06:00'], timezone: 'Asia/Tokyo', days: ['fri'] } } }),
      ],
    }),
    [],
  );
});

test('V9: warnings do not make a policy invalid', () => {
  const result = validatePolicy(
    {
      rules: [
        rule({ id: 'a', tags: ['x'] }),
        rule({ id: 'b', action: 'warn' }),
        rule({
          id: 'c',
          action: 'redact',
          redact: { mode: 'tokenize' },
          when: { direction: 'output', detections: { pii: {} } },
        }),
      ],
    },
    CATALOGUE,
  );
  assert.notEqual(result.policy, null);
  assert.deepEqual(result.issues, [
    {
      path: ['rules', 0, 'tags'],
      message: '`tags` are only recorded by `monitor` rules',
      severity: 'warning',
    },
    {
      path: ['rules', 1, 'message'],
      message: 'a `warn` rule without a `message` shows a generic coaching text',
      severity: 'warning',
    },
    {
      path: ['rules', 2, 'redact', 'mode'],
      message: 'on output `tokenize` masks: the caller must not receive placeholders',
      severity: 'warning',
    },
  ]);
});
