/**
 * Hashed n-gram features for small linear text classifiers: lower-cased word unigrams and bigrams plus
 * character n-grams (with word-boundary marks), each hashed (FNV-1a, 32-bit) into `dims` buckets, values
 * log(1 + count), the vector L2-normalised. Pure and deterministic; linear in the text length.
 */
export interface FeatureOptions {
  /** Number of hash buckets (a power of two). */
  dims: number;
  /** Word n-gram sizes, e.g. [1, 2]. */
  wordNgrams: readonly number[];
  /** Character n-gram sizes, e.g. [3, 4, 5]; empty for none. */
  charNgrams: readonly number[];
  /** Only the first `maxChars` characters are used (long inputs are truncated). */
  maxChars: number;
}

export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’_-]{0,40}/gu;

function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The features of one text as a sparse, L2-normalised vector (indices ascending). */
export function textFeatures(text: string, options: FeatureOptions): SparseVector {
  const mask = options.dims - 1;
  const counts = new Map<number, number>();
  const add = (key: string, seed: number): void => {
    const i = fnv1a(key, seed) & mask;
    counts.set(i, (counts.get(i) ?? 0) + 1);
  };
  const src = (text.length > options.maxChars ? text.slice(0, options.maxChars) : text).toLowerCase();
  const words = src.match(WORD) ?? [];
  for (const n of options.wordNgrams) {
    for (let i = 0; i + n <= words.length; i++)
      add(n === 1 ? words[i]! : words.slice(i, i + n).join(' '), 0x9e3779b1 + n);
  }
  if (options.charNgrams.length > 0) {
    for (const w of words) {
      const padded = `\u0002${w}\u0003`;
      for (const n of options.charNgrams) {
        for (let i = 0; i + n <= padded.length; i++) add(padded.slice(i, i + n), 0x85ebca6b + n);
      }
    }
  }
  const indices = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
  const values = new Float32Array(indices.length);
  let norm = 0;
  for (let k = 0; k < indices.length; k++) {
    const v = Math.log1p(counts.get(indices[k]!)!);
    values[k] = v;
    norm += v * v;
  }
  norm = Math.sqrt(norm) || 1;
  for (let k = 0; k < values.length; k++) values[k] = values[k]! / norm;
  return { indices, values };
}
