/**
 * Builds the `harmful` model from labelled rows: a binary harmful-vs-safe linear model, a category
 * assigner trained on the weak categories of the harmful rows, and a threshold chosen from out-of-fold
 * scores (5 folds by the last digit of the id, all within the training split). Deterministic.
 */
import {
  cueSignals,
  HAZARD_CODES,
  withCueTokens,
} from '../../packages/core/src/detectors/harmful/categories.ts';
import type { HarmfulModelFile } from '../../packages/core/src/detectors/harmful/model-file.ts';
import {
  STACK_FEATURES,
  stackFeatures,
  stackScore,
} from '../../packages/core/src/detectors/harmful/stack.ts';
import { type FeatureOptions, loadLinearModel } from '../../packages/core/src/index.ts';
import { type TrainingExample, trainLinear } from '../lib/train-linear.ts';
import { type LabelledText, weakCategories, weightOf } from './data.ts';
import { trainNbLinear } from './nb-linear.ts';

/** Options of one build (the method comparison varies these). */
export interface BuildOptions {
  features: FeatureOptions;
  epochs: number;
  seed: number;
  /** Weight multiplier on benign examples (class balance). */
  negativeWeight: number;
  learningRate?: number;
  l2?: number;
  /** Skip cross-validation and use this threshold. */
  fixedThreshold?: number;
  /** Append category cue tokens to the text before scoring (lexicon-augmented linear model). */
  cues: boolean;
  /** `lr`: plain logistic regression (trainLinear); `nblr`: NB-scaled logistic regression. */
  method: 'lr' | 'nblr';
}

export const DEFAULT_BUILD: BuildOptions = {
  features: { dims: 1 << 18, wordNgrams: [1, 2], charNgrams: [3, 4, 5], maxChars: 2048 },
  epochs: 12,
  seed: 20261127,
  negativeWeight: 2,
  cues: true,
  method: 'lr',
};

/** The text the binary model sees under these options. */
export function modelText(text: string, o: BuildOptions): string {
  return o.cues ? withCueTokens(text) : text;
}

const CATEGORY_FEATURES: FeatureOptions = {
  dims: 1 << 15,
  wordNgrams: [1, 2],
  charNgrams: [],
  maxChars: 2048,
};

/** Sets whose out-of-fold false positives decide the threshold (general benign prompts). */
const GENERAL_BENIGN = new Set([
  'oasst1-prompts',
  'self-instruct-prompts',
  'jackhhao-jailbreak-classification',
]);

function examples(rows: readonly LabelledText[], o: BuildOptions): TrainingExample[] {
  return rows.map((r) => ({
    text: modelText(r.text, o),
    labels: r.harmful ? ['harmful'] : [],
    weight: weightOf(r) * (r.harmful ? 1 : o.negativeWeight),
  }));
}

function trainBinary(rows: readonly LabelledText[], o: BuildOptions, description: string) {
  if (o.method === 'nblr') {
    return trainNbLinear(examples(rows, o), {
      label: 'harmful',
      features: o.features,
      epochs: o.epochs,
      seed: o.seed,
      ...(o.learningRate !== undefined ? { learningRate: o.learningRate } : {}),
      ...(o.l2 !== undefined ? { l2: o.l2 } : {}),
      description,
    });
  }
  return trainLinear(examples(rows, o), {
    labels: ['harmful'],
    features: o.features,
    epochs: o.epochs,
    seed: o.seed,
    ...(o.learningRate !== undefined ? { learningRate: o.learningRate } : {}),
    ...(o.l2 !== undefined ? { l2: o.l2 } : {}),
    description,
  });
}

function lastDigit(id: string): number {
  const m = /(\d)\D*$/.exec(id);
  return m ? Number(m[1]) : 0;
}

/** Out-of-fold binary scores of the training rows (5 folds by last id digit). */
export function outOfFoldScores(rows: readonly LabelledText[], o: BuildOptions): number[] {
  const scores = new Array<number>(rows.length).fill(0);
  for (const fold of [0, 2, 4, 6, 8]) {
    const train = rows.filter((r) => lastDigit(r.id) !== fold);
    const model = loadLinearModel(trainBinary(train, o, 'fold'));
    rows.forEach((r, i) => {
      if (lastDigit(r.id) === fold) scores[i] = model.score(modelText(r.text, o))[0]!;
    });
  }
  return scores;
}

/**
 * The lowest threshold (on a 0.01 grid) whose out-of-fold false-positive rate is at most 1% on the
 * general benign sets and at most 10% on xstest safe prompts (the bars).
 */
export function chooseThreshold(rows: readonly LabelledText[], scores: readonly number[]): number {
  for (let t = 0.05; t <= 0.95; t += 0.01) {
    let benign = 0;
    let benignFp = 0;
    let safe = 0;
    let safeFp = 0;
    rows.forEach((r, i) => {
      if (r.harmful) return;
      const fp = scores[i]! >= t;
      if (GENERAL_BENIGN.has(r.dataset)) {
        benign++;
        if (fp) benignFp++;
      } else if (r.dataset === 'xstest') {
        safe++;
        if (fp) safeFp++;
      }
    });
    if (benignFp <= 0.01 * benign && safeFp <= 0.1 * safe) return Math.round(t * 100) / 100;
  }
  return 0.95;
}

/** Trains the category assigner on the harmful rows that have at least one weak category. */
export function trainCategories(rows: readonly LabelledText[], seed: number) {
  const ex: TrainingExample[] = [];
  for (const r of rows) {
    if (!r.harmful) continue;
    const cats = weakCategories(r);
    if (cats.length > 0) ex.push({ text: r.text, labels: cats, weight: weightOf(r) });
  }
  return trainLinear(ex, {
    labels: HAZARD_CODES,
    features: CATEGORY_FEATURES,
    epochs: 20,
    seed,
    description:
      'harmful category assigner: one-vs-rest logistic regression over hashed word 1-2 grams, trained on ' +
      'the harmful rows of the training split with weak labels (dataset categories mapped to S-codes, ' +
      'else hand-written cue lexicons)',
  });
}

/**
 * Fits the stacking layer (full-batch gradient descent, fixed iterations: deterministic) on out-of-fold
 * binary scores and cue indicators, with the same example weights as the binary model.
 */
export function trainStack(rows: readonly LabelledText[], oof: readonly number[], o: BuildOptions) {
  const xs = rows.map((r, i) => stackFeatures(oof[i]!, cueSignals(r.text)));
  const ys = rows.map((r) => (r.harmful ? 1 : 0));
  const ws = rows.map((r) => weightOf(r) * (r.harmful ? 1 : o.negativeWeight));
  const total = ws.reduce((a, b) => a + b, 0);
  const n = STACK_FEATURES.length;
  const w = new Array<number>(n).fill(0);
  let b = 0;
  for (let iter = 0; iter < 3000; iter++) {
    const g = new Array<number>(n).fill(0);
    let gb = 0;
    xs.forEach((x, i) => {
      const err = (stackScore(w, b, x) - ys[i]!) * ws[i]!;
      for (let k = 0; k < n; k++) g[k] = g[k]! + err * x[k]!;
      gb += err;
    });
    for (let k = 0; k < n; k++) w[k] = w[k]! - 0.5 * (g[k]! / total + 1e-3 * w[k]!);
    b -= 0.5 * (gb / total);
  }
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return { features: [...STACK_FEATURES], weights: w.map(round), bias: round(b) };
}

/** Builds the full shipped model file. */
export function buildHarmfulModel(
  rows: readonly LabelledText[],
  o: BuildOptions = DEFAULT_BUILD,
): HarmfulModelFile {
  const oof = outOfFoldScores(rows, o);
  const stack = trainStack(rows, oof, o);
  const stacked = rows.map((r, i) =>
    stackScore(stack.weights, stack.bias, stackFeatures(oof[i]!, cueSignals(r.text))),
  );
  const threshold = o.fixedThreshold ?? chooseThreshold(rows, stacked);
  const binary = trainBinary(
    rows,
    o,
    'harmful vs safe: logistic regression over hashed word 1-2 grams and character 3-5 grams, trained on ' +
      'the even-id split of advbench, strongreject, jailbreak-llms-forbidden-questions, ' +
      'hh-rlhf-harmless-first-turns (weight 0.25), xstest (both halves), oasst1-prompts, ' +
      'self-instruct-prompts, presidio-synth-pii, the non-toxic half of toxigen-seed-statements, bbq (weight 0.3) ' +
      'and the benign half of jackhhao-jailbreak-classification; category and intent cue tokens appended',
  );
  return {
    type: 'harmful',
    version: 1,
    binary,
    categories: trainCategories(rows, o.seed + 1),
    stack,
    threshold,
    categoryThreshold: 0.5,
  };
}
