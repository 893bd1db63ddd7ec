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
export const KEY_RE =
  /pass(?:word|wd|phrase|code)?|pwd|pswd|pswrd|paswd|pw|secret|token|api[ _-]?key|apikey|access[ _-]?key|auth[_-]?key|private[_-]?key|signing[_-]?key|encryption[_-]?key|master[_-]?key|credentials?|nonce/gi;

/**
 * Literals of which every {@link KEY_RE} match contains one (`pw` covers `pwd`, `key` every `…key` name).
 * The engine looks for them in its keyword pass and skips `KEY_RE` when none occurs.
 */
export const KEY_RE_LITERALS: readonly string[] = [
  'pass',
  'pw',
  'pswd',
  'pswrd',
  'paswd',
  'secret',
  'token',
  'key',
  'credential',
  'nonce',
];

/**
 * "Password" in other languages. Kept out of `KEY_RE` (a longer alternation slows every prompt down): this
 * pass runs only when the engine's keyword prefilter saw one of {@link FOREIGN_KEY_HINTS} or the text has
 * a non-ASCII character.
 */
const FOREIGN_KEY_RE = new RegExp(
  [
    'passwort|kennwort|wachtwoord|mot[ _-]?de[ _-]?passe|motdepasse|contrase(?:ñ|n)a|senha|palavra[ _-]?passe',
    'has(?:ł|l)o|heslo|geslo|lozinka|parool|salasana|adgangskode|l(?:ö|o)senord|jelsz(?:ó|o)|(?:ş|s)ifre',
    'пароль|парола|κωδικός|סיסמה|كلمة المرور|รหัสผ่าน|mật khẩu|kata sandi|kata laluan',
    'パスワード|暗証番号|비밀번호|密码|密碼|口令',
  ].join('|'),
  'gi',
);

/** ASCII literals that make the engine run the foreign-language pass (lower case, for the prefilter). */
export const FOREIGN_KEY_HINTS: readonly string[] = [
  'passwort',
  'kennwort',
  'wachtwoord',
  'de passe',
  'de_passe',
  'de-passe',
  'depasse',
  'contrasena',
  'senha',
  'palavra',
  'haslo',
  'heslo',
  'geslo',
  'lozinka',
  'parool',
  'salasana',
  'adgangskode',
  'losenord',
  'jelszo',
  'sifre',
];

const NON_ASCII = /[^\x00-\x7f]/;

/** Suffixes allowed after the key word inside one identifier (`password1`, `tokens`, `secret_value`). */
const SUFFIX_RE = /^(?:s|[_.-]?[0-9]{0,2}|[_.-]?(?:value|val|plain|plaintext|str|b64|base64|hash)?)$/i;

function isIdentChar(c: number): boolean {
  return (
    (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46
  );
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 0xa0 || c === 0x3000;
}

/**
 * Skips blanks from `j`, at most `max` characters: spaces, tabs, no-break and ideographic spaces, and the
 * two-character escape `\t` found inside serialized strings (`"#define\tpassword\t\"…\""`).
 */
function skipBlank(text: string, j: number, max: number): number {
  const from = j;
  while (j < text.length && j - from < max) {
    const c = text.charCodeAt(j);
    if (isSpace(c)) j++;
    else if (c === 92 && text.charCodeAt(j + 1) === 116) j += 2;
    else break;
  }
  return j;
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

const SECRET_WORD = /^(?:secret|token|api|access|auth|private|signing|encryption|master|credential|nonce)/i;

function kindOf(word: string): KeyKind {
  return SECRET_WORD.test(word) ? 'secret' : 'password';
}

/**
 * Longest value read. Longer values assigned to secret names are mostly ciphertext (sealed secrets,
 * encrypted config) that is safe to share; keys with a known shape have their own rules.
 */
const MAX_VALUE: Record<KeyKind, number> = { password: 256, secret: 256 };

const LITERAL_WORDS =
  /^(?:true|false|null|none|nil|undefined|string|required|optional|empty|default|bool|int|number|object)$/i;
const KEYWORD_IN_VALUE = /password|passwd|secret|token|apikey|api_key|credential/i;

/** Scores an assigned value, or returns 0 when it does not look like a real secret. */
function scoreValue(value: string, kind: KeyKind): number {
  if (value.length < (kind === 'password' ? 4 : 8) || value.length > MAX_VALUE[kind]) return 0;
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
  separator: 'assign' | 'quote' | 'flag' | 'element';
}

/** `<password>value</password>`, or `<entry key="password">value</entry>`: the text up to `</`. */
function elementValue(text: string, from: number, max: number): [number, number] | null {
  const close = text.indexOf('<', from);
  if (close === -1 || close - from > max || text.charCodeAt(close + 1) !== 47) return null;
  const nl = text.indexOf('\n', from);
  if (nl !== -1 && nl < close) return null;
  let a = from;
  let b = close;
  while (a < b && isSpace(text.charCodeAt(a))) a++;
  while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
  return b > a ? [a, b] : null;
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
  const max = MAX_VALUE[kind];
  const opener = s > 0 ? text.charCodeAt(s - 1) : 0;
  // XML element named after the key: `<password>…</password>`, `<db-password>…</db-password>`.
  if (opener === 60 && text.charCodeAt(e) === 62) {
    const v = elementValue(text, e + 1, max);
    return v ? { keyStart: s, valueStart: v[0], valueEnd: v[1], kind, separator: 'element' } : null;
  }
  const quotedKey = opener === 34 || opener === 39;
  let i = e;
  if (text.charCodeAt(i) === 92 && text.charCodeAt(i + 1) !== 116) i++;
  if (text.charCodeAt(i) === 34 || text.charCodeAt(i) === 39) i++;
  if (text.charCodeAt(i) === 93) i++;
  let j = skipBlank(text, i, 8);
  const c = text.charCodeAt(j);
  const c2 = text.charCodeAt(j + 1);
  let separator: Assignment['separator'];
  if (quotedKey && c === 62 && j === i) {
    // `<entry key="password">…</entry>`, `<property name="password">…</property>`.
    const v = elementValue(text, j + 1, max);
    return v ? { keyStart: s, valueStart: v[0], valueEnd: v[1], kind, separator: 'element' } : null;
  }
  if (quotedKey && j > i && /^value\s{0,2}=/i.test(text.slice(j, j + 9))) {
    // `<add key="DbPassword" value="…"/>`, `<param name="password" value="…">`.
    j = text.indexOf('=', j) + 1;
    separator = 'assign';
  } else if (c === 0xff1a || c === 0xff1d) {
    separator = 'assign'; // full-width `：` / `＝` after CJK key words
    j++;
  } else if (c === 61 && c2 !== 61) {
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
  j = skipBlank(text, j, 12);
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
    if (close === -1 || close - valueStart > max) return null;
    const nl = text.indexOf('\n', valueStart);
    if (nl !== -1 && nl < close) return null;
    valueEnd = close;
    // A backslash-escaped quote closes nothing: `\"value\"` inside a string literal.
    if (valueEnd > valueStart && text.charCodeAt(valueEnd - 1) === 92) valueEnd--;
  } else {
    if (separator === 'quote') return null;
    valueStart = j;
    let k = j;
    while (k < text.length && k - j <= max && !endsValue(text.charCodeAt(k))) k++;
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
  foreignHint = false,
  keyWords = true,
): void {
  // Without any of KEY_RE_LITERALS (found by the caller's keyword pass) KEY_RE cannot match.
  if (keyWords) scanKeys(KEY_RE, text, out, covered);
  if (foreignHint || NON_ASCII.test(text)) scanKeys(FOREIGN_KEY_RE, text, out, covered);
}

function scanKeys(
  re: RegExp,
  text: string,
  out: RawMatch[],
  covered: (s: number, e: number) => boolean,
): void {
  re.lastIndex = 0;
  let lastValueEnd = -1;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index < lastValueEnd) continue;
    const a = parseAssignment(text, m.index, m.index + m[0].length, m[0]);
    if (a === null) continue;
    lastValueEnd = a.valueEnd;
    re.lastIndex = a.valueEnd;
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
export const NEAR_RE =
  /pass(?:word|wd|phrase)?|secret|token|api[ _-]?key|apikey|access[ _-]?key|auth|credential|bearer|private[ _-]?key|\bkey\b/gi;

/**
 * Literals of which every {@link NEAR_RE} match contains one; without any, {@link scanHighEntropy} finds
 * nothing and the engine skips it.
 */
export const NEAR_RE_LITERALS: readonly string[] = [
  'pass',
  'secret',
  'token',
  'key',
  'auth',
  'credential',
  'bearer',
];

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
