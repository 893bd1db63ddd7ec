/**
 * NB-LR (Wang & Manning 2012, "NBSVM" with a logistic loss): binary logistic regression over hashed
 * n-gram features scaled by their naive-Bayes log-count ratio r = log((p/|p|) / (q/|q|)). The scaling
 * is folded into the weights, so the result is an ordinary LinearModelFile scored by the core's
 * `loadLinearModel`. Deterministic (seeded shuffle).
 */
import {
  type FeatureOptions,
  type LinearModelFile,
  type SparseVector,
  textFeatures,
} from '../../packages/core/src/index.ts';
import { seededRandom, type TrainingExample } from '../lib/train-linear.ts';

/** Options of {@link trainNbLinear}. */
export interface NbLinearOptions {
  label: string;
  features: FeatureOptions;
  epochs: number;
  seed: number;
  /** Additive smoothing of the feature sums. Default 1. */
  alpha?: number;
  learningRate?: number;
  l2?: number;
  description: string;
}

/** Trains a one-label NB-LR model; an example is positive when its labels include `label`. */
export function trainNbLinear(examples: readonly TrainingExample[], o: NbLinearOptions): LinearModelFile {
  const dims = o.features.dims;
  const alpha = o.alpha ?? 1;
  const vectors: SparseVector[] = examples.map((e) => textFeatures(e.text, o.features));
  const p = new Float64Array(dims).fill(alpha);
  const q = new Float64Array(dims).fill(alpha);
  examples.forEach((e, i) => {
    const v = vectors[i]!;
    const target = e.labels.includes(o.label) ? p : q;
    const w8 = e.weight ?? 1;
    for (let k = 0; k < v.indices.length; k++)
      target[v.indices[k]!] = target[v.indices[k]!]! + w8 * v.values[k]!;
  });
  let ps = 0;
  let qs = 0;
  for (let d = 0; d < dims; d++) {
    ps += p[d]!;
    qs += q[d]!;
  }
  const r = new Float64Array(dims);
  for (let d = 0; d < dims; d++) r[d] = Math.log(p[d]! / ps / (q[d]! / qs));

  const w = new Float64Array(dims);
  let bias = 0;
  const random = seededRandom(o.seed);
  const order = examples.map((_, i) => i);
  const lr0 = o.learningRate ?? 0.2;
  const l2 = o.l2 ?? 1e-5;
  let t = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const idx of order) {
      t++;
      const lr = lr0 / Math.sqrt(1 + t / 1000);
      const v = vectors[idx]!;
      const ex = examples[idx]!;
      let z = bias;
      for (let k = 0; k < v.indices.length; k++) z += w[v.indices[k]!]! * r[v.indices[k]!]! * v.values[k]!;
      const prob = 1 / (1 + Math.exp(-z));
      const g = (prob - (ex.labels.includes(o.label) ? 1 : 0)) * (ex.weight ?? 1);
      for (let k = 0; k < v.indices.length; k++) {
        const d = v.indices[k]!;
        w[d] = w[d]! * (1 - lr * l2) - lr * g * r[d]! * v.values[k]!;
      }
      bias -= lr * g;
    }
  }
  // Fold r into the weights and quantise like trainLinear (int8 with one scale).
  const folded = new Float64Array(dims);
  let max = 0;
  for (let d = 0; d < dims; d++) {
    folded[d] = w[d]! * r[d]!;
    max = Math.max(max, Math.abs(folded[d]!));
  }
  const scale = max === 0 ? 1 : max / 127;
  const q8 = new Int8Array(dims);
  for (let d = 0; d < dims; d++) q8[d] = Math.max(-127, Math.min(127, Math.round(folded[d]! / scale)));
  return {
    type: 'linear',
    version: 1,
    description: o.description,
    features: {
      ...o.features,
      wordNgrams: [...o.features.wordNgrams],
      charNgrams: [...o.features.charNgrams],
    },
    labels: [o.label],
    weights: [Buffer.from(q8.buffer).toString('base64')],
    scales: [scale],
    bias: [Math.round(bias * 1e6) / 1e6],
  };
}
