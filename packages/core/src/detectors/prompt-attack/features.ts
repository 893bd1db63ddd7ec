/**
 * Fast scoring of the prompt-attack linear model, whole text and word windows.
 *
 * The model's features are those of ml/text-features.ts (hashed word and character n-grams, log counts,
 * L2-normalised). This file computes the same feature indices without building a string per n-gram (FNV-1a
 * is run over the characters in place) and counts them in a reused typed array instead of a Map, which
 * makes scoring several times faster. It also scores word windows: jailbreak prompts are often long
 * stories or rule lists in which the attack is one paragraph, and the whole-text vector dilutes it, so
 * the detector takes the highest of the whole-text score and the scores of consecutive windows of
 * `windowWords` words. The n-gram occurrences are hashed once and recounted per window.
 *
 * Equivalence with textFeatures is tested (features.test.ts): the same indices, values within float error.
 */
import type { FeatureOptions } from '../../ml/text-features.ts';

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’_-]{0,40}/gu;
const OFFSET = 0x811c9dc5;
const PRIME = 0x01000193;
const WORD_SEED = 0x9e3779b1;
const CHAR_SEED = 0x85ebca6b;
const SPACE = 32;
const START = 2;
const END = 3;

/** A linear model's parameters, as LinearModel holds them, for one label. */
export interface LinearRow {
  readonly features: FeatureOptions;
  /** int8 weights, `features.dims` of them. */
  readonly weights: Int8Array;
  readonly scale: number;
  readonly bias: number;
}

/** Hashed n-gram occurrences of one text, grouped by the word they start at. */
interface Occurrences {
  /** Feature index of every occurrence. */
  indices: Int32Array;
  /** `starts[i]` = first occurrence belonging to word i; `starts[words]` = total. */
  starts: Int32Array;
  /** For each occurrence, the index of the last word it covers (word n-grams span several words). */
  lastWord: Int32Array;
  words: number;
}

/** FNV-1a state after feeding the characters of `s` from `from` to `to` (exclusive). */
function feed(h: number, s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, PRIME) >>> 0;
  }
  return h;
}

function step(h: number, c: number): number {
  return Math.imul((h ^ c) >>> 0, PRIME) >>> 0;
}

function occurrences(text: string, options: FeatureOptions): Occurrences {
  const mask = options.dims - 1;
  const src = (text.length > options.maxChars ? text.slice(0, options.maxChars) : text).toLowerCase();
  const words = src.match(WORD) ?? [];
  const n = words.length;
  // An upper bound on the occurrences: one per word n-gram size per word, plus the character n-grams.
  let total = options.wordNgrams.length * n;
  for (const w of words) for (const c of options.charNgrams) total += Math.max(0, w.length + 3 - c);
  const indices = new Int32Array(total);
  const lastWord = new Int32Array(total);
  const starts = new Int32Array(n + 1);
  let k = 0;
  for (let i = 0; i < n; i++) {
    starts[i] = k;
    // Word n-grams starting at word i: the words joined by single spaces, hashed with the n-gram's seed.
    for (const size of options.wordNgrams) {
      if (i + size > n) continue;
      let h = (OFFSET ^ (WORD_SEED + size)) >>> 0;
      for (let j = i; j < i + size; j++) {
        if (j > i) h = step(h, SPACE);
        const w = words[j]!;
        h = feed(h, w, 0, w.length);
      }
      indices[k] = h & mask;
      lastWord[k] = i + size - 1;
      k++;
    }
    // Character n-grams of word i, padded with \u0002 and \u0003 as text-features.ts does.
    const w = words[i]!;
    const padded = w.length + 2;
    for (const size of options.charNgrams) {
      const seed = (OFFSET ^ (CHAR_SEED + size)) >>> 0;
      for (let s = 0; s + size <= padded; s++) {
        let h = seed;
        for (let p = s; p < s + size; p++) {
          const c = p === 0 ? START : p === padded - 1 ? END : w.charCodeAt(p - 1);
          h = step(h, c);
        }
        indices[k] = h & mask;
        lastWord[k] = i;
        k++;
      }
    }
  }
  starts[n] = k;
  return { indices: indices.subarray(0, k), lastWord: lastWord.subarray(0, k), starts, words: n };
}

/** Reused count buffer (one per dims) and list of touched buckets: scoring allocates almost nothing. */
let counts = new Uint16Array(0);
let touched = new Int32Array(0);

/**
 * The logit of the occurrences of words `[from, to)` (n-grams entirely inside the range). Equal, up to
 * float rounding, to the model's logit on textFeatures of the words joined.
 */
function rangeLogit(o: Occurrences, from: number, to: number, row: LinearRow): number {
  const dims = row.features.dims;
  if (counts.length !== dims) counts = new Uint16Array(dims);
  const first = o.starts[from]!;
  const last = o.starts[to]!;
  if (touched.length < last - first) touched = new Int32Array(last - first);
  let m = 0;
  for (let k = first; k < last; k++) {
    if (o.lastWord[k]! >= to) continue;
    const d = o.indices[k]!;
    if (counts[d] === 0) touched[m++] = d;
    if (counts[d]! < 0xffff) counts[d] = counts[d]! + 1;
  }
  let norm = 0;
  let dot = 0;
  for (let t = 0; t < m; t++) {
    const d = touched[t]!;
    const v = Math.log1p(counts[d]!);
    counts[d] = 0;
    norm += v * v;
    dot += row.weights[d]! * v;
  }
  norm = Math.sqrt(norm) || 1;
  return row.bias + (row.scale * dot) / norm;
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** The model's score of the whole text (as LinearModel.score would give it). */
export function scoreText(text: string, row: LinearRow): number {
  const o = occurrences(text, row.features);
  return sigmoid(rangeLogit(o, 0, o.words, row));
}

/**
 * The highest of the whole-text score and the scores of consecutive, non-overlapping windows of
 * `windowWords` words (only when the text is longer than one window; the last window is extended
 * backwards to a full window). `windowWords` 0 scores the whole text only.
 */
export function scoreWithWindows(text: string, row: LinearRow, windowWords: number): number {
  const o = occurrences(text, row.features);
  let z = rangeLogit(o, 0, o.words, row);
  if (windowWords > 0 && o.words > windowWords) {
    for (let start = 0; start < o.words; start += windowWords) {
      const end = Math.min(o.words, start + windowWords);
      const from = Math.max(0, end - windowWords);
      const w = rangeLogit(o, from, end, row);
      if (w > z) z = w;
    }
  }
  return sigmoid(z);
}
