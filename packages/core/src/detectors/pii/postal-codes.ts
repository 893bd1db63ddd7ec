/**
 * Postal codes (ZIP_CODE), Presidio-style: a bare number is never a postal code, so every rule needs a
 * cue next to the code — a US state (`Springfield, IL 62704`, `California 94105-1234`), a postal-code
 * word a few words before or just after (`zip code: 10115`, `PLZ 10115`, `CAP 00184`, `SW1A 1AA
 * (postcode)`), or a street address right before it (`postcodesNearAddress`, used by the combined
 * detector with the street addresses of the names detector). UK and Canadian codes without a cue score
 * low (below the default threshold). Every expression is linear-time: bounded repetitions only.
 */

import type { RawHit } from './special-recognizers.ts';

const STATE_CODES =
  'AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|PR|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY';
const STATE_NAMES = [
  'Alabama',
  'Alaska',
  'Arizona',
  'Arkansas',
  'California',
  'Colorado',
  'Connecticut',
  'Delaware',
  'Florida',
  'Georgia',
  'Hawaii',
  'Idaho',
  'Illinois',
  'Indiana',
  'Iowa',
  'Kansas',
  'Kentucky',
  'Louisiana',
  'Maine',
  'Maryland',
  'Massachusetts',
  'Michigan',
  'Minnesota',
  'Mississippi',
  'Missouri',
  'Montana',
  'Nebraska',
  'Nevada',
  'New Hampshire',
  'New Jersey',
  'New Mexico',
  'New York',
  'North Carolina',
  'North Dakota',
  'Ohio',
  'Oklahoma',
  'Oregon',
  'Pennsylvania',
  'Rhode Island',
  'South Carolina',
  'South Dakota',
  'Tennessee',
  'Texas',
  'Utah',
  'Vermont',
  'Virginia',
  'Washington',
  'West Virginia',
  'Wisconsin',
  'Wyoming',
  'Puerto Rico',
]
  .sort((a, b) => b.length - a.length)
  .join('|');

/** US ZIP or ZIP+4 not followed by more digits (a phone number's next group) or a word character. */
const US_ZIP = '\\d{5}(?:-\\d{4})?(?![\\w-]|[ .]\\d)';

/**
 * A state code (upper case) or name, after a line start, a comma or a capitalised word (the city), then
 * the ZIP: `Springfield, IL 62704`, `Austin TX 78701`, `CA 94105-1234` at a line start.
 */
const STATE_ZIP = new RegExp(
  `(?:^|(?<=[,\\n]) ?|(?<=\\b[A-Z][A-Za-z.'-]{1,30} ))(?:(?:${STATE_CODES})|(?:${STATE_NAMES})),? (${US_ZIP})`,
  'dgm',
);

/** Postal-code shapes accepted after a cue: US, generic 4–6 digits, PL, SE/CZ, NL, UK, Canadian. */
const CODE =
  '(?:\\d{5}-\\d{4}|\\d{2}-\\d{3}|[A-Za-z]{1,2}\\d[A-Za-z\\d]? ?\\d[A-Za-z]{2}|[A-Za-z]\\d[A-Za-z] ?\\d[A-Za-z]\\d|\\d{3} \\d{2}|\\d{3,6}|\\d{4} ?[A-Z]{2})(?![\\w-]|[ .]\\d)';
/** Cue words that name a postal code outright; `CAP` and `PLZ` only in capitals (`cap`, `plz` are words). */
const CUE =
  '(?:[Zz][Ii][Pp] ?-?[Cc]ode|[Zz][Ii][Pp]|ZIP|[Pp]ostal ?[Cc]ode|[Pp]ost ?[Cc]ode|[Pp]ostleitzahl|PLZ|Plz|[Cc]ode [Pp]ostal|[Cc][óo]digo [Pp]ostal|CAP|C\\.A\\.P\\.|[Cc]odice di avviamento postale|[Cc]\\.?[Pp]\\.)';
/** Short words allowed between the cue and the code (`zip code is`, `PLZ lautet`, `code postal est`). */
const FILLER =
  "(?:is|was|of|the|my|your|his|her|our|their|number|no|nr|ist|lautet|est|es|è|de|du|della|del|do|da|il|la|le|el|it's|its)";
const CUE_BEFORE = new RegExp(
  `(?<![\\p{L}\\d])${CUE}s?(?:[ \\t]{0,4}[:#=.)-]?[ \\t]{0,4}(?:${FILLER}[ \\t]{0,4}:?[ \\t]{0,4}){0,3})(${CODE})`,
  'dgu',
);
const CUE_AFTER = new RegExp(
  `(?<![\\w-])(${CODE})[ \\t]{0,4}[(,-]?[ \\t]{0,4}(?:(?:is|as) )?(?:(?:my|the|our|your) )?(?:${CUE})(?![\\p{L}])`,
  'dgu',
);

/** UK and Canadian codes in capitals with the usual space: weak signals alone. */
const UK_CA_BARE =
  /(?<![\w-])(?:[A-Z]{1,2}\d[A-Z\d]? \d[ABD-HJLNP-UW-Z]{2}|[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] \d[ABCEGHJ-NPRSTV-Z]\d)(?![\w-])/g;

const ID = 'pii.zip-code';

function push(hits: RawHit[], start: number, end: number, score: number): void {
  hits.push({ start, end, type: 'ZIP_CODE', id: ID, score, context: [] });
}

/** Reports the code (group 1) of one match. */
function groupSpan(m: RegExpExecArray, text: string, score: number, hits: RawHit[]): void {
  const span = m.indices?.[1];
  if (span === undefined) return;
  const value = text.slice(span[0], span[1]);
  // An all-zero code is a placeholder, not a postal code.
  if (/^0+(?:-0+)?$/.test(value)) return;
  // A ZIP+4 after a state or a postal-code word outranks the phone-number reading of `94105-1234`.
  push(hits, span[0], span[1], /^\d{5}-\d{4}$/.test(value) ? Math.max(score, 0.9) : score);
}

/** The postal-code cue expressions, for tests that compare {@link findPostalCodes} with global scans. */
export const POSTAL_CUE_PATTERNS: readonly RegExp[] = [CUE_BEFORE, CUE_AFTER];

/** CUE_BEFORE and CUE_AFTER tried at one position at a time (sticky). */
const CUE_BEFORE_AT = new RegExp(CUE_BEFORE.source, 'dyu');
const CUE_AFTER_AT = new RegExp(CUE_AFTER.source, 'dyu');
/** The first characters of the cue words. */
const CUE_FIRST = /[CPZcpz]/g;
const DIGIT = /[0-9]/g;

/** `[A-Za-z0-9]`. */
function asciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * The matches of CUE_BEFORE over `text`, the same as a global scan finds, in order: each starts with a cue
 * word, whose first letter is one of `CPZcpz` and stands after no letter or digit, so the expression is
 * tried only at those letters (an ASCII letter or digit before one is ruled out here, as its look-behind
 * would; any other character is left to the expression).
 */
function cuesBefore(text: string, hits: RawHit[]): void {
  /** Where the equivalent global scan stands: the end of the last match. */
  let next = 0;
  CUE_FIRST.lastIndex = 0;
  for (let c = CUE_FIRST.exec(text); c !== null; c = CUE_FIRST.exec(text)) {
    const p = c.index;
    if (p < next || (p > 0 && asciiAlnum(text.charCodeAt(p - 1)))) continue;
    CUE_BEFORE_AT.lastIndex = p;
    const m = CUE_BEFORE_AT.exec(text);
    if (m === null || m[0].length === 0) continue;
    groupSpan(m, text, 0.75, hits);
    next = p + m[0].length;
    if (CUE_FIRST.lastIndex < next) CUE_FIRST.lastIndex = next;
  }
}

/**
 * The matches of CUE_AFTER over `text`, the same as a global scan finds, in order: each starts with a code,
 * an ASCII letter or digit with a digit at most two characters on, after no `[A-Za-z0-9_-]` (its
 * look-behind), so the expression is tried only at the up to three such positions before each digit.
 */
function cuesAfter(text: string, hits: RawHit[]): void {
  /** First position not tried yet and not inside a match. */
  let next = 0;
  DIGIT.lastIndex = 0;
  for (let d = DIGIT.exec(text); d !== null; d = DIGIT.exec(text)) {
    const at = d.index;
    for (let p = Math.max(next, at - 2); p <= at; p++) {
      if (p < next || !asciiAlnum(text.charCodeAt(p))) continue;
      if (p > 0) {
        const b = text.charCodeAt(p - 1);
        if (asciiAlnum(b) || b === 95 || b === 45) continue;
      }
      CUE_AFTER_AT.lastIndex = p;
      const m = CUE_AFTER_AT.exec(text);
      if (m === null || m[0].length === 0) continue;
      groupSpan(m, text, 0.7, hits);
      next = p + m[0].length;
    }
    if (next < at + 1) next = at + 1;
    if (DIGIT.lastIndex < next) DIGIT.lastIndex = next;
  }
}

/** STATE_ZIP tried at one position at a time (sticky). */
const STATE_ZIP_AT = new RegExp(STATE_ZIP.source, 'dmy');
/** A space and then exactly five digits: the end of every STATE_ZIP match (`…, IL 62704`). */
const ZIP_ANCHORS = / \d{5}(?!\d)/g;
/** Longest stretch of a STATE_ZIP match before its ZIP's space: a space, a 14-letter state, a comma. */
const STATE_REACH = 16;

/**
 * The matches of STATE_ZIP over `text`, the same as a global scan finds, but tried only at the positions
 * where one can start (at most STATE_REACH before a ZIP_ANCHORS space): the state alternation behind a
 * look-behind costs much more per character when tried everywhere.
 */
function stateZips(text: string, hits: RawHit[]): void {
  ZIP_ANCHORS.lastIndex = 0;
  /** Where the equivalent global scan stands: the end of the last match. */
  let pos = 0;
  for (let a = ZIP_ANCHORS.exec(text); a !== null; a = ZIP_ANCHORS.exec(text)) {
    const space = a.index;
    for (let p = Math.max(pos, space - STATE_REACH); p <= space; p++) {
      STATE_ZIP_AT.lastIndex = p;
      const m = STATE_ZIP_AT.exec(text);
      if (m === null) continue;
      groupSpan(m, text, 0.7, hits);
      pos = p + m[0].length;
      break;
    }
  }
}

/**
 * A cheap necessary condition, one regex pass without look-behinds: a CUE_BEFORE or CUE_AFTER match holds
 * one of the cue words, each of which contains one of these strings (case-insensitively). Most texts have
 * none, and the full expressions (look-behinds, long alternations) cost far more per character.
 */
const CUE_ANCHOR = /zip|post|plz|cap|c\.a\.p\.|c\.?p\./i;

/** Postal codes found from the text alone (state before the ZIP, postal-code words, bare UK/CA). */
export function findPostalCodes(text: string, hits: RawHit[]): void {
  stateZips(text, hits);
  if (CUE_ANCHOR.test(text)) {
    cuesBefore(text, hits);
    cuesAfter(text, hits);
  }
  UK_CA_BARE.lastIndex = 0;
  for (let m = UK_CA_BARE.exec(text); m !== null; m = UK_CA_BARE.exec(text)) {
    push(hits, m.index, m.index + m[0].length, 0.3);
  }
}

/** A postcode: digits (ZIP, ZIP+4, PL, NL) or a UK / Canadian code. */
const POSTCODE =
  '(?:\\d{5}-\\d{4}|\\d{2}-\\d{3}|\\d{4,5}|\\d{4} ?[A-Z]{2}|[A-Z]{1,2}\\d[A-Z\\d]? ?\\d[A-Z]{2}|[A-Z]\\d[A-Z] ?\\d[A-Z]\\d)';
/** A place name of one to four words (`Berlin`, `Ostrov nad Ohří`, `New York`), maybe with a state code. */
const PLACE =
  "\\p{Lu}[\\p{L}.'-]{0,30}(?: (?:\\p{Lu}[\\p{L}.'-]{0,30}|de|la|le|am|an|nad|sur|upon|del|di)){0,3}(?:,? [A-Z]{2})?";
/** A line (or the rest of the address line after a comma) that is only a place and a postcode, either order. */
const PLACE_LINE = new RegExp(
  `^[ \\t]{0,4}(?:(${POSTCODE})(?: {1,3}${PLACE})?|${PLACE},? {1,3}(${POSTCODE}))[ \\t]{0,4}[.,]?[ \\t]{0,4}$`,
  'du',
);

/** The longest place-and-postcode part {@link postcodesNearAddress} reads, in code units. */
const MAX_PART = 80;

/**
 * The end of the line that starts at `from` (a newline or the end of the text), or -1 when the line is
 * longer than {@link MAX_PART}. Bounded, so a text of many addresses and no newline is not read to its end
 * once per address.
 */
function shortLineEnd(text: string, from: number): number {
  const limit = Math.min(text.length, from + MAX_PART + 1);
  for (let i = from; i < limit; i++) if (text.charCodeAt(i) === 10) return i;
  return limit - from <= MAX_PART ? limit : -1;
}

/**
 * A postcode right after a street address found by the names detector, where the address does not
 * cover it: the rest of the address line after a comma (`…Street 5, 10115 Berlin`) or the next line
 * (`…Street\n12345 City`, `…Street\nCity, ST 12345`), when that part is only a place and the code.
 * `address` is the street address's span in `text`.
 */
export function postcodesNearAddress(text: string, address: { start: number; end: number }): RawHit[] {
  const out: RawHit[] = [];
  const parts: [number, number][] = [];
  if (text.startsWith(',', address.end)) {
    const end = shortLineEnd(text, address.end + 1);
    if (end !== -1) parts.push([address.end + 1, end]);
  } else {
    // The rest of the address line must be blank (spaces, tabs, commas); then the next line is tried.
    let i = address.end;
    for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 44; c = text.charCodeAt(++i));
    if (i < text.length && text.charCodeAt(i) === 10) {
      const end = shortLineEnd(text, i + 1);
      if (end !== -1) parts.push([i + 1, end]);
    }
  }
  for (const [from, to] of parts) {
    const m = PLACE_LINE.exec(text.slice(from, to));
    const span = m?.indices?.[1] ?? m?.indices?.[2];
    if (m === null || span === undefined) continue;
    const value = m[1] ?? m[2] ?? '';
    if (/^0+$/.test(value)) continue;
    out.push({
      start: from + span[0],
      end: from + span[1],
      type: 'ZIP_CODE',
      id: ID,
      score: 0.65,
      context: [],
    });
  }
  return out;
}
