/**
 * Text helpers shared by the red-team graders: one normalisation (so phrase lists, canaries and replies
 * are compared in the same space), a multi-phrase matcher (Aho–Corasick: one linear pass over the text
 * whatever the number of phrases), sentence spans, and a linear base64 run finder.
 */

/** Zero-width and invisible formatting characters a reply (or a converter) may insert between letters. */
const INVISIBLE =
  /[\u00AD\u061C\u115F\u1160\u17B4\u17B5\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF]/g;
const MARKS = /\p{M}/gu;
const APOSTROPHES = /[\u2018\u2019\u201B\u02BC\u02BB\u0060\u00B4\u2032]/g;
const QUOTES = /[\u201C\u201D\u201E\u201F\u00AB\u00BB\u2033]/g;
const SPACES = /\s+/g;

/**
 * Contractions folded to one spelling, so phrase lists need one entry: `cannot`/`can not` → `can't`,
 * `will not` → `won't`, `i am` → `i'm`, `do not` → `don't`, `is not` → `isn't`, `cant` → `can't`.
 */
const CONTRACTIONS: readonly [RegExp, string][] = [
  [/\bcan ?not\b/g, "can't"],
  [/\bcant\b/g, "can't"],
  [/\bwill not\b/g, "won't"],
  [/\bi am\b/g, "i'm"],
  [/\bim\b/g, "i'm"],
  [/\bdo not\b/g, "don't"],
  [/\bdoes not\b/g, "doesn't"],
  [/\bis not\b/g, "isn't"],
  [/\bi would\b/g, "i'd"],
  [/\bi will\b/g, "i'll"],
  [/\bthat is\b/g, "that's"],
  [/\bit is\b/g, "it's"],
  [/\bhere is\b/g, "here's"],
];

/**
 * The graders' normal form: NFKC (full-width and compatibility forms folded), invisible characters
 * removed, lower case, diacritics stripped (NFD, marks removed, NFC again: Hangul recomposes),
 * typographic apostrophes and quotes made ASCII, `ı` → `i`, `ß` → `ss`, whitespace collapsed, English
 * contractions folded. Every step is a linear regex or a Unicode normalisation.
 */
export function normalize(text: string): string {
  let t = text.normalize('NFKC').replace(INVISIBLE, '').toLowerCase();
  t = t.normalize('NFD').replace(MARKS, '').normalize('NFC');
  t = t.replace(APOSTROPHES, "'").replace(QUOTES, '"').replace(/ı/g, 'i').replace(/ß/g, 'ss');
  t = t.replace(SPACES, ' ').trim();
  for (const [re, to] of CONTRACTIONS) t = t.replace(re, to);
  return t;
}

/** Letters and digits of scripts that separate words with spaces: a phrase edge there needs a word boundary. */
const WORDY = /[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}\p{N}]/u;

export interface PhraseMatch<T> {
  start: number;
  /** Exclusive. */
  end: number;
  phrase: string;
  value: T;
}

/**
 * Aho–Corasick over normalised phrases: `find` makes one pass over the text (plus the matches) whatever
 * the number of phrases. A phrase whose first (last) character is a letter of a space-separated script
 * only matches at a word boundary there; CJK, Japanese and Korean phrases match anywhere.
 */
export class PhraseMatcher<T> {
  private readonly goto: Map<string, number>[] = [new Map()];
  private readonly fail: number[] = [0];
  private readonly out: { phrase: string; value: T }[][] = [[]];

  constructor(phrases: readonly { phrase: string; value: T }[]) {
    for (const { phrase, value } of phrases) {
      const p = normalize(phrase);
      if (p === '') continue;
      let state = 0;
      for (const ch of p) {
        let next = this.goto[state]!.get(ch);
        if (next === undefined) {
          next = this.goto.length;
          this.goto.push(new Map());
          this.fail.push(0);
          this.out.push([]);
          this.goto[state]!.set(ch, next);
        }
        state = next;
      }
      this.out[state]!.push({ phrase: p, value });
    }
    const queue: number[] = [];
    for (const s of this.goto[0]!.values()) queue.push(s);
    for (let i = 0; i < queue.length; i++) {
      const r = queue[i]!;
      for (const [ch, s] of this.goto[r]!) {
        queue.push(s);
        let f = this.fail[r]!;
        while (f !== 0 && !this.goto[f]!.has(ch)) f = this.fail[f]!;
        const target = this.goto[f]!.get(ch);
        this.fail[s] = target !== undefined && target !== s ? target : 0;
        this.out[s] = [...this.out[s]!, ...this.out[this.fail[s]!]!];
      }
    }
  }

  /** All matches in an already normalised text, in order of their end. */
  find(text: string): PhraseMatch<T>[] {
    const matches: PhraseMatch<T>[] = [];
    let state = 0;
    let index = 0;
    for (const ch of text) {
      index += ch.length;
      while (state !== 0 && !this.goto[state]!.has(ch)) state = this.fail[state]!;
      state = this.goto[state]!.get(ch) ?? 0;
      for (const o of this.out[state]!) {
        const start = index - o.phrase.length;
        if (!boundary(text, start, index, o.phrase)) continue;
        matches.push({ start, end: index, phrase: o.phrase, value: o.value });
      }
    }
    return matches;
  }
}

function boundary(text: string, start: number, end: number, phrase: string): boolean {
  const first = phrase[0] ?? '';
  const last = phrase[phrase.length - 1] ?? '';
  if (WORDY.test(first) && start > 0 && WORDY.test(text[start - 1] ?? '')) return false;
  if (WORDY.test(last) && end < text.length && WORDY.test(text[end] ?? '')) return false;
  return true;
}

/** Sentence spans `[start, end)` of a (normalised) text: split after `.!?;:` + space, newlines and CJK stops. */
export function sentenceSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    const stop =
      c === '\n' ||
      c === '。' ||
      c === '！' ||
      c === '？' ||
      ((c === '.' || c === '!' || c === '?' || c === ';') &&
        (next === undefined || next === ' ' || next === '\n'));
    if (stop) {
      spans.push([start, i + 1]);
      start = i + 1;
    }
  }
  if (start < text.length) spans.push([start, text.length]);
  return spans;
}

/** The span of `spans` containing `index` (spans cover the text in order). */
export function spanAt(spans: readonly [number, number][], index: number): [number, number] | null {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = spans[mid]!;
    if (index < s[0]) hi = mid - 1;
    else if (index >= s[1]) lo = mid + 1;
    else return s;
  }
  return null;
}

const B64_CHAR = /[A-Za-z0-9+/_-]/;

/**
 * Base64-looking runs of a text (at least `min` characters of the base64 or base64url alphabet, optional
 * `=` padding; runs broken by single spaces or newlines are joined), decoded to UTF-8. Runs that do not
 * decode to mostly printable text are skipped. Linear: one scan, each run decoded once.
 */
export function base64Runs(text: string, min = 8): { start: number; end: number; decoded: string }[] {
  const runs: { start: number; end: number; decoded: string }[] = [];
  let i = 0;
  while (i < text.length) {
    if (!B64_CHAR.test(text[i]!)) {
      i++;
      continue;
    }
    const start = i;
    let body = '';
    let end = i;
    while (i < text.length) {
      const c = text[i]!;
      if (B64_CHAR.test(c)) {
        body += c;
        i++;
        end = i;
      } else if (c === '=') {
        i++;
        end = i;
      } else if (c === '\n' && text[i - 1] !== '=' && B64_CHAR.test(text[i + 1] ?? '') && body.length >= 16) {
        // a long run wrapped over lines (no padding before the break)
        i++;
      } else break;
    }
    if (body.length >= min) {
      const decoded = decodeBase64(body);
      if (decoded !== null) runs.push({ start, end, decoded });
    }
  }
  return runs;
}

function decodeBase64(body: string): string | null {
  const std = body.replace(/-/g, '+').replace(/_/g, '/');
  const usable = std.length - (std.length % 4 === 1 ? 1 : 0);
  const bytes = Buffer.from(std.slice(0, usable), 'base64');
  if (bytes.length === 0) return null;
  const decoded = bytes.toString('utf8');
  let printable = 0;
  for (const ch of decoded) {
    const code = ch.codePointAt(0)!;
    if (code === 0xfffd) continue;
    if (code >= 0x20 || ch === '\n' || ch === '\t' || ch === '\r') printable++;
  }
  const length = [...decoded].length;
  return length > 0 && printable / length >= 0.85 ? decoded : null;
}

/**
 * Letters and digits only, with a map back to positions in the source: `Z X - C A N A R Y` and
 * `Z\u200bX…` compact to `zxcanary`, so a token spaced out or padded still matches.
 */
export function compact(text: string): { text: string; index: number[] } {
  let out = '';
  const index: number[] = [];
  let i = 0;
  for (const ch of text) {
    if (/[\p{L}\p{N}]/u.test(ch)) {
      out += ch;
      for (let k = 0; k < ch.length; k++) index.push(i);
    }
    i += ch.length;
  }
  return { text: out, index };
}

/** Every index where `needle` occurs in `haystack` (non-overlapping, linear for fixed needles). */
export function occurrences(haystack: string, needle: string): number[] {
  const found: number[] = [];
  if (needle === '') return found;
  let at = haystack.indexOf(needle);
  while (at !== -1) {
    found.push(at);
    at = haystack.indexOf(needle, at + needle.length);
  }
  return found;
}
