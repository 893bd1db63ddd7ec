/**
 * Trains the toxicity model shipped in models/toxicity/model.json: two one-vs-rest linear classifiers over
 * the same hashed word and character n-grams, merged into one LinearModelFile with labels
 * `toxic` (explicit abuse, trained on Davidson et al.) and `implicit_hate` (hate without slurs, trained on
 * ToxiGen seed statements). Benign prompts (oasst1, self-instruct) are negatives for both.
 *
 * Data: the TRAINING split only (ids ending in an even digit) of train-ok sets, read from
 * PARAPET_DATASETS (default ../shared/datasets). Deterministic: fixed seed, the same data gives a
 * byte-identical file.
 *
 *   node --import tsx training/toxicity/train.ts            # writes models/toxicity/model.json
 *   node --import tsx training/toxicity/train.ts --compare  # also prints the 5-fold method comparison
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeText } from '../../packages/core/src/detectors/normalize.ts';
import { modelText, namesGroup } from '../../packages/core/src/detectors/toxicity/rules.ts';
import { type FeatureOptions, type LinearModelFile, loadLinearModel } from '../../packages/core/src/index.ts';
import { type TrainingExample, trainLinear } from '../lib/train-linear.ts';
import { trainNbLinear } from '../lib/train-nb-linear.ts';
import { type LabelledText, loadSet, TRAIN_SETS } from './data.ts';

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

/** The detector scores texts of at least this many words with the model (shorter ones: rules only). */
const MIN_WORDS = 2;
const words = (text: string): number => text.split('\n')[0]!.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;

const isDavidson = (t: LabelledText) => t.dataset === 'davidson-hate-offensive';
const isToxigen = (t: LabelledText) => t.dataset === 'toxigen-seed-statements';

function explicitExamples(data: readonly LabelledText[]): TrainingExample[] {
  return data
    .filter((t) => !(isToxigen(t) && t.toxic))
    .map((t) => ({
      text: t.text,
      labels: t.toxic ? ['toxic'] : [],
      weight: isDavidson(t) ? (t.toxic ? WEIGHTS.davidsonToxic : WEIGHTS.davidsonNeutral) : WEIGHTS.benign,
    }));
}

function implicitExamples(data: readonly LabelledText[]): TrainingExample[] {
  return data
    .filter((t) => !(isDavidson(t) && t.toxic))
    .map((t) => ({
      text: t.text,
      labels: t.toxic ? ['implicit_hate'] : [],
      weight: isToxigen(t)
        ? WEIGHTS.toxigen
        : isDavidson(t)
          ? WEIGHTS.davidsonNeutralForImplicit
          : WEIGHTS.benign,
    }));
}

function trainOne(examples: TrainingExample[], label: string, method: Method): LinearModelFile {
  const options = { labels: [label], features: FEATURES, epochs: EPOCHS, seed: SEED, description: label };
  return method === 'nb' ? trainNbLinear(examples, options) : trainLinear(examples, options);
}

/** Trains both labels ('split') or one `toxic` label on all data ('single') and merges them into one file. */
export function trainToxicity(
  data: readonly LabelledText[],
  method: Method,
  shape: 'split' | 'single',
): LinearModelFile {
  if (shape === 'single') {
    const all = data.map((t) => ({
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
  const implicit = trainOne(implicitExamples(data), 'implicit_hate', method);
  return {
    ...explicit,
    description:
      `toxicity: ${method === 'nb' ? 'NB-scaled logistic regression' : 'logistic regression'} over hashed word 1-2 grams of the text and of its group-abstracted copy; ` +
      'label toxic from davidson-hate-offensive, label implicit_hate from toxigen-seed-statements, benign negatives ' +
      'from oasst1-prompts and self-instruct-prompts; training split only (ids ending in an even digit)',
    labels: ['toxic', 'implicit_hate'],
    weights: [...explicit.weights, ...implicit.weights],
    scales: [...explicit.scales, ...implicit.scales],
    bias: [...explicit.bias, ...implicit.bias],
  };
}

/** The training split of every training set, texts normalised as the detector normalises them. */
export function loadTrainingData(): LabelledText[] {
  const out: LabelledText[] = [];
  for (const name of TRAIN_SETS) {
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

const data = loadTrainingData();
if (process.argv.includes('--compare')) compare(data);
const model = trainToxicity(data, 'lr', 'split');
const out = join(import.meta.dirname, '../../models/toxicity');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'model.json'), `${JSON.stringify(model)}\n`);
console.log(`wrote ${join(out, 'model.json')} (${data.length} training texts)`);
