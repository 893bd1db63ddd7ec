import { plausiblePassword } from './credential-rules.ts';
import {
  charClasses,
  isHashShaped,
  isHex,
  isLowVariety,
  isPlaceholder,
  isUuid,
  shannonEntropy,
} from './heuristics.ts';
import type { RawMatch } from './private-keys.ts';

/** Entropy settings for the generic high-entropy rule. */
export interface EntropySettings {
  enabled: boolean;
  min_length: number;
  threshold: number;
}

/**
 * Secret-ish key names. One alternation of literals with no outer quantifier: linear. The match is
 * then widened by hand to the surrounding identifier.
 */
const KEY_RE =
  /pass(?:word|wd|phrase)?|pwd|pswd|pswrd|paswd|pw|secret|token|api[ _-]?key|apikey|access[ _-]?key|auth[_-]?key|private[_-]?key|signing[_-]?key|encryption[_-]?key|master[_-]?key|credentials?|nonce/gi;

/** Suffixes allowed after the key word inside one identifier (`password1`, `tokens`, `secret_value`). */
const SUFFIX_RE = /^(?:s|[_.-]?[0-9]{0,2}|[_.-]?(?:value|val|plain|plaintext|str|b64|base64|hash)?)$/i;

function isIdentChar(c: number): boolean {
  return (
    (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46
  );
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

/** Characters that end an unquoted value. */
function endsValue(c: number): boolean {
  return (
    c === 32 ||
    c === 9 ||
    c === 10 ||
    c === 13 ||
    c === 34 ||
    c === 39 ||
    c === 96 ||
    c === 44 ||
    c === 59 ||
    c === 41 ||
    c === 93 ||
    c === 125 ||
    c === 60 ||
    c === 62 ||
    c === 38
  );
}

type KeyKind = 'password' | 'secret';

function kindOf(word: string): KeyKind {
  const w = word.toLowerCase();
  return w.startsWith('pass') || w.startsWith('pw') || w.startsWith('ps') || w === 'paswd'
    ? 'password'
    : 'secret';
}

const LITERAL_WORDS =
  /^(?:true|false|null|none|nil|undefined|string|required|optional|empty|default|bool|int|number|object)$/i;
const KEYWORD_IN_VALUE = /password|passwd|secret|token|apikey|api_key|credential/i;

/** Scores an assigned value, or returns 0 when it does not look like a real secret. */
function scoreValue(value: string, kind: KeyKind): number {
  if (value.length < (kind === 'password' ? 4 : 8) || value.length > 256) return 0;
  if (LITERAL_WORDS.test(value) || KEYWORD_IN_VALUE.test(value)) return 0;
  if (!plausiblePassword(value)) return 0;
  if (value.includes('(') || value.includes('://') || value.includes('{')) return 0;
  if (/^[0-9]{1,32}$/.test(value)) return 0;
  if (isLowVariety(value)) return 0;
  const classes = charClasses(value);
  if (kind === 'password') {
    if (classes >= 3) return 0.85;
    if (classes === 2 && /[0-9]/.test(value)) return 0.75;
    if (classes === 2 && value.length >= 10) return 0.6;
    return 0.3;
  }
  if (isUuid(value)) return 0.7;
  if (isHashShaped(value)) return 0.6;
  if (classes >= 3 || (classes === 2 && /[0-9]/.test(value) && value.length >= 12)) return 0.8;
  if (classes === 2 && /[0-9]/.test(value)) return 0.6;
  return shannonEntropy(value) >= 3.5 && value.length >= 16 ? 0.6 : 0.3;
}

interface Assignment {
  keyStart: number;
  valueStart: number;
  valueEnd: number;
  kind: KeyKind;
  separator: 'assign' | 'quote' | 'flag';
}

/** Parses `key <sep> value` starting at a key-word match; returns null when the shape does not fit. */
function parseAssignment(text: string, wordStart: number, wordEnd: number, word: string): Assignment | null {
  // Widen to the identifier holding the key word.
  let s = wordStart;
  while (s > 0 && wordStart - s < 64 && isIdentChar(text.charCodeAt(s - 1))) s--;
  let e = wordEnd;
  while (e < text.length && e - wordEnd < 24 && isIdentChar(text.charCodeAt(e))) e++;
  if (!SUFFIX_RE.test(text.slice(wordEnd, e))) return null;
  const kind = kindOf(word);
  // The word must start a word part: `ANY_password`, `dbPassword`, `password` but not `bypass`.
  const before = wordStart > 0 ? text.charCodeAt(wordStart - 1) : 0;
  const startsPart =
    wordStart === s ||
    !((before >= 97 && before <= 122) || (before >= 65 && before <= 90)) ||
    /[A-Z]/.test(word[0] as string) ||
    word.length >= 5;
  if (!startsPart) return null;
  // `id/pw:user/pass` pairs and `x.password` member access are not single assignments.
  if (s > 0 && text.charCodeAt(s - 1) === 36) return null;
  const pairKey = s > 0 && text.charCodeAt(s - 1) === 47;
  let i = e;
  if (text.charCodeAt(i) === 92) i++;
  if (text.charCodeAt(i) === 34 || text.charCodeAt(i) === 39) i++;
  if (text.charCodeAt(i) === 93) i++;
  let j = i;
  while (j < text.length && j - i < 4 && isSpace(text.charCodeAt(j))) j++;
  const c = text.charCodeAt(j);
  const c2 = text.charCodeAt(j + 1);
  let separator: Assignment['separator'];
  if (c === 61 && c2 !== 61) {
    separator = 'assign';
    j += c2 === 62 ? 2 : 1;
  } else if (c === 58) {
    separator = 'assign';
    j += c2 === 61 ? 2 : 1;
    if (text.charCodeAt(j) === 58) return null; // `::` (C++ scope, IPv6)
  } else if (j > i && (c === 34 || c === 39 || (c === 92 && text.charCodeAt(j + 1) === 34))) {
    separator = 'quote';
  } else if (j > i && text.charCodeAt(s) === 45 && /^(?:password|token|secret)$/i.test(word)) {
    separator = 'flag';
  } else return null;
  while (j < text.length && j - i < 12 && isSpace(text.charCodeAt(j))) j++;
  if (text.charCodeAt(j) === 92 && text.charCodeAt(j + 1) === 34) j++;
  let q = text.charCodeAt(j);
  if (q === 98 && (text.charCodeAt(j + 1) === 34 || text.charCodeAt(j + 1) === 39)) {
    j++;
    q = text.charCodeAt(j);
  }
  let valueStart: number;
  let valueEnd: number;
  if (q === 34 || q === 39 || q === 96) {
    valueStart = j + 1;
    const close = text.indexOf(String.fromCharCode(q), valueStart);
    if (close === -1 || close - valueStart > 256) return null;
    const nl = text.indexOf('\n', valueStart);
    if (nl !== -1 && nl < close) return null;
    valueEnd = close;
    // A backslash-escaped quote closes nothing: `\"value\"` inside a string literal.
    if (valueEnd > valueStart && text.charCodeAt(valueEnd - 1) === 92) valueEnd--;
  } else {
    if (separator === 'quote') return null;
    valueStart = j;
    let k = j;
    while (k < text.length && k - j < 257 && !endsValue(text.charCodeAt(k))) k++;
    valueEnd = k;
  }
  if (valueEnd <= valueStart) return null;
  if (pairKey && text.slice(valueStart, valueEnd).includes('/')) return null;
  return { keyStart: s, valueStart, valueEnd, kind, separator };
}

/**
 * Generic assignments: `password=…`, `passwd: …`, `secret = "…"`, `api_key: …`, `token=…`,
 * `"password": "…"`, `--password …`, `#define PASSWORD "…"`. Values that are placeholders, variable
 * references, function calls, literals or too simple are dropped or scored below the default threshold.
 */
export function scanAssignments(
  text: string,
  out: RawMatch[],
  covered: (s: number, e: number) => boolean,
): void {
  KEY_RE.lastIndex = 0;
  let lastValueEnd = -1;
  for (let m = KEY_RE.exec(text); m !== null; m = KEY_RE.exec(text)) {
    if (m.index < lastValueEnd) continue;
    const a = parseAssignment(text, m.index, m.index + m[0].length, m[0]);
    if (a === null) continue;
    lastValueEnd = a.valueEnd;
    KEY_RE.lastIndex = a.valueEnd;
    if (covered(a.valueStart, a.valueEnd)) continue;
    const value = text.slice(a.valueStart, a.valueEnd);
    let score = scoreValue(value, a.kind);
    if (score === 0) continue;
    if (a.separator === 'flag') score = Math.min(score, 0.75);
    out.push({
      ruleId: a.kind === 'password' ? 'secrets.generic-password' : 'secrets.generic-secret',
      type: a.kind === 'password' ? 'PASSWORD' : 'GENERIC_SECRET',
      start: a.valueStart,
      end: a.valueEnd,
      score,
      explanation:
        a.kind === 'password' ? 'password assigned in text' : 'secret-named value assigned in text',
    });
  }
}

/** Key words that make a nearby high-entropy token suspicious (a superset of the assignment names). */
const NEAR_RE =
  /pass(?:word|wd|phrase)?|secret|token|api[ _-]?key|apikey|access[ _-]?key|auth|credential|bearer|private[ _-]?key|\bkey\b/gi;

/** Words before a hex token that make it a digest, not a secret. */
const HASH_CONTEXT_RE =
  /sha-?(?:1|224|256|384|512)|md5|hash|digest|checksum|commit|etag|integrity|fingerprint/i;

function isTokenChar(c: number): boolean {
  return (
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    (c >= 48 && c <= 57) ||
    c === 43 ||
    c === 47 ||
    c === 61 ||
    c === 95 ||
    c === 45 ||
    c === 46 ||
    c === 126
  );
}

/** True for tokens that look like paths, domains or dotted identifiers rather than random strings. */
function isPathLike(token: string): boolean {
  if (token.includes('://')) return true;
  const parts = token.split(/[/.]/);
  if (parts.length < 3) return false;
  let wordy = 0;
  for (const p of parts) if (/^[A-Za-z_-]{0,40}$/.test(p)) wordy++;
  return wordy >= parts.length - 1;
}

/**
 * High-entropy tokens within 80 characters after a secret-ish key word on the same line. Hex digests in
 * a hash context, UUIDs, placeholders, paths and URLs are skipped.
 */
export function scanHighEntropy(
  text: string,
  settings: EntropySettings,
  out: RawMatch[],
  covered: (s: number, e: number) => boolean,
): void {
  NEAR_RE.lastIndex = 0;
  let from = 0;
  for (let m = NEAR_RE.exec(text); m !== null; m = NEAR_RE.exec(text)) {
    let i = Math.max(m.index + m[0].length, from);
    const stop = Math.min(text.length, m.index + m[0].length + 80);
    while (i < stop) {
      const c = text.charCodeAt(i);
      if (c === 10 || c === 13) break;
      if (!isTokenChar(c)) {
        i++;
        continue;
      }
      let k = i;
      while (k < text.length && k - i < 512 && isTokenChar(text.charCodeAt(k))) k++;
      let s = i;
      let e = k;
      // Trim punctuation that often wraps a token.
      while (s < e && (text.charCodeAt(s) === 46 || text.charCodeAt(s) === 45)) s++;
      while (e > s && (text.charCodeAt(e - 1) === 46 || text.charCodeAt(e - 1) === 45)) e--;
      i = k;
      if (e - s < settings.min_length || e - s > 256) continue;
      // An argument of a call such as `ENC(…)` or `decrypt(…)` is not a literal secret.
      if (s > 0 && text.charCodeAt(s - 1) === 40) continue;
      const token = text.slice(s, e);
      if (covered(s, e)) continue;
      if (isUuid(token) || isPlaceholder(token) || isLowVariety(token) || isPathLike(token)) continue;
      if (KEYWORD_IN_VALUE.test(token)) continue;
      if (isHex(token)) {
        if (isHashShaped(token)) continue;
        const ctx = text.slice(Math.max(0, s - 40), s);
        if (HASH_CONTEXT_RE.test(ctx)) continue;
        if (shannonEntropy(token) < settings.threshold * 0.8) continue;
      } else if (shannonEntropy(token) < settings.threshold) continue;
      if (charClasses(token) < 2 || !/[0-9]/.test(token)) continue;
      out.push({
        ruleId: 'secrets.generic-high-entropy',
        type: 'GENERIC_SECRET',
        start: s,
        end: e,
        score: 0.65,
        explanation: 'high-entropy token next to a secret-related word',
      });
    }
    from = i;
  }
}
