/**
 * Recognizers driven by one regular expression each: identifiers with letters, network identifiers,
 * crypto addresses, dates, ages and context-only formats. Every expression is linear-time: literal or
 * narrow-class prefixes, bounded repetitions, no nested quantifiers over overlapping classes.
 */

import {
  bitcoinBase58Valid,
  bitcoinBech32Valid,
  esNieValid,
  esNifValid,
  ethereumChecksum,
  fiPersonalIdValid,
  frNirValid,
  ibanValid,
  inGstinValid,
  itFiscalCodeValid,
  sgNricValid,
  ukNinoValid,
  usDeaValid,
  vinValid,
} from './checksums.ts';
import { CONTEXT } from './context-words.ts';

/** What must be present in the text for a recognizer to run at all (a cheap prefilter). */
export type Gate = 'digit' | 'none';

/** A recognizer built on one global regular expression. */
export interface PatternRecognizer {
  readonly id: string;
  readonly type: string;
  readonly languages: readonly string[];
  readonly gate: Gate;
  /** Global expression; when `group` is set it also has the `d` flag and the span is that group's. */
  readonly pattern: RegExp;
  readonly group?: number;
  /** Run only when the lower-cased text contains one of these words (context-only formats). */
  readonly requires?: readonly string[];
  /**
   * Cheap necessary conditions on a digit window (`gate: 'digit'` only), read off the expression: every
   * match holds a run of at least `minDigitRun` ASCII digits, of `minUpperRun` characters of `[A-Z0-9]`,
   * of `minAlnumRun` characters of `[A-Za-z0-9]`. A window without such runs is not searched; most prose
   * has no digit run longer than a year and no capital run longer than an acronym.
   */
  readonly minDigitRun?: number;
  readonly minUpperRun?: number;
  readonly minAlnumRun?: number;
  /**
   * A cheap necessary condition (non-global, no look-arounds): every match of `pattern` holds a match of
   * it, so a text (or digit window) where it finds nothing is not searched with `pattern`.
   */
  readonly prefilter?: RegExp;
  /**
   * Every match holds one of these words (lower case) as a whole word: a maximal run of letters,
   * compared case-insensitively (see anchor-words.ts). A text without one is not searched.
   */
  readonly anchorWords?: readonly string[];
  /** With {@link anchorWords}: every match also holds an ASCII digit within this many characters of the word. */
  readonly anchorDigitReach?: number;
  /**
   * Every match starts `anchorOffset` characters after a match of this global expression, which matches
   * at no position inside its own matches: the recognizer's expression is tried only there (sticky),
   * which finds the same matches as a scan from every position.
   */
  readonly anchor?: RegExp;
  readonly anchorOffset?: number;
  /**
   * With {@link anchorWords} (no digit reach): every match ends where a whole run of letters holding an
   * anchor word ends, and is at most this many characters long. The expression is then tried (sticky)
   * only at the positions up to this far before such a run, found by the anchor-word scan, which finds
   * the same matches as a scan from every position.
   */
  readonly anchorWordsEnd?: number;
  /**
   * With {@link anchorWords}: every match holds an anchor word as a whole run of letters that starts at
   * most this many characters after the match starts. The expression is then tried (sticky) only at those
   * positions before the anchor-word runs of each digit window, which finds the same matches as a scan of
   * the window from every position.
   */
  readonly anchorWordsStart?: number;
  readonly context: readonly string[];
  /** Score raise when a context word is near; default 0.35. */
  readonly boost?: number;
  /** Base score for the matched value, or null when it is not valid. */
  score(value: string): number | null;
  readonly weak?: boolean;
}

const ALL = ['*'] as const;
const compact = (value: string): string => value.replace(/[\s.-]/g, '').toUpperCase();

const MONTHS = [
  // en
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
  // de
  'januar',
  'jänner',
  'februar',
  'märz',
  'mai',
  'juni',
  'juli',
  'oktober',
  'dezember',
  // fr
  'janvier',
  'février',
  'fevrier',
  'mars',
  'avril',
  'juin',
  'juillet',
  'août',
  'aout',
  'septembre',
  'octobre',
  'novembre',
  'décembre',
  'decembre',
  // es
  'enero',
  'febrero',
  'marzo',
  'abril',
  'mayo',
  'junio',
  'julio',
  'agosto',
  'septiembre',
  'setiembre',
  'octubre',
  'noviembre',
  'diciembre',
  // it
  'gennaio',
  'febbraio',
  'aprile',
  'maggio',
  'giugno',
  'luglio',
  'settembre',
  'ottobre',
  'dicembre',
  // pt
  'janeiro',
  'fevereiro',
  'março',
  'marco',
  'maio',
  'junho',
  'julho',
  'setembro',
  'outubro',
  'novembro',
  'dezembro',
  // nl
  'januari',
  'februari',
  'maart',
  'mei',
  'augustus',
  'oktober',
];
const MONTH_ALT = [...new Set(MONTHS)].sort((a, b) => b.length - a.length).join('|');
const WEEKDAY_WORDS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
  'montag',
  'dienstag',
  'mittwoch',
  'donnerstag',
  'freitag',
  'samstag',
  'sonntag',
  'lundi',
  'mardi',
  'mercredi',
  'jeudi',
  'vendredi',
  'samedi',
  'dimanche',
  'lunes',
  'martes',
  'miércoles',
  'jueves',
  'viernes',
  'sábado',
  'domingo',
  'lunedì',
  'martedì',
  'mercoledì',
  'giovedì',
  'venerdì',
  'sabato',
  'domenica',
  'segunda-feira',
  'terça-feira',
  'quarta-feira',
  'quinta-feira',
  'sexta-feira',
  'maandag',
  'dinsdag',
  'woensdag',
  'donderdag',
  'vrijdag',
  'zaterdag',
  'zondag',
];
const WEEKDAYS = [...WEEKDAY_WORDS].sort((a, b) => b.length - a.length).join('|');
/** The whole words of the weekday names: `segunda-feira` is the words `segunda` and `feira`. */
const WEEKDAY_ANCHORS = [...new Set(WEEKDAY_WORDS.map((w) => w.slice(w.lastIndexOf('-') + 1)))];

const DAY = '(?:0?[1-9]|[12]\\d|3[01])';
const YEAR = '(?:1[6-9]\\d\\d|20\\d\\d)';

/** Month-name dates: "5 March 2020", "March 5th, 2020", "5. März 2020", "5 de marzo de 2020", "mars 2020". */
const MONTH_DATE = new RegExp(
  `(?<![\\p{L}\\d])(?:${DAY}(?:st|nd|rd|th|er|º|°)?\\.?[ \\u00a0](?:de |of )?)?(?:${MONTH_ALT})\\.?(?:[ \\u00a0]${DAY}(?:st|nd|rd|th)?,?)?(?:[ \\u00a0](?:de |del )?${YEAR})?(?![\\p{L}\\d])`,
  'giu',
);

function monthDateScore(value: string): number | null {
  // Require a day or a year with the month name: a bare "may" or "mars" is a word, not a date.
  if (!/\d/.test(value)) return null;
  // "may 5" / "mar 3" alone are ambiguous; need a year or a full month name.
  if (!/\d{4}/.test(value) && /^(?:may|mar|mai|mayo|maio|mei)\b/i.test(value.replace(/^\d+\S*\s/, '')))
    return 0.4;
  return 0.75;
}

function numericDateScore(value: string): number | null {
  const parts = value.split(/[./-]/);
  if (parts.length !== 3) return null;
  const a = Number(parts[0]);
  const b = Number(parts[1]);
  if (a > 12 && b > 12) return null;
  return (parts[2] as string).length === 4 ? 0.7 : 0.45;
}

/** Pattern recognizers in priority order (earlier wins a tie on the same span). */
export const PATTERN_RECOGNIZERS: readonly PatternRecognizer[] = [
  {
    id: 'pii.iban',
    type: 'IBAN_CODE',
    languages: ALL,
    gate: 'digit',
    pattern: /(?<![\w])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,3})?(?![\w])/g,
    context: CONTEXT.iban,
    score: (value) => (ibanValid(compact(value).replace(/ /g, '')) ? 0.95 : null),
  },
  {
    id: 'pii.crypto.bitcoin-base58',
    type: 'CRYPTO',
    languages: ALL,
    gate: 'digit',
    minAlnumRun: 26,
    pattern: /(?<![\w])[13][1-9A-HJ-NP-Za-km-z]{25,34}(?![\w])/g,
    context: CONTEXT.crypto,
    score: (value) => (bitcoinBase58Valid(value) ? 0.95 : null),
  },
  {
    id: 'pii.crypto.bitcoin-bech32',
    type: 'CRYPTO',
    languages: ALL,
    gate: 'digit',
    minAlnumRun: 14,
    pattern: /(?<![\w])(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{11,71}(?![\w])/g,
    context: CONTEXT.crypto,
    score: (value) => (bitcoinBech32Valid(value) ? 0.95 : null),
  },
  {
    id: 'pii.crypto.ethereum',
    type: 'CRYPTO',
    languages: ALL,
    gate: 'digit',
    minAlnumRun: 42,
    pattern: /(?<![\w])0x[0-9a-fA-F]{40}(?![\w])/g,
    context: CONTEXT.crypto,
    score: (value) => {
      const state = ethereumChecksum(value);
      return state === 'checksum' ? 0.95 : state === 'single-case' ? 0.45 : null;
    },
  },
  {
    id: 'pii.mac-address',
    type: 'MAC_ADDRESS',
    languages: ALL,
    gate: 'digit',
    pattern:
      /(?<![\w:.-])(?:[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![\w:.-])/g,
    // `-hh-`/`:hh:` (the separator after the first pair, the second pair, the repeated separator) or
    // `.hhhh.`: rare in prose, where a hex class leading the expression matches almost every letter.
    prefilter: /[:-][0-9A-Fa-f]{2}[:-]|\.[0-9A-Fa-f]{4}\./,
    context: CONTEXT.mac,
    score: (value) => (/^(?:00[:.-]?){5}00$|^(?:ff[:.-]?){5}ff$/i.test(value) ? 0.3 : 0.8),
  },
  {
    id: 'pii.ip-address.v4',
    type: 'IP_ADDRESS',
    languages: ALL,
    gate: 'digit',
    pattern:
      /(?<![\w.])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?:\/(?:3[0-2]|[12]?\d))?(?![\w]|\.\d)/g,
    context: CONTEXT.ip,
    score: (value) => (/^\d\.\d\.\d\.\d$/.test(value) ? 0.4 : 0.75),
  },
  {
    id: 'pii.uk-nino',
    type: 'UK_NINO',
    languages: ['en'],
    gate: 'digit',
    minDigitRun: 2,
    pattern: /(?<![\w])[A-Za-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-Da-d](?![\w])/g,
    context: CONTEXT.nino,
    score: (value) => (ukNinoValid(compact(value)) ? (/[a-z]/.test(value) ? 0.3 : 0.6) : null),
  },
  {
    id: 'pii.es-nif',
    type: 'ES_NIF',
    languages: ['es'],
    gate: 'digit',
    minDigitRun: 8,
    pattern: /(?<![\w])\d{8}-?[A-Za-z](?![\w])/g,
    context: CONTEXT.esNif,
    score: (value) => (esNifValid(compact(value)) ? 0.6 : null),
  },
  {
    id: 'pii.es-nie',
    type: 'ES_NIE',
    languages: ['es'],
    gate: 'digit',
    minDigitRun: 7,
    pattern: /(?<![\w])[XYZxyz]-?\d{7}-?[A-Za-z](?![\w])/g,
    context: CONTEXT.esNif,
    score: (value) => (esNieValid(compact(value)) ? 0.7 : null),
  },
  {
    id: 'pii.it-fiscal-code',
    type: 'IT_FISCAL_CODE',
    languages: ['it'],
    gate: 'digit',
    minAlnumRun: 16,
    pattern:
      /(?<![\w])[A-Za-z]{6}[0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{3}[A-Za-z](?![\w])/g,
    context: CONTEXT.itFiscal,
    score: (value) => (itFiscalCodeValid(value.toUpperCase()) ? 0.85 : null),
  },
  {
    id: 'pii.fr-nir',
    type: 'FR_NIR',
    languages: ['fr'],
    gate: 'digit',
    minDigitRun: 3,
    pattern: /(?<![\w])[12] ?\d{2} ?\d{2} ?2[ABab] ?\d{3} ?\d{3} ?\d{2}(?![\w])/g,
    context: CONTEXT.frNir,
    score: (value) => (frNirValid(compact(value)) ? 0.6 : null),
  },
  {
    id: 'pii.sg-nric-fin',
    type: 'SG_NRIC_FIN',
    languages: ['en'],
    gate: 'digit',
    minDigitRun: 7,
    minAlnumRun: 9,
    pattern: /(?<![\w])[STFGMstfgm]\d{7}[A-Za-z](?![\w])/g,
    context: CONTEXT.sgNric,
    score: (value) => (sgNricValid(value.toUpperCase()) ? 0.6 : null),
  },
  {
    id: 'pii.fi-personal-identity-code',
    type: 'FI_PERSONAL_IDENTITY_CODE',
    languages: ['fi', 'en'],
    gate: 'digit',
    minDigitRun: 6,
    pattern: /(?<![\w])\d{6}[-+A-FU-Y]\d{3}[0-9A-Y](?![\w])/g,
    context: CONTEXT.fi,
    score: (value) => (fiPersonalIdValid(value) ? 0.6 : null),
  },
  {
    id: 'pii.us-dea',
    type: 'MEDICAL_LICENSE',
    languages: ['en'],
    gate: 'digit',
    minDigitRun: 7,
    minAlnumRun: 9,
    pattern: /(?<![\w])[A-Za-z][A-Za-z9]\d{7}(?![\w])/g,
    context: CONTEXT.dea,
    weak: true,
    score: (value) => (usDeaValid(value.toUpperCase()) ? (value === value.toUpperCase() ? 0.4 : 0.2) : null),
  },
  {
    id: 'pii.vin',
    type: 'VIN',
    languages: ALL,
    gate: 'digit',
    minUpperRun: 17,
    pattern: /(?<![\w])[A-HJ-NPR-Z0-9]{17}(?![\w])/g,
    context: CONTEXT.vin,
    score: (value) => (vinValid(value) ? 0.6 : null),
  },
  {
    id: 'pii.in-pan',
    type: 'IN_PAN',
    languages: ['en'],
    gate: 'digit',
    minDigitRun: 4,
    minUpperRun: 10,
    pattern: /(?<![\w])[A-Z]{3}[ABCFGHLJPT][A-Z]\d{4}[A-Z](?![\w])/g,
    context: CONTEXT.pan,
    score: () => 0.4,
  },
  {
    id: 'pii.in-gstin',
    type: 'IN_GSTIN',
    languages: ['en'],
    gate: 'digit',
    minDigitRun: 4,
    minUpperRun: 15,
    pattern: /(?<![\w])\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z](?![\w])/g,
    context: CONTEXT.gstin,
    score: (value) => (inGstinValid(value) ? 0.85 : null),
  },
  {
    id: 'pii.in-voter',
    type: 'IN_VOTER',
    languages: ['en'],
    gate: 'digit',
    minDigitRun: 7,
    minUpperRun: 10,
    pattern: /(?<![\w])[A-Z]{3}\d{7}(?![\w])/g,
    requires: CONTEXT.voter,
    context: CONTEXT.voter,
    score: () => 0.15,
  },
  {
    id: 'pii.in-passport',
    type: 'IN_PASSPORT',
    languages: ['en'],
    gate: 'digit',
    minDigitRun: 5,
    pattern: /(?<![\w])[A-PR-WYa-pr-wy][1-9]\d ?\d{4}[1-9](?![\w])/g,
    requires: CONTEXT.passport,
    context: CONTEXT.passport,
    score: () => 0.15,
  },
  {
    id: 'pii.in-vehicle-registration',
    type: 'IN_VEHICLE_REGISTRATION',
    languages: ['en'],
    gate: 'digit',
    minDigitRun: 4,
    pattern:
      /(?<![\w])(?:AN|AP|AR|AS|BR|CH|CG|DD|DL|GA|GJ|HR|HP|JK|JH|KA|KL|LA|LD|MP|MH|MN|ML|MZ|NL|OD|PY|PB|RJ|SK|TN|TS|TR|UP|UK|WB)[ -]?\d{1,2}[ -]?[A-Z]{1,3}[ -]?\d{4}(?![\w])/g,
    context: CONTEXT.vehicleRegistration,
    score: () => 0.35,
  },
  {
    id: 'pii.sg-uen',
    type: 'SG_UEN',
    languages: ['en'],
    gate: 'digit',
    minDigitRun: 4,
    minUpperRun: 9,
    pattern: /(?<![\w])(?:\d{8}[A-Z]|\d{9}[A-Z]|[TSR]\d{2}[A-Z]{2}\d{4}[A-Z])(?![\w])/g,
    requires: CONTEXT.sgUen,
    context: CONTEXT.sgUen,
    score: () => 0.2,
  },
  {
    id: 'pii.it-identity-card',
    type: 'IT_IDENTITY_CARD',
    languages: ['it'],
    gate: 'digit',
    minDigitRun: 5,
    minUpperRun: 7,
    pattern: /(?<![\w])(?:[A-Z]{2}\d{5}[A-Z]{2}|[A-Z]{2} ?\d{7})(?![\w])/g,
    requires: CONTEXT.identityCard,
    context: CONTEXT.identityCard,
    score: () => 0.15,
  },
  {
    id: 'pii.it-passport',
    type: 'IT_PASSPORT',
    languages: ['it'],
    gate: 'digit',
    minDigitRun: 7,
    minUpperRun: 9,
    pattern: /(?<![\w])[A-Z]{2}\d{7}(?![\w])/g,
    requires: CONTEXT.passport,
    context: CONTEXT.passport,
    score: () => 0.15,
  },
  {
    id: 'pii.it-driver-license',
    type: 'IT_DRIVER_LICENSE',
    languages: ['it'],
    gate: 'digit',
    minUpperRun: 10,
    pattern: /(?<![\w])(?:U1[A-Z0-9]{7}[A-Z]|[A-Z]{2}\d{7}[A-Z])(?![\w])/g,
    requires: ['patente'],
    context: ['patente', 'patente di guida'],
    score: () => 0.15,
  },
  {
    id: 'pii.passport',
    type: 'US_PASSPORT',
    languages: ALL,
    gate: 'digit',
    minDigitRun: 7,
    minUpperRun: 8,
    pattern: /(?<![\w])[A-Z][A-Z0-9]?\d{7,8}(?![\w])/g,
    requires: CONTEXT.passport,
    context: CONTEXT.passport,
    score: () => 0.15,
  },
  {
    id: 'pii.us-driver-license',
    type: 'US_DRIVER_LICENSE',
    languages: ['en'],
    gate: 'digit',
    minDigitRun: 3,
    pattern: /(?<![\w])(?:[A-Za-z]\d{4,14}|[A-Za-z]{2}\d{5,10}|\d{6,13}|\d{3,4}-\d{2,3}-\d{3,4})(?![\w-])/g,
    requires: CONTEXT.driverLicense,
    context: CONTEXT.driverLicense,
    boost: 0.45,
    score: () => 0.1,
  },
  {
    id: 'pii.medical-record-number',
    type: 'MEDICAL_RECORD_NUMBER',
    languages: ALL,
    gate: 'digit',
    minDigitRun: 5,
    pattern: /(?<![\w])[A-Za-z]{0,3}-?\d{5,12}(?![\w])/g,
    requires: CONTEXT.mrn,
    context: CONTEXT.mrn,
    boost: 0.45,
    score: () => 0.1,
  },
  {
    id: 'pii.age',
    type: 'AGE',
    languages: ['en'],
    gate: 'digit',
    pattern:
      /(?<![\w])(?:(?:turned|turn|turning|aged|age of|at the age of|im alter von|à l'âge de|a los|all'età di|aos|op leeftijd van) (\d{1,3})(?![\w.,]\d)|(\d{1,3})(?:[- ]years?[- ]old| y\/o| yo\b| yrs? old| ans\b| años\b| anni\b| anos\b| jahre alt| jaar oud))/dgi,
    group: 1,
    context: [],
    score: (value) => (Number(value.match(/\d{1,3}/)?.[0]) <= 120 ? 0.6 : null),
  },
  {
    id: 'pii.date.iso',
    type: 'DATE_TIME',
    languages: ALL,
    gate: 'digit',
    minDigitRun: 4,
    pattern:
      /(?<![\w.-])(?:1[6-9]|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?(?:Z|[+-]\d\d:?\d\d)?)?(?![\w]|[.-]\d)/g,
    context: CONTEXT.birth,
    score: () => 0.8,
  },
  {
    id: 'pii.date.numeric',
    type: 'DATE_TIME',
    languages: ALL,
    gate: 'digit',
    pattern:
      /(?<![\w./-])(?:0?[1-9]|[12]\d|3[01])([./-])(?:0?[1-9]|[12]\d|3[01])\1(?:(?:1[6-9]|20)\d\d|\d\d)(?![\w/]|[.-]\d)/g,
    context: CONTEXT.birth,
    score: numericDateScore,
  },
  {
    id: 'pii.date.month-name',
    type: 'DATE_TIME',
    languages: ALL,
    gate: 'digit',
    pattern: MONTH_DATE,
    // The month name is a whole word (letters never border it: a space, a dot or a look-around does);
    // a kept match holds a digit (monthDateScore), at most `31st. of ` before or `. del ` after the name.
    anchorWords: MONTHS,
    anchorDigitReach: 12,
    // The month name is a whole run of letters (a look-behind, a space or a dot before it, a space, a dot
    // or a look-ahead after it) at most `31st. of ` (9 characters) after the start of a match.
    anchorWordsStart: 9,
    context: CONTEXT.birth,
    score: monthDateScore,
  },
  {
    id: 'pii.date.weekday',
    type: 'DATE_TIME',
    languages: ALL,
    gate: 'none',
    pattern: new RegExp(`(?<![\\p{L}])(?:${WEEKDAYS})(?![\\p{L}])`, 'giu'),
    anchorWords: WEEKDAY_ANCHORS,
    // A match is a weekday name between non-letters: its last word (after any hyphen) is an anchor word
    // ending where the match ends. Case folding keeps lengths, so a match is as long as its name.
    anchorWordsEnd: Math.max(...WEEKDAY_WORDS.map((w) => w.length)),
    context: [],
    score: () => 0.55,
  },
  {
    id: 'pii.date.year',
    type: 'DATE_TIME',
    languages: ALL,
    gate: 'digit',
    minDigitRun: 4,
    pattern:
      /(?<=(?:\b(?:in|since|during|of|year|until|till|from|by|before|after|circa|anno|im jahr|en|em|nel|dal|sinds|seit|depuis|desde|a|an?) ))(?:1[89]\d\d|20\d\d)(?![\w]|[.,]\d)/gi,
    // The year follows a space (the look-behind ends with one); a space and four digits never occur
    // inside such a match.
    anchor: / (?:1[89]|20)\d\d/g,
    anchorOffset: 1,
    context: CONTEXT.birth,
    score: () => 0.55,
  },
];
