/**
 * The stacking layer of the harmful model: a small logistic regression over the binary model's logit and
 * one indicator per category cue and per harmful-intent cue. It lets a few hand-written, high-precision
 * cues ("kill my wife", "synthesise LSD") count as much as they should, which a bag of thousands of
 * n-grams under L2 normalisation cannot learn from a few hundred examples.
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

/** Applies stacking weights: sigmoid(bias + w·x). */
export function stackScore(weights: readonly number[], bias: number, x: readonly number[]): number {
  let z = bias;
  for (let i = 0; i < x.length; i++) z += (weights[i] ?? 0) * x[i]!;
  return 1 / (1 + Math.exp(-z));
}
