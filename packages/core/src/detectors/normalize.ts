/**
 * The shared normalisation layer. Detectors match on normalised text and report spans in the ORIGINAL
 * text through the offset map this module returns.
 *
 * `normalizeText` applies, in one linear pass over the input plus one linear pass over the output:
 *
 * 1. **Unicode NFKC**, per cluster: a code point plus the combining marks (and Hangul medial/final jamo)
 *    that follow it, so composition works (`e` + U+0301 → `é`) while the offset map stays exact. A cluster
 *    holds at most {@link MAX_CLUSTER} code points (UAX #15 stream-safe limit), which keeps the cost linear
 *    on adversarial runs of marks. Every output character of a cluster maps to the whole cluster: `ﬁ`
 *    becomes `fi`, and both letters map back to the one original character.
 * 2. **Removal of invisible characters**: zero-width (U+200B–U+200D, U+2060–U+2064, U+FEFF), soft hyphen
 *    U+00AD, combining grapheme joiner U+034F, Mongolian vowel separator U+180E, Hangul fillers, variation
 *    selectors (U+FE00–U+FE0F, U+E0100–U+E01EF), bidi controls (U+061C, U+200E, U+200F, U+202A–U+202E,
 *    U+2066–U+2069, U+206A–U+206F) and tag characters (U+E0000–U+E007F).
 * 3. **Confusable folding to ASCII** from a compact table written for Parapet after the idea of Unicode's
 *    confusables.txt (UTS #39): Cyrillic, Greek, Armenian, Cherokee, Lisu and Latin-extension look-alikes
 *    of Latin letters. Letters are folded only inside a "word" (a run between ASCII separators) that
 *    either contains an ASCII letter or digit (mixed script, e.g. `раypal` with Cyrillic `р`/`а`) or
 *    consists only of look-alikes (whole-script confusable, e.g. `ѕсоtt`), so ordinary Russian or Greek
 *    text is left alone. Decimal digits of other scripts (Arabic-Indic, Devanagari, …) and look-alike
 *    dashes, slashes, dots and colons are always folded.
 * 4. **Whitespace folding**: any run of Unicode white space (including NBSP, the U+2000 spaces, line and
 *    paragraph separators, tabs and newlines) becomes one ASCII space; invisible characters inside a run
 *    do not break it.
 *
 * Hot path: ASCII text with single spaces and no tab, newline or other control character is detected by
 * one regular-expression scan and returned as is, with an identity map and `changed: false` (no allocation
 * beyond the result object). Otherwise the offset map is stored as pieces (identity runs and atomic
 * clusters), so lightly changed text costs little memory; each lookup is a binary search over pieces.
 *
 * The module is pure: no I/O, clock, randomness or environment. Two memos are kept across calls, and
 * neither changes a result: single-code-point NFKC results, and the last few normalised texts (every
 * detector of one scan normalises the same segment text: PII, prompt attacks, harmful content, toxicity
 * and topics each call `normalizeText` on it, and all but the first get the frozen result back).
 */

/**
 * Normalised text and the map from its offsets back to the original text. `toOriginal` and
 * `toOriginalSpan` are methods: call them on the object (`n.toOriginalSpan(s, e)`), do not detach them.
 */
export interface NormalizedText {
  /** The normalised text. */
  text: string;
  /**
   * Maps an offset in `text` (UTF-16 code units) to an offset in the original: the start of the original
   * character that produced it. Offsets are clamped to `[0, text.length]`; `text.length` maps to the
   * original length.
   */
  toOriginal(offset: number): number;
  /**
   * Maps a `[start, end)` span of `text` back to the original, end exclusive, covering whole original
   * characters (an expansion such as `ﬁ` → `fi` maps either letter to the whole `ﬁ`). An empty span maps
   * to an empty span at `toOriginal(start)`.
   */
  toOriginalSpan(start: number, end: number): { start: number; end: number };
  /** False when `text` is the input unchanged (and the map the identity). */
  changed: boolean;
}

/** Longest cluster (a starter and its combining marks) normalised as one unit. */
export const MAX_CLUSTER = 32;

/**
 * Confusables table: pairs of (look-alike, ASCII target). Folded only inside mixed-script or
 * whole-script-confusable words (see the module comment).
 */
const LETTER_CONFUSABLES =
  // Cyrillic lower case
  'аaвBеeоoрpсcуyхxѕsіiјjԁdԛqԝwӏlһhүyпnгrьbѵvԍGʙBӡ3' +
  // Cyrillic upper case
  'АAВBЕEКKМMНHОOРPСCТTХXУYЅSІIЈJԚQԜWҮYӀlЗ3ѴVԌGԀDЬb' +
  // Greek
  'ΑAΒBΕEΖZΗHΙIΚKΜMΝNΟOΡPΤTΥYΧXϹCϿJϜFοoνvιiρpαaγyυuκkχxϲcϳjτt' +
  // Armenian
  'օoսuհhոnցgզqաwՕOՍUՏSԼLՅ3' +
  // Cherokee
  'ᎪAᏴBᏟCᎬEᏀGᎻHᎫJᏦKᏞLᎷMᏢPᏚSᎢTᏙVᏔWᏃZᎠDᏒRᎥiᎳW' +
  // Lisu
  'ꓮAꓐBꓚCꓓDꓰEꓝFꓖGꓧHꓲIꓙJꓗKꓡLꓟMꓠNꓳOꓑPꓣRꓢSꓔTꓴUꓦVꓪWꓫXꓬYꓜZ' +
  // Latin extensions and small capitals
  'ıiȷjɑaɡgɩiǀlƧ2Ƽ5Ʒ3ᴏoᴠvᴡwᴢzᴄcᴜuꜱsɪiʏyɴnʀr';

/** Always folded: punctuation look-alikes that matter for addresses, numbers and keys. */
const PUNCTUATION_CONFUSABLES = '‐-‒-–-—-―-−-⁃-﹘-⁄/∕/⧸/。.․.‧.٫.ː:׃:꞉:ǃ!';

/** Zero code points of decimal digit blocks that NFKC does not fold (each block is zero…nine). */
const DIGIT_ZEROS = [
  0x0660, 0x06f0, 0x07c0, 0x0966, 0x09e6, 0x0a66, 0x0ae6, 0x0b66, 0x0be6, 0x0c66, 0x0ce6, 0x0d66, 0x0de6,
  0x0e50, 0x0ed0, 0x0f20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50, 0x1bb0,
  0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0,
];

/** Flag in {@link FOLD}: fold regardless of the surrounding word. */
const ALWAYS = 0x80;

/** FOLD[unit] = ASCII target (| ALWAYS for unconditional folds), 0 when the BMP unit does not fold. */
const FOLD = buildFoldTable();

function buildFoldTable(): Uint8Array {
  const table = new Uint8Array(0x10000);
  const add = (pairs: string, flag: number): void => {
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const source = pairs.charCodeAt(i);
      const target = pairs.charCodeAt(i + 1);
      // Sources are non-ASCII BMP characters, targets ASCII: folding never changes a UTF-16 length.
      if (source < 0x80 || (source >= 0xd800 && source <= 0xdfff) || target >= 0x80) {
        throw new Error(`confusables table entry ${i / 2} is not a BMP look-alike of an ASCII character`);
      }
      table[source] = target | flag;
    }
  };
  add(LETTER_CONFUSABLES, 0);
  add(PUNCTUATION_CONFUSABLES, ALWAYS);
  for (const zero of DIGIT_ZEROS) {
    for (let d = 0; d < 10; d++) table[zero + d] = (0x30 + d) | ALWAYS;
  }
  return table;
}

/** Unicode White_Space code points. */
function isWhitespace(cp: number): boolean {
  if (cp <= 0x20) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d);
  if (cp < 0x85) return false;
  return (
    cp === 0x85 ||
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

/** Invisible characters removed from the text: zero-width, bidi controls, tags, fillers, selectors. */
function isRemoved(cp: number): boolean {
  if (cp < 0xad) return false;
  if (cp <= 0xffff) {
    return (
      cp === 0xad ||
      cp === 0x034f ||
      cp === 0x061c ||
      cp === 0x115f ||
      cp === 0x1160 ||
      cp === 0x180e ||
      (cp >= 0x200b && cp <= 0x200f) ||
      (cp >= 0x202a && cp <= 0x202e) ||
      (cp >= 0x2060 && cp <= 0x2064) ||
      (cp >= 0x2066 && cp <= 0x206f) ||
      cp === 0x3164 ||
      (cp >= 0xfe00 && cp <= 0xfe0f) ||
      cp === 0xfeff ||
      cp === 0xffa0
    );
  }
  return (cp >= 0xe0000 && cp <= 0xe007f) || (cp >= 0xe0100 && cp <= 0xe01ef);
}

/** Matches one combining mark at `lastIndex` (sticky, so no scanning ahead). */
const MARK_AT = /\p{M}/uy;

/** True when the code point at `index` extends the cluster before it (combining mark or Hangul jamo). */
function continuesCluster(text: string, index: number, cp: number): boolean {
  if (cp < 0x300) return false;
  if (cp <= 0x36f) return true;
  if ((cp >= 0x1160 && cp <= 0x11ff) || (cp >= 0xd7b0 && cp <= 0xd7ff)) return true;
  // Common blocks without marks: CJK ideographs, Hangul syllables, kana, Cyrillic and Greek letters.
  if ((cp >= 0x3400 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0x30a0 && cp <= 0x30ff)) {
    return false;
  }
  if (cp >= 0x370 && cp <= 0x482) return false;
  MARK_AT.lastIndex = index;
  return MARK_AT.test(text);
}

const MEMO_LIMIT = 4096;
const singleMemo = new Map<number, string>();
/** Per BMP code point: 0 not yet known, 1 NFKC-stable on its own, 2 changed by NFKC. */
const BMP_STABLE = new Uint8Array(0x10000);

/**
 * NFKC of one code point given as `source`, or `null` when NFKC leaves it unchanged. Memoised (pure: the
 * memo never changes a result).
 */
function nfkcSingle(cp: number, source: string): string | null {
  if (cp <= 0xffff) {
    const state = BMP_STABLE[cp];
    if (state === 1) return null;
    if (state === 0) {
      const normalized = source.normalize('NFKC');
      if (normalized === source) {
        BMP_STABLE[cp] = 1;
        return null;
      }
      BMP_STABLE[cp] = 2;
    }
  }
  const hit = singleMemo.get(cp);
  if (hit !== undefined) return hit === source ? null : hit;
  const normalized = source.normalize('NFKC');
  if (singleMemo.size >= MEMO_LIMIT) singleMemo.clear();
  singleMemo.set(cp, normalized);
  return normalized === source ? null : normalized;
}

/** True for a code unit that separates words for confusable folding: ASCII but not a letter or digit. */
function isSeparator(unit: number): boolean {
  if (unit >= 0x80) return false;
  return !(
    (unit >= 0x30 && unit <= 0x39) ||
    (unit >= 0x41 && unit <= 0x5a) ||
    (unit >= 0x61 && unit <= 0x7a)
  );
}

function isAsciiAlnum(unit: number): boolean {
  return (unit >= 0x30 && unit <= 0x39) || (unit >= 0x41 && unit <= 0x5a) || (unit >= 0x61 && unit <= 0x7a);
}

/** Anything the normaliser could change: non-ASCII, tab/newline/CR/VT/FF, or two spaces in a row. */
const NOT_PLAIN = /[^\x20-\x7f]| {2}/;
/** Any surrogate code unit (paired or not); NFKC never creates surrogates from BMP text. */
const SURROGATE = /[\uD800-\uDFFF]/;

function clamp(offset: number, max: number): number {
  if (!(offset > 0)) return 0;
  return offset > max ? max : Math.floor(offset);
}

/** Unchanged text: the identity map, one object and no closures (the hot path). */
class IdentityText implements NormalizedText {
  readonly changed = false;
  constructor(readonly text: string) {}

  toOriginal(offset: number): number {
    return clamp(offset, this.text.length);
  }

  toOriginalSpan(start: number, end: number): { start: number; end: number } {
    const s = clamp(start, this.text.length);
    const e = clamp(end, this.text.length);
    return { start: s, end: Math.max(e, s) };
  }
}

function identity(text: string): NormalizedText {
  return new IdentityText(text);
}

const UTF16 = new TextDecoder('utf-16le');

/**
 * Growable output buffer: UTF-16 units, plus the offset map as pieces. A piece starts at an output
 * offset and is either an identity run (output unit k ↔ original unit origStart + k - outStart) or an
 * atomic run (every output unit ↔ the whole original span [origStart, origEnd)). Text that changes
 * little needs few pieces.
 */
class Output {
  units: Uint16Array;
  length = 0;
  /** Per piece, 4 ints: output start, original start, original end (atomic) or -1 (identity), unused. */
  pieces: Int32Array;
  pieceCount = 0;
  /** Set when a letter look-alike was emitted, so the word pass is needed. */
  sawConfusable = false;
  /** For the current identity piece: original offset minus output offset; NaN when the piece is atomic. */
  delta = Number.NaN;

  constructor(capacity: number) {
    this.units = new Uint16Array(capacity);
    this.pieces = new Int32Array(64);
  }

  /** Appends `unit` produced by the original span `[start, end)`. */
  put(unit: number, start: number, end: number): void {
    const n = this.length;
    if (n === this.units.length) this.growUnits();
    this.units[n] = unit;
    this.length = n + 1;
    if (end === start + 1) {
      if (this.delta !== start - n) this.addPiece(n, start, -1);
      return;
    }
    const p = (this.pieceCount - 1) * 4;
    if (p >= 0 && this.pieces[p + 2] !== -1 && this.pieces[p + 1] === start && this.pieces[p + 2] === end)
      return;
    this.addPiece(n, start, end);
  }

  /**
   * Copies the run of printable ASCII (`!`…DEL) starting at `start` unchanged, mapped one to one, except a
   * last character that a combining mark follows (it starts a cluster); returns where the copied run ends
   * (`start` when nothing was copied). One pass: the units are written as the run is read.
   */
  copyAsciiRun(text: string, start: number): number {
    const length = text.length;
    let n = this.length;
    while (n + (length - start) > this.units.length) this.growUnits();
    const units = this.units;
    let k = start;
    while (k < length) {
      const d = text.charCodeAt(k);
      if (d <= 0x20 || d >= 0x80) break;
      units[n++] = d;
      k++;
    }
    if (k < length && text.charCodeAt(k) >= 0x300) k--;
    if (k === start) return start;
    if (this.delta !== start - this.length) this.addPiece(this.length, start, -1);
    this.length += k - start;
    return k;
  }

  /** Extends the original span of the last output unit to end at `end` (whitespace runs). */
  extendLast(end: number): void {
    const last = this.length - 1;
    const p = (this.pieceCount - 1) * 4;
    const pieces = this.pieces;
    if (pieces[p] === last && pieces[p + 2] !== -1) {
      if (end > pieces[p + 2]!) pieces[p + 2] = end;
      return;
    }
    const start = pieces[p + 2] === -1 ? pieces[p + 1]! + last - pieces[p]! : pieces[p + 1]!;
    this.addPiece(last, start, end);
  }

  private addPiece(outStart: number, origStart: number, origEnd: number): void {
    let p = this.pieceCount * 4;
    if (p > 0 && this.pieces[p - 4] === outStart) {
      p -= 4;
    } else {
      if (p === this.pieces.length) {
        const grown = new Int32Array(this.pieces.length * 2);
        grown.set(this.pieces);
        this.pieces = grown;
      }
      this.pieceCount++;
    }
    this.pieces[p] = outStart;
    this.pieces[p + 1] = origStart;
    this.pieces[p + 2] = origEnd;
    this.delta = origEnd === -1 ? origStart - outStart : Number.NaN;
  }

  private growUnits(): void {
    const units = new Uint16Array(this.units.length * 2 + 16);
    units.set(this.units);
    this.units = units;
  }

  toString(hasSurrogates: boolean): string {
    // TextDecoder is much faster but would replace lone surrogates, so it is used only without any.
    if (!hasSurrogates) return UTF16.decode(this.units.subarray(0, this.length));
    const chunk = 8192;
    const parts: string[] = [];
    for (let i = 0; i < this.length; i += chunk) {
      const slice = this.units.subarray(i, Math.min(i + chunk, this.length));
      parts.push(String.fromCharCode.apply(null, slice as unknown as number[]));
    }
    return parts.join('');
  }
}

/** Emits one normalised code point produced by the original span `[start, end)`. */
function emit(out: Output, cp: number, start: number, end: number): void {
  if (isRemoved(cp)) return;
  if (isWhitespace(cp)) {
    if (out.length > 0 && out.units[out.length - 1] === 0x20) {
      out.extendLast(end);
      return;
    }
    out.put(0x20, start, end);
    return;
  }
  if (cp > 0xffff) {
    const v = cp - 0x10000;
    out.put(0xd800 + (v >> 10), start, end);
    out.put(0xdc00 + (v & 0x3ff), start, end);
    return;
  }
  const fold = FOLD[cp]!;
  if (fold !== 0 && (fold & ALWAYS) === 0) out.sawConfusable = true;
  out.put(fold & ALWAYS ? fold & 0x7f : cp, start, end);
}

/** Folds letter confusables inside mixed-script and whole-script-confusable words, in place. */
function foldWords(out: Output): void {
  const units = out.units;
  const n = out.length;
  let wordStart = 0;
  let hasAscii = false;
  let allConfusable = true;
  let anyConfusable = false;
  for (let k = 0; k <= n; k++) {
    const unit = k < n ? units[k]! : 0x20;
    if (isSeparator(unit)) {
      if (anyConfusable && (hasAscii || allConfusable)) {
        for (let m = wordStart; m < k; m++) {
          const fold = FOLD[units[m]!]!;
          if (fold !== 0 && units[m]! >= 0x80) units[m] = fold & 0x7f;
        }
      }
      wordStart = k + 1;
      hasAscii = false;
      allConfusable = true;
      anyConfusable = false;
      continue;
    }
    if (unit < 0x80) {
      hasAscii = hasAscii || isAsciiAlnum(unit);
      allConfusable = false;
    } else if (FOLD[unit] !== 0) {
      anyConfusable = true;
    } else {
      allConfusable = false;
    }
  }
}

/**
 * Normalises `text` for matching (NFKC, invisible-character removal, confusable folding, whitespace
 * folding) and returns the normalised text with a map back to the original offsets. Linear time; plain
 * ASCII text returns unchanged with an identity map.
 */
export function normalizeText(text: string): NormalizedText {
  if (!NOT_PLAIN.test(text)) return identity(text);
  for (let k = 0; k < recentTexts.length; k++) if (recentTexts[k] === text) return recentResults[k]!;
  const result = Object.freeze(normalizeFully(text));
  if (recentTexts.length === RECENT_LIMIT) {
    recentTexts.pop();
    recentResults.pop();
  }
  recentTexts.unshift(text);
  recentResults.unshift(result);
  return result;
}

/** How many recent results {@link normalizeText} keeps (the segments of one request, typically). */
const RECENT_LIMIT = 4;
const recentTexts: string[] = [];
const recentResults: NormalizedText[] = [];

function normalizeFully(text: string): NormalizedText {
  const length = text.length;
  const out = new Output(length + 16);
  let i = 0;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c > 0x20 && c < 0x80) {
      // Run of printable ASCII: copied as is, except a last character that a combining mark may follow.
      const k = out.copyAsciiRun(text, i);
      if (k > i) {
        i = k;
        continue;
      }
    } else if (c <= 0x20 && (i + 1 >= length || text.charCodeAt(i + 1) < 0x300)) {
      emit(out, c, i, i + 1);
      i++;
      continue;
    }
    const first = text.codePointAt(i)!;
    const width = first > 0xffff ? 2 : 1;
    let j = i + width;
    let count = 1;
    while (j < length && count < MAX_CLUSTER) {
      const cp = text.codePointAt(j)!;
      if (!continuesCluster(text, j, cp)) break;
      j += cp > 0xffff ? 2 : 1;
      count++;
    }
    if (count === 1) {
      const normalized = nfkcSingle(first, width === 1 ? text[i]! : text.slice(i, j));
      if (normalized === null) {
        if (width === 1) {
          emit(out, first, i, j);
        } else if (!isRemoved(first)) {
          // Unchanged astral character: map each half to itself so the map stays an identity run.
          out.put(text.charCodeAt(i), i, i + 1);
          out.put(text.charCodeAt(i + 1), i + 1, i + 2);
        }
      } else {
        emitAll(out, normalized, i, j);
      }
    } else {
      emitAll(out, text.slice(i, j).normalize('NFKC'), i, j);
    }
    i = j;
  }
  if (out.sawConfusable) foldWords(out);
  const normalized = out.toString(SURROGATE.test(text));
  if (normalized === text) return identity(text);
  return withMap(normalized, length, out.pieces.subarray(0, out.pieceCount * 4), out.pieceCount);
}

function emitAll(out: Output, normalized: string, start: number, end: number): void {
  for (let k = 0; k < normalized.length; ) {
    const cp = normalized.codePointAt(k)!;
    emit(out, cp, start, end);
    k += cp > 0xffff ? 2 : 1;
  }
}

/** Builds the result object around the piecewise offset map. */
function withMap(
  normalized: string,
  originalLength: number,
  pieces: Int32Array,
  count: number,
): NormalizedText {
  return new MappedText(normalized, originalLength, pieces, count);
}

/** Changed text and its piecewise offset map (a class: no closures made per normalised text). */
class MappedText implements NormalizedText {
  readonly changed = true;
  constructor(
    readonly text: string,
    private readonly originalLength: number,
    private readonly pieces: Int32Array,
    private readonly count: number,
  ) {}

  /** Index (times 4) of the piece holding output offset `o` (0 ≤ o < n): binary search. */
  private pieceOf(o: number): number {
    const pieces = this.pieces;
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (pieces[mid * 4]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return lo * 4;
  }

  private startOf(o: number): number {
    const pieces = this.pieces;
    const p = this.pieceOf(o);
    return pieces[p + 2] === -1 ? pieces[p + 1]! + o - pieces[p]! : pieces[p + 1]!;
  }

  private endOf(o: number): number {
    const pieces = this.pieces;
    const p = this.pieceOf(o);
    return pieces[p + 2] === -1 ? pieces[p + 1]! + o - pieces[p]! + 1 : pieces[p + 2]!;
  }

  toOriginal(offset: number): number {
    const n = this.text.length;
    const o = clamp(offset, n);
    return o === n ? this.originalLength : this.startOf(o);
  }

  toOriginalSpan(start: number, end: number): { start: number; end: number } {
    const n = this.text.length;
    const s = clamp(start, n);
    const e = clamp(end, n);
    if (e <= s) {
      const p = this.toOriginal(s);
      return { start: p, end: p };
    }
    return { start: this.startOf(s), end: this.endOf(e - 1) };
  }
}
