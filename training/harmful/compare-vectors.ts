/**
 * Method comparison for the word-vector head of the harmful model (numbers in models/harmful/MODEL_CARD.md).
 * Everything is decided inside the TRAINING split (even ids): out-of-fold n-gram scores (5 folds by the
 * last id digit), then 5-fold cross-validation of each second stage over those, a threshold per variant
 * from the FPR bars (chooseThreshold), and per-dataset rates at that threshold. With `--report`
 * it also trains the listed variants on the whole training split and prints their REPORT-split (odd id)
 * rates, for the model card (see its disclosure of how the shipped setup was reached).
 *
 * Run: `node --import tsx training/harmful/compare-vectors.ts [--report]` (datasets from PARAPET_DATASETS;
 * word vectors from PARAPET_WORD_VECTORS_DIR/vec-<size>.json files built by training/word-vectors/build.ts,
 * else the shipped models/word-vectors/vectors.json for every size).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cueSignals, withCueTokens } from '../../packages/core/src/detectors/harmful/categories.ts';
import { stackFeatures, stackScore } from '../../packages/core/src/detectors/harmful/stack.ts';
import { loadLinearModel } from '../../packages/core/src/index.ts';
import {
  loadShippedWordVectors,
  shippedWordVectors,
} from '../../packages/core/src/ml/shipped-word-vectors.ts';
import { loadWordVectors, type WordVectors } from '../../packages/core/src/ml/word-vectors.ts';
import {
  type BuildOptions,
  chooseThreshold,
  crossValidatedHeadScores,
  crossValidatedStackScores,
  DEFAULT_BUILD,
  type HeadOptions,
  headScorer,
  outOfFoldScores,
  trainBinary,
  trainHead,
  trainStack,
} from './build.ts';
import { type LabelledText, reportRows, trainingRows } from './data.ts';
import { instructionRows } from './instructions.ts';

// The shipped word vectors are imported on first use (ml/shipped-word-vectors.ts): load them once here.
await loadShippedWordVectors();

interface Variant {
  name: string;
  /** N-gram model whose logit is an input (null: none; the logit input is then constant). */
  ngram: 'wordchar' | 'word' | null;
  /** 'stack': the earlier logistic stacking layer (trainStack); else a dense head. */
  head: 'stack' | (Partial<HeadOptions> & { vocab?: number | string });
  /** Average the dense head with the logistic stack. */
  blend?: boolean;
}

const WORD_ONLY: BuildOptions = {
  ...DEFAULT_BUILD,
  features: { dims: 1 << 18, wordNgrams: [1, 2], charNgrams: [], maxChars: 2048 },
};

const vectorCache = new Map<number | string, WordVectors>();
/** Word vectors of a vocabulary size: PARAPET_WORD_VECTORS_DIR/vec-<size>.json, else the shipped file. */
function vectors(size: number | string | undefined): WordVectors {
  const dir = process.env.PARAPET_WORD_VECTORS_DIR;
  if (size === undefined || !dir || !existsSync(join(dir, `vec-${size}.json`))) return shippedWordVectors();
  let v = vectorCache.get(size);
  if (!v) {
    v = loadWordVectors(JSON.parse(readFileSync(join(dir, `vec-${size}.json`), 'utf8')));
    vectorCache.set(size, v);
  }
  return v;
}

function optionsOf(v: Variant): BuildOptions {
  return v.head === 'stack'
    ? DEFAULT_BUILD
    : { ...DEFAULT_BUILD, head: { ...DEFAULT_BUILD.head, ...v.head } };
}

/** Cross-validated scores of a variant's second stage over the training rows' out-of-fold n-gram scores. */
function cvScores(v: Variant, probs: readonly number[]): number[] {
  if (v.head !== 'stack') {
    const head = crossValidatedHeadScores(rows, probs, optionsOf(v), vectors(v.head.vocab));
    if (!v.blend) return head;
    const stack = cvScores({ ...v, head: 'stack' }, probs);
    return head.map((h, i) => (h + stack[i]!) / 2);
  }
  return crossValidatedStackScores(rows, probs, DEFAULT_BUILD);
}

/** A scorer over (text, binary score) trained on all training rows. */
function fitAll(v: Variant, probs: readonly number[]): (text: string, p: number) => number {
  if (v.head === 'stack') {
    const stack = trainStack(rows, probs, DEFAULT_BUILD);
    return (text, p) => stackScore(stack.weights, stack.bias, stackFeatures(p, cueSignals(text)));
  }
  const o = optionsOf(v);
  const vec = vectors(v.head.vocab);
  const head = headScorer(trainHead(rows, probs, o, vec), o, vec);
  if (!v.blend) return head;
  const stack = fitAll({ ...v, head: 'stack' }, probs);
  return (text, p) => (head(text, p) + stack(text, p)) / 2;
}

function rates(rows: readonly LabelledText[], scores: readonly number[], t: number) {
  const out = new Map<string, { n: number; hit: number }>();
  rows.forEach((r, i) => {
    const key = `${r.dataset}${r.dataset === 'xstest' ? (r.harmful ? '+' : '-') : ''}`;
    const e = out.get(key) ?? { n: 0, hit: 0 };
    e.n++;
    if (scores[i]! >= t) e.hit++;
    out.set(key, e);
  });
  return out;
}

function line(name: string, t: number, r: Map<string, { n: number; hit: number }>): string {
  const f = (k: string) => {
    const e = r.get(k);
    return e ? (e.hit / e.n).toFixed(3) : '  –  ';
  };
  const tprs = ['advbench', 'strongreject', 'jailbreak-llms-forbidden-questions', 'xstest+'].map((k) => {
    const e = r.get(k);
    return e ? e.hit / e.n : 0;
  });
  const mean = tprs.reduce((a, b) => a + b, 0) / tprs.length;
  return [
    name.padEnd(34),
    t.toFixed(3),
    ...[
      'advbench',
      'strongreject',
      'jailbreak-llms-forbidden-questions',
      'xstest+',
      'hh-rlhf-harmless-first-turns',
    ].map(f),
    '|',
    ...[
      'xstest-',
      'oasst1-prompts',
      'self-instruct-prompts',
      'jackhhao-jailbreak-classification',
      'alpaca-harmless-instructions',
      'notinject',
    ].map(f),
    '| mean',
    mean.toFixed(3),
  ].join(' ');
}

// PARAPET_TEMPLATES=<benign>,<harmful>: how many hand-written instructions (instructions.ts) to add;
// default: the shipped counts.
const templates = process.env.PARAPET_TEMPLATES?.split(',').map(Number);
const rows = [
  ...trainingRows(),
  ...(templates ? instructionRows(templates[0], templates[1]) : instructionRows()),
];
// PARAPET_OOF_CACHE: a scratch file for the out-of-fold n-gram scores (numbers only), to rerun quickly.
const cache = process.env.PARAPET_OOF_CACHE;
const oof: Record<'wordchar' | 'word', number[]> =
  cache && existsSync(cache)
    ? JSON.parse(readFileSync(cache, 'utf8'))
    : { wordchar: outOfFoldScores(rows, DEFAULT_BUILD), word: outOfFoldScores(rows, WORD_ONLY) };
if (cache && !existsSync(cache)) writeFileSync(cache, JSON.stringify(oof));
const probsOf = (v: Variant): number[] => (v.ngram ? oof[v.ngram] : rows.map(() => 0.5));

const VARIANTS: Variant[] = JSON.parse(process.env.H3_VARIANTS ?? 'null') ?? [
  { name: 'n-gram LR + logistic stack', ngram: 'wordchar', head: 'stack' },
  { name: 'LR [stack, vec30k]', ngram: 'wordchar', head: { hidden: 0 } },
  { name: 'MLP16 [stack, vec30k]', ngram: 'wordchar', head: { vocab: 30000 } },
  { name: 'MLP16 [cues, vec30k], no n-grams', ngram: null, head: { vocab: 30000 } },
  { name: 'blend, word n-grams only, vec30k', ngram: 'word', head: { vocab: 30000 }, blend: true },
  { name: 'blend MLP16 + stack, vec10k', ngram: 'wordchar', head: { vocab: 10000 }, blend: true },
  { name: 'blend MLP16 + stack, vec20k', ngram: 'wordchar', head: { vocab: 20000 }, blend: true },
  { name: 'blend MLP16 + stack, vec30k (shipped)', ngram: 'wordchar', head: { vocab: 30000 }, blend: true },
  { name: 'blend MLP16 + stack, vec50k', ngram: 'wordchar', head: { vocab: 50000 }, blend: true },
];

console.log('cross-validation inside the training split (even ids)');
console.log(
  'variant                            thr   adv   sr    fq    xs+   hh    | xs-   oasst self  jack  alpaca notinj | mean TPR',
);
const cvThreshold = new Map<string, number>();
for (const v of VARIANTS) {
  const scores = cvScores(v, probsOf(v));
  const t = chooseThreshold(rows, scores, Number(process.env.PARAPET_BENIGN_BAR ?? 0.01));
  cvThreshold.set(v.name, t);
  console.log(line(v.name, t, rates(rows, scores, t)));
}

if (process.argv.includes('--report')) {
  const report = reportRows();
  const all = [...report.values()].flat();
  console.log('\nREPORT split (odd ids; whole eval-only sets), each at its cross-validated threshold');
  const binaries = {
    wordchar: loadLinearModel(trainBinary(rows, DEFAULT_BUILD, 'report')),
    word: loadLinearModel(trainBinary(rows, WORD_ONLY, 'report')),
  };
  for (const v of VARIANTS) {
    const score = fitAll(v, probsOf(v));
    const scores = all.map((r) =>
      score(r.text, v.ngram ? binaries[v.ngram].score(withCueTokens(r.text))[0]! : 0.5),
    );
    console.log(line(v.name, cvThreshold.get(v.name)!, rates(all, scores, cvThreshold.get(v.name)!)));
  }
}
