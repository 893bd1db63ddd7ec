/**
 * Method comparison for the `implicit_hate` label (reported as HATE): the hashed n-gram logistic
 * regression alone, and blended with a small dense head over pooled word vectors (models/word-vectors),
 * for several ToxiGen example weights. 5-fold cross-validation on the training split only (folds = last
 * id digit 0, 2, 4, 6, 8), every cell the mean over three seeds (the linear model's and the head's): on
 * 231 statements one seed moves ToxiGen F1 by ±0.02.
 *
 *   node --import tsx training/toxicity/compare-hate.ts
 *
 * Flagged, as in the detector: `toxic` ≥ 0.5, or the hate score ≥ threshold for a text naming a group.
 */

import { loadHateHead } from '../../packages/core/src/detectors/toxicity/hate-head.ts';
import { namesGroup } from '../../packages/core/src/detectors/toxicity/rules.ts';
import { loadLinearModel } from '../../packages/core/src/ml/linear-model.ts';
import { shippedWordVectors } from '../../packages/core/src/ml/shipped-word-vectors.ts';
import type { LabelledText } from './data.ts';
import {
  DEFAULT_IMPLICIT,
  HATE_HEAD,
  type HateHeadOptions,
  loadTrainingData,
  outOfFoldHate,
  plainText,
  trainHateHead,
  trainToxicity,
} from './train.ts';

const rows = loadTrainingData();
const FOLDS = ['0', '2', '4', '6', '8'];
const SEEDS = [7, 8, 9];
const THRESHOLDS = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6];
const vectors = shippedWordVectors();
const pooled = new Map<LabelledText, Float64Array>();

const words = (text: string): number => text.split('\n')[0]!.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
const inFold = (t: LabelledText, fold: string) => t.id.endsWith(fold);

// Out-of-fold `toxic` scores (one model per fold; the label does not change here).
const toxic = new Map<LabelledText, number>();
for (const fold of FOLDS) {
  const m = loadLinearModel(
    trainToxicity(
      rows.filter((r) => !inFold(r, fold)),
      'lr',
      'split',
    ),
  );
  for (const r of rows) if (inFold(r, fold)) toxic.set(r, m.score(r.text)[0]!);
}

/** Cross-validated blended scores (the head's inputs: pooled vectors and the out-of-fold linear score). */
function blendScores(
  linear: Map<LabelledText, number>,
  o: { toxigenWeight: number; groupNegativeWeight: number },
  head: HateHeadOptions,
): Map<LabelledText, number> {
  const out = new Map<LabelledText, number>();
  for (const fold of FOLDS) {
    const train = rows.filter((r) => !inFold(r, fold));
    const file = trainHateHead(
      train,
      (r) => linear.get(r)!,
      { ...head, seed: head.seed + Number(fold) + 1 },
      { ...o, seed: 0 },
      vectors,
      pooled,
    );
    const score = loadHateHead(file, vectors);
    for (const r of rows) if (inFold(r, fold)) out.set(r, score(plainText(r.text), linear.get(r)!));
  }
  return out;
}

interface Cell {
  f1: number;
  p: number;
  r: number;
  oasst: number;
  selfInstruct: number;
  bbq: number;
}
function measure(hate: Map<LabelledText, number>, th: number): Cell {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const benign = { 'oasst1-prompts': [0, 0], 'self-instruct-prompts': [0, 0], bbq: [0, 0] } as Record<
    string,
    number[]
  >;
  for (const r of rows) {
    const flagged =
      words(r.text) >= 2 && (toxic.get(r)! >= 0.5 || (namesGroup(r.text) && hate.get(r)! >= th));
    if (r.dataset === 'toxigen-seed-statements') {
      if (r.toxic && flagged) tp++;
      if (r.toxic && !flagged) fn++;
      if (!r.toxic && flagged) fp++;
    } else if (benign[r.dataset]) {
      benign[r.dataset]![0]!++;
      if (flagged) benign[r.dataset]![1]!++;
    }
  }
  const rate = (k: string) => benign[k]![1]! / benign[k]![0]!;
  return {
    f1: (2 * tp) / (2 * tp + fp + fn),
    p: tp / Math.max(1, tp + fp),
    r: tp / (tp + fn),
    oasst: rate('oasst1-prompts'),
    selfInstruct: rate('self-instruct-prompts'),
    bbq: rate('bbq'),
  };
}

/** One table row per threshold, each cell the mean over the seeds. */
function report(label: string, runs: Map<LabelledText, number>[]): void {
  for (const th of THRESHOLDS) {
    const cells = runs.map((h) => measure(h, th));
    const avg = (k: keyof Cell) => cells.reduce((a, c) => a + c[k], 0) / cells.length;
    const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
    console.log(
      `| ${label} | ${th} | ${avg('f1').toFixed(3)} | ${avg('p').toFixed(3)} | ${avg('r').toFixed(3)} | ${pct(avg('oasst'))} | ${pct(avg('selfInstruct'))} | ${pct(avg('bbq'))} |`,
    );
  }
}

const HEADS: Record<string, HateHeadOptions> = {
  'h16 e20 L2 0.01': { ...HATE_HEAD, hidden: 16, epochs: 20, l2: 0.01 },
  'h32 e10 L2 0.003': HATE_HEAD,
};

console.log('| implicit_hate | threshold | toxigen F1 | P | R | oasst1 FPR | self-instruct FPR | bbq FPR |');
console.log('|---|---|---|---|---|---|---|---|');
const GRID: [number, number][] = [
  [DEFAULT_IMPLICIT.toxigenWeight, 0],
  [10, 0],
  [15, 0],
  [DEFAULT_IMPLICIT.toxigenWeight, 0.3],
  [DEFAULT_IMPLICIT.toxigenWeight, 1],
  [10, 1],
];
for (const [toxigenWeight, groupNegativeWeight] of GRID) {
  const o = { toxigenWeight, groupNegativeWeight };
  const linear = SEEDS.map((seed) => outOfFoldHate(rows, { ...o, seed }));
  const tag = `ToxiGen ${toxigenWeight}, BBQ ${groupNegativeWeight}`;
  report(`LR, ${tag}`, linear);
  for (const [name, head] of Object.entries(HEADS)) {
    const blends = linear.map((lin, i) => blendScores(lin, o, { ...head, seed: head.seed + 100 * i }));
    report(`LR + vectors ${name}, ${tag}`, blends);
  }
}
