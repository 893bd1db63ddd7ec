/**
 * The word finder shared by the prompt-attack scorer and the topic features: always exactly the matches
 * of the feature pattern, whether the hand-written ASCII scan or the pattern itself finds them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findWords, wordSpans } from '../../../src/detectors/prompt-attack/words.ts';

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’_-]{0,40}/gu;

function expected(text: string): [number, number][] {
  return [...text.matchAll(WORD)].map((m) => [m.index, m.index + m[0].length]);
}

function found(text: string): [number, number][] {
  const spans = wordSpans();
  const n = findWords(text, spans);
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) out.push([spans.starts[i]!, spans.ends[i]!]);
  return out;
}

const CASES = [
  '',
  '   ',
  'How do I sort a list of tuples by the second element in Python?',
  "don't stop-me now_please 'quoted' --dashes-- __init__ 3.14 a-1",
  `${'x'.repeat(41)}${'y'.repeat(50)}-'z`,
  `${'a'.repeat(40)}'-${'b'.repeat(3)}`,
  `${'a'.repeat(41)}'next`,
  'café au lait, naïve façade',
  "İstanbul'da ĲSSEL 𝔸𝔹ℂ émoji 😀 — «quoted» text_with-underscores and don’t stop",
  `ascii words first, then ${'q'.repeat(39)}é and more ascii`,
  `${'w'.repeat(41)}é tail`,
  'Schreib mir ein Gedicht über den Herbst',
  '日本語のテキスト and English',
  'x\u0301y combining',
];

test('findWords gives exactly the feature pattern matches', () => {
  for (const text of CASES) assert.deepEqual(found(text), expected(text), JSON.stringify(text));
});

test('findWords matches the pattern on random text mixing ASCII and other letters', () => {
  const alphabet = [..."ab Z9'_-’.,é😀ǅ\u0301 𝔸日ß", '\ud800', '\udc00'];
  let seed = 42;
  const random = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let t = 0; t < 5000; t++) {
    let text = '';
    const length = Math.floor(random() * 120);
    for (let i = 0; i < length; i++) {
      text +=
        random() < 0.1
          ? (random() < 0.5 ? 'a' : '𝔸').repeat(Math.floor(random() * 60))
          : alphabet[Math.floor(random() * alphabet.length)]!;
    }
    assert.deepEqual(found(text), expected(text), JSON.stringify(text));
  }
});

test('the span buffers grow for long texts and are reused', () => {
  const spans = wordSpans();
  const long = 'word '.repeat(5000);
  assert.equal(findWords(long, spans), 5000);
  assert.equal(spans.ends[4999], 5 * 4999 + 4);
  assert.equal(findWords('two words', spans), 2);
});
