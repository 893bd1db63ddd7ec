/**
 * The classification and handling markers the confidential detector knows, with their type and how
 * much they mean on their own. Phrases are written lower-case with `-` for any dash; a phrase with a dash
 * also matches with a space or a slash there. `caps` phrases only count when written in capitals.
 */

/** Finding types of the confidential family. */
export type ConfidentialType =
  | 'CONFIDENTIAL'
  | 'INTERNAL_ONLY'
  | 'PRIVILEGED'
  | 'RESTRICTED'
  | 'SECRET_CLASSIFICATION'
  | 'NDA'
  | 'EXPORT_CONTROLLED'
  | 'TRADE_SECRET';

/**
 * `strong`: a marker even inside a sentence ("for internal use only"); `medium`: a marker in a header or
 * label, a hint in prose ("confidential"); `weak`: an ordinary word that is a marker only as a header,
 * label or in capitals ("restricted").
 */
export type MarkerStrength = 'strong' | 'medium' | 'weak';

export interface MarkerPhrase {
  phrase: string;
  type: ConfidentialType;
  strength: MarkerStrength;
  /** Must be written in capitals in the text (acronyms such as ITAR). */
  caps?: boolean;
  /** ISO 639-1 language of the phrase. */
  lang: string;
}

const m = (
  phrase: string,
  type: ConfidentialType,
  strength: MarkerStrength,
  lang = 'en',
  caps = false,
): MarkerPhrase => (caps ? { phrase, type, strength, lang, caps } : { phrase, type, strength, lang });

/** Every built-in marker phrase. */
export const MARKER_PHRASES: readonly MarkerPhrase[] = [
  // English: confidential
  m('confidential', 'CONFIDENTIAL', 'medium'),
  m('strictly confidential', 'CONFIDENTIAL', 'strong'),
  m('highly confidential', 'CONFIDENTIAL', 'strong'),
  m('company confidential', 'CONFIDENTIAL', 'strong'),
  m('business confidential', 'CONFIDENTIAL', 'strong'),
  m('confidential and proprietary', 'CONFIDENTIAL', 'strong'),
  m('proprietary and confidential', 'CONFIDENTIAL', 'strong'),
  m('proprietary & confidential', 'CONFIDENTIAL', 'strong'),
  m('confidential - do not distribute', 'CONFIDENTIAL', 'strong'),
  m('confidential - internal', 'CONFIDENTIAL', 'strong'),
  m('this document is confidential', 'CONFIDENTIAL', 'strong'),
  m('this email is confidential', 'CONFIDENTIAL', 'strong'),
  m('this message is confidential', 'CONFIDENTIAL', 'strong'),
  m('contains confidential information', 'CONFIDENTIAL', 'strong'),
  m('sensitive - internal', 'INTERNAL_ONLY', 'strong'),
  // English: internal only / distribution
  m('internal only', 'INTERNAL_ONLY', 'medium'),
  m('internal use only', 'INTERNAL_ONLY', 'strong'),
  m('for internal use only', 'INTERNAL_ONLY', 'strong'),
  m('for internal use', 'INTERNAL_ONLY', 'medium'),
  m('internal distribution only', 'INTERNAL_ONLY', 'strong'),
  m('not for external distribution', 'INTERNAL_ONLY', 'strong'),
  m('not for distribution', 'INTERNAL_ONLY', 'strong'),
  m('not for public release', 'INTERNAL_ONLY', 'strong'),
  m('do not distribute', 'INTERNAL_ONLY', 'strong'),
  m('do not forward', 'INTERNAL_ONLY', 'medium'),
  m('do not copy', 'INTERNAL_ONLY', 'weak'),
  m('internal', 'INTERNAL_ONLY', 'weak', 'en', true),
  // English: privileged
  m('attorney-client privileged', 'PRIVILEGED', 'strong'),
  m('attorney-client privilege', 'PRIVILEGED', 'strong'),
  m('attorney-client communication', 'PRIVILEGED', 'strong'),
  m('attorney work product', 'PRIVILEGED', 'strong'),
  m('privileged and confidential', 'PRIVILEGED', 'strong'),
  m('privileged & confidential', 'PRIVILEGED', 'strong'),
  m('legally privileged', 'PRIVILEGED', 'strong'),
  m('privileged', 'PRIVILEGED', 'weak'),
  // English: restricted and government classifications
  m('restricted', 'RESTRICTED', 'weak'),
  m('strictly restricted', 'RESTRICTED', 'strong'),
  m('restricted distribution', 'RESTRICTED', 'strong'),
  m('restricted - internal', 'RESTRICTED', 'strong'),
  m('top secret', 'SECRET_CLASSIFICATION', 'medium'),
  m('secret', 'SECRET_CLASSIFICATION', 'weak', 'en', true),
  m('noforn', 'SECRET_CLASSIFICATION', 'strong', 'en', true),
  m('ts/sci', 'SECRET_CLASSIFICATION', 'strong', 'en', true),
  m('fouo', 'SECRET_CLASSIFICATION', 'strong', 'en', true),
  m('for official use only', 'SECRET_CLASSIFICATION', 'strong'),
  m('controlled unclassified information', 'SECRET_CLASSIFICATION', 'strong'),
  m('classified', 'SECRET_CLASSIFICATION', 'weak'),
  // English: NDA, trade secrets, export control
  m('under nda', 'NDA', 'strong'),
  m('subject to nda', 'NDA', 'strong'),
  m('subject to an nda', 'NDA', 'strong'),
  m('covered by nda', 'NDA', 'strong'),
  m('covered by an nda', 'NDA', 'strong'),
  m('nda required', 'NDA', 'strong'),
  m('subject to a non-disclosure agreement', 'NDA', 'strong'),
  m('under a non-disclosure agreement', 'NDA', 'strong'),
  m('trade secret', 'TRADE_SECRET', 'medium'),
  m('contains trade secrets', 'TRADE_SECRET', 'strong'),
  m('itar', 'EXPORT_CONTROLLED', 'medium', 'en', true),
  m('itar controlled', 'EXPORT_CONTROLLED', 'strong'),
  m('itar-controlled', 'EXPORT_CONTROLLED', 'strong'),
  m('ear99', 'EXPORT_CONTROLLED', 'strong', 'en', true),
  m('export controlled', 'EXPORT_CONTROLLED', 'medium'),
  m('export-controlled', 'EXPORT_CONTROLLED', 'medium'),
  m('subject to the export administration regulations', 'EXPORT_CONTROLLED', 'strong'),
  m('subject to itar', 'EXPORT_CONTROLLED', 'strong'),
  // German
  m('vertraulich', 'CONFIDENTIAL', 'medium', 'de'),
  m('streng vertraulich', 'CONFIDENTIAL', 'strong', 'de'),
  m('nur für den internen gebrauch', 'INTERNAL_ONLY', 'strong', 'de'),
  m('nur für internen gebrauch', 'INTERNAL_ONLY', 'strong', 'de'),
  m('nur zum internen gebrauch', 'INTERNAL_ONLY', 'strong', 'de'),
  m('nur für den dienstgebrauch', 'SECRET_CLASSIFICATION', 'strong', 'de'),
  m('streng geheim', 'SECRET_CLASSIFICATION', 'strong', 'de'),
  m('geheim', 'SECRET_CLASSIFICATION', 'weak', 'de', true),
  // French
  m('confidentiel', 'CONFIDENTIAL', 'medium', 'fr'),
  m('strictement confidentiel', 'CONFIDENTIAL', 'strong', 'fr'),
  m('usage interne', 'INTERNAL_ONLY', 'medium', 'fr'),
  m('à usage interne uniquement', 'INTERNAL_ONLY', 'strong', 'fr'),
  m('diffusion restreinte', 'RESTRICTED', 'strong', 'fr'),
  m('secret défense', 'SECRET_CLASSIFICATION', 'strong', 'fr'),
  // Spanish / Portuguese
  m('confidencial', 'CONFIDENTIAL', 'medium', 'es'),
  m('estrictamente confidencial', 'CONFIDENTIAL', 'strong', 'es'),
  m('estritamente confidencial', 'CONFIDENTIAL', 'strong', 'pt'),
  m('uso interno', 'INTERNAL_ONLY', 'medium', 'es'),
  m('solo para uso interno', 'INTERNAL_ONLY', 'strong', 'es'),
  m('para uso interno', 'INTERNAL_ONLY', 'strong', 'es'),
  m('apenas para uso interno', 'INTERNAL_ONLY', 'strong', 'pt'),
  // Italian
  m('riservato', 'CONFIDENTIAL', 'weak', 'it'),
  m('strettamente riservato', 'CONFIDENTIAL', 'strong', 'it'),
  m('riservato e confidenziale', 'CONFIDENTIAL', 'strong', 'it'),
  m('confidenziale', 'CONFIDENTIAL', 'medium', 'it'),
  m('solo per uso interno', 'INTERNAL_ONLY', 'strong', 'it'),
  // Dutch
  m('vertrouwelijk', 'CONFIDENTIAL', 'medium', 'nl'),
  m('strikt vertrouwelijk', 'CONFIDENTIAL', 'strong', 'nl'),
  m('alleen voor intern gebruik', 'INTERNAL_ONLY', 'strong', 'nl'),
  m('intern gebruik', 'INTERNAL_ONLY', 'medium', 'nl'),
];

/** Words that introduce a marker on a label line ("Classification: Restricted"). */
export const MARKER_LABELS: readonly string[] = [
  'classification',
  'security classification',
  'data classification',
  'sensitivity',
  'sensitivity label',
  'marking',
  'handling',
  'distribution',
  'label',
  'klassifizierung',
  'einstufung',
  'vertraulichkeit',
  'classement',
  'clasificación',
  'classificazione',
  'classificatie',
];
