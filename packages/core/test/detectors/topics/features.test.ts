/**
 * The topic features against a direct computation of what they are documented to be: lower-cased word
 * unigrams and bigrams plus character 4-grams of each padded word, FNV-1a hashed (one seed per kind),
 * values log(1 + count), L2-normalised, buckets ascending. The fast version hashes in place, hashes a
 * repeated word once and orders buckets without sorting; the values must be the same to the last bit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TOPIC_FEATURE_DIMS, topicFeatures } from '../../../src/detectors/topics/features.ts';

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’_-]{0,40}/gu;

function fnv(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) & (TOPIC_FEATURE_DIMS - 1);
}

function reference(text: string, maxChars: number): { indices: number[]; values: number[] } {
  const counts = new Map<number, number>();
  const add = (i: number): void => {
    counts.set(i, (counts.get(i) ?? 0) + 1);
  };
  const words = (text.length > maxChars ? text.slice(0, maxChars) : text).toLowerCase().match(WORD) ?? [];
  words.forEach((word, i) => {
    add(fnv(word, 0x9e3779b1));
    if (i > 0) add(fnv(`${words[i - 1]} ${word}`, 0x7f4a7c15));
    const padded = `\u0002${word}\u0003`;
    for (let k = 0; k + 4 <= padded.length; k++) add(fnv(padded.slice(k, k + 4), 0x85ebca6b));
  });
  const indices = [...counts.keys()].sort((a, b) => a - b);
  const raw = new Float32Array(indices.map((i) => Math.log1p(counts.get(i)!)));
  let norm = 0;
  for (const i of indices) norm += Math.log1p(counts.get(i)!) ** 2;
  norm = Math.sqrt(norm) || 1;
  return { indices, values: [...raw.map((v) => v / norm)] };
}

const TEXTS = [
  '',
  'a',
  'How do I sort a list of tuples by the second element in Python?',
  'the the the the cat and the hat and the bat, THE END',
  `${'contract clause '.repeat(300)}breach`,
  "İstanbul'da ĲSSEL 𝔸𝔹ℂ émoji 😀 — «quoted» text_with-underscores and don’t stop",
  `${'x'.repeat(45)} ${'word '.repeat(1000)}`,
  'Schreib mir ein Gedicht über den Herbst, bitte mit Reimen und drei Strophen.',
];

// First in the file, so that the buffers start at their initial sizes.
test('topicFeatures is exact around the sizes where its buffers grow', () => {
  // Distinct words (w0, w1, …): every word is a new one, so the per-word buffers fill up.
  for (const count of [255, 256, 257, 511, 512, 513, 1024]) {
    const text = Array.from({ length: count }, (_, i) => `w${i.toString(36)}`).join(' ');
    const fast = topicFeatures(text, 100_000);
    const expected = reference(text, 100_000);
    assert.deepEqual([...fast.indices], expected.indices, `${count} words`);
    assert.deepEqual([...fast.values], expected.values, `${count} words`);
  }
});

test('topicFeatures equals the direct computation, bit for bit', () => {
  for (const text of TEXTS) {
    for (const maxChars of [4000, 50]) {
      const fast = topicFeatures(text, maxChars);
      const expected = reference(text, maxChars);
      assert.deepEqual([...fast.indices], expected.indices, text.slice(0, 40));
      assert.deepEqual([...fast.values], expected.values, text.slice(0, 40));
    }
  }
});

test('topicFeatures leaves no state behind between texts', () => {
  const first = topicFeatures(TEXTS[3]!, 4000);
  topicFeatures(TEXTS[4]!, 4000);
  const again = topicFeatures(TEXTS[3]!, 4000);
  assert.deepEqual([...again.indices], [...first.indices]);
  assert.deepEqual([...again.values], [...first.values]);
});
