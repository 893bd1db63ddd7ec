/**
 * Trains the toxicity model shipped in models/toxicity/: two one-vs-rest linear classifiers over hashed
 * word 1-2 grams, merged into one LinearModelFile (model.json) with labels `toxic` (explicit abuse, trained
 * on Davidson et al.) and `implicit_hate` (hate without slurs, trained on ToxiGen seed statements, with
 * BBQ's bias-probing questions as negatives that name groups), and the word-vector head of
 * `implicit_hate` (hate-head.json: a small dense network over the label's out-of-fold logit and the pooled
 * word vectors; the detector averages the two). Benign prompts (oasst1, self-instruct) are negatives for
 * both labels.
 *
 * Data: the TRAINING split only (ids ending in an even digit) of train-ok sets, read from
 * PARAPET_DATASETS (default ../shared/datasets). Deterministic: fixed seeds, the same data gives
 * byte-identical files.
 *
 *   node --import tsx training/toxicity/train.ts            # writes model.json and hate-head.json
 *   node --import tsx training/toxicity/train.ts --compare  # also prints the 5-fold linear comparison
 *   node --import tsx training/toxicity/compare-hate.ts     # the implicit-hate comparison (head, weights)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeText } from '../../packages/core/src/detectors/normalize.ts';
import { type HateHeadFile, hateHeadInputs } from '../../packages/core/src/detectors/toxicity/hate-head.ts';
import {
  GROUP_PLACEHOLDER,
  modelText,
  namesGroup,
} from '../../packages/core/src/detectors/toxicity/rules.ts';
import { type LinearModelFile, loadLinearModel } from '../../packages/core/src/ml/linear-model.ts';
import { shippedWordVectors } from '../../packages/core/src/ml/shipped-word-vectors.ts';
import type { FeatureOptions } from '../../packages/core/src/ml/text-features.ts';
import type { PoolingOptions, WordVectors } from '../../packages/core/src/ml/word-vectors.ts';
import { type TrainingExample, trainLinear } from '../lib/train-linear.ts';
import { trainNbLinear } from '../lib/train-nb-linear.ts';
import { trainDense } from '../word-vectors/dense.ts';
import { GROUP_NEGATIVE_SETS, type LabelledText, loadSet, TRAIN_SETS } from './data.ts';

/** Feature extraction shared by both labels (kept with the weights). */
export const FEATURES: FeatureOptions = {
  dims: 1 << 18,
  wordNgrams: [1, 2],
  charNgrams: [],
  /** The detector scores windows of 2000 characters; with the abstracted copy the model text is twice that. */
  maxChars: 4096,
};
const SEED = 7;
const EPOCHS = 8;
/** Example weights: Davidson is 83% toxic, so its toxic tweets are down-weighted to keep the prior low. */
const WEIGHTS = {
  davidsonToxic: 0.5,
  davidsonNeutral: 1,
  davidsonNeutralForImplicit: 0.5,
  toxigen: 5,
  benign: 8,
};

type Method = 'lr' | 'nb';

/** Shape and training of the `implicit_hate` word-vector head. */
export interface HateHeadOptions {
  pooling: PoolingOptions;
  hidden: number;
  epochs: number;
  l2: number;
  seed: number;
}

/**
 * The shipped head: 32 ReLU units, 10 epochs, L2 0.003 (compare-hate.ts: with BBQ negatives, the best
 * cross-validated ToxiGen F1 at a benign false-positive rate of at most 0.1 %, threshold 0.35). Pooling
 * covers a whole detector window.
 */
export const HATE_HEAD: HateHeadOptions = {
  pooling: { stopRank: 100, maxChars: 2048 },
  hidden: 32,
  epochs: 10,
  l2: 0.003,
  seed: 20261128,
};

/** The detector scores texts of at least this many words with the model (shorter ones: rules only). */
const MIN_WORDS = 2;
const words = (text: string): number => text.split('\n')[0]!.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;

const isDavidson = (t: LabelledText) => t.dataset === 'davidson-hate-offensive';
const isToxigen = (t: LabelledText) => t.dataset === 'toxigen-seed-statements';
const isGroupNegative = (t: LabelledText) => (GROUP_NEGATIVE_SETS as readonly string[]).includes(t.dataset);

function explicitExamples(data: readonly LabelledText[]): TrainingExample[] {
  return data
    .filter((t) => !(isToxigen(t) && t.toxic) && !isGroupNegative(t))
    .map((t) => ({
      text: t.text,
      labels: t.toxic ? ['toxic'] : [],
      weight: isDavidson(t) ? (t.toxic ? WEIGHTS.davidsonToxic : WEIGHTS.davidsonNeutral) : WEIGHTS.benign,
    }));
}

/** Options of the `implicit_hate` label (the method comparison varies them). */
export interface ImplicitOptions {
  /** Weight of a ToxiGen statement (both classes). */
  toxigenWeight: number;
  /** Weight of a benign text naming a group (GROUP_NEGATIVE_SETS); 0 leaves them out. */
  groupNegativeWeight: number;
  seed: number;
}
/** BBQ weight 1: the benign group-naming questions stop firing the label (12 % → 0.4 %, compare-hate.ts). */
export const DEFAULT_IMPLICIT: ImplicitOptions = {
  toxigenWeight: WEIGHTS.toxigen,
  groupNegativeWeight: 1,
  seed: SEED,
};

/** The rows the `implicit_hate` label is trained on, with their weights (Davidson's toxic tweets are left out). */
export function hateHeadRows<T extends LabelledText>(
  data: readonly T[],
  o: ImplicitOptions = DEFAULT_IMPLICIT,
): { row: T; weight: number }[] {
  return data
    .filter((t) => !(isDavidson(t) && t.toxic) && !(isGroupNegative(t) && o.groupNegativeWeight <= 0))
    .map((t) => ({
      row: t,
      weight: isGroupNegative(t)
        ? o.groupNegativeWeight
        : isToxigen(t)
          ? o.toxigenWeight
          : isDavidson(t)
            ? WEIGHTS.davidsonNeutralForImplicit
            : WEIGHTS.benign,
    }));
}

function implicitExamples(data: readonly LabelledText[], o: ImplicitOptions): TrainingExample[] {
  return hateHeadRows(data, o).map(({ row, weight }) => ({
    text: row.text,
    labels: row.toxic ? ['implicit_hate'] : [],
    weight,
  }));
}

function trainOne(examples: TrainingExample[], label: string, method: Method, seed = SEED): LinearModelFile {
  const options = { labels: [label], features: FEATURES, epochs: EPOCHS, seed, description: label };
  return method === 'nb' ? trainNbLinear(examples, options) : trainLinear(examples, options);
}

/** The text before the group-abstracted copy that `modelText` appends (the vectors pool the text itself). */
export function plainText(modelText: string): string {
  const cut = modelText.indexOf(' \n ');
  return cut >= 0 && modelText.includes(GROUP_PLACEHOLDER, cut) ? modelText.slice(0, cut) : modelText;
}

/**
 * Trains the word-vector head of `implicit_hate` on the label's rows and weights, given each row's
 * linear score (out-of-fold, so the head learns how far to trust the linear model on unseen text).
 */
export function trainHateHead(
  rows: readonly LabelledText[],
  linear: (r: LabelledText) => number,
  o: HateHeadOptions = HATE_HEAD,
  implicit: ImplicitOptions = DEFAULT_IMPLICIT,
  vectors: WordVectors = shippedWordVectors(),
  cache?: Map<LabelledText, Float64Array>,
): HateHeadFile {
  const pool = (r: LabelledText): Float64Array => {
    let v = cache?.get(r);
    if (!v) {
      v = vectors.pool(plainText(r.text), o.pooling);
      cache?.set(r, v);
    }
    return v;
  };
  const train = hateHeadRows(rows, implicit);
  const model = trainDense(
    train.map(({ row }) => hateHeadInputs(linear(row), pool(row))),
    train.map(({ row }) => (row.toxic ? 1 : 0)),
    train.map(({ weight }) => weight),
    { hidden: o.hidden, epochs: o.epochs, l2: o.l2, seed: o.seed },
  );
  return { type: 'toxicity-hate-head', version: 1, pooling: { ...o.pooling }, model };
}

/** Out-of-fold `implicit_hate` linear scores of `rows` (5 folds by the last id digit). */
export function outOfFoldHate(
  rows: readonly LabelledText[],
  implicit: ImplicitOptions = DEFAULT_IMPLICIT,
): Map<LabelledText, number> {
  const out = new Map<LabelledText, number>();
  for (const fold of ['0', '2', '4', '6', '8']) {
    const m = loadLinearModel(
      trainImplicit(
        rows.filter((r) => !r.id.endsWith(fold)),
        'lr',
        implicit,
      ),
    );
    for (const r of rows) if (r.id.endsWith(fold)) out.set(r, m.score(r.text)[0]!);
  }
  return out;
}

/** Trains the `implicit_hate` label alone. */
export function trainImplicit(
  data: readonly LabelledText[],
  method: Method,
  o: ImplicitOptions = DEFAULT_IMPLICIT,
): LinearModelFile {
  return trainOne(implicitExamples(data, o), 'implicit_hate', method, o.seed);
}

/** Trains both labels ('split') or one `toxic` label on all data ('single') and merges them into one file. */
export function trainToxicity(
  data: readonly LabelledText[],
  method: Method,
  shape: 'split' | 'single',
  implicitOptions: ImplicitOptions = DEFAULT_IMPLICIT,
): LinearModelFile {
  if (shape === 'single') {
    const all = data
      .filter((t) => !isGroupNegative(t))
      .map((t) => ({
        text: t.text,
        labels: t.toxic ? ['toxic'] : [],
        weight: isToxigen(t)
          ? WEIGHTS.toxigen
          : isDavidson(t)
            ? t.toxic
              ? WEIGHTS.davidsonToxic
              : 1
            : WEIGHTS.benign,
      }));
    return trainOne(all, 'toxic', method);
  }
  const explicit = trainOne(explicitExamples(data), 'toxic', method);
  const implicit = trainImplicit(data, method, implicitOptions);
  return {
    ...explicit,
    description:
      `toxicity: ${method === 'nb' ? 'NB-scaled logistic regression' : 'logistic regression'} over hashed word 1-2 grams of the text and of its group-abstracted copy; ` +
      'label toxic from davidson-hate-offensive, label implicit_hate from toxigen-seed-statements (with bbq ' +
      'questions naming groups as negatives), benign negatives from oasst1-prompts and self-instruct-prompts; ' +
      'training split only (ids ending in an even digit); implicit_hate is blended with hate-head.json',
    labels: ['toxic', 'implicit_hate'],
    weights: [...explicit.weights, ...implicit.weights],
    scales: [...explicit.scales, ...implicit.scales],
    bias: [...explicit.bias, ...implicit.bias],
  };
}

/** The training split of every training set, texts normalised as the detector normalises them. */
export function loadTrainingData(): LabelledText[] {
  const out: LabelledText[] = [];
  for (const name of [...TRAIN_SETS, ...GROUP_NEGATIVE_SETS]) {
    for (const t of loadSet(name))
      if (t.training) out.push({ ...t, text: modelText(normalizeText(t.text).text) });
  }
  return out;
}

/** 5-fold cross-validation on the training split (folds = last id digit 0, 2, 4, 6, 8). */
function compare(data: readonly LabelledText[]): void {
  const rows: string[] = [];
  for (const method of ['lr', 'nb'] as const) {
    for (const shape of ['single', 'split'] as const) {
      const oof = new Map<LabelledText, number[]>();
      for (const fold of ['0', '2', '4', '6', '8']) {
        const model = loadLinearModel(
          trainToxicity(
            data.filter((t) => !t.id.endsWith(fold)),
            method,
            shape,
          ),
        );
        for (const t of data) if (t.id.endsWith(fold)) oof.set(t, model.score(t.text));
      }
      for (const th of [0.2, 0.3, 0.4, 0.5, 0.6]) {
        for (const gate of shape === 'split' ? [false, true] : [false]) {
          const cells = TRAIN_SETS.map((name) => {
            let tp = 0;
            let fp = 0;
            let fn = 0;
            let neg = 0;
            for (const [t, s] of oof) {
              if (t.dataset !== name) continue;
              const flagged =
                words(t.text) >= MIN_WORDS &&
                (shape === 'single'
                  ? s[0]! >= th
                  : s[0]! >= 0.5 || (s[1]! >= th && (!gate || namesGroup(t.text))));
              if (t.toxic && flagged) tp++;
              if (t.toxic && !flagged) fn++;
              if (!t.toxic) {
                neg++;
                if (flagged) fp++;
              }
            }
            return tp + fn > 0
              ? `${((2 * tp) / (2 * tp + fp + fn)).toFixed(3)}`
              : `${((100 * fp) / Math.max(1, neg)).toFixed(1)}%`;
          });
          rows.push(`| ${method} | ${shape}${gate ? ' + group gate' : ''} | ${th} | ${cells.join(' | ')} |`);
        }
      }
    }
  }
  console.log(`| method | shape | threshold | ${TRAIN_SETS.join(' | ')} |`);
  console.log(`|---|---|---|${TRAIN_SETS.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(r);
}

function main(): void {
  const data = loadTrainingData();
  if (process.argv.includes('--compare')) compare(data);
  const model = trainToxicity(data, 'lr', 'split');
  const oof = outOfFoldHate(data);
  const head = trainHateHead(data, (r) => oof.get(r)!);
  const out = join(import.meta.dirname, '../../models/toxicity');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'model.json'), `${JSON.stringify(model)}\n`);
  writeFileSync(join(out, 'hate-head.json'), `${JSON.stringify(head)}\n`);
  console.log(`wrote model.json and hate-head.json to ${out} (${data.length} training texts)`);
}

// Run only as a script: compare-hate.ts imports the training functions.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
