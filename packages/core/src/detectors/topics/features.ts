/**
 * The topic classifier's text features: the same shape as `textFeatures` in `ml/` (lower-cased word
 * unigrams and bigrams plus character 4-grams of each word padded with boundary marks, FNV-1a hashed into
 * buckets, values log(1 + count), L2-normalised), computed without building a string per n-gram and with
 * counts in a reusable typed array instead of a Map, which makes it about four times faster on a 1 KB
 * prompt. Pure: the scratch buffers are reset before every return and never change a result.
 */
import type { SparseVector } from '../../ml/text-features.ts';

/** Number of hash buckets (2^15). */
export const TOPIC_FEATURE_DIMS = 1 << 15;
const MASK = TOPIC_FEATURE_DIMS - 1;
const CHAR_N = 4;
const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’_-]{0,40}/gu;
const START = 2;
const END = 3;
const SEED_UNIGRAM = 0x9e3779b1;
const SEED_BIGRAM = 0x7f4a7c15;
const SEED_CHAR = 0x85ebca6b;
const PRIME = 0x01000193;

const counts = new Float32Array(TOPIC_FEATURE_DIMS);
let touched = new Int32Array(1024);

function fnvStart(seed: number): number {
  return (0x811c9dc5 ^ seed) >>> 0;
}

function fnvString(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), PRIME);
  return h;
}

/** Unit `i` of the word padded as START + word + END. */
function padded(word: string, i: number): number {
  if (i === 0) return START;
  if (i === word.length + 1) return END;
  return word.charCodeAt(i - 1);
}

/** Features of `text` (the first `maxChars` code units) as a sparse, L2-normalised vector. */
export function topicFeatures(text: string, maxChars: number): SparseVector {
  let size = 0;
  const add = (h: number): void => {
    const i = (h >>> 0) & MASK;
    if (counts[i] === 0) {
      if (size === touched.length) {
        const grown = new Int32Array(touched.length * 2);
        grown.set(touched);
        touched = grown;
      }
      touched[size++] = i;
    }
    counts[i]!++;
  };
  const source = (text.length > maxChars ? text.slice(0, maxChars) : text).toLowerCase();
  WORD.lastIndex = 0;
  let previous: string | null = null;
  for (let m = WORD.exec(source); m !== null; m = WORD.exec(source)) {
    const word = m[0];
    add(fnvString(fnvStart(SEED_UNIGRAM), word));
    if (previous !== null)
      add(fnvString(Math.imul(fnvString(fnvStart(SEED_BIGRAM), previous) ^ 32, PRIME), word));
    previous = word;
    const length = word.length + 2;
    for (let i = 0; i + CHAR_N <= length; i++) {
      let h = fnvStart(SEED_CHAR);
      for (let k = i; k < i + CHAR_N; k++) h = Math.imul(h ^ padded(word, k), PRIME);
      add(h);
    }
  }
  const indices = touched.slice(0, size).sort();
  const values = new Float32Array(size);
  let norm = 0;
  for (let k = 0; k < size; k++) {
    const i = indices[k]!;
    const v = Math.log1p(counts[i]!);
    counts[i] = 0;
    values[k] = v;
    norm += v * v;
  }
  norm = Math.sqrt(norm) || 1;
  for (let k = 0; k < size; k++) values[k] = values[k]! / norm;
  return { indices, values };
}
