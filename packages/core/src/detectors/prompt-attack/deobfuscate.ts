/**
 * Deobfuscation for the prompt-attack detector: finds encoded or disguised runs in a text, decodes them,
 * and returns the decoded texts ("variants") to rescan, each with the decode steps that produced it and
 * the span of the ORIGINAL text it came from. Decoders: Unicode tag characters, base64, hex, URL
 * encoding, rot13, leetspeak, spaced-out letters and small-capital letters. Decoded text is decoded again up to a fixed depth
 * (base64 of rot13, …). Every scan is linear; the number and size of variants are capped.
 */
import { type NormalizedText, normalizeText } from '../normalize.ts';

/** A decoded text to rescan, with how it was obtained and where it came from in the original text. */
export interface Variant {
  text: string;
  /** Decode steps, outermost first, e.g. `['base64', 'rot13']`. */
  steps: string[];
  /** Span of the original segment text that was decoded. */
  start: number;
  end: number;
}

/** Caps that keep deobfuscation cheap on hostile input. */
export const DECODE_LIMITS = Object.freeze({
  /** Most variants returned per text. */
  maxVariants: 24,
  /** Longest decoded text kept. */
  maxDecodedChars: 20_000,
  /** Decoding depth (a decoded text is decoded again this many times at most). */
  maxDepth: 3,
  /** Only this many leading code units of a text are searched for encoded runs. */
  scanChars: 200_000,
});

const BASE64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
const HEX_RUN = /(?<![0-9A-Za-z])(?:\\x|0x)?[0-9a-fA-F]{2}(?:[ :,]?(?:\\x|0x)?[0-9a-fA-F]{2}){7,}/g;
const URL_RUN = /[^\s%]{0,40}(?:%[0-9a-fA-F]{2}[^\s%]{0,40}){3,}/g;
/** Runs of single letters separated by spaces or punctuation: `i g n o r e`, `i-g-n-o-r-e`. */
const SPACED_RUN = /(?<![A-Za-z])[A-Za-z](?:[ .\-_*|/]{1,3}[A-Za-z](?![A-Za-z])){5,}/g;
/** A word mixing letters with leetspeak digits or symbols. */
const LEET_WORD = /[A-Za-z]{0,20}[013457@$][A-Za-z013457@$]{0,20}/g;
const LEET_HINT = /[A-Za-z][013457@$]|[013457@$][A-Za-z]/;
const ROT13_CUE = /\brot ?-?13\b/i;

/**
 * Small-capital and similar IPA letters used as "fancy text" (`Sʏsᴛᴇᴍ ᴜᴘᴅᴀᴛᴇ`): NFKC and the engine's
 * confusables table leave them alone, so an attack written in them reads as unknown words to the
 * signatures and the classifier. Each maps to one ASCII letter (length-preserving).
 */
const SMALL_CAPS: Readonly<Record<string, string>> = {
  ᴀ: 'a',
  ʙ: 'b',
  ᴄ: 'c',
  ᴅ: 'd',
  ᴇ: 'e',
  ꜰ: 'f',
  ɢ: 'g',
  ʜ: 'h',
  ɪ: 'i',
  ᴊ: 'j',
  ᴋ: 'k',
  ʟ: 'l',
  ᴍ: 'm',
  ɴ: 'n',
  ᴏ: 'o',
  ᴘ: 'p',
  ǫ: 'q',
  ʀ: 'r',
  ꜱ: 's',
  ᴛ: 't',
  ᴜ: 'u',
  ᴠ: 'v',
  ᴡ: 'w',
  ʏ: 'y',
  ᴢ: 'z',
};
const SMALL_CAP = /[ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘǫʀꜱᴛᴜᴠᴡʏᴢ]/g;
/** The code units SMALL_CAP matches. */
const SMALL_CAP_UNITS = new Set(Object.keys(SMALL_CAPS).map((c) => c.charCodeAt(0)));
/** Fewer small capitals than this in a text are left alone (IPA transcriptions use a few). */
const MIN_SMALL_CAPS = 8;

/** Small-capital letters replaced by ASCII letters; length-preserving, so offsets stay valid. */
export function unsmallcaps(text: string): string {
  return text.replace(SMALL_CAP, (c) => SMALL_CAPS[c]!);
}

const COMMON = new Set([
  'the',
  'and',
  'you',
  'to',
  'of',
  'a',
  'is',
  'in',
  'your',
  'all',
  'are',
  'that',
  'it',
  'for',
  'this',
  'be',
  'now',
  'i',
  'me',
  'my',
  'what',
  'how',
  'with',
  'not',
  'do',
  'can',
  'ignore',
  'previous',
  'instructions',
  'system',
  'prompt',
  'tell',
  'reveal',
  'password',
  'please',
  'on',
  'as',
  'an',
  'or',
  'will',
  'from',
]);

/**
 * COMMON as a trie over `a`–`z` for {@link commonShare}: node n's child for letter
 * l is `TRIE[n * 26 + l]` (0 = none; the root is node 0 and never a child), `WORD_END[n]` marks a word.
 */
const { TRIE, WORD_END } = (() => {
  const children: number[] = new Array(26).fill(0);
  const ends: number[] = [0];
  for (const word of COMMON) {
    let node = 0;
    for (let i = 0; i < word.length; i++) {
      const l = word.charCodeAt(i) - 97;
      let next = children[node * 26 + l]!;
      if (next === 0) {
        next = ends.length;
        ends.push(0);
        for (let k = 0; k < 26; k++) children.push(0);
        children[node * 26 + l] = next;
      }
      node = next;
    }
    ends[node] = 1;
  }
  return { TRIE: Int32Array.from(children), WORD_END: Uint8Array.from(ends) };
})();

/**
 * Share of words in `text` that are common English words (0 when there are fewer than 3 words): the
 * words are what `/[a-z]{1,20}/g` finds in the lower-cased text, counted without lower-casing or
 * splitting it (see traits).
 */
function commonShare(text: string): number {
  return traits(text, text.length).common;
}

/** True when `s` reads as text: printable, mostly letters and spaces. */
function looksLikeText(s: string): boolean {
  if (s.length < 6) return false;
  let letters = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127 || c === 0xfffd) return false;
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 32 || c >= 0xc0) letters++;
  }
  return letters >= s.length * 0.6;
}

const UTF8 = new TextDecoder('utf-8', { fatal: false });

function bytesToText(bytes: Uint8Array): string {
  return UTF8.decode(bytes);
}

function decodeBase64Run(run: string): string | null {
  let b64 = run.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (b64.length % 4 === 1) return null;
  b64 += '='.repeat((4 - (b64.length % 4)) % 4);
  try {
    const binary = atob(b64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytesToText(bytes);
  } catch {
    return null;
  }
}

function decodeHexRun(run: string): string {
  const digits = run.replace(/\\x|0x|[ :,]/g, '');
  const bytes = new Uint8Array(digits.length >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return bytesToText(bytes);
}

function decodeUrlRun(run: string): string | null {
  try {
    return decodeURIComponent(run.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** rot13 of ASCII letters; length-preserving, so offsets stay valid. */
export function rot13(text: string): string {
  return text.replace(/[A-Za-z]/g, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
};

/** Leetspeak undone inside words that mix letters and leet characters; length-preserving. */
export function unleet(text: string): string {
  return text.replace(LEET_WORD, (word) =>
    LEET_HINT.test(word) && /[A-Za-z]/.test(word) ? word.replace(/[013457@$]/g, (c) => LEET[c]!) : word,
  );
}

/** Letters of a spaced-out run joined; a wider separator than the usual one marks a word break. */
function joinSpaced(run: string): string {
  const seps = run.split(/[A-Za-z]/).slice(1, -1);
  const usual = Math.min(...seps.map((s) => s.length));
  let out = '';
  let k = 0;
  for (const ch of run) {
    if (/[A-Za-z]/.test(ch)) {
      out += ch;
      const sep = seps[k++];
      if (sep !== undefined && (sep.length > usual || sep.includes('/') || sep.includes('|'))) out += ' ';
    }
  }
  return out;
}

/**
 * Per ASCII code unit: which encoded-run patterns it can be part of. Every pattern below is tried only
 * when a linear scan shows that it can match at all, which skips the regular expressions (each of which
 * retries at every position) on ordinary text without changing any result.
 */
const B64 = 1; // [A-Za-z0-9+/_-]: BASE64_RUN's run
const HEX = 2; // [0-9a-fA-F :,\\x]: every character HEX_RUN's matches can hold
const LETTER = 4; // [A-Za-z]
const LEET_CHAR = 8; // [013457@$]
const HEX_DIGIT = 32;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9+/_-]/.test(ch)) CLASS[c]! |= B64;
  if (/[0-9a-fA-F :,\\x]/.test(ch)) CLASS[c]! |= HEX;
  if (/[A-Za-z]/.test(ch)) CLASS[c]! |= LETTER;
  if (/[013457@$]/.test(ch)) CLASS[c]! |= LEET_CHAR;
  if (/[0-9a-fA-F]/.test(ch)) CLASS[c]! |= HEX_DIGIT;
}

/** Kind of each base64 character for decodeOnce's test: 1 digit, 2 upper case, 4 lower case, 8 `+/_-`. */
const BASE64_KIND = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (!(CLASS[c]! & B64)) continue;
  BASE64_KIND[c] = c >= 48 && c <= 57 ? 1 : c >= 65 && c <= 90 ? 2 : c >= 97 && c <= 122 ? 4 : 8;
}

/** What one scan of a text says about which decoders can find anything in it. */
interface Traits {
  /**
   * A run of 16 or more base64 characters that the base64 decoder would try: one with a digit, or with
   * an upper-case letter, a lower-case letter and one of `+/_-` (see decodeOnce).
   */
  base64: boolean;
  /** A run of 16 or more characters that HEX_RUN's matches are made of (every match is one). */
  hex: boolean;
  /** At least three `%` followed by two hex digits (URL_RUN needs three). */
  url: boolean;
  /** A letter next to a leetspeak character: exactly LEET_HINT. */
  leet: boolean;
  /** Number of SMALL_CAP characters (`scanned.match(SMALL_CAP).length`). */
  smallCaps: number;
  /** {@link commonShare} of the text. */
  common: number;
}

function traits(text: string, n: number): Traits {
  let base64 = false;
  let hex = false;
  let leet = false;
  let smallCaps = 0;
  // The current base64 run: length and which kinds of characters it has (1 digit, 2 upper, 4 lower, 8 +/_-).
  let base64Run = 0;
  let base64Kinds = 0;
  let hexRun = 0;
  let percents = 0;
  let previous = 0;
  // commonShare: words (runs of letters cut at 20), common ones among them, the current word's trie node.
  let words = 0;
  let hits = 0;
  let length = 0;
  let node = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // The letter `a`–`z` this unit puts into the lower-cased text (0 for none), as commonShare reads it.
    let letter = 0;
    let breakAfter = false;
    if (c < 128) {
      const k = CLASS[c]!;
      if (k & B64) {
        base64Run++;
        base64Kinds |= BASE64_KIND[c]!;
        if (base64Run >= 16 && (base64Kinds & 1 || (base64Kinds & 14) === 14)) base64 = true;
      } else {
        base64Run = 0;
        base64Kinds = 0;
      }
      if (k & HEX) {
        if (++hexRun >= 16) hex = true;
      } else hexRun = 0;
      if (
        c === 37 &&
        i + 2 < n &&
        text.charCodeAt(i + 1) < 128 &&
        CLASS[text.charCodeAt(i + 1)]! & HEX_DIGIT &&
        text.charCodeAt(i + 2) < 128 &&
        CLASS[text.charCodeAt(i + 2)]! & HEX_DIGIT
      )
        percents++;
      if ((previous & LETTER && k & LEET_CHAR) || (previous & LEET_CHAR && k & LETTER)) leet = true;
      previous = k;
      if (k & LETTER) letter = c | 0x20;
    } else {
      if (SMALL_CAP_UNITS.has(c)) smallCaps++;
      base64Run = 0;
      base64Kinds = 0;
      hexRun = 0;
      previous = 0;
      // Lower-casing turns exactly two non-ASCII code points into `a`–`z`: KELVIN SIGN into `k`, and
      // LATIN CAPITAL LETTER I WITH DOT ABOVE into `i` followed by a combining dot (not a letter).
      if (c === 0x212a) letter = 107;
      else if (c === 0x130) {
        letter = 105;
        breakAfter = true;
      }
    }
    if (letter !== 0) {
      if (length === 20) {
        words++;
        if (node > 0 && WORD_END[node] === 1) hits++;
        length = 0;
        node = 0;
      }
      node = node < 0 ? -1 : TRIE[node * 26 + (letter - 97)]! || -1;
      length++;
    }
    if ((letter === 0 || breakAfter) && length > 0) {
      words++;
      if (node > 0 && WORD_END[node] === 1) hits++;
      length = 0;
      node = 0;
    }
  }
  if (length > 0) {
    words++;
    if (node > 0 && WORD_END[node] === 1) hits++;
  }
  return { base64, hex, url: percents >= 3, leet, smallCaps, common: words < 3 ? 0 : hits / words };
}

/**
 * Two letters standing alone (no letter right before the first or after the second) with one to three
 * SPACED_RUN separators between them: every SPACED_RUN match starts with such a pair, and this pattern
 * without repetition is cheaper to rule out on ordinary text.
 */
const SPACED_PAIR = /(?<![A-Za-z])[A-Za-z][ .\-_*|/]{1,3}[A-Za-z](?![A-Za-z])/;

/** Decodes Unicode tag characters (U+E0020–U+E007E) in the original text: runs of at least 4. */
function tagVariants(text: string, present: boolean): Variant[] {
  const out: Variant[] = [];
  let i = 0;
  const n = Math.min(text.length, DECODE_LIMITS.scanChars);
  if (!present) return out;
  while (i < n) {
    const cp = text.codePointAt(i)!;
    if (cp >= 0xe0020 && cp <= 0xe007e) {
      const start = i;
      let decoded = '';
      while (i < text.length) {
        const c = text.codePointAt(i)!;
        if (c < 0xe0020 || c > 0xe007e) break;
        decoded += String.fromCharCode(c - 0xe0000);
        i += 2;
      }
      if (decoded.length >= 4) out.push({ text: decoded, steps: ['unicode_tags'], start, end: i });
      continue;
    }
    i += cp > 0xffff ? 2 : 1;
  }
  return out;
}

/** Spaced-out letters, found in the original text (whitespace folding would hide the word gaps). */
function spacedVariants(scanned: string, present: boolean): Variant[] {
  const out: Variant[] = [];
  if (!present) return out;
  for (const m of scanned.matchAll(SPACED_RUN)) {
    const decoded = joinSpaced(m[0]);
    if (looksLikeText(decoded))
      out.push({ text: decoded, steps: ['spaced_letters'], start: m.index, end: m.index + m[0].length });
    if (out.length >= DECODE_LIMITS.maxVariants / 2) break;
  }
  return out;
}

interface Decoded {
  text: string;
  step: string;
  /** Span in the text that was searched. */
  start: number;
  end: number;
}

/** One level of decoding of `text` (already normalised); spans are offsets into `text`. */
function decodeOnce(text: string): Decoded[] {
  const scanned = text.length > DECODE_LIMITS.scanChars ? text.slice(0, DECODE_LIMITS.scanChars) : text;
  const out: Decoded[] = [];
  const push = (decoded: string | null, step: string, start: number, end: number): void => {
    if (decoded === null || !looksLikeText(decoded)) return;
    out.push({ text: decoded.slice(0, DECODE_LIMITS.maxDecodedChars), step, start, end });
  };
  const can = traits(scanned, scanned.length);
  if (can.base64)
    for (const m of scanned.matchAll(BASE64_RUN)) {
      const run = m[0];
      // Plain words and identifiers are not base64 worth decoding: require mixed case or digits.
      if (!/[A-Z]/.test(run) || !/[a-z0-9]/.test(run) || /^[A-Za-z]+$/.test(run.replace(/=+$/, ''))) {
        if (!/\d/.test(run)) continue;
      }
      push(decodeBase64Run(run), 'base64', m.index, m.index + run.length);
      if (out.length >= DECODE_LIMITS.maxVariants) return out;
    }
  if (can.hex)
    for (const m of scanned.matchAll(HEX_RUN)) {
      push(decodeHexRun(m[0]), 'hex', m.index, m.index + m[0].length);
      if (out.length >= DECODE_LIMITS.maxVariants) return out;
    }
  if (can.url)
    for (const m of scanned.matchAll(URL_RUN)) {
      push(decodeUrlRun(m[0]), 'url', m.index, m.index + m[0].length);
      if (out.length >= DECODE_LIMITS.maxVariants) return out;
    }
  // Whole-text, length-preserving decoders: rot13 when cued or when it turns gibberish into English.
  if (ROT13_CUE.test(scanned) || (can.common < 0.08 && /[a-z]{3}/i.test(scanned))) {
    const decoded = rot13(scanned);
    if (commonShare(decoded) >= 0.2)
      out.push({ text: decoded, step: 'rot13', start: 0, end: scanned.length });
  }
  if (can.smallCaps >= MIN_SMALL_CAPS)
    out.push({ text: unsmallcaps(scanned), step: 'small_caps', start: 0, end: scanned.length });
  if (can.leet) {
    const decoded = unleet(scanned);
    if (decoded !== scanned) out.push({ text: decoded, step: 'leetspeak', start: 0, end: scanned.length });
  }
  return out;
}

/**
 * The decoded variants of `original` to rescan (the original itself excluded). Spans point into
 * `original`; for runs found in normalised text they are mapped back through the normaliser's offset map.
 */
export function deobfuscate(
  original: string,
  normalized: NormalizedText = normalizeText(original),
): Variant[] {
  const n = Math.min(original.length, DECODE_LIMITS.scanChars);
  // Tag characters are U+E0000–U+E007F, high surrogate D B40; indexOf finds one fast.
  const tag = original.indexOf('\udb40');
  const scanned = n < original.length ? original.slice(0, n) : original;
  const variants: Variant[] = [
    ...tagVariants(original, tag >= 0 && tag < n),
    ...spacedVariants(scanned, SPACED_PAIR.test(scanned)),
  ];
  const queue: {
    text: string;
    steps: string[];
    map: (s: number, e: number) => { start: number; end: number };
  }[] = [{ text: normalized.text, steps: [], map: (s, e) => normalized.toOriginalSpan(s, e) }];
  for (const v of variants)
    queue.push({ text: v.text, steps: v.steps, map: () => ({ start: v.start, end: v.end }) });
  const seen = new Set<string>();
  for (let q = 0; q < queue.length && variants.length < DECODE_LIMITS.maxVariants; q++) {
    const item = queue[q]!;
    if (item.steps.length >= DECODE_LIMITS.maxDepth) continue;
    for (const d of decodeOnce(item.text)) {
      if (seen.has(d.text) || d.text === item.text) continue;
      seen.add(d.text);
      const span = item.map(d.start, d.end);
      const steps = [...item.steps, d.step];
      const variant: Variant = { text: normalizeText(d.text).text, steps, start: span.start, end: span.end };
      variants.push(variant);
      queue.push({ text: variant.text, steps, map: () => span });
      if (variants.length >= DECODE_LIMITS.maxVariants) break;
    }
  }
  return variants;
}
