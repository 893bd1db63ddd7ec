/**
 * The inputs of the harmful model's final head: the binary model's logit, one indicator per category cue
 * and per harmful-intent cue, and (headInputs) the pooled word vectors of the text. The indicators let a
 * few hand-written, high-precision cues ("kill my wife", "synthesise LSD") count as much as they should,
 * which a bag of thousands of n-grams under L2 normalisation cannot learn from a few hundred examples;
 * the word vectors carry meaning to paraphrases the n-grams never saw. `stackScore` is the earlier
 * logistic stacking layer, kept for the method comparison (training/harmful/compare-vectors.ts).
 */
import { type CueSignals, HAZARD_CODES } from './categories.ts';
import { INTENT_TOKENS } from './intent.ts';

/** Names of the stacking features, in order. */
export const STACK_FEATURES: readonly string[] = [
  'model_logit',
  ...HAZARD_CODES.map((c) => `cue_${c}`),
  ...INTENT_TOKENS,
];

/** The stacking features of a text given its binary model score `p` and its cue signals. */
export function stackFeatures(p: number, signals: CueSignals): number[] {
  const clamped = Math.min(1 - 1e-6, Math.max(1e-6, p));
  const out = new Array<number>(STACK_FEATURES.length).fill(0);
  out[0] = Math.log(clamped / (1 - clamped));
  for (const cue of signals.categories) out[1 + HAZARD_CODES.indexOf(cue.code)] = 1;
  for (const token of signals.intents)
    out[1 + HAZARD_CODES.length + INTENT_TOKENS.indexOf(token as never)] = 1;
  return out;
}

/** The final head's input row: the stacking features, then the pooled word vectors. */
export function headInputs(p: number, signals: CueSignals, pooled: ArrayLike<number>): number[] {
  const out = stackFeatures(p, signals);
  for (let i = 0; i < pooled.length; i++) out.push(pooled[i]!);
  return out;
}

/** `headInputs` as a typed array (the same values), for the detector's scoring. */
export function headRow(p: number, signals: CueSignals, pooled: ArrayLike<number>): Float64Array {
  const stack = stackFeatures(p, signals);
  const out = new Float64Array(stack.length + pooled.length);
  out.set(stack);
  for (let i = 0; i < pooled.length; i++) out[stack.length + i] = pooled[i]!;
  return out;
}

/** Applies stacking weights: sigmoid(bias + w·x); entries of `x` beyond the weights are ignored. */
export function stackScore(weights: readonly number[], bias: number, x: ArrayLike<number>): number {
  let z = bias;
  const n = Math.min(weights.length, x.length);
  for (let i = 0; i < n; i++) z += weights[i]! * x[i]!;
  return 1 / (1 + Math.exp(-z));
}
