/**
 * NB-LR (Wang & Manning 2012, "NBSVM" with a logistic loss): each hashed n-gram feature is scaled by its
 * naive-Bayes log-count ratio for the label before logistic regression, then the ratio is folded back
 * into the weights, so the result is an ordinary LinearModelFile (same int8 format, same scorer). One of
 * the two methods compared for the toxicity model; deterministic like trainLinear (seeded shuffle).
 */
import { type LinearModelFile, type SparseVector, textFeatures } from '../../packages/core/src/index.ts';
import { type TrainingExample, type TrainOptions, trainOnVectors } from './train-linear.ts';

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
  return trainOnVectors(examples, vectors, options, ratios);
}
