/**
 * The candidate prompt-attack training methods (shared by train.ts and cv.ts): hashed-feature options,
 * logistic regression and multinomial naive Bayes written as a linear model with int8 weights.
 */
import { classifierText } from '../../packages/core/src/detectors/prompt-attack/prepare.ts';
import { type FeatureOptions, type LinearModelFile, textFeatures } from '../../packages/core/src/index.ts';
import { type TrainingExample, trainLinear } from '../lib/train-linear.ts';
import type { LabelledText } from './data.ts';

export const LABEL = 'attack';
export const SEED = 20261127;

export const WORD_CHAR: FeatureOptions = {
  dims: 1 << 18,
  wordNgrams: [1, 2],
  charNgrams: [3, 4, 5],
  maxChars: 4000,
};
export const WORD3_CHAR: FeatureOptions = {
  dims: 1 << 18,
  wordNgrams: [1, 2, 3],
  charNgrams: [3, 4, 5],
  maxChars: 4000,
};
export const WORD_ONLY: FeatureOptions = {
  dims: 1 << 18,
  wordNgrams: [1, 2, 3],
  charNgrams: [],
  maxChars: 4000,
};

export interface Method {
  name: string;
  fit(rows: readonly LabelledText[], description: string): LinearModelFile;
}

/** Benign texts are weighted up: a false positive on ordinary traffic costs more than a missed attack. */
export const BENIGN_WEIGHT = 1.5;

export function examples(rows: readonly LabelledText[]): TrainingExample[] {
  return rows.map((r) => ({
    text: classifierText(r.text),
    labels: r.attack ? [LABEL] : [],
    weight: r.attack ? 1 : BENIGN_WEIGHT,
  }));
}

export function logistic(features: FeatureOptions, epochs: number): Method['fit'] {
  return (rows, description) =>
    trainLinear(examples(rows), { labels: [LABEL], features, epochs, seed: SEED, l2: 1e-6, description });
}

/** Multinomial naive Bayes over the same hashed features, written as a linear model (log-count ratios). */
export function naiveBayes(features: FeatureOptions): Method['fit'] {
  return (rows, description) => {
    const dims = features.dims;
    const pos = new Float64Array(dims);
    const neg = new Float64Array(dims);
    let nPos = 0;
    let nNeg = 0;
    for (const r of rows) {
      const v = textFeatures(classifierText(r.text), features);
      const target = r.attack ? pos : neg;
      for (let k = 0; k < v.indices.length; k++) target[v.indices[k]!]! += v.values[k]!;
      if (r.attack) nPos++;
      else nNeg += BENIGN_WEIGHT;
    }
    const alpha = 0.1;
    let sumPos = 0;
    let sumNeg = 0;
    for (let d = 0; d < dims; d++) {
      sumPos += pos[d]!;
      sumNeg += neg[d]!;
    }
    const w = new Float64Array(dims);
    for (let d = 0; d < dims; d++) {
      w[d] =
        Math.log((pos[d]! + alpha) / (sumPos + alpha * dims)) -
        Math.log((neg[d]! + alpha) / (sumNeg + alpha * dims));
    }
    return quantised(features, w, Math.log(nPos / nNeg), description);
  };
}

export function quantised(
  features: FeatureOptions,
  w: Float64Array,
  bias: number,
  description: string,
): LinearModelFile {
  let max = 0;
  for (const x of w) max = Math.max(max, Math.abs(x));
  const scale = max === 0 ? 1 : max / 127;
  const q = new Int8Array(w.length);
  for (let d = 0; d < w.length; d++) q[d] = Math.max(-127, Math.min(127, Math.round(w[d]! / scale)));
  return {
    type: 'linear',
    version: 1,
    description,
    features: { ...features, wordNgrams: [...features.wordNgrams], charNgrams: [...features.charNgrams] },
    labels: [LABEL],
    weights: [Buffer.from(q.buffer).toString('base64')],
    scales: [scale],
    bias: [Math.round(bias * 1e6) / 1e6],
  };
}

export const METHODS: readonly Method[] = [
  { name: 'logistic regression, word 1-2 + char 3-5 grams', fit: logistic(WORD_CHAR, 12) },
  { name: 'logistic regression, word 1-3 grams only', fit: logistic(WORD_ONLY, 12) },
  { name: 'naive Bayes (log-count ratios), word 1-2 + char 3-5 grams', fit: naiveBayes(WORD_CHAR) },
  { name: 'naive Bayes (log-count ratios), word 1-3 + char 3-5 grams', fit: naiveBayes(WORD3_CHAR) },
];

/** Threshold giving at most `fpr` false positives on `benign` scores. */
export function thresholdFor(benign: number[], fpr: number): number {
  const sorted = [...benign].sort((a, b) => b - a);
  const allowed = Math.floor(sorted.length * fpr);
  const t = sorted[allowed] ?? -1;
  return Math.min(0.999999, t + 1e-6);
}

export function lastDigit(id: string): number {
  return Number(/(\d)\D*$/.exec(id)?.[1] ?? '1');
}
