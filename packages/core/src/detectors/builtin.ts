import { codeDefinition } from './code/code.ts';
import { confidentialDefinition } from './confidential/confidential.ts';
import { dictionaryDefinition } from './dictionary/dictionary.ts';
import { fingerprintDefinition } from './fingerprint/fingerprint.ts';
import { harmfulDefinition } from './harmful/index.ts';
import { piiDefinition } from './pii/index.ts';
import { promptAttackDefinition } from './prompt-attack/index.ts';
import type { DetectorDefinition } from './registry.ts';
import { secretsDefinition } from './secrets/index.ts';
import { topicsDefinition } from './topics/topics.ts';
import { toxicityDefinition } from './toxicity/index.ts';

/**
 * The built-in detectors, in the order they are reported. An explicit list: adding a detector means adding
 * it here (nothing registers itself on import).
 */
export const BUILTIN_DETECTORS: readonly DetectorDefinition[] = Object.freeze([
  piiDefinition,
  secretsDefinition,
  codeDefinition,
  confidentialDefinition,
  dictionaryDefinition,
  fingerprintDefinition,
  promptAttackDefinition,
  harmfulDefinition,
  toxicityDefinition,
  topicsDefinition,
] as DetectorDefinition[]);
