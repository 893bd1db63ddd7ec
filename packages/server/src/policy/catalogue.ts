import {
  DEFAULT_TOPICS,
  type Detector,
  HAZARD_CODES,
  PII_TYPES,
  type PolicyCatalogue,
  PROMPT_ATTACK_TYPES,
  SECRET_RULES,
  TOXICITY_TYPES,
} from '@parapet/core';
import type { Config } from '../config/index.ts';

/** Types the secrets detector reports outside its rule table (generic assignments, entropy, encodings). */
const SECRET_EXTRA_TYPES = ['GENERIC_SECRET', 'PASSWORD', 'PRIVATE_KEY', 'ENCODED_SECRET'];

/**
 * The finding types of each built-in family, so that a policy naming a type the family never reports is
 * an error. Families with open vocabularies (code languages, confidential markers, custom dictionaries,
 * external classifiers) are null: any type is accepted.
 */
function familyTypes(family: string, config: Config): readonly string[] | null {
  switch (family) {
    case 'pii':
      return PII_TYPES;
    case 'secrets':
      return [...new Set([...SECRET_RULES.map((r) => r.type), ...SECRET_EXTRA_TYPES])];
    case 'prompt_attack':
      return PROMPT_ATTACK_TYPES;
    case 'harmful':
      return HAZARD_CODES;
    case 'toxicity':
      return TOXICITY_TYPES;
    case 'topics': {
      const settings = (config.detectors as Record<string, unknown>).topics as
        | { custom?: { id?: unknown }[] }
        | undefined;
      const custom = (settings?.custom ?? [])
        .map((t) => t.id)
        .filter((id): id is string => typeof id === 'string');
      return [...new Set([...DEFAULT_TOPICS.map((t) => t.id), ...custom])];
    }
    case 'fingerprint':
      return ['DOCUMENT_FINGERPRINT'];
    default:
      return null;
  }
}

/**
 * What a policy may name in this deployment: the enabled detector families and their types, the model
 * table (names and aliases), upstreams, model tags, and groups known from elsewhere (virtual keys).
 */
export function policyCatalogue(
  config: Config,
  detectors: readonly Pick<Detector, 'family'>[],
  knownGroups: readonly string[] = [],
): PolicyCatalogue {
  const families: Record<string, readonly string[] | null> = {};
  for (const d of detectors) {
    if (families[d.family] === undefined) families[d.family] = familyTypes(d.family, config);
  }
  const models = new Set<string>();
  const tags = new Set<string>();
  for (const [name, entry] of Object.entries(config.models)) {
    models.add(name);
    for (const alias of entry.aliases) models.add(alias);
    for (const tag of entry.tags) tags.add(tag);
  }
  return {
    families,
    models: [...models],
    providers: Object.keys(config.upstreams),
    tags: [...tags],
    groups: [...new Set(knownGroups)],
  };
}
