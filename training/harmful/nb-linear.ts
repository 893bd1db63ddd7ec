/**
 * The one-label NB-LR variant compared for the harmful model: the shared NB-LR trainer
 * (training/lib/train-nb-linear.ts) with this model's defaults (learning rate 0.2, L2 1e-5).
 */
import type { FeatureOptions, LinearModelFile } from '../../packages/core/src/index.ts';
import type { TrainingExample } from '../lib/train-linear.ts';
import { trainNbLinear as trainShared } from '../lib/train-nb-linear.ts';

/** Options of {@link trainNbLinear}. */
export interface NbLinearOptions {
  label: string;
  features: FeatureOptions;
  epochs: number;
  seed: number;
  /** Additive smoothing of the feature sums. Default 1. */
  alpha?: number;
  learningRate?: number;
  l2?: number;
  description: string;
}

/** Trains a one-label NB-LR model; an example is positive when its labels include `label`. */
export function trainNbLinear(examples: readonly TrainingExample[], o: NbLinearOptions): LinearModelFile {
  return trainShared(examples, {
    labels: [o.label],
    features: o.features,
    epochs: o.epochs,
    seed: o.seed,
    learningRate: o.learningRate ?? 0.2,
    l2: o.l2 ?? 1e-5,
    description: o.description,
    ...(o.alpha === undefined ? {} : { alpha: o.alpha }),
  });
}
