/**
 * The shipped prompt-attack classifier (models/prompt-attack/model.json: hashed word and character
 * n-grams, linear model), loaded as a JSON import so it works under tsx and bundlers.
 */
import model from '../../../../../models/prompt-attack/model.json' with { type: 'json' };
import { type LinearModel, loadLinearModel, parseLinearModel } from '../../ml/linear-model.ts';
import type { LinearRow } from './features.ts';

export { classifierText } from './prepare.ts';

/** Loads the shipped prompt-attack model (validated once). Its score 0.5 is the chosen operating point. */
export function loadPromptAttackModel(): LinearModel {
  return loadLinearModel(model);
}

/**
 * The parameters of a one-label linear model file for the fast scorer (features.ts), validated by
 * parseLinearModel as loadLinearModel validates them. Defaults to the shipped model.
 */
export function linearRow(file: unknown = model): LinearRow {
  const { file: m, rows } = parseLinearModel(file);
  if (m.labels.length !== 1) throw new Error('the prompt-attack model has one label');
  return { features: m.features, weights: rows[0]!, scale: m.scales[0]!, bias: m.bias[0]! };
}
