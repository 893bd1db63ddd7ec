// Purity, docs/policy.md S24: same input, deep-equal decision; no clock; input untouched.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import fc from 'fast-check';
import type { DecisionInput, DetectorFailure, Finding, PolicyDocumentInput } from '../../src/index.ts';
import { deepFreeze, finding, input, policy, principal } from './test-kit.ts';

const DOCUMENT: PolicyDocumentInput = {
  on_error: { families: { topics: 'allow' } },
  rules: [
    {
      id: 'night',
      when: { time: { between: ['22:00', '06:00'], timezone: 'Europe/Berlin' } },
      action: 'monitor',
      tags: ['night'],
    },
    {
      id: 'redact',
      when: { detections: { pii: { types: ['EMAIL_ADDRESS', 'PHONE_NUMBER'] } } },
      action: 'redact',
    },
    { id: 'coach', when: { apps: ['chat-web'], detections: { code: {} } }, action: 'warn', message: 'why?' },
    {
      id: 'legal',
      when: { detections: { topics: { labels: ['legal'], min_score: 0.6 } } },
      action: 'route',
      route_to: 'private-llm',
    },
    {
      id: 'attack',
      when: {
        any: [
          { detections: { prompt_attack: { min_score: 0.8 } } },
          { not: { groups: ['staff'] }, has_tools: true },
        ],
      },
      action: 'block',
    },
    { id: 'weekend', when: { time: { days: ['sat', 'sun'] } }, action: 'hold' },
  ],
};

const FAMILIES: Record<string, string[]> = {
  pii: ['EMAIL_ADDRESS', 'PHONE_NUMBER', 'PERSON'],
  topics: ['legal', 'finance'],
  code: ['python'],
  prompt_attack: ['CLASSIFIER'],
  secrets: ['GENERIC_SECRET'],
};

const arbFinding: fc.Arbitrary<Finding> = fc
  .constantFrom(...Object.keys(FAMILIES))
  .chain((family) =>
    fc.record({
      family: fc.constant(family),
      type: fc.constantFrom(...FAMILIES[family]!),
      score: fc.double({ min: 0, max: 1, noNaN: true }),
      segment: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
      span: fc.option(
        fc.tuple(fc.nat(100), fc.nat(20)).map(([start, len]) => ({ start, end: start + len })),
        { nil: null },
      ),
      detector: fc.constant(`${family}.test`),
    }),
  )
  // fc.record builds objects without a prototype; the engine sees plain objects.
  .map((f) => ({ ...f }));

const arbFailure: fc.Arbitrary<DetectorFailure> = fc.constantFrom(...Object.keys(FAMILIES)).map((family) => ({
  detector: `${family}.test`,
  family,
  reason: 'timeout' as const,
  message: 'late',
}));

const arbInput: fc.Arbitrary<DecisionInput> = fc
  .record({
    direction: fc.constantFrom('input' as const, 'output' as const),
    groups: fc.subarray(['staff', 'contractors']),
    app: fc.option(fc.constantFrom('chat-web', 'ide'), { nil: null }),
    hasTools: fc.boolean(),
    findings: fc.array(arbFinding, { maxLength: 12 }),
    failures: fc.array(arbFailure, { maxLength: 2 }),
    acknowledged: fc.subarray(['coach']),
    approved: fc.subarray(['weekend']),
    now: fc.date({
      min: new Date('2020-01-01T00:00:00Z'),
      max: new Date('2030-01-01T00:00:00Z'),
      noInvalidDate: true,
    }),
  })
  .map(({ groups, app, ...rest }) =>
    input({
      ...rest,
      principal: principal({ groups, app }),
      segmentSources: ['system', 'user', 'tool_result'],
    }),
  );

test('S24: the same input gives a deep-equal decision (also from a second compilation)', () => {
  const a = policy(DOCUMENT);
  const b = policy(DOCUMENT);
  fc.assert(
    fc.property(arbInput, (i) => {
      const first = a.evaluate(i);
      assert.deepEqual(a.evaluate(structuredClone(i)), first);
      assert.deepEqual(b.evaluate(i), first);
    }),
    { numRuns: 500 },
  );
});

test('S24: evaluation reads no clock: only `now` decides time windows', (t) => {
  const p = policy(DOCUMENT);
  // The wall clock says Saturday 23:00 in Berlin; `now` says Monday noon.
  t.mock.timers.enable({ apis: ['Date'], now: new Date('2026-03-07T22:00:00Z') });
  const now = new Date('2026-03-02T12:00:00Z');
  const d = p.evaluate(input({ now }));
  assert.equal(d.action, 'allow');
  assert.deepEqual(d.tags, []);
  // And the other way round.
  t.mock.timers.setTime(new Date('2026-03-02T12:00:00Z').getTime());
  const weekendNight = p.evaluate(input({ now: new Date('2026-03-07T22:00:00Z') }));
  assert.equal(weekendNight.action, 'hold');
  assert.deepEqual(weekendNight.tags, ['night']);
  t.mock.timers.reset();
});

test('S24: evaluation reads no randomness and no environment', () => {
  const random = mock.method(Math, 'random', () => {
    throw new Error('Math.random was called');
  });
  const saved = process.env;
  process.env = new Proxy(
    {},
    {
      get() {
        throw new Error('process.env was read');
      },
    },
  );
  try {
    const p = policy(DOCUMENT);
    fc.assert(
      fc.property(arbInput, (i) => {
        p.evaluate(i);
      }),
      { numRuns: 100 },
    );
  } finally {
    process.env = saved;
    random.mock.restore();
  }
});

test('S24: evaluation does not modify its input', () => {
  const p = policy(DOCUMENT);
  fc.assert(
    fc.property(arbInput, (i) => {
      const before = structuredClone(i);
      // Frozen: any write to the input, however deep, throws.
      p.evaluate(deepFreeze(i));
      assert.deepEqual(i, before);
    }),
    { numRuns: 300 },
  );
  // And a representative input where every rule kind takes part.
  const rich = deepFreeze(
    input({
      principal: principal({ groups: ['contractors'] }),
      hasTools: true,
      findings: [
        finding('pii', 'EMAIL_ADDRESS'),
        finding('code', 'python'),
        finding('topics', 'legal', { span: null }),
      ],
      failures: [{ detector: 'x', family: 'topics', reason: 'error', message: 'm' }],
      acknowledged: ['coach'],
    }),
  );
  const d = p.evaluate(rich);
  assert.equal(d.action, 'route');
  // The decision does not alias the input's lists: changing it leaves the input as it was.
  d.failures.push({ detector: 'y', reason: 'error', message: 'm' });
  assert.equal(rich.failures.length, 1);
});

test('S24: a compiled policy is not changed by evaluating (the document stays as parsed)', () => {
  const p = policy(DOCUMENT);
  const before = structuredClone(p.document);
  for (let i = 0; i < 50; i++) p.evaluate(input({ findings: [finding('pii', 'EMAIL_ADDRESS')] }));
  assert.deepEqual(p.document, before);
});
