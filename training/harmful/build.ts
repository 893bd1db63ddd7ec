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
  headInputs,
  STACK_FEATURES,
  stackFeatures,
  stackScore,
} from '../../packages/core/src/detectors/harmful/stack.ts';
import { type FeatureOptions, loadLinearModel } from '../../packages/core/src/index.ts';
import { type DenseModelFile, loadDenseModel } from '../../packages/core/src/ml/dense-model.ts';
import {
  loadShippedWordVectors,
  shippedWordVectors,
} from '../../packages/core/src/ml/shipped-word-vectors.ts';
import type { PoolingOptions, WordVectors } from '../../packages/core/src/ml/word-vectors.ts';
import { type TrainingExample, trainLinear } from '../lib/train-linear.ts';
import { trainDense } from '../word-vectors/dense.ts';
import { type LabelledText, weakCategories, weightOf } from './data.ts';
import { INSTRUCTIONS_DATASET } from './instructions.ts';
import { trainNbLinear } from './nb-linear.ts';

// The shipped word vectors are imported on first use (ml/shipped-word-vectors.ts): load them once here.
await loadShippedWordVectors();

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
  /** The final head over [binary logit, cue indicators, pooled word vectors]. */
  head: HeadOptions;
}

/** The dense final head (see compare-vectors.ts for how these were chosen). */
export interface HeadOptions {
  pooling: PoolingOptions;
  /** Hidden ReLU units (0 = logistic regression). */
  hidden: number;
  epochs: number;
  l2: number;
  /** One head per seed; the detector averages their scores. */
  seeds: readonly number[];
}

export const DEFAULT_BUILD: BuildOptions = {
  features: { dims: 1 << 18, wordNgrams: [1, 2], charNgrams: [3, 4, 5], maxChars: 2048 },
  epochs: 12,
  seed: 20261127,
  negativeWeight: 2,
  cues: true,
  method: 'lr',
  head: {
    pooling: { stopRank: 100, maxChars: 2048 },
    hidden: 16,
    epochs: 10,
    l2: 0.003,
    seeds: [20261128],
  },
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
export const GENERAL_BENIGN = new Set([
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

export function trainBinary(rows: readonly LabelledText[], o: BuildOptions, description: string) {
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
export function chooseThreshold(
  rows: readonly LabelledText[],
  scores: readonly number[],
  benignBar = 0.01,
): number {
  // A 0.01 grid up to 0.95, then 0.001 steps: sharper heads (the word-vector MLP) put their operating
  // point above 0.95.
  const grid: number[] = [];
  for (let k = 5; k <= 95; k++) grid.push(k / 100);
  for (let k = 951; k <= 999; k++) grid.push(k / 1000);
  for (const t of grid) {
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
    if (benignFp <= benignBar * benign && safeFp <= 0.1 * safe) return t;
  }
  return 0.999;
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

/** Fits the dense final head(s) on rows with their (out-of-fold) binary scores. */
export function trainHead(
  rows: readonly LabelledText[],
  probs: readonly number[],
  o: BuildOptions,
  vectors: WordVectors = shippedWordVectors(),
): DenseModelFile[] {
  const xs = rows.map((r, i) =>
    headInputs(probs[i]!, cueSignals(r.text), vectors.pool(r.text, o.head.pooling)),
  );
  const ys = rows.map((r) => (r.harmful ? 1 : 0));
  const ws = rows.map((r) => weightOf(r) * (r.harmful ? 1 : o.negativeWeight));
  return o.head.seeds.map((seed) =>
    trainDense(xs, ys, ws, { hidden: o.head.hidden, epochs: o.head.epochs, l2: o.head.l2, seed }),
  );
}

/** Scores a text with trained heads given its binary score (the detector's windowScore, unnormalised). */
export function headScorer(
  models: readonly DenseModelFile[],
  o: BuildOptions,
  vectors = shippedWordVectors(),
) {
  const loaded = models.map((m) => loadDenseModel(m));
  return (text: string, p: number): number => {
    const x = headInputs(p, cueSignals(text), vectors.pool(text, o.head.pooling));
    let sum = 0;
    for (const m of loaded) sum += m.score(x);
    return sum / loaded.length;
  };
}

/**
 * Cross-validated head scores of the training rows: for each of the 5 folds (last id digit), heads
 * trained on the other folds' rows (with their out-of-fold binary scores) score the fold's rows.
 */
export function crossValidatedHeadScores(
  rows: readonly LabelledText[],
  oof: readonly number[],
  o: BuildOptions,
  vectors: WordVectors = shippedWordVectors(),
): number[] {
  const scores = new Array<number>(rows.length).fill(0);
  for (const fold of [0, 2, 4, 6, 8]) {
    const idx = rows.flatMap((r, i) => (lastDigit(r.id) !== fold ? [i] : []));
    const heads = trainHead(
      idx.map((i) => rows[i]!),
      idx.map((i) => oof[i]!),
      { ...o, head: { ...o.head, seeds: o.head.seeds.map((s) => s + fold + 1) } },
      vectors,
    );
    const score = headScorer(heads, o, vectors);
    rows.forEach((r, i) => {
      if (lastDigit(r.id) === fold) scores[i] = score(r.text, oof[i]!);
    });
  }
  return scores;
}

/** Cross-validated scores of the logistic stacking layer (same folds as the head). */
export function crossValidatedStackScores(
  rows: readonly LabelledText[],
  oof: readonly number[],
  o: BuildOptions,
): number[] {
  const scores = new Array<number>(rows.length).fill(0);
  for (const fold of [0, 2, 4, 6, 8]) {
    const idx = rows.flatMap((r, i) => (lastDigit(r.id) !== fold ? [i] : []));
    const stack = trainStack(
      idx.map((i) => rows[i]!),
      idx.map((i) => oof[i]!),
      o,
    );
    rows.forEach((r, i) => {
      if (lastDigit(r.id) === fold)
        scores[i] = stackScore(stack.weights, stack.bias, stackFeatures(oof[i]!, cueSignals(r.text)));
    });
  }
  return scores;
}

/** Builds the full shipped model file. */
export function buildHarmfulModel(
  rows: readonly LabelledText[],
  o: BuildOptions = DEFAULT_BUILD,
): HarmfulModelFile {
  const oof = outOfFoldScores(rows, o);
  // The harmful score is the mean of the dense head and the logistic stack (the blend won the
  // cross-validated comparison, compare-vectors.ts); the threshold is chosen on cross-validated blends.
  const head = crossValidatedHeadScores(rows, oof, o);
  const stack = crossValidatedStackScores(rows, oof, o);
  const threshold =
    o.fixedThreshold ??
    chooseThreshold(
      rows,
      head.map((h, i) => (h + stack[i]!) / 2),
    );
  const binary = trainBinary(
    rows,
    o,
    'harmful vs safe: logistic regression over hashed word 1-2 grams and character 3-5 grams, trained on ' +
      'the even-id split of advbench, strongreject, jailbreak-llms-forbidden-questions, ' +
      'hh-rlhf-harmless-first-turns (weight 0.25), xstest (both halves), oasst1-prompts, ' +
      'self-instruct-prompts, presidio-synth-pii, the non-toxic half of toxigen-seed-statements, bbq (weight 0.3), ' +
      'the benign half of jackhhao-jailbreak-classification and 250 hand-written instructions (200 benign); ' +
      'category and intent cue tokens appended',
  );
  return {
    type: 'harmful',
    version: 2,
    binary,
    // The hand-written instructions only balance the binary decision; their cue-derived categories would
    // add noise to the category heads, so those are trained on the datasets' rows alone.
    categories: trainCategories(
      rows.filter((r) => r.dataset !== INSTRUCTIONS_DATASET),
      o.seed + 1,
    ),
    head: {
      pooling: { ...o.head.pooling },
      models: trainHead(rows, oof, o),
      stack: trainStack(rows, oof, o),
    },
    threshold,
    categoryThreshold: 0.5,
  };
}
