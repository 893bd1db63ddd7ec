/**
 * The topic classifier's text features: the same shape as `textFeatures` in `ml/` (lower-cased word
 * unigrams and bigrams plus character 4-grams of each word padded with boundary marks, FNV-1a hashed into
 * buckets, values log(1 + count), L2-normalised), computed without building a string per n-gram and with
 * counts in a reusable typed array instead of a Map. Words are found as offsets (prompt-attack/words.ts);
 * the hashes that read the same characters run side by side; a word that recurs in the text has its
 * unigram and character 4-grams hashed once and counted as often as it occurs (counts are all that matter:
 * the buckets are sorted before the values are computed). Pure: the scratch buffers are reset before every
 * return and never change a result.
 */
import type { SparseVector } from '../../ml/text-features.ts';
import { findWords, WordTypes, wordSpans } from '../prompt-attack/words.ts';

/** Number of hash buckets (2^15). */
export const TOPIC_FEATURE_DIMS = 1 << 15;
const MASK = TOPIC_FEATURE_DIMS - 1;
const CHAR_N = 4;
const START = 2;
const END = 3;
const SEED_UNIGRAM = 0x9e3779b1;
const SEED_BIGRAM = 0x7f4a7c15;
const SEED_CHAR = 0x85ebca6b;
const PRIME = 0x01000193;

const counts = new Float32Array(TOPIC_FEATURE_DIMS);
/** One bit per bucket with a count, so the buckets come out in order without sorting. */
const present = new Int32Array(TOPIC_FEATURE_DIMS >> 5);
let size = 0;
const spans = wordSpans();
const types = new WordTypes();
/** For the first occurrence of each distinct word: how often it occurs, its unigram bucket and 4-grams. */
let typeOf = new Int32Array(256);
let typeCount = new Int32Array(256);
let typeUnigram = new Int32Array(256);
let typeGrams = new Int32Array(257);
let grams = new Int32Array(1024);
let padded = new Int32Array(64);
/** log1p(c) for small counts, computed once with Math.log1p (the same values, bit for bit). */
const LOG1P = new Float64Array(256);
for (let c = 0; c < LOG1P.length; c++) LOG1P[c] = Math.log1p(c);
const SEED_U = fnvStart(SEED_UNIGRAM);
const SEED_B = fnvStart(SEED_BIGRAM);
const SEED_C = fnvStart(SEED_CHAR);

function fnvStart(seed: number): number {
  return (0x811c9dc5 ^ seed) >>> 0;
}

function step(h: number, c: number): number {
  return Math.imul(h ^ c, PRIME);
}

/** Adds `times` to the count of bucket `i`. */
function add(i: number, times: number): void {
  if (counts[i] === 0) {
    present[i >> 5]! |= 1 << (i & 31);
    size++;
  }
  counts[i]! += times;
}

/** Features of `text` (the first `maxChars` code units) as a sparse, L2-normalised vector. */
export function topicFeatures(text: string, maxChars: number): SparseVector {
  const length = scratchTopicFeatures(text, maxChars);
  return { indices: scratch.indices.slice(0, length), values: scratch.values.slice(0, length) };
}

/** Where {@link scratchTopicFeatures} leaves its result; overwritten by the next call. */
export const scratch: SparseVector = { indices: new Int32Array(1024), values: new Float32Array(1024) };

/**
 * {@link topicFeatures} into {@link scratch} (the first `length` entries, `length` returned), for a caller
 * that reads the vector at once: no arrays are allocated.
 */
export function scratchTopicFeatures(text: string, maxChars: number): number {
  size = 0;
  const source = (text.length > maxChars ? text.slice(0, maxChars) : text).toLowerCase();
  const n = findWords(source, spans);
  types.reset(n);
  if (typeOf.length < n || typeGrams.length < n + 1) {
    typeOf = new Int32Array(2 * n);
    typeCount = new Int32Array(2 * n);
    typeUnigram = new Int32Array(2 * n);
    typeGrams = new Int32Array(2 * n + 1);
  }
  let distinct = 0;
  let gramCount = 0;
  // State of the bigram that starts at the previous word, after the space.
  let bigram = 0;
  for (let w = 0; w < n; w++) {
    const from = spans.starts[w]!;
    const to = spans.ends[w]!;
    let unigram = SEED_U;
    let next = SEED_B;
    for (let p = from; p < to; p++) {
      const c = source.charCodeAt(p);
      unigram = step(unigram, c);
      next = step(next, c);
      bigram = step(bigram, c);
    }
    if (w > 0) add(bigram & MASK, 1);
    bigram = step(next, 32);
    const earlier = types.earlier(source, spans, w, unigram);
    if (earlier >= 0) {
      typeCount[typeOf[earlier]!]!++;
      continue;
    }
    const t = distinct++;
    typeOf[w] = t;
    typeCount[t] = 1;
    typeUnigram[t] = unigram & MASK;
    typeGrams[t] = gramCount;
    // Character 4-grams of the word padded as START + word + END.
    const length = to - from + 2;
    if (padded.length < length) padded = new Int32Array(2 * length);
    if (grams.length < gramCount + length) {
      const grown = new Int32Array(2 * (gramCount + length));
      grown.set(grams);
      grams = grown;
    }
    padded[0] = START;
    for (let p = 1; p < length - 1; p++) padded[p] = source.charCodeAt(from + p - 1);
    padded[length - 1] = END;
    for (let i = 0; i + CHAR_N <= length; i++) {
      const h = step(step(step(step(SEED_C, padded[i]!), padded[i + 1]!), padded[i + 2]!), padded[i + 3]!);
      grams[gramCount++] = h & MASK;
    }
  }
  typeGrams[distinct] = gramCount;
  for (let t = 0; t < distinct; t++) {
    const times = typeCount[t]!;
    add(typeUnigram[t]!, times);
    for (let g = typeGrams[t]!; g < typeGrams[t + 1]!; g++) add(grams[g]!, times);
  }
  if (scratch.indices.length < size) {
    scratch.indices = new Int32Array(2 * size);
    scratch.values = new Float32Array(2 * size);
  }
  const indices = scratch.indices;
  const values = scratch.values;
  let norm = 0;
  let k = 0;
  for (let word = 0; k < size; word++) {
    let bits = present[word]!;
    if (bits === 0) continue;
    present[word] = 0;
    while (bits !== 0) {
      const low = bits & -bits;
      const i = (word << 5) | (31 - Math.clz32(low));
      bits ^= low;
      const c = counts[i]!;
      const v = c < 256 ? LOG1P[c]! : Math.log1p(c);
      counts[i] = 0;
      indices[k] = i;
      values[k] = v;
      norm += v * v;
      k++;
    }
  }
  norm = Math.sqrt(norm) || 1;
  for (let k = 0; k < size; k++) values[k] = values[k]! / norm;
  return size;
}
