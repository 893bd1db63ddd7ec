import { z } from 'zod';
import { LinearModelFile } from '../../ml/linear-model.ts';

/**
 * The shipped `harmful` model (models/harmful/model.json): a binary harmful-vs-safe linear model, a
 * category assigner (one linear head per hazard code, trained on harmful texts only, so it scores
 * "which category, given harmful"), and the thresholds chosen by cross-validation on the training split.
 * Built by training/harmful/train.ts.
 */
export const HarmfulModelFile = z.object({
  type: z.literal('harmful'),
  version: z.literal(1),
  binary: LinearModelFile,
  categories: LinearModelFile,
  /** Stacking layer over the binary logit and cue indicators (stack.ts); its output is the harmful score. */
  stack: z.object({ features: z.array(z.string()), weights: z.array(z.number()), bias: z.number() }),
  /** Default decision threshold on the binary score. */
  threshold: z.number().min(0).max(1),
  /** A category head at or above this is reported next to the top category. */
  categoryThreshold: z.number().min(0).max(1),
});
export type HarmfulModelFile = z.infer<typeof HarmfulModelFile>;
