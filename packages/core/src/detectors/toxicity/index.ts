/**
 * The `toxicity` family: abuse, hate, harassment, threats and profanity (toxicity.ts), with the lexicon
 * and phrase rules it uses (lexicon.ts, rules.ts).
 */

export { matchRules, namesGroup, type RuleHit, type RuleType } from './rules.ts';
export {
  createToxicityDetector,
  MODEL_OPERATING_POINTS,
  TOXICITY_TYPES,
  ToxicitySettings,
  type ToxicityType,
  toxicityDefinition,
} from './toxicity.ts';
