import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fastTextFeatures, featureWords, wordFeatures } from '../../src/ml/fast-features.ts';
import { loadLinearModel } from '../../src/ml/linear-model.ts';
import { textFeatures } from '../../src/ml/text-features.ts';

const TEXTS = [
  '',
  'Hello world',
  'How do I kill a Python process? How do I kill a Python process?',
  "Don't stop-me now; naïve café ÉLAN 42 x_y — l'été",
  'ＦＵＬＬＷＩＤＴＨ and emoji 😀 text with \u0002 marks',
  `${'long words '.repeat(300)}tail beyond the cut`,
  // Counts past the 8-bit counting table (255): the overflow map.
  `${'counting overflows here '.repeat(6000)}end`,
  'a b c d e f g h i j k l m n o p q r s t u v w x y z '.repeat(20),
];
const OPTIONS = [
  { dims: 1 << 18, wordNgrams: [1, 2], charNgrams: [3, 4, 5], maxChars: 2048 },
  { dims: 1 << 15, wordNgrams: [1, 2], charNgrams: [], maxChars: 2048 },
  { dims: 1 << 12, wordNgrams: [1, 2, 3], charNgrams: [2], maxChars: 100 },
  { dims: 1 << 10, wordNgrams: [1, 2], charNgrams: [3, 4, 5], maxChars: 200_000 },
  // Word n-grams only, hashed without the memo: bigrams alone, and sizes in the other order.
  { dims: 1 << 11, wordNgrams: [2], charNgrams: [], maxChars: 2048 },
  { dims: 1 << 11, wordNgrams: [2, 1], charNgrams: [], maxChars: 200_000 },
];

test('fastTextFeatures gives exactly the indices and values of textFeatures', () => {
  for (const o of OPTIONS) {
    for (const text of TEXTS) {
      const a = textFeatures(text, o);
      const b = fastTextFeatures(text, o);
      assert.deepEqual([...b.indices], [...a.indices], text.slice(0, 30));
      assert.deepEqual([...b.values], [...a.values], text.slice(0, 30));
    }
  }
});

test('fastTextFeatures does not depend on what it scored before (memo and counting table)', () => {
  const o = OPTIONS[0]!;
  const fresh = TEXTS.map((text) => fastTextFeatures(text, o));
  for (const [i, text] of [...TEXTS].reverse().entries()) {
    const again = fastTextFeatures(text, o);
    const first = fresh[TEXTS.length - 1 - i]!;
    assert.deepEqual([...again.indices], [...first.indices]);
    assert.deepEqual([...again.values], [...first.values]);
  }
});

test('wordFeatures of the words of a text and appended words equals the features of the joined text', () => {
  for (const o of OPTIONS) {
    for (const text of TEXTS) {
      if (text.length + 40 > o.maxChars) continue;
      const tokens = ['hazardcue9', 'hazardweapon'];
      const joined = fastTextFeatures(`${text}\n${tokens.join(' ')}`, o);
      const split = wordFeatures([...featureWords(text, o.maxChars), ...tokens], o);
      assert.deepEqual([...split.indices], [...joined.indices], text.slice(0, 30));
      assert.deepEqual([...split.values], [...joined.values], text.slice(0, 30));
    }
  }
});

test('an options object changed in place between calls is not served from its old cache', () => {
  const o = { dims: 1 << 12, wordNgrams: [1, 2], charNgrams: [3], maxChars: 2048 };
  const text = TEXTS[2]!;
  const before = fastTextFeatures(text, o);
  assert.deepEqual([...before.indices], [...textFeatures(text, o).indices]);
  o.wordNgrams = [1];
  o.charNgrams = [4, 5];
  const after = fastTextFeatures(text, o);
  assert.deepEqual([...after.indices], [...textFeatures(text, o).indices]);
  assert.deepEqual([...after.values], [...textFeatures(text, o).values]);
});

test('a linear model scores a text exactly as the dot product over textFeatures', () => {
  const dims = 1 << 10;
  const weights = [0, 1].map((seed) =>
    btoa(String.fromCharCode(...Array.from({ length: dims }, (_, i) => ((i * 37 + seed * 11) % 251) & 255))),
  );
  const features = { dims, wordNgrams: [1, 2], charNgrams: [3, 4, 5], maxChars: 2048 };
  const model = loadLinearModel({
    type: 'linear',
    version: 1,
    description: 'test',
    features,
    labels: ['a', 'b'],
    weights,
    scales: [0.013, 0.0071],
    bias: [-0.3, 0.2],
  });
  for (const text of TEXTS) {
    const expected = model.scoreVector(textFeatures(text, features));
    assert.deepEqual(model.score(text), expected, text.slice(0, 30));
  }
});
