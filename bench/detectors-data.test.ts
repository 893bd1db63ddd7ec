import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ATTACK_SLICES,
  buildTexts,
  createRandom,
  datasetsDir,
  fill,
  isReportSplit,
  loadDataset,
  PATHOLOGICAL_KINDS,
  parseJsonl,
  sliceRecords,
  truncateUtf8,
  utf8Bytes,
} from './detectors-data.ts';

describe('detector benchmark inputs', () => {
  test('the report split is the ids ending in an odd digit', () => {
    assert.equal(isReportSplit('presidio-synth-pii-00001'), true);
    assert.equal(isReportSplit('x-0009'), true);
    assert.equal(isReportSplit('x-0010'), false);
    assert.equal(isReportSplit('x-0004'), false);
    assert.equal(isReportSplit('no-digit'), false);
  });

  test('truncateUtf8 never splits a character and fits the byte budget', () => {
    assert.equal(truncateUtf8('abc', 10), 'abc');
    assert.equal(truncateUtf8('abcdef', 4), 'abcd');
    // 'é' is 2 bytes, '😀' is 4 bytes (a surrogate pair).
    assert.equal(truncateUtf8('aé', 2), 'a');
    assert.equal(truncateUtf8('a😀b', 4), 'a');
    assert.equal(truncateUtf8('a😀b', 5), 'a😀');
  });

  test('buildTexts makes texts of the requested size from every pool, reproducibly', () => {
    const pools = [
      ['alpha one', 'alpha two'],
      ['Grüße beta', 'beta 😀 four'],
    ];
    const a = buildTexts({ pools, count: 5, bytes: 64, seed: 7 });
    const b = buildTexts({ pools, count: 5, bytes: 64, seed: 7 });
    assert.deepEqual(a, b);
    assert.equal(a.length, 5);
    for (const text of a) {
      assert.ok(utf8Bytes(text) <= 64 && utf8Bytes(text) >= 60, `size ${utf8Bytes(text)}`);
      assert.match(text, /alpha/);
      assert.match(text, /beta/);
    }
    assert.notDeepEqual(buildTexts({ pools, count: 5, bytes: 64, seed: 8 }), a);
    assert.throws(() => buildTexts({ pools: [[]], count: 1, bytes: 10, seed: 1 }), /no texts/);
  });

  test('createRandom is seeded and stays in [0, 1)', () => {
    const r = createRandom(42);
    const values = Array.from({ length: 1000 }, () => r());
    assert.ok(values.every((v) => v >= 0 && v < 1));
    assert.deepEqual(values.slice(0, 3), [createRandom(42)(), ...values.slice(1, 3)]);
  });

  test('pathological inputs have the requested length in code units', () => {
    for (const [name, build] of PATHOLOGICAL_KINDS) {
      const text = build(4096);
      assert.ok(Math.abs(text.length - 4096) <= 6, `${name}: ${text.length}`);
    }
    assert.equal(fill('ab', 5), 'ababa');
    assert.equal(fill('😀', 3), '😀 ');
  });

  test('parseJsonl keeps id, text, label and spans and skips blank lines', () => {
    const records = parseJsonl(
      '{"id":"a-1","text":"hi Ada","label":"pii","spans":[{"start":3,"end":6,"type":"PERSON"}]}\n\n{"id":"a-2","text":"x"}\n{"nope":1}\n',
    );
    assert.deepEqual(records, [
      { id: 'a-1', text: 'hi Ada', label: 'pii', spans: [{ start: 3, end: 6, type: 'PERSON' }] },
      { id: 'a-2', text: 'x', label: '' },
    ]);
  });

  test('the shared datasets load when present', (t) => {
    const dir = datasetsDir(new URL('..', import.meta.url).pathname);
    const records = loadDataset(dir, 'presidio-synth-pii');
    if (records === null) {
      t.skip(`datasets not found at ${dir}`);
      return;
    }
    assert.ok(records.length > 0);
    assert.ok(records.some((r) => (r.spans ?? []).length > 0));
    assert.equal(loadDataset(dir, 'no-such-dataset'), null);
  });

  test('Protection II slices: unique columns, one label per half of a two-class set', () => {
    const keys = ATTACK_SLICES.map((s) => s.key);
    assert.equal(new Set(keys).size, keys.length);
    for (const kind of ['attack', 'harmful', 'benign'] as const)
      assert.ok(
        ATTACK_SLICES.some((s) => s.kind === kind),
        kind,
      );
    // A dataset used twice (xstest, jackhhao) is split by label, so no record lands in two columns.
    for (const dataset of new Set(ATTACK_SLICES.map((s) => s.dataset))) {
      const uses = ATTACK_SLICES.filter((s) => s.dataset === dataset);
      if (uses.length > 1)
        assert.ok(
          uses.every((s) => s.label !== undefined),
          dataset,
        );
    }
  });

  test('sliceRecords keeps the slice label and the report split, up to the limit', () => {
    const records = parseJsonl(
      [
        '{"id":"x-1","text":"a","label":"benign"}',
        '{"id":"x-2","text":"b","label":"benign"}',
        '{"id":"x-3","text":"c","label":"harmful"}',
        '{"id":"x-5","text":"d","label":"benign"}',
        '{"id":"x-7","text":"e","label":"benign"}',
      ].join('\n'),
    );
    const safe = { key: 'x (safe)', dataset: 'x', label: 'benign', kind: 'benign' } as const;
    const texts = (options: { reportSplit: boolean; limit?: number }) =>
      sliceRecords(records, safe, options).map((r) => r.text);
    assert.deepEqual(texts({ reportSplit: true }), ['a', 'd', 'e']);
    assert.deepEqual(texts({ reportSplit: false }), ['a', 'b', 'd', 'e']);
    assert.deepEqual(texts({ reportSplit: true, limit: 2 }), ['a', 'd']);
    const all = { key: 'x', dataset: 'x', kind: 'harmful' } as const;
    assert.equal(sliceRecords(records, all, { reportSplit: true }).length, 4);
  });
});
