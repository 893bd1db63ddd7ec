import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { featureWords } from '../../src/ml/fast-features.ts';
import { loadShippedWordVectors, shippedWordVectors } from '../../src/ml/shipped-word-vectors.ts';
import { loadWordVectors, type WordVectorsFile } from '../../src/ml/word-vectors.ts';

// The shipped word vectors are imported on first use (ml/shipped-word-vectors.ts): load them once here.
await loadShippedWordVectors();

const POOL = { stopRank: 0, maxChars: 2048 };

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

/** A hand-made two-dimensional file: "a" = (1, 0), "b" = (0, 1), "c" = (-1, 0.5). */
function tiny(): WordVectorsFile {
  const q = Int8Array.from([127, 0, 0, 127, -127, 64]);
  const scales = new DataView(new ArrayBuffer(12));
  for (let i = 0; i < 3; i++) scales.setFloat32(i * 4, 1 / 127, true);
  const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
  return {
    type: 'word-vectors',
    version: 1,
    description: 'test',
    dims: 2,
    bits: 8,
    words: 'a\nb\nc',
    vectors: b64(new Uint8Array(q.buffer)),
    scales: b64(new Uint8Array(scales.buffer)),
  };
}

describe('word vectors', () => {
  test('pooling gives the weighted mean, then the element-wise maximum', () => {
    const v = loadWordVectors(tiny());
    const pooled = [...v.pool('A b, zzz', POOL)];
    assert.equal(pooled.length, 4);
    assert.deepEqual(
      pooled.map((x) => Math.round(x * 100) / 100),
      [0.5, 0.5, 1, 1],
    );
    // With frequency damping the most frequent word ("a", rank 0) weighs nothing in the mean.
    const damped = [...v.pool('a b', { stopRank: 1, maxChars: 100 })].map((x) => Math.round(x * 100) / 100);
    assert.deepEqual(damped, [0, 1, 1, 1]);
  });

  test('unknown-only text pools to zeros; joined tokens are looked up by their parts', () => {
    const v = loadWordVectors(tiny());
    assert.deepEqual([...v.pool('zzz qqq', POOL)], [0, 0, 0, 0]);
    const joined = [...v.pool("a-c b'x", POOL)].map((x) => Math.round(x * 100) / 100);
    // a, c and b found: mean (0, 0.5), max (1, 1).
    assert.deepEqual(joined.slice(0, 2), [0, 0.5]);
    assert.equal(v.rank('c'), 2);
    assert.equal(v.rank("n't"), -1);
    assert.equal(v.rank('zzz'), -1);
  });

  test('a file whose lengths disagree is refused', () => {
    assert.throws(() => loadWordVectors({ ...tiny(), words: 'a\nb' }));
    assert.throws(() => loadWordVectors({ ...tiny(), type: 'linear' }));
  });

  test('the shipped vectors load fast and place related words together', () => {
    const started = performance.now();
    const v = shippedWordVectors();
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `loading took ${ms} ms`);
    assert.equal(v.dims, 100);
    assert.ok(v.size >= 10000);
    assert.equal(v.rank('the'), 0);
    const vec = (w: string) => v.pool(w, POOL).subarray(0, v.dims);
    assert.ok(cosine(vec('poison'), vec('toxic')) > cosine(vec('poison'), vec('guitar')));
    assert.ok(cosine(vec('bomb'), vec('explosive')) > cosine(vec('bomb'), vec('recipe')));
    assert.equal(shippedWordVectors(), v, 'shared, decoded once');
    // "don't" is split the GloVe way ("do" + "n't"; this packaging has no "n't", so it pools as "do").
    assert.deepEqual([...v.pool("don't", POOL)], [...v.pool('do', POOL)]);
  });

  test('pooling given the words of the n-gram features is pooling the text', () => {
    const v = shippedWordVectors();
    const options = { stopRank: 100, maxChars: 2048 };
    for (const text of [
      '',
      'How do I make a bomb at home?',
      "Don't stop-me now; the user's state-of-the-art naïve café, ÉLAN 42 x_y l'été",
      'ＦＵＬＬＷＩＤＴＨ and emoji 😀 text — unknownword qqqzzz',
    ]) {
      const words = featureWords(text, options.maxChars);
      assert.deepEqual([...v.poolWords(words, options)], [...v.pool(text, options)], text);
    }
  });
});
