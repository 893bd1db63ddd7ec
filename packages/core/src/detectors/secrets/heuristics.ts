/**
 * Pure helpers shared by the secrets rules: Shannon entropy, placeholder / low-variety detection, hash and
 * UUID shapes, and small decoders. No regular expression here scans more than a bounded token.
 */

/** Shannon entropy in bits per character over the token's own alphabet. */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  const n = value.length;
  for (const c of counts.values()) {
    const p = c / n;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Number of character classes present: lower, upper, digit, other. */
export function charClasses(value: string): number {
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let other = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = 1;
    else if (c >= 65 && c <= 90) upper = 1;
    else if (c >= 48 && c <= 57) digit = 1;
    else other = 1;
  }
  return lower + upper + digit + other;
}

const PLACEHOLDER_WORDS = [
  'example',
  'sample',
  'dummy',
  'placeholder',
  'changeme',
  'change_me',
  'change-me',
  'your_',
  'your-',
  'yourkey',
  'yourtoken',
  'yoursecret',
  'xxxx',
  '****',
  '....',
  '<',
  '>',
  '${',
  '{{',
  '%(',
  '$(',
  'redacted',
  'replace_me',
  'replaceme',
  'insert_',
  'notreal',
  'not_real',
  'not-a-',
  'fake',
];

/** Longest run of consecutive ascending or descending characters (`abcdef`, `654321`). */
function longestSequence(value: string): number {
  let best = 1;
  let up = 1;
  let down = 1;
  for (let i = 1; i < value.length; i++) {
    const d = value.charCodeAt(i) - value.charCodeAt(i - 1);
    up = d === 1 ? up + 1 : 1;
    down = d === -1 ? down + 1 : 1;
    if (up > best) best = up;
    if (down > best) best = down;
  }
  return best;
}

/** Longest run of one repeated character. */
function longestRepeat(value: string): number {
  let best = 1;
  let run = 1;
  for (let i = 1; i < value.length; i++) {
    run = value.charCodeAt(i) === value.charCodeAt(i - 1) ? run + 1 : 1;
    if (run > best) best = run;
  }
  return best;
}

/**
 * True for values that are obviously not real secrets: documentation placeholders (`xxx`, `<YOUR_KEY>`,
 * `${VAR}`, `{{ secret }}`, `changeme`, `example`, `dummy`), long runs of one character and long
 * alphabet/digit sequences such as `abcdef123456`.
 */
export function isPlaceholder(value: string): boolean {
  const lower = value.toLowerCase();
  for (const w of PLACEHOLDER_WORDS) if (lower.includes(w)) return true;
  if (longestSequence(lower) >= 6) return true;
  return false;
}

/** True when the random part has too little variety (`ghp_0101…`, `aaaaaaaa`). */
export function isLowVariety(value: string): boolean {
  const tail = value.length > 16 ? value.slice(-16) : value;
  const distinct = new Set(tail).size;
  if (distinct <= 3) return true;
  return longestRepeat(value) >= Math.max(8, Math.floor(value.length / 2));
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX_RE = /^[0-9a-f]{1,512}$/i;

/** True for a canonical UUID. */
export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

/** True for a hex string of a common digest length (MD5, SHA-1, SHA-224, SHA-256, SHA-384, SHA-512). */
export function isHashShaped(value: string): boolean {
  return HEX_RE.test(value) && [32, 40, 56, 64, 96, 128].includes(value.length);
}

/** True for hex-only strings. */
export function isHex(value: string): boolean {
  return HEX_RE.test(value);
}

/** Decodes base64 or base64url (padding optional); returns null when the input is not valid. */
export function decodeBase64(value: string): string | null {
  let s = value.replace(/-/g, '+').replace(/_/g, '/');
  const rem = s.length % 4;
  if (rem === 1) return null;
  if (rem) s += '='.repeat(4 - rem);
  try {
    return atob(s);
  } catch {
    return null;
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE) of an ASCII string. */
export function crc32(value: string): number {
  let c = 0xffffffff;
  for (let i = 0; i < value.length; i++) {
    c = (CRC_TABLE[(c ^ value.charCodeAt(i)) & 0xff] as number) ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Base62 encoding of a non-negative integer, left-padded with `0` to `width`. */
export function base62(n: number, width: number): string {
  let out = '';
  let v = n;
  do {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  } while (v > 0);
  return out.padStart(width, '0');
}

/**
 * GitHub's token checksum: the last 6 characters are the base62 CRC-32 of the 30 random characters
 * before them. `body` is the token without its `ghp_`-style prefix.
 */
export function githubChecksumValid(body: string): boolean {
  if (body.length !== 36) return false;
  return base62(crc32(body.slice(0, 30)), 6) === body.slice(30);
}
