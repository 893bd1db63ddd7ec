/**
 * The shipped prompt-attack classifier (models/prompt-attack/model.json: hashed word and character
 * n-grams, linear model), loaded as a JSON import so it works under tsx and bundlers.
 */
import model from '../../../../../models/prompt-attack/model.json' with { type: 'json' };
import { type LinearModel, loadLinearModel } from '../../ml/linear-model.ts';

export { classifierText } from './prepare.ts';

/** Loads the shipped prompt-attack model (validated once). Its score 0.5 is the chosen operating point. */
export function loadPromptAttackModel(): LinearModel {
  return loadLinearModel(model);
}
