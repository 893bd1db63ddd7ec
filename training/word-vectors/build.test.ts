import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadWordVectors } from '../../packages/core/src/ml/word-vectors.ts';
import { selectWordVectors } from './build.ts';

// A made-up source in the wink layout: [dims floats, l2 norm, index] per word, frequency-ordered words.
const src = {
  dimensions: 3,
  words: ['the', ',', 'Paris', 'cat', "n't", 'dog', 'bird'],
  vectors: {
    the: [0.1, -0.2, 0.3, 0.37, 0],
    ',': [1, 1, 1, 1.7, 1],
    Paris: [1, 0, 0, 1, 2],
    cat: [2.5, -1.25, 0.5, 2.8, 3],
    "n't": [0, 1, 0, 1, 4],
    dog: [2.4, -1.3, 0.4, 2.7, 5],
    bird: [-1, 2, 0.25, 2.2, 6],
  } as Record<string, number[]>,
};

test('keeps the first N tokenizer words in frequency order, int8 within one step of the source', () => {
  const file = selectWordVectors(src, 4);
  assert.equal(file.words, "the\ncat\nn't\ndog");
  assert.equal(JSON.stringify(file), JSON.stringify(selectWordVectors(src, 4)), 'deterministic');
  const v = loadWordVectors(file);
  const cat = v.pool('cat', { stopRank: 0, maxChars: 100 });
  [2.5, -1.25, 0.5].forEach((x, d) => {
    assert.ok(Math.abs(cat[d]! - x) <= 2.5 / 127 / 2 + 1e-9, `dim ${d}: ${cat[d]} vs ${x}`);
  });
  assert.equal(v.rank('paris'), -1, 'capitalised source words are not kept');
});

test('the 4-bit layout round-trips within one 4-bit step', () => {
  const file = selectWordVectors(src, 4, 4);
  assert.equal(file.bits, 4);
  const cat = loadWordVectors(file).pool('cat', { stopRank: 0, maxChars: 100 });
  [2.5, -1.25, 0.5].forEach((x, d) => {
    assert.ok(Math.abs(cat[d]! - x) <= 2.5 / 7 / 2 + 1e-9, `dim ${d}: ${cat[d]} vs ${x}`);
  });
});
