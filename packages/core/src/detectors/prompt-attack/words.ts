/**
 * The words of a text as the hashed n-gram features see them (`/[\p{L}\p{N}][\p{L}\p{N}'’_-]{0,40}/gu`,
 * the WORD pattern of ml/text-features.ts), as `[start, end)` offsets instead of strings. ASCII text is
 * scanned by hand (no regular expression, no string per word); at the first non-ASCII code unit the scan
 * continues with the pattern itself from the end of the last word found, so the words are always exactly
 * the pattern's matches. Shared by the prompt-attack scorer and the topic features.
 */

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’_-]{0,40}/gu;
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

/** Fills `out` with the words of `text` (offsets in code units); returns their number. */
export function findWords(text: string, out: WordSpans): number {
  out.count = 0;
  const n = text.length;
  let i = 0;
  // End of the last word found: where the pattern resumes if a non-ASCII unit turns up.
  let resume = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c >= 128) return findWordsFrom(text, resume, out);
    if (ASCII_CLASS[c] !== 1) {
      i++;
      continue;
    }
    const start = i;
    const limit = Math.min(n, start + MAX_WORD);
    i++;
    while (i < limit) {
      const d = text.charCodeAt(i);
      if (d >= 128) return findWordsFrom(text, resume, out);
      if (ASCII_CLASS[d] === 0) break;
      i++;
    }
    // A word cut at the length limit just before a non-ASCII unit: that unit could not have continued
    // it, and the pattern resumes right after it, as here.
    push(out, start, i);
    resume = i;
  }
  return out.count;
}

/** The pattern's matches from `from` on, appended to `out`. */
function findWordsFrom(text: string, from: number, out: WordSpans): number {
  WORD.lastIndex = from;
  for (let m = WORD.exec(text); m !== null; m = WORD.exec(text)) push(out, m.index, m.index + m[0].length);
  return out.count;
}
