import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { detectorsForConfig } from '../../src/detectors/builtin.ts';
import { decisionInputFromEvent, readEventWindow, simulatePolicy } from '../../src/policy/simulate.ts';
import { encryptContent } from '../../src/store/content-crypto.ts';
import { createSqliteStore } from '../../src/store/index.ts';
import {
  type EventSpec,
  finding,
  OLD_POLICY,
  policy,
  simulationConfig,
  storedEvent,
} from './simulate-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'parapet-simulate-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const config = simulationConfig(dir);

const NIGHT_RULE = {
  id: 'night-owls',
  when: { users: ['night-owl'], time: { between: ['22:00', '06:00'] } },
  action: 'block',
};
const WARN_RULE = {
  id: 'coach-code',
  when: { direction: 'input', detections: { code: {} } },
  action: 'warn',
  message: 'acknowledge to continue',
};
const STORED_POLICY = { rules: [...OLD_POLICY.rules, NIGHT_RULE, WARN_RULE] };
const REDACT_PII = {
  id: 'redact-pii-public',
  when: {
    direction: 'input',
    destination: { tags: ['public'] },
    detections: { pii: { types: ['EMAIL_ADDRESS'] } },
  },
  action: 'redact',
};

/** Events decided by STORED_POLICY, newest first as the store returns them. */
function traffic() {
  const decidedBy = policy(STORED_POLICY);
  const make = (id: string, spec: EventSpec) => storedEvent(id, spec, decidedBy);
  return [
    ...['s1', 's2', 's3'].map((id) => make(id, { input: [finding('secrets', 'GENERIC_SECRET')] })),
    ...['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'].map((id) =>
      make(id, { input: [finding('pii', 'EMAIL_ADDRESS')] }),
    ),
    make('private-1', { model: 'private', input: [finding('pii', 'EMAIL_ADDRESS')] }),
    make('out-1', { output: [finding('pii', 'EMAIL_ADDRESS')] }),
    make('no-output', { output: null }),
    make('night', { user: 'night-owl', time: '2025-03-03T23:30:00.000Z' }),
    make('acked', { input: [finding('code', 'python')], acknowledged: ['coach-code'] }),
  ];
}

describe('simulatePolicy', () => {
  test('the policy that decided the events changes nothing (time, trail and model table are replayed)', async () => {
    const events = traffic();
    assert.equal(events.find((e) => e.id === 'night')!.decision.input!.ruleId, 'night-owls');
    assert.equal(events.find((e) => e.id === 'acked')!.decision.input!.trail![0]!.effect, 'acknowledged');
    const report = await simulatePolicy(events, { policy: policy(STORED_POLICY), config });
    assert.equal(report.eventsScanned, 15);
    assert.equal(report.decisionsCompared, 29);
    assert.deepEqual(report.byDirection, {
      input: { compared: 15, changed: 0 },
      output: { compared: 14, changed: 0 },
    });
    assert.equal(report.decisionsChanged, 0);
    assert.deepEqual([report.byTransition, report.byRule, report.rescan], [[], [], null]);
  });

  test('a changed policy: counts by action and by rule, with at most 5 example ids in reading order', async () => {
    const candidate = policy({ rules: [OLD_POLICY.rules[0], REDACT_PII, WARN_RULE] });
    const report = await simulatePolicy(traffic(), { policy: candidate, config });
    // p1..p7 are now redacted (public model only); `night` is no longer blocked, in either direction
    // (the rule had none); nothing else moves.
    assert.equal(report.decisionsChanged, 9);
    assert.equal(report.eventsChanged, 8);
    assert.deepEqual(report.byDirection.input, { compared: 15, changed: 8 });
    assert.deepEqual(report.byDirection.output, { compared: 14, changed: 1 });
    assert.deepEqual(report.byTransition, [
      { from: 'allow', to: 'redact', count: 7, examples: ['p1', 'p2', 'p3', 'p4', 'p5'] },
      { from: 'block', to: 'allow', count: 2, examples: ['night'] },
    ]);
    assert.deepEqual(report.byRule, [
      { ruleId: 'redact-pii-public', count: 7, examples: ['p1', 'p2', 'p3', 'p4', 'p5'] },
      { ruleId: null, count: 2, examples: ['night'] },
    ]);
  });

  test('a rule change with the same action counts as a change; examples can be limited', async () => {
    const renamed = policy({
      rules: [{ ...OLD_POLICY.rules[0], id: 'no-credentials' }, NIGHT_RULE, WARN_RULE],
    });
    const report = await simulatePolicy(traffic(), { policy: renamed, config, examples: 2 });
    assert.deepEqual(report.byTransition, [{ from: 'block', to: 'block', count: 3, examples: ['s1', 's2'] }]);
    assert.deepEqual(report.byRule, [{ ruleId: 'no-credentials', count: 3, examples: ['s1', 's2'] }]);
  });

  test('an acknowledged warn stays acknowledged; without it the warn decides', async () => {
    const acked = traffic().find((e) => e.id === 'acked')!;
    const input = decisionInputFromEvent(acked, 'input', { provider: 'openai', tags: ['public'] });
    assert.deepEqual(input.acknowledged, ['coach-code']);
    assert.equal(input.now.toISOString(), acked.time);
    assert.deepEqual(input.modelTags, ['public']);
    const stricter = policy({ rules: [{ ...WARN_RULE, id: 'coach-code-v2' }] });
    const report = await simulatePolicy([acked], { policy: stricter, config });
    assert.deepEqual(report.byTransition, [{ from: 'allow', to: 'warn', count: 1, examples: ['acked'] }]);
  });

  test('--rescan runs today’s detectors on encrypted content; redacted and content-less events keep their findings', async () => {
    const key = randomBytes(32);
    const secret = 'here is my token ghp_Zx8Kq2Lm9Np4Rt7Vw1Yb3Cd5Fg6Hj0Ks2Qe';
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: secret }] };
    const completion = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'sure' }, finish_reason: 'stop' }],
    };
    const streamed = { streamed: true, text: 'write to bob.smith@example.org', toolCalls: [] };
    const encrypted = (response: unknown, k: Buffer = key) =>
      encryptContent(k, JSON.stringify({ request: body, response }));
    const events = [
      storedEvent('enc', { contentMode: 'encrypted', content: encrypted(completion) }),
      storedEvent('enc-stream', { contentMode: 'encrypted', content: encrypted(streamed) }),
      storedEvent('red', {
        contentMode: 'redacted',
        content: '{"input":[{"source":"user","text":"[GENERIC_SECRET]"}]}',
      }),
      storedEvent('none', {}),
      storedEvent('wrong-key', { contentMode: 'encrypted', content: encrypted(completion, randomBytes(32)) }),
    ];
    const candidate = policy({
      rules: [
        OLD_POLICY.rules[0],
        {
          id: 'leak',
          when: { direction: 'output', detections: { pii: { types: ['EMAIL_ADDRESS'] } } },
          action: 'redact',
        },
      ],
    });
    const plain = await simulatePolicy(events, { policy: candidate, config });
    assert.equal(plain.decisionsChanged, 0);
    const detectors = await detectorsForConfig(config, ['secrets', 'pii']);
    const report = await simulatePolicy(events, {
      policy: candidate,
      config,
      rescan: { detectors, budgetMs: 1000, contentKey: key },
    });
    assert.deepEqual(report.rescan, { rescanned: 2, notRescannable: 2, unreadable: 1 });
    assert.deepEqual(report.byTransition, [
      { from: 'allow', to: 'block', count: 2, examples: ['enc', 'enc-stream'] },
      { from: 'allow', to: 'redact', count: 1, examples: ['enc-stream'] },
    ]);
    assert.deepEqual(report.byDirection.output, { compared: 5, changed: 1 });
    const noKey = await simulatePolicy(events, {
      policy: candidate,
      config,
      rescan: { detectors, budgetMs: 1000, contentKey: null },
    });
    assert.deepEqual(noKey.rescan, { rescanned: 0, notRescannable: 2, unreadable: 3 });
  });

  test('segment sources come from redacted content when the policy reads them', async () => {
    const sourced = policy({
      rules: [
        {
          id: 'indirect',
          when: { detections: { prompt_attack: { sources: ['tool_result'] } } },
          action: 'block',
        },
      ],
    });
    const attack = { ...finding('prompt_attack', 'INDIRECT_INJECTION'), segment: 1 };
    const content = JSON.stringify({
      input: [
        { source: 'user', text: 'hi' },
        { source: 'tool_result', text: '…' },
      ],
    });
    const events = [
      storedEvent('tool', { input: [attack], contentMode: 'redacted', content }),
      storedEvent('unknown-sources', { input: [attack] }),
    ];
    const report = await simulatePolicy(events, { policy: sourced, config });
    assert.deepEqual(report.byRule, [{ ruleId: 'indirect', count: 1, examples: ['tool'] }]);
  });
});

describe('readEventWindow', () => {
  test('newest first from the store, `until` exclusive, `truncated` when the limit was reached', async () => {
    const dataDir = mkdtempSync(join(dir, 'store-'));
    const store = createSqliteStore({ dataDir, writerThread: false });
    try {
      const times = ['2025-03-01', '2025-03-02', '2025-03-03', '2025-03-04', '2025-03-05'];
      await store.insertEvents(times.map((t, i) => storedEvent(`e${i}`, { time: `${t}T00:00:00.000Z` })));
      const all = await readEventWindow(store, { since: '2025-03-02T00:00:00.000Z', until: null, limit: 10 });
      assert.deepEqual(
        all.events.map((e) => e.id),
        ['e4', 'e3', 'e2', 'e1'],
      );
      assert.equal(all.truncated, false);
      const capped = await readEventWindow(store, {
        since: '2025-03-01T00:00:00.000Z',
        until: null,
        limit: 2,
      });
      assert.deepEqual([capped.events.map((e) => e.id), capped.truncated], [['e4', 'e3'], true]);
      const until = await readEventWindow(store, {
        since: '2025-03-01T00:00:00.000Z',
        until: '2025-03-04T00:00:00.000Z',
        limit: 10,
      });
      assert.deepEqual(
        until.events.map((e) => e.id),
        ['e2', 'e1', 'e0'],
      );
      await assert.rejects(
        readEventWindow(store, { since: '2025-03-01', until: null, limit: 0 }),
        RangeError,
      );
    } finally {
      await store.close();
    }
  });
});
