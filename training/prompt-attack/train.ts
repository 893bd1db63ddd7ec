/**
 * Trains the prompt-attack classifier shipped in models/prompt-attack/model.json.
 *
 * Data: train-ok sets only (data.ts), training split only (ids ending in an even digit). The method is
 * chosen by measurement: five-fold cross-validation inside the training split (folds by the last id digit);
 * each candidate method gets out-of-fold scores for every training text and a threshold for at most 1%
 * false positives on each benign set, out of fold; the comparison is printed (and copied into the model
 * card). The chosen method is then refitted on the whole training split, and its bias shifted so that the
 * chosen operating point is the score 0.5. Deterministic: fixed seeds, sorted input, byte-identical output.
 *
 * Run: `node --import tsx training/prompt-attack/train.ts` (PARAPET_DATASETS overrides the data folder).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifierText } from '../../packages/core/src/detectors/prompt-attack/prepare.ts';
import {
  type FeatureOptions,
  type LinearModelFile,
  loadLinearModel,
  textFeatures,
} from '../../packages/core/src/index.ts';
import { type TrainingExample, trainLinear } from '../lib/train-linear.ts';
import { datasetsRoot, type LabelledText, trainingRows } from './data.ts';

const OUT = resolve(dirname(fileURLToPath(import.meta.url)), '../../models/prompt-attack/model.json');
const LABEL = 'attack';
const SEED = 20261127;
const TARGET_FPR = 0.01;

const WORD_CHAR: FeatureOptions = {
  dims: 1 << 18,
  wordNgrams: [1, 2],
  charNgrams: [3, 4, 5],
  maxChars: 4000,
};
const WORD3_CHAR: FeatureOptions = {
  dims: 1 << 18,
  wordNgrams: [1, 2, 3],
  charNgrams: [3, 4, 5],
  maxChars: 4000,
};
const WORD_ONLY: FeatureOptions = { dims: 1 << 18, wordNgrams: [1, 2, 3], charNgrams: [], maxChars: 4000 };

interface Method {
  name: string;
  fit(rows: readonly LabelledText[], description: string): LinearModelFile;
}

/** Benign texts are weighted up: a false positive on ordinary traffic costs more than a missed attack. */
const BENIGN_WEIGHT = 1.5;

function examples(rows: readonly LabelledText[]): TrainingExample[] {
  return rows.map((r) => ({
    text: classifierText(r.text),
    labels: r.attack ? [LABEL] : [],
    weight: r.attack ? 1 : BENIGN_WEIGHT,
  }));
}

function logistic(features: FeatureOptions, epochs: number): Method['fit'] {
  return (rows, description) =>
    trainLinear(examples(rows), { labels: [LABEL], features, epochs, seed: SEED, l2: 1e-6, description });
}

/** Multinomial naive Bayes over the same hashed features, written as a linear model (log-count ratios). */
function naiveBayes(features: FeatureOptions): Method['fit'] {
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

function quantised(
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

const METHODS: readonly Method[] = [
  { name: 'logistic regression, word 1-2 + char 3-5 grams', fit: logistic(WORD_CHAR, 12) },
  { name: 'logistic regression, word 1-3 grams only', fit: logistic(WORD_ONLY, 12) },
  { name: 'naive Bayes (log-count ratios), word 1-2 + char 3-5 grams', fit: naiveBayes(WORD_CHAR) },
  { name: 'naive Bayes (log-count ratios), word 1-3 + char 3-5 grams', fit: naiveBayes(WORD3_CHAR) },
];

function scorer(file: LinearModelFile): (text: string) => number {
  const model = loadLinearModel(file);
  return (text) => model.score(classifierText(text))[0]!;
}

/** Threshold giving at most `fpr` false positives on `benign` scores. */
function thresholdFor(benign: number[], fpr: number): number {
  const sorted = [...benign].sort((a, b) => b - a);
  const allowed = Math.floor(sorted.length * fpr);
  const t = sorted[allowed] ?? -1;
  return Math.min(0.999999, t + 1e-6);
}

function lastDigit(id: string): number {
  return Number(/(\d)\D*$/.exec(id)?.[1] ?? '1');
}

function pct(x: number): string {
  return (100 * x).toFixed(1);
}

function main(): void {
  const root = datasetsRoot();
  const rows = trainingRows(root).sort((a, b) => (a.dataset + a.id < b.dataset + b.id ? -1 : 1));
  if (rows.length === 0) throw new Error(`no training data under \`${root}\``);
  // Five folds by the last id digit (0, 2, 4, 6, 8): out-of-fold scores for every training text.
  const folds = [0, 2, 4, 6, 8];
  console.log(`training split: ${rows.length} texts, 5 folds by last id digit`);
  const datasets = [...new Set(rows.map((r) => r.dataset))];
  const results: { method: Method; threshold: number; tpr: number }[] = [];
  for (const method of METHODS) {
    const scored: { r: LabelledText; s: number }[] = [];
    for (const fold of folds) {
      const score = scorer(
        method.fit(
          rows.filter((r) => lastDigit(r.id) !== fold),
          method.name,
        ),
      );
      for (const r of rows) if (lastDigit(r.id) === fold) scored.push({ r, s: score(r.text) });
    }
    // The strictest of the per-dataset thresholds: at most 1% false positives on EACH benign set.
    const threshold = Math.max(
      ...datasets.map((d) =>
        thresholdFor(
          scored.filter((x) => !x.r.attack && x.r.dataset === d).map((x) => x.s),
          TARGET_FPR,
        ),
      ),
    );
    const attacks = scored.filter((x) => x.r.attack);
    const tpr = attacks.filter((x) => x.s >= threshold).length / attacks.length;
    results.push({ method, threshold, tpr });
    const perSet = datasets.flatMap((d) =>
      [true, false].flatMap((attack) => {
        const xs = scored.filter((x) => x.r.dataset === d && x.r.attack === attack);
        if (xs.length === 0) return [];
        const hit = xs.filter((x) => x.s >= threshold).length;
        return [`${d} ${attack ? 'TPR' : 'FPR'} ${pct(hit / xs.length)} (n=${xs.length})`];
      }),
    );
    console.log(
      `| ${method.name} | threshold ${threshold.toFixed(4)} | attack TPR ${pct(tpr)} | ${perSet.join(' | ')}`,
    );
  }
  const best = results.reduce((a, b) => (b.tpr > a.tpr ? b : a));
  console.log(`chosen: ${best.method.name} (cross-validated threshold ${best.threshold.toFixed(4)})`);
  const description =
    `prompt_attack: ${best.method.name}; trained on the even-id split of jackhhao-jailbreak-classification, ` +
    'jailbreak-llms-wild, giskard-prompt-injections, oasst1-prompts, self-instruct-prompts and xstest (benign); ' +
    `bias shifted so that the cross-validated operating point (${best.threshold.toFixed(4)}, at most 1% FPR on each benign set, out of fold) scores 0.5`;
  const file = best.method.fit(rows, description);
  const logit = Math.log(best.threshold / (1 - best.threshold));
  file.bias = file.bias.map((b) => Math.round((b - logit) * 1e6) / 1e6);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(file)}\n`);
  console.log(`wrote ${OUT}`);
}

main();
