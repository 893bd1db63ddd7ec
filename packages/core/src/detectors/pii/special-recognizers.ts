/**
 * Recognizers that need more than one regular expression: e-mail addresses (found by scanning outward
 * from each `@`, so no backtracking over long local parts), URLs and bare domains, IPv6 (candidate shape
 * then a small parser) and phone numbers (candidate shape then libphonenumber-js validation).
 */

import {
  type CountryCode,
  Metadata,
  type PhoneNumber,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/max';

/** A raw hit in normalised-text offsets, before context scoring. */
export interface RawHit {
  start: number;
  end: number;
  type: string;
  id: string;
  score: number;
  context: readonly string[];
  weak?: boolean;
  boost?: number;
}

function isLocalChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 46 || // .
    code === 95 || // _
    code === 37 || // %
    code === 43 || // +
    code === 45 || // -
    code === 39 // '
  );
}

function isDomainChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 45 ||
    code === 46
  );
}

/** True when `text[from, to)` is only ASCII letters. */
function isAlpha(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k) | 32;
    if (c < 97 || c > 122) return false;
  }
  return true;
}

/** True when `text[from, to)` holds two dots in a row. */
function doubleDot(text: string, from: number, to: number): boolean {
  for (let k = from + 1; k < to; k++)
    if (text.charCodeAt(k) === 46 && text.charCodeAt(k - 1) === 46) return true;
  return false;
}

/** Finds e-mail addresses: local part ≤ 64 characters, domain with a dot and an alphabetic TLD of 2–24. */
export function findEmails(text: string, out: RawHit[], context: readonly string[]): void {
  let at = text.indexOf('@');
  let lastEnd = 0;
  while (at !== -1) {
    let start = at;
    const floor = Math.max(lastEnd, at - 64);
    while (start > floor && isLocalChar(text.charCodeAt(start - 1))) start--;
    while (start < at && text.charCodeAt(start) === 46) start++; // no leading dot
    let end = at + 1;
    const ceiling = Math.min(text.length, at + 254);
    while (end < ceiling && isDomainChar(text.charCodeAt(end))) end++;
    while (end > at + 1 && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--;
    // The domain `text[at + 1, end)` needs a dot after its first character, an alphabetic TLD of 2–24
    // letters after its last dot, and no `..`; checked on the codes (no strings: `a@a@…` has a million).
    if (start < at && end > at + 1) {
      let lastDot = end - 1;
      while (lastDot > at && text.charCodeAt(lastDot) !== 46) lastDot--;
      const tld = end - lastDot - 1;
      if (
        lastDot > at + 1 &&
        tld >= 2 &&
        tld <= 24 &&
        isAlpha(text, lastDot + 1, end) &&
        !doubleDot(text, at + 1, end)
      ) {
        out.push({ start, end, type: 'EMAIL_ADDRESS', id: 'pii.email-address', score: 0.95, context });
        lastEnd = end;
      }
    }
    at = text.indexOf('@', Math.max(at + 1, end));
  }
}

const URL_PATTERN = /\b(?:(?:https?|ftp|sftp|ftps):\/\/|www\.)[^\s<>"'`{}|\\^]{1,2048}/gi;
const URL_TRIM = /[.,;:!?)\]}'"*]+$/;

/** Finds URLs with a scheme or a `www.` prefix; trailing punctuation is not part of the URL. */
export function findUrls(text: string, out: RawHit[]): void {
  URL_PATTERN.lastIndex = 0;
  for (let m = URL_PATTERN.exec(text); m !== null; m = URL_PATTERN.exec(text)) {
    let value = m[0];
    // Balance a trailing ")" only when the URL contains "(" (Wikipedia-style links).
    const trimmed = value.replace(URL_TRIM, '');
    value = value.includes('(') && value.endsWith(')') && !trimmed.endsWith(')') ? `${trimmed})` : trimmed;
    const host = value.replace(/^[a-z]+:\/\//i, '').split(/[/?#:]/)[0] ?? '';
    if (!/[A-Za-z0-9-]\.[A-Za-z]{2,24}$|^\d{1,3}(?:\.\d{1,3}){3}$|^localhost$|^\[/.test(host)) continue;
    out.push({
      start: m.index,
      end: m.index + value.length,
      type: 'URL',
      id: 'pii.url',
      score: 0.6,
      context: [],
    });
  }
}

const IPV6_CANDIDATE =
  /(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?<=:)\d{1,3}(?:\.\d{1,3}){3})?(?![\w:.])/g;

function ipv6Valid(value: string): boolean {
  let body = value;
  let groupsNeeded = 8;
  const v4 = /(?:^|:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(body);
  if (v4) {
    if (!(v4[1] as string).split('.').every((part) => Number(part) <= 255)) return false;
    body = body.slice(0, body.length - (v4[1] as string).length);
    if (body.endsWith(':') && !body.endsWith('::')) body = body.slice(0, -1);
    groupsNeeded = 6;
  }
  const doubleColon = body.indexOf('::');
  if (doubleColon !== body.lastIndexOf('::')) return false;
  if (doubleColon === -1) {
    const groups = body.split(':');
    return groups.length === groupsNeeded && groups.every((group) => group.length >= 1 && group.length <= 4);
  }
  const left = body.slice(0, doubleColon);
  const right = body.slice(doubleColon + 2);
  const leftGroups = left === '' ? [] : left.split(':');
  const rightGroups = right === '' ? [] : right.split(':');
  if (![...leftGroups, ...rightGroups].every((group) => group.length >= 1 && group.length <= 4)) return false;
  return leftGroups.length + rightGroups.length < groupsNeeded;
}

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70);
}

/** IPV6_CANDIDATE tried at one position at a time (sticky). */
const IPV6_AT = new RegExp(IPV6_CANDIDATE.source, 'y');

/**
 * The matches of IPV6_CANDIDATE over `text`, the same as a global scan finds, but tried only where one can
 * start: every match holds two colons at most four hex digits apart (its first two `:hhhh` groups), and
 * starts at most four characters before the first of them. Prose has almost no such pair, and the
 * expression (a look-behind tried at every position) costs much more per character than this search.
 */
function ipv6Candidates(text: string): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  const n = text.length;
  /** Where the equivalent global scan stands: the end of the last match. */
  let pos = 0;
  for (let at = text.indexOf(':'); at !== -1; at = text.indexOf(':', at + 1)) {
    const limit = Math.min(n, at + 5);
    let k = at + 1;
    while (k < limit && isHex(text.charCodeAt(k))) k++;
    if (k >= n || text.charCodeAt(k) !== 58) continue;
    for (let p = Math.max(pos, at - 4); p <= at; p++) {
      IPV6_AT.lastIndex = p;
      const m = IPV6_AT.exec(text);
      if (m === null) continue;
      out.push(m);
      pos = p + m[0].length;
      break;
    }
  }
  return out;
}

/** Finds IPv6 addresses (full, compressed `::`, and with an embedded IPv4 tail). */
export function findIpv6(text: string, out: RawHit[], context: readonly string[]): void {
  for (const m of ipv6Candidates(text)) {
    const value = m[0];
    if (value.length < 3 || !ipv6Valid(value)) continue;
    // "::" alone or "1::" style fragments carry too little to be an address.
    const hexDigits = value.replace(/[^0-9A-Fa-f]/g, '').length;
    const score = value.includes('.') ? 0.8 : value.includes('::') ? (hexDigits >= 4 ? 0.7 : 0.4) : 0.8;
    out.push({
      start: m.index,
      end: m.index + value.length,
      type: 'IP_ADDRESS',
      id: 'pii.ip-address.v6',
      score,
      context,
    });
  }
}

/**
 * Phone candidates: an optional `+` or `00` prefix, digits with single spaces, dots, dashes, slashes or
 * parentheses between them (7–20 digits in all), and an optional extension. Each digit group is taken
 * atomically (`(?=(\d{1,4}))\1`), so a long digit run has one way to split and matching stays linear.
 */
const PHONE_CANDIDATE =
  /(?<![\w+./-])(?:\+|\(\+?)?\d(?:[ .\-/]?\(?(?=(\d{1,4}))\1\)?){2,10}(?: ?(?:x|ext\.?|extension|#) ?\d{1,5})?(?![\w/]|[.-]\d)/gi;

/**
 * Countries a national-format number is tried in; the score only asks whether one of them finds it valid,
 * so the order changes nothing but the cost. Germany first: its plan has numbers of 4–15 digits and takes
 * 563 of 661 national candidates with phone context in 2,256 prompts built as the bench builds them in one
 * parse, while a number that fails US or GB is also tried against every country sharing +1 (25) or +44 (4)
 * inside libphonenumber.
 */
const NATIONAL_COUNTRIES: readonly CountryCode[] = ['DE', 'FR', 'IT', 'US', 'GB', 'ES', 'NL', 'PT'];

/** Number types whose patterns make a number valid (libphonenumber-js `getNumberType`: fixed line first). */
const NUMBER_TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
] as const;

/** The parts of libphonenumber-js's `Metadata` (1.13) read here; its typings declare fewer. */
interface PlanMetadata {
  selectNumberingPlan(key: string): void;
  hasTypes(): boolean;
  nationalNumberPattern(): string;
  type(type: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

/** A numbering plan's validity patterns, compiled once (libphonenumber-js compiles them on every test). */
interface CompiledPlan {
  general: RegExp;
  /** Per number type with a pattern: that pattern, and the lengths it allows (absent: any). */
  types: { pattern: RegExp; lengths: readonly number[] | undefined }[] | null;
}

const PLANS = new Map<string, CompiledPlan>();

/** `matchesEntirely` of libphonenumber-js, compiled once. */
function entire(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

function planOf(key: string): CompiledPlan {
  let plan = PLANS.get(key);
  if (plan === undefined) {
    const metadata = new Metadata() as unknown as PlanMetadata;
    metadata.selectNumberingPlan(key);
    let types: CompiledPlan['types'] = null;
    if (metadata.hasTypes()) {
      types = [];
      for (const name of NUMBER_TYPES) {
        const type = metadata.type(name);
        if (type === undefined || !type.pattern()) continue;
        types.push({ pattern: entire(type.pattern()), lengths: type.possibleLengths() || undefined });
      }
    }
    plan = { general: entire(metadata.nationalNumberPattern()), types };
    PLANS.set(key, plan);
  }
  return plan;
}

/**
 * `parsed.isValid()` with the numbering plan's patterns compiled once: the same tests on the same
 * metadata (the plan of the number's country, else of its calling code; the national number must match
 * the plan's pattern and, when the plan has number types, one type's pattern and lengths). libphonenumber-js
 * builds a `RegExp` from the pattern text on every test, most of a validation's cost.
 */
export function phoneNumberValid(parsed: PhoneNumber): boolean {
  const key = parsed.country || parsed.countryCallingCode;
  if (!key) return false;
  const plan = planOf(key);
  const national = parsed.nationalNumber || '';
  if (!plan.general.test(national)) return false;
  if (plan.types === null) return true;
  for (const type of plan.types) {
    if (type.lengths !== undefined && !type.lengths.includes(national.length)) continue;
    if (type.pattern.test(national)) return true;
  }
  return false;
}

/** Finds phone numbers; `strictContext` words near a weak candidate make it count. */
export function findPhones(
  text: string,
  out: RawHit[],
  context: readonly string[],
  /**
   * When given and false for a national-format candidate `text[start, end)`, its number is not parsed (it
   * cannot reach the threshold).
   */
  worthParsing?: (text: string, start: number, end: number) => boolean,
): void {
  PHONE_CANDIDATE.lastIndex = 0;
  for (let m = PHONE_CANDIDATE.exec(text); m !== null; m = PHONE_CANDIDATE.exec(text)) {
    let value = m[0];
    let start = m.index;
    // An unbalanced leading "(" belongs to the prose, not the number.
    if (value.startsWith('(') && !value.includes(')')) {
      value = value.slice(1);
      start++;
    }
    const digits = value.replace(/\D/g, '');
    const mainDigits = value.replace(/ ?(?:x|ext\.?|extension|#) ?\d{1,5}$/i, '').replace(/\D/g, '');
    if (mainDigits.length < 7 || mainDigits.length > 15 || digits.length > 20) continue;
    const end = start + value.length;
    const international = /^\(?\+/.test(value) || /^00[1-9]/.test(value);
    let score = 0;
    if (international) {
      const parsed = parsePhoneNumberFromString(value.startsWith('00') ? `+${value.slice(2)}` : value);
      score = parsed !== undefined && phoneNumberValid(parsed) ? 0.75 : parsed?.isPossible() ? 0.45 : 0.2;
    } else {
      if (worthParsing !== undefined && !worthParsing(text, start, end)) continue;
      for (const country of NATIONAL_COUNTRIES) {
        const parsed = parsePhoneNumberFromString(value, country);
        if (parsed !== undefined && phoneNumberValid(parsed)) {
          score = /[ .()-]/.test(value) ? 0.45 : 0.35;
          break;
        }
      }
      if (score === 0) score = /^\d+$/.test(value) ? 0.1 : 0.2;
    }
    out.push({
      start,
      end,
      type: 'PHONE_NUMBER',
      id: 'pii.phone-number',
      score,
      context,
      boost: 0.4,
      weak: true,
    });
  }
}
