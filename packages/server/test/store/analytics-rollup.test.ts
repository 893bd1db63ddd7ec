/**
 * The definitions the rollups are built on: which outcome wins for one event, the severity of a
 * detection, the risk score, and what one event adds (distinct types once, groups once each).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Decision } from '@parapet/core';
import {
  eventFacts,
  eventOutcome,
  findingSeverity,
  riskScore,
  rollupRows,
} from '../../src/store/analytics-rollup.ts';
import { makeEvent } from './store-fixtures.ts';

const d = (action: Decision['action'], extra: Partial<Decision> = {}): Decision => ({
  action,
  ruleId: 'r',
  findings: [],
  failures: [],
  tags: [],
  ...extra,
});

describe('eventOutcome', () => {
  test('no decision: none; one decision: its action', () => {
    assert.equal(eventOutcome({ input: null, output: null }), 'none');
    assert.equal(eventOutcome({ input: d('allow'), output: null }), 'allowed');
    assert.equal(eventOutcome({ input: d('monitor'), output: null }), 'monitored');
    assert.equal(eventOutcome({ input: d('route'), output: null }), 'routed');
    assert.equal(eventOutcome({ input: d('redact'), output: null }), 'redacted');
    assert.equal(eventOutcome({ input: d('warn'), output: null }), 'warned');
    assert.equal(eventOutcome({ input: d('hold'), output: null }), 'held');
    assert.equal(eventOutcome({ input: d('block'), output: null }), 'blocked');
  });

  test('the stronger direction wins: an output block beats an input allow, a redaction beats a route', () => {
    assert.equal(eventOutcome({ input: d('allow'), output: d('block') }), 'blocked');
    assert.equal(eventOutcome({ input: d('route'), output: d('redact') }), 'redacted');
    assert.equal(eventOutcome({ input: d('monitor'), output: d('allow') }), 'monitored');
    assert.equal(eventOutcome({ input: d('hold'), output: d('redact') }), 'held');
  });

  test('what a decision carries counts: an approval is held, an acknowledgement warned, tags monitored', () => {
    const approved = d('allow', {
      approval: { id: 'a', ruleId: 'h', status: 'approved', by: 'rev', at: null, reason: null },
    });
    assert.equal(eventOutcome({ input: approved, output: d('allow') }), 'held');
    const acknowledged = d('allow', { acknowledgement: { ruleId: 'w', justification: 'needed' } });
    assert.equal(eventOutcome({ input: acknowledged, output: null }), 'warned');
    assert.equal(eventOutcome({ input: d('route', { tags: ['x'] }), output: null }), 'routed');
    assert.equal(eventOutcome({ input: d('allow', { tags: ['x'] }), output: null }), 'monitored');
    const routedAndMasked = d('route', { redactions: [{ ruleId: 'm', mode: 'mask', findings: [0] }] });
    assert.equal(eventOutcome({ input: routedAndMasked, output: null }), 'redacted');
  });
});

describe('findingSeverity and riskScore', () => {
  test('severity by family, and by type for personal data', () => {
    assert.equal(findingSeverity('prompt_attack', 'INSTRUCTION_OVERRIDE'), 'high');
    assert.equal(findingSeverity('secrets', 'AWS_ACCESS_KEY'), 'high');
    assert.equal(findingSeverity('harmful', 'S9'), 'high');
    assert.equal(findingSeverity('pii', 'US_SSN'), 'high');
    assert.equal(findingSeverity('pii', 'CREDIT_CARD'), 'high');
    assert.equal(findingSeverity('pii', 'EMAIL_ADDRESS'), 'medium');
    assert.equal(findingSeverity('toxicity', 'INSULT'), 'medium');
    assert.equal(findingSeverity('code', 'python'), 'medium');
    assert.equal(findingSeverity('something_new', 'X'), 'low');
    assert.equal(findingSeverity('topics', 'legal'), null);
  });

  test('risk = 10 attacks + 5 blocked + 3 high + 2 medium + 1 low', () => {
    assert.equal(riskScore({ attacks: 1, blocked: 2, high: 3, medium: 4, low: 5 }), 10 + 10 + 9 + 8 + 5);
    assert.equal(riskScore({ attacks: 0, blocked: 0, high: 0, medium: 0, low: 0 }), 0);
  });
});

describe('eventFacts and rollupRows', () => {
  const finding = (family: string, type: string) => ({
    family,
    type,
    score: 0.9,
    segment: 0,
    span: null,
    detector: 'x',
  });

  test('one event: distinct types once per event, groups once each, cost in nano-dollars, model fallback', () => {
    const event = makeEvent('e1', {
      time: '2025-03-01T12:34:56.789+01:00',
      principal: { keyId: null, user: 'ann', groups: ['eng', 'eng', 'ops'], app: null, via: 'key' },
      modelRequested: null,
      modelServed: 'served-model',
      costUsd: 0.000123456789,
      findings: {
        input: [
          finding('pii', 'EMAIL_ADDRESS'),
          finding('pii', 'EMAIL_ADDRESS'),
          finding('prompt_attack', 'X'),
        ],
        output: [finding('pii', 'EMAIL_ADDRESS'), finding('topics', 'legal')],
      },
    });
    const f = eventFacts(event);
    assert.equal(f.minute, Date.parse('2025-03-01T11:34:00Z') / 60_000);
    assert.deepEqual(f.groups, ['eng', 'ops']);
    assert.equal(f.app, '');
    assert.equal(f.model, 'served-model');
    assert.equal(f.costNano, 123_457);
    assert.deepEqual([f.high, f.medium, f.low, f.attack], [1, 1, 0, 1]);
    const email = f.findings.find((x) => x.family === 'pii' && x.type === 'EMAIL_ADDRESS');
    assert.deepEqual(email, { family: 'pii', type: 'EMAIL_ADDRESS', input: 1, output: 1, count: 3 });
    const pii = f.findings.find((x) => x.family === 'pii' && x.type === '');
    assert.deepEqual(pii, { family: 'pii', type: '', input: 1, output: 1, count: 3 });

    const rows = rollupRows([event, { ...event, id: 'e2' }]);
    // Three grains; one outcome: [grain, bucket, outcome] + [requests, input, output, cost, errors].
    assert.deepEqual(
      rows.totals.map((t) => [...t.key, t.sums[0], t.sums[3]]),
      [
        [1, f.minute, 'redacted', 2, 246_914],
        [60, f.minute - (f.minute % 60), 'redacted', 2, 246_914],
        [1440, f.minute - (f.minute % 1440), 'redacted', 2, 246_914],
      ],
    );
    // user, app, model, provider and two groups, per grain, each with both events.
    assert.equal(rows.entities.length, 6 * 3);
    assert.ok(rows.entities.every((e) => e.sums[0] === 2));
    // pii, pii/EMAIL_ADDRESS, prompt_attack, prompt_attack/X, topics, topics/legal, per grain.
    assert.equal(rows.findings.length, 6 * 3);
    const emailDay = rows.findings.find((r) => r.key[0] === 1440 && r.key[3] === 'EMAIL_ADDRESS');
    // events, input events, output events, findings, then input events per outcome (redacted is 4th).
    assert.deepEqual(emailDay?.sums, [2, 2, 2, 6, 0, 0, 0, 2, 0, 0, 0, 0]);
  });

  test('sorted rows come in key order; rows of the same minute are summed before the hour and the day', () => {
    const events = [0, 1, 2, 59, 61].map((minute, i) =>
      makeEvent(`s${i}`, {
        time: new Date(Date.parse('2025-03-01T10:00:00Z') + minute * 60_000).toISOString(),
      }),
    );
    const rows = rollupRows(events, { sorted: true });
    const before = (a: Array<string | number>, b: Array<string | number>): boolean => {
      const i = a.findIndex((x, j) => x !== b[j]);
      return i >= 0 && a[i]! < b[i]!;
    };
    for (const list of [rows.totals, rows.entities, rows.findings]) {
      for (let i = 1; i < list.length; i++) assert.ok(before(list[i - 1]!.key, list[i]!.key), `row ${i}`);
    }
    const byGrain = (g: number) => rows.totals.filter((r) => r.key[0] === g).map((r) => r.sums[0]);
    assert.deepEqual(byGrain(1), [1, 1, 1, 1, 1]);
    assert.deepEqual(byGrain(60), [4, 1]);
    assert.deepEqual(byGrain(1440), [5]);
  });

  test('an event with a time Date cannot read is refused', () => {
    assert.throws(() => eventFacts(makeEvent('bad', { time: 'not a time' })), /invalid event time/);
  });
});
