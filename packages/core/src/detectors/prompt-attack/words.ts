/**
 * The words of a text as the hashed n-gram features see them (`/[\p{L}\p{N}][\p{L}\p{N}'’_-]{0,40}/gu`,
 * the WORD pattern of ml/text-features.ts), as `[start, end)` offsets instead of strings, found by a
 * hand-written scan (no regular expression run over the text, no string per word): a fast loop for ASCII,
 * and from the first non-ASCII code unit on a scan by code point that classifies each one once with the
 * pattern's own character classes (the class of a BMP code unit is remembered). Shared by the
 * prompt-attack scorer and the topic features; tested against the pattern (words.test.ts).
 */

/** Longest word in code points: one starting letter or digit and at most 40 more. */
const MAX_WORD = 41;

/** Per ASCII code unit: 1 = letter or digit (starts or continues a word), 2 = `'`, `_` or `-` (continues one). */
const ASCII_CLASS = new Uint8Array(128);
for (let c = 48; c <= 57; c++) ASCII_CLASS[c] = 1;
for (let c = 65; c <= 90; c++) ASCII_CLASS[c] = 1;
for (let c = 97; c <= 122; c++) ASCII_CLASS[c] = 1;
ASCII_CLASS[39] = 2;
ASCII_CLASS[95] = 2;
ASCII_CLASS[45] = 2;

/** Word offsets, reused between calls (grown as needed). */
export interface WordSpans {
  starts: Int32Array;
  ends: Int32Array;
  /** Number of words found by the last {@link findWords} call. */
  count: number;
}

export function wordSpans(): WordSpans {
  return { starts: new Int32Array(256), ends: new Int32Array(256), count: 0 };
}

function push(out: WordSpans, start: number, end: number): void {
  if (out.count === out.starts.length) {
    const starts = new Int32Array(out.count * 2);
    const ends = new Int32Array(out.count * 2);
    starts.set(out.starts);
    ends.set(out.ends);
    out.starts = starts;
    out.ends = ends;
  }
  out.starts[out.count] = start;
  out.ends[out.count] = end;
  out.count++;
}

/**
 * Class of every BMP code unit as the pattern sees it, filled in on first sight (0 = not yet known):
 * {@link LETTER} for `[\p{L}\p{N}]`, {@link JOINER} for `['’_-]`, {@link OTHER} for anything else.
 */
const LETTER = 1;
const JOINER = 2;
const OTHER = 3;
const BMP_CLASS = new Uint8Array(0x10000);
for (let c = 0; c < 128; c++)
  BMP_CLASS[c] = ASCII_CLASS[c] === 1 ? LETTER : ASCII_CLASS[c] === 2 ? JOINER : OTHER;
const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;

function bmpClass(c: number): number {
  let k = BMP_CLASS[c]!;
  if (k === 0) {
    // Lone surrogates are code points of their own for the pattern, and neither letters nor digits.
    const ch = String.fromCharCode(c);
    k = LETTER_OR_DIGIT.test(ch) ? LETTER : c === 0x2019 ? JOINER : OTHER;
    BMP_CLASS[c] = k;
  }
  return k;
}

/** Class of the code point at `i` (a surrogate pair is one code point, as for the `u` flag). */
function classAt(text: string, i: number, n: number): number {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return LETTER_OR_DIGIT.test(text.slice(i, i + 2)) ? LETTER : OTHER;
  }
  return bmpClass(c);
}

/** Code units of the code point at `i`. */
function widthAt(text: string, i: number, n: number): number {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

/** Fills `out` with the words of `text` (offsets in code units); returns their number. */
export function findWords(text: string, out: WordSpans): number {
  out.count = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c >= 128) return findWordsFrom(text, i, out);
    if (ASCII_CLASS[c] !== 1) {
      i++;
      continue;
    }
    const start = i;
    const limit = Math.min(n, start + MAX_WORD);
    i++;
    while (i < limit) {
      const d = text.charCodeAt(i);
      if (d >= 128) {
        // The word goes on past ASCII: finished by the general scan, from its start.
        return findWordsFrom(text, start, out);
      }
      if (ASCII_CLASS[d] === 0) break;
      i++;
    }
    push(out, start, i);
  }
  return out.count;
}

/**
 * The words from `from` on (a position where no word is under way), appended to `out`: the general
 * scan, by code point, for text that is not all ASCII.
 */
function findWordsFrom(text: string, from: number, out: WordSpans): number {
  const n = text.length;
  let i = from;
  while (i < n) {
    const c = text.charCodeAt(i);
    const k = c < 128 ? BMP_CLASS[c]! : classAt(text, i, n);
    if (k !== LETTER) {
      i += c < 0xd800 ? 1 : widthAt(text, i, n);
      continue;
    }
    const start = i;
    i += c < 0xd800 ? 1 : widthAt(text, i, n);
    let length = 1;
    while (i < n && length < MAX_WORD) {
      const d = text.charCodeAt(i);
      const kd = d < 128 ? BMP_CLASS[d]! : classAt(text, i, n);
      if (kd === OTHER) break;
      i += d < 0xd800 ? 1 : widthAt(text, i, n);
      length++;
    }
    push(out, start, i);
  }
  return out.count;
}

/**
 * Finds, for each word of a text in turn, an earlier equal word (same code units), keyed by a hash of the
 * word the caller computes anyway. Reused between texts: {@link WordTypes.reset} before each text.
 */
export class WordTypes {
  private keys = new Int32Array(1024);
  /** Word index + 1 of each slot's first word (0 = empty slot). */
  private firsts = new Int32Array(1024);
  private shift = 32 - 10;
  /** Slots in use, to empty them on reset. */
  private used = new Int32Array(512);
  private count = 0;

  /** Empties the table and makes room for `words` words. */
  reset(words: number): void {
    for (let t = 0; t < this.count; t++) this.firsts[this.used[t]!] = 0;
    this.count = 0;
    let bits = 10;
    while (2 ** bits < 2 * words) bits++;
    if (32 - bits < this.shift) {
      this.shift = 32 - bits;
      this.keys = new Int32Array(2 ** bits);
      this.firsts = new Int32Array(2 ** bits);
    }
    if (this.used.length < words) this.used = new Int32Array(Math.max(words, 2 * this.used.length));
  }

  /**
   * The index of the first earlier word of `text` equal to word `i` (whose hash is `key`), or -1 after
   * remembering word `i` as the first of its kind.
   */
  earlier(text: string, spans: WordSpans, i: number, key: number): number {
    const mask = this.keys.length - 1;
    const from = spans.starts[i]!;
    const length = spans.ends[i]! - from;
    let slot = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const w = this.firsts[slot]! - 1;
      if (w < 0) {
        this.keys[slot] = key;
        this.firsts[slot] = i + 1;
        this.used[this.count++] = slot;
        return -1;
      }
      if (this.keys[slot] === key && sameWord(text, spans, w, from, length)) return w;
      slot = (slot + 1) & mask;
    }
  }
}

function sameWord(text: string, spans: WordSpans, w: number, from: number, length: number): boolean {
  const other = spans.starts[w]!;
  if (spans.ends[w]! - other !== length) return false;
  for (let p = 0; p < length; p++) if (text.charCodeAt(from + p) !== text.charCodeAt(other + p)) return false;
  return true;
}
