/**
 * SentencePiece Unigram tokenisers from HuggingFace `tokenizer.json` files (`model.type: "Unigram"`), as
 * DeBERTa-v3 (Llama Prompt Guard 2, ProtectAI's injection classifiers), mDeBERTa and XLM-R ship them.
 * Written here, like the WordPiece tokeniser, so no tokeniser package or download is needed.
 *
 * The pipeline follows HuggingFace `tokenizers`, since the models were fine-tuned with it:
 * normaliser (Sequence, Strip, Replace, Precompiled, NFC/NFD/NFKC/NFKD, Lowercase, StripAccents, Prepend)
 * → pre-tokeniser (Sequence, WhitespaceSplit, Whitespace, Punctuation, BertPreTokenizer, Metaspace) →
 * Viterbi best path over the piece log-probabilities → post-processor special tokens.
 *
 * The `Precompiled` normaliser is decoded for real: the SentencePiece character map (a Darts double-array
 * trie over UTF-8 plus a table of replacement strings) is read from the file and applied grapheme by
 * grapheme, as HuggingFace does, so NFKC-style folding, control-character removal and the model's own
 * rules are those the model was trained with.
 *
 * Every token keeps the UTF-16 span of the original text it came from. Everything is linear in the text
 * length: the Viterbi search looks at most {@link MAX_PIECE_CHARS} characters ahead of each position.
 */
// The import cycle with tokenizer.ts is deliberate and safe: neither module uses the other's bindings
// while it is being evaluated, only inside functions called later.
import {
  postProcessorFromHf,
  type TextTokenizer,
  type TokenizedText,
  TokenizerFormatError,
} from './tokenizer.ts';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Longest vocabulary piece accepted, in code points. SentencePiece trains with pieces of at most 16; the
 * cap keeps the search linear (text length × this) even with a hostile vocabulary.
 */
export const MAX_PIECE_CHARS = 64;

/** HuggingFace's penalty for an unknown character: the lowest piece score minus this. */
const UNK_PENALTY = 10;

const SPACE = 0x20;
const METASPACE = 0x2581; // ▁

// ---------------------------------------------------------------------------------------------------------
// Text with offsets

/**
 * Normalised text as code points, each with the original UTF-16 span it came from. Typed arrays grown by
 * doubling: a megabyte of text passes through several normalisers, and plain arrays cost twice the time.
 */
class Chars {
  cps: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
  length = 0;

  constructor(capacity: number) {
    const size = Math.max(16, capacity);
    this.cps = new Int32Array(size);
    this.starts = new Int32Array(size);
    this.ends = new Int32Array(size);
  }

  private grow(): void {
    const size = this.cps.length * 2;
    const cps = new Int32Array(size);
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    cps.set(this.cps);
    starts.set(this.starts);
    ends.set(this.ends);
    this.cps = cps;
    this.starts = starts;
    this.ends = ends;
  }

  push(cp: number, start: number, end: number): void {
    if (this.length === this.cps.length) this.grow();
    const k = this.length++;
    this.cps[k] = cp;
    this.starts[k] = start;
    this.ends[k] = end;
  }

  /** Copies code point `k` of `from`, span included. */
  copy(from: Chars, k: number): void {
    this.push(from.cps[k] as number, from.starts[k] as number, from.ends[k] as number);
  }
}

function push(out: Chars, cp: number, start: number, end: number): void {
  out.push(cp, start, end);
}

/** Code points of `text` with their spans; a lone surrogate becomes U+FFFD, as in any UTF-8 pipeline. */
function charsOf(text: string, from: number, to: number): Chars {
  const out = new Chars(to - from);
  let i = from;
  while (i < to) {
    let cp = text.charCodeAt(i);
    let width = 1;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < to) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        width = 2;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    push(out, cp, i, i + width);
    i += width;
  }
  return out;
}

function codePoints(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) out.push(ch.codePointAt(0) as number);
  return out;
}

function utf8Length(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

function utf8Of(cp: number): number[] {
  const out: number[] = [];
  utf8Bytes(cp, out);
  return out;
}

function utf8Bytes(cp: number, out: number[]): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  else {
    out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
}

/** A small memo that forgets everything when full, so hostile input cannot grow it without bound. */
class Memo<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly limit: number) {}
  get(key: K): V | undefined {
    return this.map.get(key);
  }
  set(key: K, value: V): void {
    if (this.map.size >= this.limit) this.map.clear();
    this.map.set(key, value);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Grapheme clusters (UAX #29), needed by the Precompiled normaliser. Intl.Segmenter would do, but on
// Node 20 it is super-linear in the length of the string it segments, so the rules are applied here.

enum Gcb {
  Other = 0,
  CR = 1,
  LF = 2,
  Control = 3,
  Extend = 4,
  ZWJ = 5,
  RI = 6,
  Prepend = 7,
  SpacingMark = 8,
  L = 9,
  V = 10,
  T = 11,
  LV = 12,
  LVT = 13,
  Pictographic = 14,
}

const EXTEND_RE = /[\p{Grapheme_Extend}\p{Emoji_Modifier}]/u;
const CONTROL_RE = /[\p{Cc}\p{Zl}\p{Zp}\p{Cf}]/u;
const SPACING_MARK_RE = /\p{Mc}/u;
const PICTOGRAPHIC_RE = /\p{Extended_Pictographic}/u;
const PREPEND = new Set([
  0x600, 0x601, 0x602, 0x603, 0x604, 0x605, 0x6dd, 0x70f, 0x890, 0x891, 0x8e2, 0xd4e, 0x110bd, 0x110cd,
  0x111c2, 0x111c3, 0x1193f, 0x11941, 0x11a3a, 0x11a84, 0x11a85, 0x11a86, 0x11a87, 0x11a88, 0x11a89, 0x11d46,
  0x11f02,
]);

const gcbMemo = new Memo<number, Gcb>(1 << 16);

function graphemeClass(cp: number): Gcb {
  if (cp < 0x7f) {
    if (cp >= 0x20) return Gcb.Other;
    return cp === 0x0d ? Gcb.CR : cp === 0x0a ? Gcb.LF : Gcb.Control;
  }
  const known = gcbMemo.get(cp);
  if (known !== undefined) return known;
  let cls: Gcb;
  if (cp === 0x200d) cls = Gcb.ZWJ;
  else if (cp >= 0x1f1e6 && cp <= 0x1f1ff) cls = Gcb.RI;
  else if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0xa960 && cp <= 0xa97c)) cls = Gcb.L;
  else if ((cp >= 0x1160 && cp <= 0x11a7) || (cp >= 0xd7b0 && cp <= 0xd7c6)) cls = Gcb.V;
  else if ((cp >= 0x11a8 && cp <= 0x11ff) || (cp >= 0xd7cb && cp <= 0xd7fb)) cls = Gcb.T;
  else if (cp >= 0xac00 && cp <= 0xd7a3) cls = (cp - 0xac00) % 28 === 0 ? Gcb.LV : Gcb.LVT;
  else if (PREPEND.has(cp)) cls = Gcb.Prepend;
  else {
    const ch = String.fromCodePoint(cp);
    if (EXTEND_RE.test(ch) || cp === 0x200c) cls = Gcb.Extend;
    else if (CONTROL_RE.test(ch)) cls = Gcb.Control;
    else if (SPACING_MARK_RE.test(ch) || cp === 0xe33 || cp === 0xeb3) cls = Gcb.SpacingMark;
    else if (PICTOGRAPHIC_RE.test(ch)) cls = Gcb.Pictographic;
    else cls = Gcb.Other;
  }
  gcbMemo.set(cp, cls);
  return cls;
}

/** End (exclusive) of the grapheme cluster that starts at `from`. */
function graphemeEnd(cps: Int32Array, from: number, to: number): number {
  let prev = graphemeClass(cps[from] as number);
  let riRun = prev === Gcb.RI ? 1 : 0;
  // GB11: inside `Pictographic Extend* ZWJ`, the next Pictographic joins.
  let emojiState = prev === Gcb.Pictographic ? 1 : 0;
  let k = from + 1;
  for (; k < to; k++) {
    const cur = graphemeClass(cps[k] as number);
    let join: boolean;
    if (prev === Gcb.CR) join = cur === Gcb.LF;
    else if (
      prev === Gcb.LF ||
      prev === Gcb.Control ||
      cur === Gcb.CR ||
      cur === Gcb.LF ||
      cur === Gcb.Control
    )
      join = false;
    else if (prev === Gcb.L) join = cur === Gcb.L || cur === Gcb.V || cur === Gcb.LV || cur === Gcb.LVT;
    else if ((prev === Gcb.LV || prev === Gcb.V) && (cur === Gcb.V || cur === Gcb.T)) join = true;
    else if ((prev === Gcb.LVT || prev === Gcb.T) && cur === Gcb.T) join = true;
    else if (cur === Gcb.Extend || cur === Gcb.ZWJ || cur === Gcb.SpacingMark || prev === Gcb.Prepend)
      join = true;
    else if (prev === Gcb.ZWJ && cur === Gcb.Pictographic) join = emojiState === 2;
    else if (prev === Gcb.RI && cur === Gcb.RI) join = riRun % 2 === 1;
    else join = false;
    if (!join) break;
    riRun = cur === Gcb.RI ? riRun + 1 : 0;
    if (cur === Gcb.Pictographic) emojiState = 1;
    else if (cur === Gcb.ZWJ) emojiState = emojiState === 1 ? 2 : 0;
    else if (cur !== Gcb.Extend) emojiState = 0;
    prev = cur;
  }
  return k;
}

// ---------------------------------------------------------------------------------------------------------
// The Precompiled normaliser: SentencePiece's character map

/**
 * A SentencePiece `precompiled_charsmap`: a little-endian u32 trie size, the Darts-clone double array
 * (u32 units) keyed by UTF-8 bytes, then NUL-terminated UTF-8 replacement strings the trie values point at.
 */
class Charsmap {
  private readonly units: Uint32Array;
  private readonly strings: Uint8Array;
  private readonly decoder = new TextDecoder();
  private readonly byValue = new Map<number, number[]>();
  private readonly memo = new Memo<string, number[] | null>(1 << 16);
  private readonly bmp: (number[] | null | undefined)[] = new Array(0x10000);

  constructor(blob: Uint8Array) {
    if (blob.length < 4) throw new TokenizerFormatError('tokenizer Precompiled charsmap is truncated');
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const trieBytes = view.getUint32(0, true);
    if (trieBytes % 4 !== 0 || trieBytes === 0 || 4 + trieBytes > blob.length) {
      throw new TokenizerFormatError('tokenizer Precompiled charsmap is malformed');
    }
    this.units = new Uint32Array(trieBytes / 4);
    for (let k = 0; k < this.units.length; k++) this.units[k] = view.getUint32(4 + 4 * k, true);
    this.strings = blob.subarray(4 + trieBytes);
  }

  /**
   * The replacement of the shortest key that is a prefix of `bytes`, or null. Shortest, not longest: that is
   * what HuggingFace does (spm_precompiled's `first_prefix_value`), and so what the models saw.
   */
  private firstPrefixValue(bytes: readonly number[]): number[] | null {
    const units = this.units;
    let pos = 0;
    let unit = units[0] as number;
    pos ^= offsetOf(unit);
    for (const byte of bytes) {
      if (byte === 0) break;
      pos ^= byte;
      unit = units[pos] ?? 0;
      // label(): the low byte plus the top bit, which marks a leaf and so never equals a byte.
      if ((unit & 0x800000ff) >>> 0 !== byte) return null;
      pos ^= offsetOf(unit);
      if ((unit >>> 8) & 1) return this.replacement(((units[pos] ?? 0) & 0x7fffffff) >>> 0);
    }
    return null;
  }

  private replacement(index: number): number[] {
    let cps = this.byValue.get(index);
    if (cps === undefined) {
      let end = index;
      while (end < this.strings.length && this.strings[end] !== 0) end++;
      cps = codePoints(this.decoder.decode(this.strings.subarray(Math.min(index, end), end)));
      this.byValue.set(index, cps);
    }
    return cps;
  }

  /** The replacement for a run of code points, or null when the map has no rule for it. */
  transform(cps: Int32Array, from: number, to: number): number[] | null {
    if (to === from + 1) return this.transformOne(cps[from] as number);
    const key = String.fromCodePoint(...cps.subarray(from, to));
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    const bytes: number[] = [];
    for (let k = from; k < to; k++) utf8Bytes(cps[k] as number, bytes);
    const result = this.firstPrefixValue(bytes);
    this.memo.set(key, result);
    return result;
  }

  /** {@link transform} of one code point, memoised in an array for the Basic Multilingual Plane. */
  private transformOne(cp: number): number[] | null {
    if (cp < 0x10000) {
      const known = this.bmp[cp];
      if (known !== undefined) return known;
      const result = this.firstPrefixValue(utf8Of(cp));
      this.bmp[cp] = result;
      return result;
    }
    const key = String.fromCodePoint(cp);
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    const result = this.firstPrefixValue(utf8Of(cp));
    this.memo.set(key, result);
    return result;
  }

  /**
   * HuggingFace's application: each grapheme shorter than 6 UTF-8 bytes is looked up whole; otherwise (or
   * when the whole has no rule) each code point is looked up on its own. Replacements take the span of
   * what they replace.
   */
  apply(input: Chars): Chars {
    const out = new Chars(input.length + 16);
    const { cps, starts, ends } = input;
    const n = input.length;
    let i = 0;
    while (i < n) {
      const end = graphemeEnd(cps, i, n);
      if (end > i + 1) {
        let bytes = 0;
        for (let k = i; k < end; k++) bytes += utf8Length(cps[k] as number);
        if (bytes < 6) {
          const whole = this.transform(cps, i, end);
          if (whole !== null) {
            for (const cp of whole) push(out, cp, starts[i] as number, ends[end - 1] as number);
            i = end;
            continue;
          }
        }
      }
      for (let k = i; k < end; k++) {
        const repl = this.transform(cps, k, k + 1);
        if (repl === null) push(out, cps[k] as number, starts[k] as number, ends[k] as number);
        else for (const cp of repl) push(out, cp, starts[k] as number, ends[k] as number);
      }
      i = end;
    }
    return out;
  }
}

function offsetOf(unit: number): number {
  return ((unit >>> 10) << ((unit & (1 << 9)) >>> 6)) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------
// Normalisers

type Normalizer = (input: Chars) => Chars;

const MARK_RE = /[\p{M}\p{Grapheme_Extend}]/u;

/** Whether `cp` can change, or be changed by, the code point before it under Unicode normalisation. */
function composesBackward(cp: number): boolean {
  if (cp < 0x300) return false;
  return (
    (cp >= 0x1160 && cp <= 0x11ff) || // Hangul medial vowels and final consonants
    (cp >= 0xd7b0 && cp <= 0xd7ff) ||
    (cp >= 0x3130 && cp <= 0x318f) || // compatibility jamo fold to conjoining jamo under NFKC
    (cp >= 0xffa0 && cp <= 0xffdc) ||
    cp === 0x16d67 ||
    MARK_RE.test(String.fromCodePoint(cp))
  );
}

/**
 * A Unicode normalisation form applied chunk by chunk: a chunk is a code point with the marks (and
 * Hangul jamo) that follow it, so composition inside a chunk is exact and the output keeps the chunk's span.
 */
function unicodeForm(form: 'NFC' | 'NFD' | 'NFKC' | 'NFKD'): Normalizer {
  const memo = new Memo<string, number[]>(1 << 16);
  return (input) => {
    const out = new Chars(input.length + 16);
    const { cps, starts, ends } = input;
    const n = input.length;
    let i = 0;
    while (i < n) {
      const cp = cps[i] as number;
      let end = i + 1;
      while (end < n && composesBackward(cps[end] as number)) end++;
      if (end === i + 1 && cp < 0xa0) {
        push(out, cp, starts[i] as number, ends[i] as number);
        i = end;
        continue;
      }
      const key = cpsToString(cps.subarray(i, end));
      let folded = memo.get(key);
      if (folded === undefined) {
        folded = codePoints(key.normalize(form));
        memo.set(key, folded);
      }
      if (end === i + 1) for (const c of folded) push(out, c, starts[i] as number, ends[i] as number);
      else for (const c of folded) push(out, c, starts[i] as number, ends[end - 1] as number);
      i = end;
    }
    return out;
  };
}

function lowercase(input: Chars): Chars {
  const out = new Chars(input.length + 16);
  const { cps, starts, ends } = input;
  for (let i = 0; i < input.length; i++) {
    const cp = cps[i] as number;
    if (cp < 0x80) {
      push(out, cp >= 65 && cp <= 90 ? cp + 32 : cp, starts[i] as number, ends[i] as number);
      continue;
    }
    for (const ch of String.fromCodePoint(cp).toLowerCase()) {
      push(out, ch.codePointAt(0) as number, starts[i] as number, ends[i] as number);
    }
  }
  return out;
}

const NONSPACING_MARK_RE = /\p{Mn}/u;

function stripAccents(input: Chars): Chars {
  const out = new Chars(input.length);
  for (let i = 0; i < input.length; i++) {
    const cp = input.cps[i] as number;
    if (cp >= 0x300 && NONSPACING_MARK_RE.test(String.fromCodePoint(cp))) continue;
    out.copy(input, i);
  }
  return out;
}

const WHITESPACE_RE = /\s/u;

/** Rust's `char::is_whitespace`, which HuggingFace uses to strip and split. */
function isWhitespace(cp: number): boolean {
  if (cp < 0x80) return cp === SPACE || (cp >= 0x09 && cp <= 0x0d);
  return cp === 0x85 || (cp !== 0xfeff && WHITESPACE_RE.test(String.fromCodePoint(cp)));
}

function strip(left: boolean, right: boolean): Normalizer {
  return (input) => {
    let from = 0;
    let to = input.length;
    if (left) while (from < to && isWhitespace(input.cps[from] as number)) from++;
    if (right) while (to > from && isWhitespace(input.cps[to - 1] as number)) to--;
    if (from === 0 && to === input.length) return input;
    const out = new Chars(to - from);
    for (let k = from; k < to; k++) out.copy(input, k);
    return out;
  };
}

/** `Prepend`: puts a string before non-empty text, with an empty span where the text starts. */
function prepend(text: string): Normalizer {
  const added = codePoints(text);
  return (input) => {
    if (input.length === 0) return input;
    const at = input.starts[0] as number;
    const out = new Chars(input.length + added.length);
    for (const cp of added) out.push(cp, at, at);
    for (let k = 0; k < input.length; k++) out.copy(input, k);
    return out;
  };
}

/**
 * Regex patterns accepted by `Replace`: one atom (a character, an escape or a class) with an optional
 * quantifier, like the `" {2,}"` the SentencePiece converters write. Such a pattern matches in linear time
 * in any engine; anything richer is refused rather than risk a backtracking pattern from a model file.
 */
const SIMPLE_PATTERN =
  /^(?:[^\\[\](){}|*+?^$.]|\\[^\dA-Za-z]|\\[sSdDwWtnr]|\[(?:[^\\\]]|\\.)+\])(?:[*+?]|\{\d+(?:,\d*)?\})?$/u;

function replace(raw: Json): Normalizer {
  const pattern = raw.pattern;
  const content = codePoints(typeof raw.content === 'string' ? raw.content : '');
  let regex: RegExp;
  if (isObject(pattern) && typeof pattern.String === 'string' && pattern.String.length > 0) {
    regex = new RegExp(pattern.String.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gu');
  } else if (isObject(pattern) && typeof pattern.Regex === 'string') {
    if (!SIMPLE_PATTERN.test(pattern.Regex)) {
      throw new TokenizerFormatError(
        `unsupported tokenizer Replace regex \`${pattern.Regex}\` (only one character, escape or class with a quantifier)`,
      );
    }
    regex = new RegExp(pattern.Regex, 'gu');
  } else {
    throw new TokenizerFormatError('tokenizer Replace normalizer needs a String or Regex pattern');
  }
  return (input) => {
    const text = cpsToString(input.cps.subarray(0, input.length));
    // UTF-16 index of each code point, to map matches back.
    const unitToCp = new Int32Array(text.length + 1);
    let unit = 0;
    for (let k = 0; k < input.length; k++) {
      unitToCp[unit] = k;
      unit += (input.cps[k] as number) > 0xffff ? 2 : 1;
    }
    unitToCp[unit] = input.length;
    const out = new Chars(input.length);
    let copied = 0;
    regex.lastIndex = 0;
    for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
      if (m[0].length === 0) {
        regex.lastIndex++;
        continue;
      }
      const from = unitToCp[m.index] as number;
      const to = unitToCp[m.index + m[0].length] as number;
      for (let k = copied; k < from; k++) out.copy(input, k);
      for (const cp of content) push(out, cp, input.starts[from] as number, input.ends[to - 1] as number);
      copied = to;
    }
    for (let k = copied; k < input.length; k++) out.copy(input, k);
    return out;
  };
}

function cpsToString(cps: Int32Array): string {
  let s = '';
  const chunk = 4096;
  for (let k = 0; k < cps.length; k += chunk) s += String.fromCodePoint(...cps.subarray(k, k + chunk));
  return s;
}

function decodeBase64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new TokenizerFormatError('tokenizer Precompiled charsmap is not base64');
  }
  return Uint8Array.from(Buffer.from(text, 'base64'));
}

const SUPPORTED_NORMALIZERS =
  'Sequence, Strip, Replace, Precompiled, NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Prepend';

function normalizerFromHf(raw: unknown, steps: Normalizer[] = []): Normalizer[] {
  if (raw === null || raw === undefined) return steps;
  if (!isObject(raw)) throw new TokenizerFormatError('tokenizer normalizer must be an object');
  switch (raw.type) {
    case 'Sequence':
      if (!Array.isArray(raw.normalizers)) {
        throw new TokenizerFormatError('tokenizer normalizer sequence is malformed');
      }
      for (const inner of raw.normalizers) normalizerFromHf(inner, steps);
      return steps;
    case 'Strip':
      steps.push(
        strip(
          raw.strip_left !== false && raw.left !== false,
          raw.strip_right !== false && raw.right !== false,
        ),
      );
      return steps;
    case 'Replace':
      steps.push(replace(raw));
      return steps;
    case 'Precompiled': {
      const map = raw.precompiled_charsmap;
      // The converters write an empty map when the SentencePiece model had no normalisation rules.
      if (map === null || map === undefined || map === '') return steps;
      let charsmap: Charsmap;
      if (typeof map === 'string') charsmap = new Charsmap(decodeBase64(map));
      else if (Array.isArray(map) && map.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) {
        charsmap = new Charsmap(Uint8Array.from(map as number[]));
      } else throw new TokenizerFormatError('tokenizer Precompiled charsmap must be base64 text');
      steps.push((input) => charsmap.apply(input));
      return steps;
    }
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      steps.push(unicodeForm(raw.type));
      return steps;
    case 'Lowercase':
      steps.push(lowercase);
      return steps;
    case 'StripAccents':
      steps.push(stripAccents);
      return steps;
    case 'Prepend':
      if (typeof raw.prepend !== 'string') throw new TokenizerFormatError('tokenizer Prepend needs a string');
      steps.push(prepend(raw.prepend));
      return steps;
    default:
      throw new TokenizerFormatError(
        `unsupported tokenizer normalizer \`${String(raw.type)}\` for a Unigram model (supported: ${SUPPORTED_NORMALIZERS})`,
      );
  }
}

// ---------------------------------------------------------------------------------------------------------
// Pre-tokenisers

/** A pre-token: code points [from, to) of the shared text, and the original offset it starts at. */
interface Split {
  from: number;
  to: number;
  /** HuggingFace's `offsets_original().0`, which Metaspace's `first` scheme tests against 0. */
  origin: number;
}

interface PreTokenized {
  chars: Chars;
  splits: Split[];
}

type PreTokenizer = (input: PreTokenized) => PreTokenized;

const PUNCT_RE = /\p{P}/u;
const WORD_RE = /[\p{L}\p{N}\p{M}_]/u;

/** HuggingFace's `is_punc`: ASCII punctuation and symbols, and Unicode `P*`. */
function isPunctuation(cp: number): boolean {
  if (cp < 0x80) {
    return (
      (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)
    );
  }
  return PUNCT_RE.test(String.fromCodePoint(cp));
}

function isWordChar(cp: number): boolean {
  if (cp < 0x80)
    return (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) || cp === 95;
  return WORD_RE.test(String.fromCodePoint(cp));
}

/**
 * Re-splits every split by a classifier of code points: `drop` removes the code point (whitespace),
 * `alone` makes it a split of its own (isolated punctuation), a number groups runs of the same class.
 */
function splitBy(classify: (cp: number) => 'drop' | 'alone' | number): PreTokenizer {
  return ({ chars, splits }) => {
    const out: Split[] = [];
    for (const split of splits) {
      let from = -1;
      let runClass = 0;
      const close = (to: number): void => {
        if (from >= 0) out.push({ from, to, origin: chars.starts[from] as number });
        from = -1;
      };
      for (let k = split.from; k < split.to; k++) {
        const cls = classify(chars.cps[k] as number);
        if (cls === 'drop') close(k);
        else if (cls === 'alone') {
          close(k);
          out.push({ from: k, to: k + 1, origin: chars.starts[k] as number });
        } else {
          if (from >= 0 && cls !== runClass) close(k);
          if (from < 0) {
            from = k;
            runClass = cls;
          }
        }
      }
      close(split.to);
    }
    return { chars, splits: out };
  };
}

const whitespaceSplit = splitBy((cp) => (isWhitespace(cp) ? 'drop' : 0));
const whitespaceWords = splitBy((cp) => (isWhitespace(cp) ? 'drop' : isWordChar(cp) ? 1 : 2));
const punctuation = splitBy((cp) => (isPunctuation(cp) ? 'alone' : 0));
const bertPreTokenizer = splitBy((cp) => (isWhitespace(cp) ? 'drop' : isPunctuation(cp) ? 'alone' : 0));

/**
 * Metaspace: spaces become the replacement (`▁`), which is put before each split (`always`), before the one
 * starting the text (`first`) or nowhere (`never`), then splits are cut before each replacement. The added
 * `▁` has an empty span where its split starts.
 */
function metaspace(raw: Json): PreTokenizer {
  const replacement = typeof raw.replacement === 'string' ? raw.replacement : '▁';
  const marks = codePoints(replacement);
  if (marks.length !== 1)
    throw new TokenizerFormatError('tokenizer Metaspace replacement must be one character');
  const mark = marks[0] as number;
  let scheme: string;
  if (typeof raw.prepend_scheme === 'string') scheme = raw.prepend_scheme;
  else scheme = raw.add_prefix_space === false ? 'never' : 'always';
  if (scheme !== 'always' && scheme !== 'first' && scheme !== 'never') {
    throw new TokenizerFormatError(`unsupported tokenizer Metaspace prepend_scheme \`${scheme}\``);
  }
  const cut = raw.split !== false;
  return ({ chars, splits }) => {
    const out = new Chars(chars.length + splits.length);
    const result: Split[] = [];
    for (const split of splits) {
      if (split.to <= split.from) continue;
      const begin = out.length;
      const firstCp = chars.cps[split.from] as number;
      const addMark =
        firstCp !== mark &&
        firstCp !== SPACE &&
        (scheme === 'always' || (scheme === 'first' && split.origin === 0));
      if (addMark) {
        const at = chars.starts[split.from] as number;
        push(out, mark, at, at);
      }
      for (let k = split.from; k < split.to; k++) {
        const cp = chars.cps[k] as number;
        push(out, cp === SPACE ? mark : cp, chars.starts[k] as number, chars.ends[k] as number);
      }
      const end = out.length;
      if (!cut) {
        result.push({ from: begin, to: end, origin: out.starts[begin] as number });
        continue;
      }
      // MergedWithNext: each `▁` starts a new split.
      let from = begin;
      for (let k = begin + 1; k < end; k++) {
        if (out.cps[k] === mark) {
          result.push({ from, to: k, origin: out.starts[from] as number });
          from = k;
        }
      }
      result.push({ from, to: end, origin: out.starts[from] as number });
    }
    return { chars: out, splits: result };
  };
}

const SUPPORTED_PRE_TOKENIZERS =
  'Sequence, Metaspace, WhitespaceSplit, Whitespace, Punctuation, BertPreTokenizer';

function preTokenizerFromHf(raw: unknown, steps: PreTokenizer[] = []): PreTokenizer[] {
  if (raw === null || raw === undefined) return steps;
  if (!isObject(raw)) throw new TokenizerFormatError('tokenizer pre_tokenizer must be an object');
  switch (raw.type) {
    case 'Sequence':
      if (!Array.isArray(raw.pretokenizers)) {
        throw new TokenizerFormatError('tokenizer pre_tokenizer sequence is malformed');
      }
      for (const inner of raw.pretokenizers) preTokenizerFromHf(inner, steps);
      return steps;
    case 'Metaspace':
      steps.push(metaspace(raw));
      return steps;
    case 'WhitespaceSplit':
      steps.push(whitespaceSplit);
      return steps;
    case 'Whitespace':
      steps.push(whitespaceWords);
      return steps;
    case 'Punctuation':
      if (raw.behavior !== undefined && raw.behavior !== 'Isolated') {
        throw new TokenizerFormatError(
          `unsupported tokenizer Punctuation behavior \`${String(raw.behavior)}\` (supported: Isolated)`,
        );
      }
      steps.push(punctuation);
      return steps;
    case 'BertPreTokenizer':
      steps.push(bertPreTokenizer);
      return steps;
    default:
      throw new TokenizerFormatError(
        `unsupported tokenizer pre_tokenizer \`${String(raw.type)}\` for a Unigram model (supported: ${SUPPORTED_PRE_TOKENIZERS})`,
      );
  }
}

// ---------------------------------------------------------------------------------------------------------
// The Unigram model

/**
 * The vocabulary as a trie over code points, stored as an open-addressing hash of (node, code point) →
 * child in typed arrays: compact for 250 000 pieces and one probe per character in the search.
 */
class PieceTrie {
  /** Slots of [parent, code point, child]: one cache line per probe. A child of 0 marks an empty slot. */
  private readonly table: Int32Array;
  private readonly mask: number;
  /** Piece id ending at each node, or -1. */
  readonly piece: Int32Array;
  /** Children of the root by code point, for the Basic Multilingual Plane: every search step starts there. */
  private readonly root = new Int32Array(0x10000).fill(-1);
  private nodes = 1;

  /** `ids` maps each piece to its id; a duplicated piece has its last id, as in HuggingFace's map. */
  constructor(ids: ReadonlyMap<string, number>) {
    let bound = 1;
    for (const piece of ids.keys()) bound += piece.length;
    let size = 1024;
    while (size < bound * 2) size *= 2;
    this.table = new Int32Array(size * 3);
    this.mask = size - 1;
    this.piece = new Int32Array(bound).fill(-1);
    for (const [piece, id] of ids) {
      if (piece.length === 0) continue;
      let node = 0;
      for (let k = 0; k < piece.length; k++) {
        const cp = piece.codePointAt(k) as number;
        if (cp > 0xffff) k++;
        node = this.childOrAdd(node, cp);
      }
      this.piece[node] = id;
    }
  }

  private slot(node: number, cp: number): number {
    let h = Math.imul(node, 0x9e3779b1) ^ Math.imul(cp, 0x85ebca77);
    h ^= h >>> 15;
    return h & this.mask;
  }

  child(node: number, cp: number): number {
    if (node === 0 && cp < 0x10000) return this.root[cp] as number;
    const table = this.table;
    for (let s = this.slot(node, cp); ; s = (s + 1) & this.mask) {
      const c = table[3 * s + 2] as number;
      if (c === 0) return -1;
      if (table[3 * s] === node && table[3 * s + 1] === cp) return c;
    }
  }

  private childOrAdd(node: number, cp: number): number {
    const table = this.table;
    for (let s = this.slot(node, cp); ; s = (s + 1) & this.mask) {
      const c = table[3 * s + 2] as number;
      if (c === 0) {
        const created = this.nodes++;
        table[3 * s] = node;
        table[3 * s + 1] = cp;
        table[3 * s + 2] = created;
        if (node === 0 && cp < 0x10000) this.root[cp] = created;
        return created;
      }
      if (table[3 * s] === node && table[3 * s + 1] === cp) return c;
    }
  }
}

interface UnigramModel {
  trie: PieceTrie;
  scores: Float64Array;
  /** Piece text → id, for fused unknown runs and byte fallback. */
  ids: Map<string, number>;
  unkId: number;
  unkScore: number;
  byteFallback: boolean;
}

/** Reusable buffers of the Viterbi search, grown to the longest split seen. */
interface Lattice {
  score: Float64Array;
  start: Int32Array;
  id: Int32Array;
}

function lattice(size: number, old?: Lattice): Lattice {
  if (old !== undefined && old.score.length >= size) return old;
  const n = Math.max(size, 2 * (old?.score.length ?? 0), 256);
  return { score: new Float64Array(n), start: new Int32Array(n), id: new Int32Array(n) };
}

/**
 * Viterbi best path over one split, as HuggingFace's `encode_optimized`: for each position, in order, every
 * piece starting there relaxes the position where it ends (strictly better only, so ties keep the earlier
 * start), and a position with no one-character piece gets an unknown token scored `min score − 10`.
 * Consecutive unknown characters are fused into one unknown token. Appends ids and spans to `out`.
 */
function viterbi(model: UnigramModel, chars: Chars, split: Split, lat: Lattice, out: TokenizedText): void {
  const { cps } = chars;
  const { from, to } = split;
  const n = to - from;
  const { score, start, id } = lat;
  start.fill(-1, 0, n + 1);
  score[0] = 0;
  for (let i = 0; i < n; i++) {
    const base = score[i] as number;
    let single = false;
    let node = 0;
    const limit = Math.min(n, i + MAX_PIECE_CHARS);
    for (let j = i; j < limit; j++) {
      node = model.trie.child(node, cps[from + j] as number);
      if (node < 0) break;
      const piece = model.trie.piece[node] as number;
      if (piece < 0) continue;
      if (j === i) single = true;
      const candidate = base + (model.scores[piece] as number);
      if (start[j + 1] === -1 || candidate > (score[j + 1] as number)) {
        score[j + 1] = candidate;
        start[j + 1] = i;
        id[j + 1] = piece;
      }
    }
    if (!single) {
      const candidate = base + model.unkScore;
      if (start[i + 1] === -1 || candidate > (score[i + 1] as number)) {
        score[i + 1] = candidate;
        start[i + 1] = i;
        id[i + 1] = model.unkId;
      }
    }
  }
  // Walk back from the end, then emit in order.
  const path: number[] = [];
  for (let end = n; end > 0; end = start[end] as number) path.push(end);
  let k = path.length - 1;
  let begin = 0;
  while (k >= 0) {
    const end = path[k] as number;
    const piece = id[end] as number;
    if (piece !== model.unkId) {
      emit(chars, from + begin, from + end, piece, out);
      begin = end;
      k--;
      continue;
    }
    // Fuse the run of unknown characters.
    let runEnd = end;
    k--;
    while (k >= 0 && id[path[k] as number] === model.unkId) {
      runEnd = path[k] as number;
      k--;
    }
    emitUnknown(model, chars, from + begin, from + runEnd, out);
    begin = runEnd;
  }
}

/** Appends one token; a leading `▁` is a word-boundary marker and is left out of the span when it can be. */
function emit(chars: Chars, from: number, to: number, piece: number, out: TokenizedText): void {
  const first = from + 1 < to && chars.cps[from] === METASPACE ? from + 1 : from;
  out.ids.push(piece);
  out.starts.push(chars.starts[first] as number);
  out.ends.push(chars.ends[to - 1] as number);
}

/**
 * A fused run of unknown characters: its text if that is a piece after all, else with byte fallback one
 * `<0xNN>` piece per UTF-8 byte (each with the span of its character) when every such piece exists, else
 * one unknown token — HuggingFace's `Unigram::tokenize`.
 */
function emitUnknown(model: UnigramModel, chars: Chars, from: number, to: number, out: TokenizedText): void {
  const whole = model.ids.get(cpsToString(chars.cps.subarray(from, to)));
  if (whole !== undefined) {
    emit(chars, from, to, whole, out);
    return;
  }
  if (model.byteFallback) {
    const ids: number[] = [];
    const owners: number[] = [];
    let complete = true;
    for (let k = from; k < to && complete; k++) {
      const bytes: number[] = [];
      utf8Bytes(chars.cps[k] as number, bytes);
      for (const b of bytes) {
        const byteId = model.ids.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
        if (byteId === undefined) {
          complete = false;
          break;
        }
        ids.push(byteId);
        owners.push(k);
      }
    }
    if (complete) {
      for (let b = 0; b < ids.length; b++) {
        const k = owners[b] as number;
        out.ids.push(ids[b] as number);
        out.starts.push(chars.starts[k] as number);
        out.ends.push(chars.ends[k] as number);
      }
      return;
    }
  }
  out.ids.push(model.unkId);
  out.starts.push(chars.starts[from] as number);
  out.ends.push(chars.ends[to - 1] as number);
}

function readUnigramModel(model: Json): UnigramModel {
  if (!Array.isArray(model.vocab) || model.vocab.length === 0) {
    throw new TokenizerFormatError(
      'tokenizer model.vocab of a Unigram model must be a non-empty list of [piece, score]',
    );
  }
  const count = model.vocab.length;
  const scores = new Float64Array(count);
  const ids = new Map<string, number>();
  let minScore = Number.POSITIVE_INFINITY;
  model.vocab.forEach((entry: unknown, id: number) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') {
      throw new TokenizerFormatError(`tokenizer model.vocab entry ${id} is not [piece, score]`);
    }
    const [piece, score] = entry as [string, number];
    if (!Number.isFinite(score))
      throw new TokenizerFormatError(`tokenizer model.vocab entry ${id} has no finite score`);
    scores[id] = score;
    minScore = Math.min(minScore, score);
    ids.set(piece, id);
    // UTF-16 length first: a piece of at most MAX_PIECE_CHARS units is short enough without counting.
    if (piece.length > MAX_PIECE_CHARS && codePoints(piece).length > MAX_PIECE_CHARS) {
      throw new TokenizerFormatError(
        `tokenizer model.vocab entry ${id} is longer than ${MAX_PIECE_CHARS} characters, which is not supported`,
      );
    }
  });
  const unkId = model.unk_id;
  if (typeof unkId !== 'number' || !Number.isInteger(unkId) || unkId < 0 || unkId >= count) {
    throw new TokenizerFormatError(
      'tokenizer model.unk_id of a Unigram model must be the id of a vocabulary entry',
    );
  }
  return {
    trie: new PieceTrie(ids),
    scores,
    ids,
    unkId,
    unkScore: minScore - UNK_PENALTY,
    byteFallback: model.byte_fallback === true,
  };
}

/** Builds the tokeniser of a HuggingFace `tokenizer.json` whose model is `Unigram`. */
export function unigramFromHf(json: Json): TextTokenizer {
  const model = readUnigramModel(json.model as Json);
  const normalizers = normalizerFromHf(json.normalizer);
  const preTokenizers = preTokenizerFromHf(json.pre_tokenizer);
  const { prefix, suffix } = postProcessorFromHf(json.post_processor, model.ids);
  const padding = isObject(json.padding) ? json.padding : {};
  const padId =
    typeof padding.pad_id === 'number'
      ? padding.pad_id
      : (model.ids.get('[PAD]') ?? model.ids.get('<pad>') ?? 0);
  let lat = lattice(256);
  return {
    kind: 'unigram',
    prefix,
    suffix,
    padId,
    tokenize(text) {
      const out: TokenizedText = { ids: [], starts: [], ends: [] };
      let chars = charsOf(text, 0, text.length);
      for (const step of normalizers) chars = step(chars);
      let pre: PreTokenized = { chars, splits: [{ from: 0, to: chars.length, origin: 0 }] };
      for (const step of preTokenizers) pre = step(pre);
      for (const split of pre.splits) {
        if (split.to <= split.from) continue;
        lat = lattice(split.to - split.from + 1, lat);
        viterbi(model, pre.chars, split, lat, out);
      }
      return out;
    },
  };
}

/** A normalised text, with the original UTF-16 span of each of its code points. */
export interface NormalizedText {
  text: string;
  starts: number[];
  ends: number[];
}

/**
 * The normaliser of a `tokenizer.json` (its `normalizer` object) as a function, for tests and diagnostics:
 * what the Unigram model will see of a text.
 */
export function createNormalizer(raw: unknown): (text: string) => NormalizedText {
  const steps = normalizerFromHf(raw);
  return (text) => {
    let chars = charsOf(text, 0, text.length);
    for (const step of steps) chars = step(chars);
    return {
      text: cpsToString(chars.cps.subarray(0, chars.length)),
      starts: Array.from(chars.starts.subarray(0, chars.length)),
      ends: Array.from(chars.ends.subarray(0, chars.length)),
    };
  };
}
