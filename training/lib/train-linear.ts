/**
 * Trains a one-vs-rest logistic-regression text classifier over hashed n-gram features and writes it in
 * the shipped LinearModelFile format (int8 weights). Deterministic: examples are shuffled with a seeded
 * generator, so the same data and options give byte-identical output.
 *
 * ```ts
 * const model = trainLinear(examples, { labels: ['attack'], features, epochs: 8, seed: 1 });
 * writeFileSync('models/x/model.json', JSON.stringify(model));
 * ```
 */
import { readFileSync } from 'node:fs';
import {
  type FeatureOptions,
  type LinearModelFile,
  type SparseVector,
  textFeatures,
} from '../../packages/core/src/index.ts';

export interface TrainingExample {
  text: string;
  /** Labels that apply to the text (empty for a negative example). */
  labels: readonly string[];
  /** Weight of the example (e.g. to balance classes); default 1. */
  weight?: number;
}

export interface TrainOptions {
  labels: readonly string[];
  features: FeatureOptions;
  epochs: number;
  seed: number;
  /** Learning rate at the start; decays as 1/sqrt(t). Default 0.5. */
  learningRate?: number;
  /** L2 regularisation per step. Default 1e-6. */
  l2?: number;
  description: string;
}

/** mulberry32: a small seeded PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function trainLinear(examples: readonly TrainingExample[], options: TrainOptions): LinearModelFile {
  const vectors = examples.map((e) => textFeatures(e.text, options.features));
  return trainOnVectors(examples, vectors, options, null);
}

/**
 * The shared SGD loop and int8 quantisation. With `ratios` (one per label), every feature is scaled by its
 * ratio during training and the ratio is folded into the weights at the end (NB-LR, train-nb-linear.ts);
 * without, it is plain logistic regression.
 */
export function trainOnVectors(
  examples: readonly TrainingExample[],
  vectors: readonly SparseVector[],
  options: TrainOptions,
  ratios: readonly Float64Array[] | null,
): LinearModelFile {
  const dims = options.features.dims;
  const random = seededRandom(options.seed);
  const order = examples.map((_, i) => i);
  const weights = options.labels.map(() => new Float64Array(dims));
  const bias = options.labels.map(() => 0);
  const lr0 = options.learningRate ?? 0.5;
  const l2 = options.l2 ?? 1e-6;
  let t = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const idx of order) {
      t++;
      const lr = lr0 / Math.sqrt(1 + t / 1000);
      const v = vectors[idx]!;
      const ex = examples[idx]!;
      const w8 = ex.weight ?? 1;
      options.labels.forEach((label, l) => {
        const w = weights[l]!;
        const r = ratios?.[l];
        let z = bias[l]!;
        for (let k = 0; k < v.indices.length; k++) {
          const d = v.indices[k]!;
          z += r === undefined ? w[d]! * v.values[k]! : w[d]! * r[d]! * v.values[k]!;
        }
        const g = (1 / (1 + Math.exp(-z)) - (ex.labels.includes(label) ? 1 : 0)) * w8;
        for (let k = 0; k < v.indices.length; k++) {
          const d = v.indices[k]!;
          w[d] =
            w[d]! * (1 - lr * l2) - (r === undefined ? lr * g * v.values[k]! : lr * g * r[d]! * v.values[k]!);
        }
        bias[l] = bias[l]! - lr * g;
      });
    }
  }
  const rows: string[] = [];
  const scales: number[] = [];
  weights.forEach((w, l) => {
    const r = ratios?.[l];
    const folded = r === undefined ? w : w.map((x, d) => x * r[d]!);
    let max = 0;
    for (let d = 0; d < dims; d++) max = Math.max(max, Math.abs(folded[d]!));
    const scale = max === 0 ? 1 : max / 127;
    const q = new Int8Array(dims);
    for (let d = 0; d < dims; d++) q[d] = Math.max(-127, Math.min(127, Math.round(folded[d]! / scale)));
    rows.push(Buffer.from(q.buffer).toString('base64'));
    scales.push(scale);
  });
  return {
    type: 'linear',
    version: 1,
    description: options.description,
    features: {
      ...options.features,
      wordNgrams: [...options.features.wordNgrams],
      charNgrams: [...options.features.charNgrams],
    },
    labels: [...options.labels],
    weights: rows,
    scales,
    bias: bias.map((b) => Math.round(b * 1e6) / 1e6),
  };
}

/** Reads a shared dataset's JSONL file. */
export function readJsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A text as compared for duplicates across sets: case and whitespace ignored. */
export function duplicateKey(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The tuning/training split: ids ending in an even digit. The report split is the odd ids. */
export function isTrainingId(id: unknown): boolean {
  const digit = /(\d)\D*$/.exec(String(id ?? ''))?.[1];
  return digit !== undefined && Number(digit) % 2 === 0;
}
