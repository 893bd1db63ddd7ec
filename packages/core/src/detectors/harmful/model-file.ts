import { z } from 'zod';
import { DenseModelFile } from '../../ml/dense-model.ts';
import { LinearModelFile } from '../../ml/linear-model.ts';
import { PoolingOptions } from '../../ml/word-vectors.ts';

/**
 * The shipped `harmful` model (models/harmful/model.json): a binary harmful-vs-safe linear model over
 * hashed n-grams, a final head over its logit, the cue indicators and the pooled word vectors of the text
 * (models/word-vectors/) blended with a logistic stacking layer, a category assigner (one linear head per hazard code, trained on harmful texts
 * only, so it scores "which category, given harmful"), and the thresholds chosen by cross-validation on
 * the training split. Built by training/harmful/train.ts.
 */
export const HarmfulModelFile = z.object({
  type: z.literal('harmful'),
  version: z.literal(2),
  binary: LinearModelFile,
  categories: LinearModelFile,
  /**
   * The final head. The harmful score is the mean of two parts: the dense models (mean score) over
   * [binary logit, cue indicators, pooled word vectors] (stack.ts `headInputs`), and the logistic
   * stacking layer over [binary logit, cue indicators] (`stackScore`).
   */
  head: z.object({
    pooling: PoolingOptions,
    models: z.array(DenseModelFile).min(1),
    stack: z.object({ features: z.array(z.string()), weights: z.array(z.number()), bias: z.number() }),
  }),
  /** Default decision threshold on the harmful score. */
  threshold: z.number().min(0).max(1),
  /** A category head at or above this is reported next to the top category. */
  categoryThreshold: z.number().min(0).max(1),
});
export type HarmfulModelFile = z.infer<typeof HarmfulModelFile>;
