/**
 * Fast scoring of the prompt-attack linear model, whole text and word windows.
 *
 * The model's features are those of ml/text-features.ts (hashed word and character n-grams, log counts,
 * L2-normalised). This file computes the same feature indices without building a string per n-gram (FNV-1a
 * is run over the characters in place) and counts them in small reused typed arrays instead of a Map. It
 * also scores word windows: jailbreak prompts are often long stories or rule lists in which the attack is
 * one paragraph, and the whole-text vector dilutes it, so the detector takes the highest of the whole-text
 * score and the scores of consecutive windows of `windowWords` words. The n-gram occurrences are hashed
 * once and recounted per window.
 *
 * Speed (the detector's hot path), without changing a result:
 * - words are found as offsets (words.ts), not strings;
 * - for the shipped n-gram sizes (word 1–3, character 3–5) the hashes that read the same characters are
 *   computed side by side, so their multiply chains overlap in the CPU;
 * - every distinct feature index of a text gets a local id in order of first occurrence (a small hash
 *   table), so counting per window touches small arrays instead of `dims`-sized ones, and each index's
 *   weight is read once;
 * - a word seen earlier in the same text reuses the local ids of its character n-grams.
 * The terms of each logit are summed in the same order as the straightforward computation (the order in
 * which features first occur in the range), so scores are equal to the last bit.
 *
 * Equivalence with textFeatures is tested (features.test.ts): the same indices, values within float error.
 */
import type { FeatureOptions } from '../../ml/text-features.ts';
import { findWords, WordTypes, wordSpans } from './words.ts';

const OFFSET = 0x811c9dc5;
const PRIME = 0x01000193;
const WORD_SEED = 0x9e3779b1;
const CHAR_SEED = 0x85ebca6b;
const SPACE = 32;
const START = 2;
const END = 3;
const WORD_SEED_1 = (OFFSET ^ (WORD_SEED + 1)) >>> 0;
const WORD_SEED_2 = (OFFSET ^ (WORD_SEED + 2)) >>> 0;
const WORD_SEED_3 = (OFFSET ^ (WORD_SEED + 3)) >>> 0;
const CHAR_SEED_3 = (OFFSET ^ (CHAR_SEED + 3)) >>> 0;
const CHAR_SEED_4 = (OFFSET ^ (CHAR_SEED + 4)) >>> 0;
const CHAR_SEED_5 = (OFFSET ^ (CHAR_SEED + 5)) >>> 0;

/** A linear model's parameters, as LinearModel holds them, for one label. */
export interface LinearRow {
  readonly features: FeatureOptions;
  /** int8 weights, `features.dims` of them. */
  readonly weights: Int8Array;
  readonly scale: number;
  readonly bias: number;
}

/** True for the shipped model's n-gram sizes (word 1–3, character 3–5), which have an unrolled hasher. */
function isShippedShape(options: FeatureOptions): boolean {
  const w = options.wordNgrams;
  const c = options.charNgrams;
  return (
    w.length === 3 &&
    w[0] === 1 &&
    w[1] === 2 &&
    w[2] === 3 &&
    c.length === 3 &&
    c[0] === 3 &&
    c[1] === 4 &&
    c[2] === 5
  );
}

/** One FNV-1a step (32-bit; callers mask the final state, so signed and unsigned states index alike). */
function step(h: number, c: number): number {
  return Math.imul(h ^ c, PRIME);
}

/**
 * Scratch state of the last text's occurrences, reused between calls and grown as needed: scoring
 * allocates almost nothing. Occurrences are grouped by the word they start at.
 */
const spans = wordSpans();
/** Local id of every occurrence. */
let ids = new Int32Array(4096);
/** For each occurrence, the index of the last word it covers (word n-grams span several words). */
let lastWord = new Int32Array(4096);
/** `starts[i]` = first occurrence belonging to word i; `starts[words]` = total. */
let starts = new Int32Array(512);
/** Most words an n-gram of the last text covers (its largest word n-gram size, at least 1). */
let maxSpan = 1;
/** Number of occurrences recorded so far and of distinct feature indices (local ids `0 … distinct-1`). */
let total = 0;
let distinct = 0;
/** Weight and whole-text count of each local id. */
let localWeights = new Float64Array(4096);
let localCounts = new Int32Array(4096);
/** Open-addressing table from feature index + 1 (0 = empty slot) to local id; `slots` empties it. */
let tableKeys = new Int32Array(8192);
let tableIds = new Int32Array(8192);
let tableShift = 32 - 13;
let slots = new Int32Array(4096);
/** Words already hashed in this text (keyed by their unigram hash). */
const types = new WordTypes();
/** Index of the first character n-gram occurrence of word i (its word n-grams come before). */
let charFirst = new Int32Array(512);
/** Padded word (START, code units, END, two zeros) and its 3-, 4- and 5-gram indices by position. */
let padded = new Int32Array(128);
let grams3 = new Int32Array(128);
let grams4 = new Int32Array(128);
let grams5 = new Int32Array(128);
/** Per-window counts by local id and the local ids in order of first occurrence in the window. */
let windowCounts = new Int32Array(4096);
let touched = new Int32Array(4096);

/** log1p(c) for small counts, computed once with Math.log1p (the same values, bit for bit). */
const LOG1P = new Float64Array(256);
for (let c = 0; c < LOG1P.length; c++) LOG1P[c] = Math.log1p(c);

function log1p(c: number): number {
  return c < 256 ? LOG1P[c]! : Math.log1p(c);
}

/** The smallest power-of-two size ≥ 2 × `n` (at least `min`), as a shift for a multiplicative hash. */
function shiftFor(n: number, min: number): number {
  let bits = min;
  while (2 ** bits < 2 * n) bits++;
  return 32 - bits;
}

/** Makes room for `occurrences` occurrences of `words` words (upper bounds). */
function reserve(occurrences: number, words: number): void {
  if (ids.length < occurrences) {
    const size = Math.max(occurrences, 2 * ids.length);
    ids = new Int32Array(size);
    lastWord = new Int32Array(size);
    localWeights = new Float64Array(size);
    localCounts = new Int32Array(size);
    slots = new Int32Array(size);
    windowCounts = new Int32Array(size);
    touched = new Int32Array(size);
  }
  const shift = shiftFor(occurrences, 13);
  if (shift < tableShift) {
    tableShift = shift;
    tableKeys = new Int32Array(2 ** (32 - shift));
    tableIds = new Int32Array(2 ** (32 - shift));
  }
  if (starts.length < words + 1) {
    const size = Math.max(words + 1, 2 * starts.length);
    starts = new Int32Array(size);
    charFirst = new Int32Array(size);
  }
  types.reset(words);
}

/** Records one occurrence of feature index `d` (already masked) that covers words up to `last`. */
function record(d: number, last: number, weights: Int8Array): void {
  const mask = tableKeys.length - 1;
  let slot = Math.imul(d, 0x9e3779b1) >>> tableShift;
  let id: number;
  for (;;) {
    const key = tableKeys[slot]!;
    if (key === d + 1) {
      id = tableIds[slot]!;
      localCounts[id]!++;
      break;
    }
    if (key === 0) {
      id = distinct++;
      tableKeys[slot] = d + 1;
      tableIds[slot] = id;
      slots[id] = slot;
      localWeights[id] = weights[d]!;
      localCounts[id] = 1;
      break;
    }
    slot = (slot + 1) & mask;
  }
  ids[total] = id;
  lastWord[total] = last;
  total++;
}

/** {@link record} of the feature indices `grams[0, count)` in order, all covering words up to `last`. */
function recordAll(grams: Int32Array, count: number, last: number, weights: Int8Array): void {
  const keys = tableKeys;
  const table = tableIds;
  const mask = keys.length - 1;
  const shift = tableShift;
  let k = total;
  for (let g = 0; g < count; g++) {
    const d = grams[g]!;
    let slot = Math.imul(d, 0x9e3779b1) >>> shift;
    let id: number;
    for (;;) {
      const key = keys[slot]!;
      if (key === d + 1) {
        id = table[slot]!;
        localCounts[id]!++;
        break;
      }
      if (key === 0) {
        id = distinct++;
        keys[slot] = d + 1;
        table[slot] = id;
        slots[id] = slot;
        localWeights[id] = weights[d]!;
        localCounts[id] = 1;
        break;
      }
      slot = (slot + 1) & mask;
    }
    ids[k] = id;
    lastWord[k] = last;
    k++;
  }
  total = k;
}

/** The unigram hash of word i (before masking), the key for {@link earlierWord}. */
function wordKey(src: string, from: number, to: number): number {
  let h = WORD_SEED_1;
  for (let p = from; p < to; p++) h = step(h, src.charCodeAt(p));
  return h;
}

/** Hashes the n-grams of `text` into the scratch state; returns the number of words. */
function occurrences(text: string, row: LinearRow): number {
  const options = row.features;
  const mask = options.dims - 1;
  const weights = row.weights;
  const src = (text.length > options.maxChars ? text.slice(0, options.maxChars) : text).toLowerCase();
  const n = findWords(src, spans);
  const wordStarts = spans.starts;
  const wordEnds = spans.ends;
  const wordNgrams = options.wordNgrams;
  const charNgrams = options.charNgrams;
  // An upper bound on the occurrences: one per word n-gram size per word, plus the character n-grams.
  let bound = wordNgrams.length * n;
  for (let i = 0; i < n; i++) {
    const length = wordEnds[i]! - wordStarts[i]!;
    for (const c of charNgrams) bound += Math.max(0, length + 3 - c);
  }
  reserve(bound, n);
  total = 0;
  distinct = 0;
  const shipped = isShippedShape(options);
  maxSpan = Math.max(1, ...wordNgrams);
  for (let i = 0; i < n; i++) {
    starts[i] = total;
    const from = wordStarts[i]!;
    const to = wordEnds[i]!;
    let key: number;
    if (shipped) {
      // Word 1-, 2- and 3-grams starting at word i, hashed side by side.
      let h1 = WORD_SEED_1;
      let h2 = WORD_SEED_2;
      let h3 = WORD_SEED_3;
      for (let p = from; p < to; p++) {
        const c = src.charCodeAt(p);
        h1 = step(h1, c);
        h2 = step(h2, c);
        h3 = step(h3, c);
      }
      key = h1;
      record(h1 & mask, i, weights);
      if (i + 1 < n) {
        h2 = step(h2, SPACE);
        h3 = step(h3, SPACE);
        const end = wordEnds[i + 1]!;
        for (let p = wordStarts[i + 1]!; p < end; p++) {
          const c = src.charCodeAt(p);
          h2 = step(h2, c);
          h3 = step(h3, c);
        }
        record(h2 & mask, i + 1, weights);
        if (i + 2 < n) {
          h3 = step(h3, SPACE);
          const end3 = wordEnds[i + 2]!;
          for (let p = wordStarts[i + 2]!; p < end3; p++) h3 = step(h3, src.charCodeAt(p));
          record(h3 & mask, i + 2, weights);
        }
      }
    } else {
      // Word n-grams starting at word i: the words joined by single spaces, hashed with the n-gram's seed.
      for (const size of wordNgrams) {
        if (i + size > n) continue;
        let h = (OFFSET ^ (WORD_SEED + size)) >>> 0;
        for (let j = i; j < i + size; j++) {
          if (j > i) h = step(h, SPACE);
          const end = wordEnds[j]!;
          for (let p = wordStarts[j]!; p < end; p++) h = step(h, src.charCodeAt(p));
        }
        record(h & mask, i + size - 1, weights);
      }
      key = wordKey(src, from, to);
    }
    // Character n-grams of word i, padded with \u0002 and \u0003 as text-features.ts does. A word seen
    // before in this text has the same ones: its local ids are copied.
    charFirst[i] = total;
    const earlier = types.earlier(src, spans, i, key);
    if (earlier >= 0) {
      const first = charFirst[earlier]!;
      const count = starts[earlier + 1]! - first;
      for (let q = first; q < first + count; q++) {
        const id = ids[q]!;
        localCounts[id]!++;
        ids[total] = id;
        lastWord[total] = i;
        total++;
      }
      continue;
    }
    const length = to - from + 2;
    if (padded.length < length + 2) {
      padded = new Int32Array(2 * length + 2);
      grams3 = new Int32Array(2 * length + 2);
      grams4 = new Int32Array(2 * length + 2);
      grams5 = new Int32Array(2 * length + 2);
    }
    padded[0] = START;
    for (let p = 1; p < length - 1; p++) padded[p] = src.charCodeAt(from + p - 1);
    padded[length - 1] = END;
    if (shipped) {
      // The 3-, 4- and 5-grams at each position side by side, then recorded size by size.
      padded[length] = 0;
      padded[length + 1] = 0;
      for (let s = 0; s + 3 <= length; s++) {
        const a = padded[s]!;
        const b = padded[s + 1]!;
        const c = padded[s + 2]!;
        const d = padded[s + 3]!;
        const g3 = step(step(step(CHAR_SEED_3, a), b), c);
        const g4 = step(step(step(step(CHAR_SEED_4, a), b), c), d);
        const g5 = step(step(step(step(step(CHAR_SEED_5, a), b), c), d), padded[s + 4]!);
        grams3[s] = g3 & mask;
        grams4[s] = g4 & mask;
        grams5[s] = g5 & mask;
      }
      recordAll(grams3, length - 2, i, weights);
      if (length >= 4) recordAll(grams4, length - 3, i, weights);
      if (length >= 5) recordAll(grams5, length - 4, i, weights);
    } else {
      for (const size of charNgrams) {
        const seed = (OFFSET ^ (CHAR_SEED + size)) >>> 0;
        for (let s = 0; s + size <= length; s++) {
          let h = seed;
          for (let p = s; p < s + size; p++) h = step(h, padded[p]!);
          record(h & mask, i, weights);
        }
      }
    }
  }
  starts[n] = total;
  // The weights of the distinct features, gathered in one pass (independent loads overlap).
  for (let id = 0; id < distinct; id++) tableKeys[slots[id]!] = 0;
  return n;
}

/** The logit of the whole text: every occurrence counts, local ids are already in first-occurrence order. */
function wholeLogit(row: LinearRow): number {
  let norm = 0;
  let dot = 0;
  for (let id = 0; id < distinct; id++) {
    const c = localCounts[id]!;
    const v = log1p(Math.min(c, 0xffff));
    norm += v * v;
    dot += localWeights[id]! * v;
  }
  norm = Math.sqrt(norm) || 1;
  return row.bias + (row.scale * dot) / norm;
}

/**
 * The logit of the occurrences of words `[from, to)` (n-grams entirely inside the range). Equal, up to
 * float rounding, to the model's logit on textFeatures of the words joined. The terms are summed in the
 * order in which their features first occur in the range.
 */
function rangeLogit(from: number, to: number, row: LinearRow): number {
  const occurrenceIds = ids;
  const lastWords = lastWord;
  const counts = windowCounts;
  const order = touched;
  const weights = localWeights;
  const first = starts[from]!;
  const last = starts[to]!;
  // Occurrences starting before word `to - maxSpan + 1` end inside the range; only later ones are checked.
  const unchecked = to - from >= maxSpan ? starts[to - maxSpan + 1]! : first;
  let m = 0;
  for (let k = first; k < unchecked; k++) {
    const d = occurrenceIds[k]!;
    const c = counts[d]!;
    if (c === 0) order[m++] = d;
    counts[d] = c + 1;
  }
  for (let k = unchecked; k < last; k++) {
    if (lastWords[k]! >= to) continue;
    const d = occurrenceIds[k]!;
    const c = counts[d]!;
    if (c === 0) order[m++] = d;
    counts[d] = c + 1;
  }
  let norm = 0;
  let dot = 0;
  for (let t = 0; t < m; t++) {
    const d = order[t]!;
    const c = Math.min(counts[d]!, 0xffff);
    const v = c < 256 ? LOG1P[c]! : Math.log1p(c);
    counts[d] = 0;
    norm += v * v;
    dot += weights[d]! * v;
  }
  norm = Math.sqrt(norm) || 1;
  return row.bias + (row.scale * dot) / norm;
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** The model's score of the whole text (as LinearModel.score would give it). */
export function scoreText(text: string, row: LinearRow): number {
  occurrences(text, row);
  return sigmoid(wholeLogit(row));
}

/**
 * The highest of the whole-text score and the scores of consecutive, non-overlapping windows of
 * `windowWords` words (only when the text is longer than one window; the last window is extended
 * backwards to a full window). `windowWords` 0 scores the whole text only.
 */
export function scoreWithWindows(text: string, row: LinearRow, windowWords: number): number {
  const words = occurrences(text, row);
  let z = wholeLogit(row);
  if (windowWords > 0 && words > windowWords) {
    for (let start = 0; start < words; start += windowWords) {
      const end = Math.min(words, start + windowWords);
      const from = Math.max(0, end - windowWords);
      const w = rangeLogit(from, end, row);
      if (w > z) z = w;
    }
  }
  return sigmoid(z);
}
