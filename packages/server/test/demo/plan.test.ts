/**
 * The demo traffic plan: deterministic for a seed, spread over the window along working hours, tagged
 * `demo-`, made of test values only, and the demo policy file equal to the one the code uses.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validatePolicy } from '@parapet/core';
import { parse as parseYaml } from 'yaml';
import { buildConfig } from '../../src/config/index.ts';
import { DEMO_POLICY, demoConfig } from '../../src/demo/demo-config.ts';
import { DEMO_MODELS, planTraffic } from '../../src/demo/plan.ts';
import { DEMO_GROUPS, DEMO_PREFIX } from '../../src/demo/population.ts';
import { createRandom } from '../../src/demo/random.ts';
import { wireRequest } from '../../src/demo/requests.ts';
import { buildScenario, SCENARIO_KINDS } from '../../src/demo/scenarios.ts';
import { TEST_CARDS, TEST_IBANS } from '../../src/demo/text.ts';
import { detectorsForConfig } from '../../src/detectors/builtin.ts';
import { policyCatalogue } from '../../src/policy/catalogue.ts';

const NOW = Date.parse('2025-06-11T12:00:00.000Z');
const DAY = 86_400_000;

function textsOf(plan: ReturnType<typeof planTraffic>): string[] {
  return plan.units.flatMap((u) => u.requests.flatMap((r) => r.scenario.turns.map((t) => t.text)));
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

test('the same options give the same plan; another seed gives another', () => {
  const a = planTraffic({ events: 400, days: 7, seed: 42, now: NOW });
  const b = planTraffic({ events: 400, days: 7, seed: 42, now: NOW });
  const c = planTraffic({ events: 400, days: 7, seed: 43, now: NOW });
  assert.deepEqual(a, b);
  assert.notDeepEqual(textsOf(a), textsOf(c));
});

test('the plan has exactly the requested number of requests, in time order inside the window', () => {
  for (const events of [1, 2, 37, 500]) {
    const plan = planTraffic({ events, days: 3, seed: 1, now: NOW });
    const requests = plan.units.flatMap((u) => u.requests);
    assert.equal(requests.length, events);
    assert.equal(plan.start, NOW - 3 * DAY);
    for (let i = 0; i < requests.length; i++) {
      const at = requests[i]!.at;
      assert.ok(at >= plan.start && at < plan.end, `request ${i} at ${new Date(at).toISOString()}`);
      if (i > 0) assert.ok(at >= requests[i - 1]!.at, 'times never go back');
    }
  }
});

test('traffic follows working hours and weekdays', () => {
  const plan = planTraffic({ events: 4000, days: 14, seed: 5, now: NOW });
  const requests = plan.units.flatMap((u) => u.requests);
  const hour = (at: number) => new Date(at).getUTCHours();
  const day = (at: number) => new Date(at).getUTCDay();
  const office = requests.filter((r) => hour(r.at) >= 8 && hour(r.at) < 17).length;
  const night = requests.filter((r) => hour(r.at) < 5).length;
  assert.ok(office > 0.6 * requests.length, `office hours: ${office}`);
  assert.ok(night > 0 && night < 0.05 * requests.length, `night: ${night}`);
  const weekend = requests.filter((r) => day(r.at) === 0 || day(r.at) === 6).length;
  assert.ok(weekend > 0 && weekend < 0.12 * requests.length, `weekend: ${weekend}`);
  const days = new Set(requests.map((r) => Math.floor((r.at - plan.start) / DAY)));
  assert.equal(days.size, 14);
});

test('every principal is tagged demo- and belongs to the demo groups and apps', () => {
  const plan = planTraffic({ events: 10, days: 7, seed: 42, now: NOW });
  const principals = plan.population.principals;
  assert.ok(principals.length > 40);
  for (const p of principals) {
    assert.ok(p.app.startsWith(DEMO_PREFIX), p.app);
    assert.ok(p.user === null || p.user.startsWith(DEMO_PREFIX), String(p.user));
    for (const g of p.groups) assert.ok((DEMO_GROUPS as readonly string[]).includes(g), g);
  }
  for (const group of DEMO_GROUPS)
    assert.ok(
      principals.some((p) => p.groups.includes(group)),
      group,
    );
  const apps = new Set(principals.map((p) => p.app));
  assert.deepEqual([...apps].sort(), ['demo-agent', 'demo-chat-web', 'demo-ide', 'demo-support-bot']);
});

test('a large plan mixes kinds, formats, models, streaming, acknowledgements and holds', () => {
  const plan = planTraffic({ events: 3000, days: 7, seed: 42, now: NOW, streamShare: 0.2 });
  const requests = plan.units.flatMap((u) => u.requests);
  const kinds = new Set(requests.map((r) => r.scenario.kind));
  for (const kind of SCENARIO_KINDS) assert.ok(kinds.has(kind), `kind ${kind}`);
  assert.deepEqual(new Set(requests.map((r) => r.format)), new Set(['openai', 'anthropic']));
  assert.deepEqual(new Set(requests.map((r) => r.model)), new Set(DEMO_MODELS));
  const streamed = requests.filter((r) => r.stream).length / requests.length;
  assert.ok(streamed > 0.1 && streamed < 0.35, `streamed share ${streamed}`);
  assert.ok(plan.units.some((u) => u.kind === 'acknowledge'));
  assert.ok(plan.units.some((u) => u.kind === 'hold'));
  for (const unit of plan.units.filter((u) => u.kind === 'acknowledge')) {
    const [first, second] = unit.requests;
    assert.equal(second!.scenario, first!.scenario, 'the re-sent request is the same request');
    assert.ok(second!.at >= first!.at && typeof second!.justification === 'string');
  }
  const none = planTraffic({ events: 300, days: 7, seed: 42, now: NOW, streamShare: 0 });
  assert.ok(none.units.every((u) => u.requests.every((r) => !r.stream)));
});

test('sensitive values are test values: cards, IBANs, example domains, DEMO credentials', () => {
  const text = textsOf(planTraffic({ events: 3000, days: 7, seed: 9, now: NOW })).join('\n');
  const cardDigits = new Set(TEST_CARDS.map((c) => c.split(' ').join('')));
  for (const card of TEST_CARDS) assert.ok(luhnValid(card.split(' ').join('')), card);
  // Every run of 13-19 digits (spaces allowed) that looks like a card is one of the test cards.
  let digits = '';
  const flush = (): void => {
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) {
      assert.ok(cardDigits.has(digits), `unexpected card-like number ${digits}`);
    }
    digits = '';
  };
  for (const ch of text) {
    if (ch >= '0' && ch <= '9') digits += ch;
    else if (ch !== ' ') flush();
  }
  flush();
  assert.ok(TEST_IBANS.some((iban) => text.includes(iban)));
  for (const word of text.split(/\s+/)) {
    const at = word.indexOf('@');
    if (at > 0 && word.includes('.', at)) {
      let end = at + 1;
      while (end < word.length && /[a-z0-9.-]/i.test(word[end]!)) end++;
      const domain = word.slice(at + 1, end).replace(/\.+$/, '');
      assert.ok(
        ['example.com', 'example.org', 'example.net'].some((d) => domain.endsWith(d)),
        `address outside example domains: ${word}`,
      );
    }
  }
  const awsIds = text.split(/[^A-Z0-9]+/).filter((w) => w.startsWith('AKIA') && w.length === 20);
  assert.ok(awsIds.length > 0);
  for (const id of awsIds) assert.ok(id.startsWith('AKIADEMO') || id === 'AKIAIOSFODNN7EXAMPLE', id);
  assert.ok(!text.includes('«') && !text.includes('»'), 'every template slot is filled');
});

test('every scenario kind builds valid OpenAI and Anthropic requests', () => {
  const random = createRandom(3);
  for (const kind of SCENARIO_KINDS) {
    const scenario = buildScenario(kind, kind.startsWith('tool') ? 'agent' : 'chat', random);
    for (const format of ['openai', 'anthropic'] as const) {
      const wire = wireRequest({ at: 0, principal: 0, format, model: 'gpt-4o', stream: false, scenario });
      const body = wire.body as { messages: { role: string }[]; tools?: unknown[] };
      assert.equal(wire.path, format === 'openai' ? '/v1/chat/completions' : '/v1/messages');
      assert.ok(body.messages.length >= 1);
      if (scenario.tools !== null) assert.equal(body.tools?.length, scenario.tools.length);
      if (format === 'anthropic') assert.ok(body.messages.every((m) => m.role !== 'system'));
    }
  }
});

test('bad plan options are refused', () => {
  assert.throws(() => planTraffic({ events: 0, days: 7, seed: 1, now: NOW }), RangeError);
  assert.throws(() => planTraffic({ events: 1.5, days: 7, seed: 1, now: NOW }), RangeError);
  assert.throws(() => planTraffic({ events: 5, days: 0, seed: 1, now: NOW }), RangeError);
  assert.throws(() => planTraffic({ events: 5, days: 1, seed: 1, now: NOW, streamShare: 2 }), RangeError);
});

test('examples/demo-policy.yaml is the demo policy, and it validates against the demo deployment', async () => {
  const file = fileURLToPath(new URL('../../../../examples/demo-policy.yaml', import.meta.url));
  assert.deepEqual(parseYaml(readFileSync(file, 'utf8')), DEMO_POLICY);
  const base = buildConfig({ data_dir: '/nonexistent/parapet-demo-test' }, { env: {}, cwd: '/' });
  const config = demoConfig(base, { adminToken: null });
  const detectors = await detectorsForConfig(config);
  const checked = validatePolicy(config.policy, policyCatalogue(config, detectors, []));
  assert.deepEqual(
    checked.issues.filter((i) => i.severity === 'error'),
    [],
  );
  assert.ok(checked.policy !== null);
  assert.deepEqual(Object.keys(config.models).sort(), [...DEMO_MODELS].sort());
});
