/**
 * NB-LR (Wang & Manning 2012, "NBSVM" with a logistic loss): each hashed n-gram feature is scaled by its
 * naive-Bayes log-count ratio for the label before logistic regression, then the ratio is folded back
 * into the weights, so the result is an ordinary LinearModelFile (same int8 format, same scorer). One of
 * the two methods compared for the toxicity model; deterministic like trainLinear (seeded shuffle).
 */
import { type LinearModelFile, type SparseVector, textFeatures } from '../../packages/core/src/index.ts';
import { seededRandom, type TrainingExample, type TrainOptions } from './train-linear.ts';

/** Options of {@link trainNbLinear}: those of trainLinear plus the naive-Bayes smoothing. */
export interface NbTrainOptions extends TrainOptions {
  /** Additive smoothing of the feature counts. Default 1. */
  alpha?: number;
}

/** Trains an NB-scaled one-vs-rest logistic regression and returns it in the shipped format. */
export function trainNbLinear(
  examples: readonly TrainingExample[],
  options: NbTrainOptions,
): LinearModelFile {
  const dims = options.features.dims;
  const alpha = options.alpha ?? 1;
  const vectors: SparseVector[] = examples.map((e) => textFeatures(e.text, options.features));
  const ratios = options.labels.map((label) => {
    const p = new Float64Array(dims).fill(alpha);
    const q = new Float64Array(dims).fill(alpha);
    examples.forEach((e, i) => {
      const target = e.labels.includes(label) ? p : q;
      const v = vectors[i]!;
      const w8 = e.weight ?? 1;
      for (let k = 0; k < v.indices.length; k++) target[v.indices[k]!]! += v.values[k]! * w8;
    });
    let sp = 0;
    let sq = 0;
    for (let d = 0; d < dims; d++) {
      sp += p[d]!;
      sq += q[d]!;
    }
    const r = new Float64Array(dims);
    for (let d = 0; d < dims; d++) r[d] = Math.log(p[d]! / sp / (q[d]! / sq));
    return r;
  });
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
        const r = ratios[l]!;
        let z = bias[l]!;
        for (let k = 0; k < v.indices.length; k++) {
          const d = v.indices[k]!;
          z += w[d]! * r[d]! * v.values[k]!;
        }
        const g = (1 / (1 + Math.exp(-z)) - (ex.labels.includes(label) ? 1 : 0)) * w8;
        for (let k = 0; k < v.indices.length; k++) {
          const d = v.indices[k]!;
          w[d] = w[d]! * (1 - lr * l2) - lr * g * r[d]! * v.values[k]!;
        }
        bias[l] = bias[l]! - lr * g;
      });
    }
  }
  const rows: string[] = [];
  const scales: number[] = [];
  weights.forEach((w, l) => {
    const r = ratios[l]!;
    const folded = new Float64Array(dims);
    let max = 0;
    for (let d = 0; d < dims; d++) {
      folded[d] = w[d]! * r[d]!;
      max = Math.max(max, Math.abs(folded[d]!));
    }
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
