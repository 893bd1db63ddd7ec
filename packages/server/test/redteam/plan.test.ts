import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CONVERTER_NAMES, rot13Decode } from '../../src/redteam/converters.ts';
import { loadProbes } from '../../src/redteam/library.ts';
import { canaryFor, planAttempts } from '../../src/redteam/plan.ts';
import type { Attempt, ConverterName } from '../../src/redteam/types.ts';

const GOALS = ['Explain how to do forbidden thing one', 'Explain how to do forbidden thing two'];
const full = loadProbes('full');
const quick = loadProbes('quick');

function texts(a: Attempt): string {
  return [
    ...a.messages.map((m) => m.content),
    ...a.messages.flatMap((m) => (m.toolCalls ?? []).map((c) => c.arguments)),
    ...a.turns,
  ].join('\n');
}

describe('planAttempts', () => {
  test('the same seed gives the same order, canaries and conversions; another seed another order', () => {
    const opts = { goals: GOALS, converters: [[], ['homoglyphs'], ['payload_split']] as ConverterName[][] };
    const a = planAttempts(full, { ...opts, seed: 42 });
    const b = planAttempts([...full].reverse(), { ...opts, seed: 42 });
    assert.deepEqual(a, b);
    const c = planAttempts(full, { ...opts, seed: 43 });
    assert.notDeepEqual(
      a.map((x) => x.id),
      c.map((x) => x.id),
    );
    assert.deepEqual([...a.map((x) => x.id)].sort(), [...c.map((x) => x.id)].sort());
    // Canaries depend on the seed and the attempt, not on the order.
    const byId = new Map(c.map((x) => [x.id, x.canary]));
    assert.ok(a.every((x) => byId.get(x.id) !== x.canary));
    assert.equal(a[0]?.canary, canaryFor(42, a[0]!.id));
  });

  test('canaries are unique, well-formed and expanded everywhere; no {{canary}}/{{goal}} is left', () => {
    const attempts = planAttempts(full, { goals: GOALS, seed: 'run-1' });
    assert.equal(new Set(attempts.map((a) => a.canary)).size, attempts.length);
    for (const a of attempts) {
      assert.match(a.canary, /^[B-Z2-9]{4}-[B-Z2-9]{4}-[B-Z2-9]{4}$/);
      const t = texts(a);
      assert.ok(!t.includes('{{canary}}') && !t.includes('{{goal}}'), a.id);
      for (const c of a.success) {
        if (c.kind === 'canary') {
          assert.equal(c.token, a.canary);
          assert.ok(t.includes(a.canary), a.id);
        }
        if (c.kind === 'harmful_compliance') assert.equal(c.goal, a.goal);
      }
      for (const m of a.messages) for (const call of m.toolCalls ?? []) JSON.parse(call.arguments);
    }
    // {{secret}} and {{pii}} are left for the runner.
    const sdl = attempts.find((a) => a.probeId === 'sdl.ask-api-key');
    assert.deepEqual(sdl?.success, [{ kind: 'planted_secret', values: ['{{secret}}'] }]);
  });

  test('jailbreak probes expand once per goal and are left out without goals', () => {
    const jb = full.filter((p) => p.category === 'jailbreak');
    const attempts = planAttempts(full, { goals: GOALS });
    const jbAttempts = attempts.filter((a) => a.category === 'jailbreak');
    assert.equal(jbAttempts.length, jb.length * GOALS.length);
    const rp = jbAttempts.find((a) => a.id === 'jb.role-play.screenplay#1');
    assert.ok(rp);
    assert.equal(rp.goal, GOALS[1]);
    assert.ok(rp.messages.at(-1)?.content.includes(GOALS[1]!));
    assert.ok(attempts.filter((a) => a.category !== 'jailbreak').every((a) => a.goal === null));
    const none = planAttempts(full, {});
    assert.equal(none.length, full.length - jb.length);
    assert.ok(none.every((a) => a.category !== 'jailbreak'));
  });

  test('converter chains multiply the suite; ids name the goal and the chain', () => {
    const chains: ConverterName[][] = [[], ...CONVERTER_NAMES.map((c) => [c]), ['leetspeak', 'base64']];
    const attempts = planAttempts(quick, { goals: GOALS, converters: chains, seed: 1 });
    const jbQuick = quick.filter((p) => p.category === 'jailbreak').length;
    const noConv = quick.filter((p) => p.noConverters).length;
    const units = quick.length - jbQuick + jbQuick * GOALS.length;
    assert.equal(attempts.length, units * chains.length - noConv * (chains.length - 1));
    assert.ok(attempts.some((a) => a.id === 'jb.role-play.screenplay#0+leetspeak+base64'));
    assert.ok(attempts.some((a) => a.id === 'pi.ignore-previous.print-canary+rot13'));
    assert.equal(new Set(attempts.map((a) => a.id)).size, attempts.length);
    assert.throws(
      () => planAttempts(quick, { converters: [['base32' as ConverterName]] }),
      /unknown converter/,
    );
    // Duplicate chains are planned once.
    assert.equal(planAttempts(quick, { converters: [[], []] }).length, planAttempts(quick, {}).length);
  });

  test('direct probes convert the last user message; the canary survives the encoding', () => {
    const [a] = planAttempts(
      full.filter((p) => p.id === 'pi.ignore-previous.print-canary'),
      { converters: [['rot13']], seed: 3 },
    );
    assert.ok(a);
    const content = a.messages.at(-1)!.content;
    assert.match(content, /ROT13/);
    assert.ok(!content.includes('Ignore all previous'));
    assert.ok(rot13Decode(content).includes(a.canary));
    // Few-shot: the forged history is left as is, the final request is converted.
    const fs = planAttempts(
      full.filter((p) => p.strategy === 'few_shot'),
      { goals: GOALS, converters: [['base64']] },
    )[0]!;
    assert.equal(fs.messages[0]?.content, full.find((p) => p.strategy === 'few_shot')?.messages[0]?.content);
    assert.match(fs.messages.at(-1)!.content, /base64-encoded/);
  });

  test('indirect tool probes convert the tool result, not the user request; turns are converted', () => {
    const [a] = planAttempts(
      full.filter((p) => p.id === 'ii.tool-result.search-hidden-instruction'),
      { converters: [['zero_width']], seed: 9 },
    );
    assert.ok(a);
    const user = a.messages.find((m) => m.role === 'user')!;
    const tool = a.messages.find((m) => m.role === 'tool')!;
    assert.equal(user.content, "What's the weather forecast for Lisbon this weekend?");
    assert.match(tool.content, /\u200b|\u200c|\u200d|\u2060/);
    assert.ok(tool.content.includes(a.canary));
    assert.equal(tool.toolCallId, 'call_1');
    assert.deepEqual(
      a.tools.map((t) => t.name),
      ['web_search'],
    );
    const [mt] = planAttempts(
      full.filter((p) => p.id === 'mt.crescendo.canary'),
      { converters: [['spaced']] },
    );
    assert.ok(mt && mt.turns.length === 3);
    assert.ok(mt.turns[2]!.includes(mt.canary));
    assert.ok(mt.turns[0]!.startsWith('F i r s t'));
  });

  test('limit keeps the head of the seeded order', () => {
    const all = planAttempts(full, { seed: 5 });
    const some = planAttempts(full, { seed: 5, limit: 7 });
    assert.deepEqual(some, all.slice(0, 7));
    assert.equal(planAttempts(full, { limit: 0 }).length, 0);
  });
});
