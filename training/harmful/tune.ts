/**
 * Tuning runs for the harmful model, decided inside the TRAINING split only (even ids): out-of-fold
 * n-gram scores (5 folds by the last id digit), 5-fold cross-validation of the dense head and the
 * logistic stack over them, the threshold from the FPR bars (chooseThreshold) and per-dataset
 * rates at that threshold. Never reads the report split.
 *
 * Prints the mean TPR over advbench, strongreject, forbidden-questions and xstest-unsafe at the chosen
 * threshold, and a smoother summary: that mean averaged over xstest-safe bars of 6-14% (at the 10% bar
 * alone one xstest-safe prompt of ~83 moves the threshold, so single comparisons are noisy).
 * The settings and results of the 2026-11-28 round are in models/harmful/MODEL_CARD.md.
 *
 * Run: `H_VARIANTS='[{"name":"x","weights":{"hh-rlhf-harmless-first-turns":0.5},"seeds":[1,2,3]}]'
 * node --import tsx training/harmful/tune.ts` (datasets from PARAPET_DATASETS; PARAPET_OOF_DIR: a
 * scratch folder caching the out-of-fold n-gram scores, numbers only, per data/binary setting).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findCategoryCues } from '../../packages/core/src/detectors/harmful/categories.ts';
import { loadShippedWordVectors } from '../../packages/core/src/ml/shipped-word-vectors.ts';
import {
  type BuildOptions,
  chooseThreshold,
  crossValidatedHeadScores,
  crossValidatedStackScores,
  DEFAULT_BUILD,
  GENERAL_BENIGN,
  outOfFoldScores,
} from './build.ts';
import { type LabelledText, trainingRows } from './data.ts';
import { instructionRows } from './instructions.ts';

await loadShippedWordVectors();

interface TuneVariant {
  name: string;
  /** Per-dataset weight overrides. */
  weights?: Record<string, number>;
  negativeWeight?: number;
  seeds?: number[];
  hidden?: number;
  epochs?: number;
  l2?: number;
  binaryEpochs?: number;
  stopRank?: number;
  /** Hand-written instruction counts [benign, harmful] (instructions.ts). */
  templates?: [number, number];
  /** hh-rlhf weights [with a hazard-category cue, without]: the openers without a cue are often benign. */
  hhCue?: [number, number];
}

const HARMFUL_SETS = ['advbench', 'strongreject', 'jailbreak-llms-forbidden-questions', 'xstest'];
/** Mean TPR over the four harmful sets at the lowest threshold meeting 1% general FPR and `safeBar`. */
function meanTprAt(rows: readonly LabelledText[], scores: readonly number[], safeBar: number): number {
  const benign = scores.filter((_, i) => !rows[i]!.harmful && GENERAL_BENIGN.has(rows[i]!.dataset));
  const safe = scores.filter((_, i) => !rows[i]!.harmful && rows[i]!.dataset === 'xstest');
  const sorted = (xs: number[]) => [...xs].sort((a, b) => b - a);
  // Threshold just above the (k+1)-th highest score, k the allowed false positives.
  const above = (xs: number[], k: number) => (k < xs.length ? sorted(xs)[k]! + 1e-12 : 0);
  const t = Math.max(
    above(benign, Math.floor(0.01 * benign.length)),
    above(safe, Math.floor(safeBar * safe.length)),
  );
  let sum = 0;
  for (const set of HARMFUL_SETS) {
    const s = scores.filter((_, i) => rows[i]!.harmful && rows[i]!.dataset === set);
    sum += s.filter((x) => x >= t).length / s.length;
  }
  return sum / HARMFUL_SETS.length;
}

const variants: TuneVariant[] = JSON.parse(process.env.H_VARIANTS ?? '[{"name":"shipped"}]');
const data = trainingRows();
const oofDir = process.env.PARAPET_OOF_DIR;

const KEYS = [
  'advbench',
  'strongreject',
  'jailbreak-llms-forbidden-questions',
  'xstest+',
  'hh-rlhf-harmless-first-turns',
  'xstest-',
  'oasst1-prompts',
  'self-instruct-prompts',
  'jackhhao-jailbreak-classification',
  'toxigen-seed-statements',
  'bbq',
];
console.log(
  `${'variant'.padEnd(40)} thr   adv   sr    fq    xs+   hh    | xs-   oasst self  jack  toxi  bbq   | mean`,
);
for (const v of variants) {
  const base = [
    ...data,
    ...(v.templates ? instructionRows(v.templates[0], v.templates[1]) : instructionRows()),
  ];
  const rows: LabelledText[] = base.map((r) => {
    if (v.hhCue && r.dataset === 'hh-rlhf-harmless-first-turns')
      return { ...r, weight: findCategoryCues(r.text).length > 0 ? v.hhCue[0] : v.hhCue[1] };
    const w = v.weights?.[r.dataset];
    return w === undefined ? r : { ...r, weight: w };
  });
  const o: BuildOptions = {
    ...DEFAULT_BUILD,
    negativeWeight: v.negativeWeight ?? DEFAULT_BUILD.negativeWeight,
    epochs: v.binaryEpochs ?? DEFAULT_BUILD.epochs,
    head: {
      ...DEFAULT_BUILD.head,
      ...(v.seeds ? { seeds: v.seeds } : {}),
      ...(v.hidden !== undefined ? { hidden: v.hidden } : {}),
      ...(v.epochs !== undefined ? { epochs: v.epochs } : {}),
      ...(v.l2 !== undefined ? { l2: v.l2 } : {}),
      ...(v.stopRank !== undefined
        ? { pooling: { ...DEFAULT_BUILD.head.pooling, stopRank: v.stopRank } }
        : {}),
    },
  };
  const key = JSON.stringify([
    v.weights ?? {},
    o.negativeWeight,
    o.epochs,
    ...(v.hhCue ? [v.hhCue] : []),
    ...(v.templates ? [v.templates] : []),
  ]);
  const file = oofDir ? join(oofDir, `oof-${Buffer.from(key).toString('base64url')}.json`) : '';
  let oof: number[];
  if (file && existsSync(file)) oof = JSON.parse(readFileSync(file, 'utf8'));
  else {
    oof = outOfFoldScores(rows, o);
    if (file) writeFileSync(file, JSON.stringify(oof));
  }
  const head = crossValidatedHeadScores(rows, oof, o);
  const stack = crossValidatedStackScores(rows, oof, o);
  const scores = head.map((h, i) => (h + stack[i]!) / 2);
  const t = chooseThreshold(rows, scores);
  const agg = new Map<string, { n: number; hit: number }>();
  rows.forEach((r, i) => {
    const k = `${r.dataset}${r.dataset === 'xstest' ? (r.harmful ? '+' : '-') : ''}`;
    const e = agg.get(k) ?? { n: 0, hit: 0 };
    e.n++;
    if (scores[i]! >= t) e.hit++;
    agg.set(k, e);
  });
  const rate = (k: string) => {
    const e = agg.get(k);
    return e ? e.hit / e.n : 0;
  };
  const mean = KEYS.slice(0, 4).reduce((a, k) => a + rate(k), 0) / 4;
  // A smoother summary: the mean TPR averaged over xstest-safe bars 6-14% (the 10% bar alone moves by a
  // whole example of ~83 and makes single comparisons noisy).
  let smooth = 0;
  for (const bar of [0.06, 0.08, 0.1, 0.12, 0.14]) smooth += meanTprAt(rows, scores, bar) / 5;
  console.log(
    [
      v.name.padEnd(40),
      t.toFixed(3),
      ...KEYS.slice(0, 5).map((k) => rate(k).toFixed(3)),
      '|',
      ...KEYS.slice(5).map((k) => rate(k).toFixed(3)),
      '|',
      mean.toFixed(3),
      'smooth',
      smooth.toFixed(3),
    ].join(' '),
  );
}
