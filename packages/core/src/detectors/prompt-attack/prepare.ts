import { normalizeText } from '../normalize.ts';

/**
 * The text the prompt-attack classifier scores, shared by the detector and its training script: the
 * engine's normalisation (NFKC, invisible characters removed, confusables folded, whitespace folded).
 * The features lower-case and truncate it themselves.
 */
export function classifierText(text: string): string {
  return normalizeText(text).text;
}
