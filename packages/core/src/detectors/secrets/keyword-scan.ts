/**
 * One pass over a text for the secrets engine: the rule prefilter's keywords and a few literal words that
 * decide whether the generic scanners' regexes can match at all.
 *
 * Matching is case-insensitive exactly as a JavaScript regex with the `i` flag and without `u` compares
 * code units ({@link canonicalize}), because the results must equal those of the regex alternation this
 * replaces (`new RegExp(keywords.join('|'), 'gi')`).
 *
 * The automaton is built over the REVERSED patterns and walks the text from its end, so that at each
 * position it is in a state whose outputs are exactly the patterns STARTING there; the longest keyword
 * starting at every position is then known in one pass, which is what a longest-first alternation
 * reports (leftmost start, longest literal there). The engine replays its prefilter loop on that list.
 */

/** What one pass found. */
export interface KeywordHits {
  /** Positions where a keyword starts, in DECREASING order. */
  starts: number[];
  /** Length of the longest keyword starting at the matching entry of `starts`. */
  lengths: number[];
  /** OR of the `bit` of every extra literal word that occurs anywhere in the text. */
  words: number;
}

/** A literal besides the keywords; its `bit` is set in {@link KeywordHits.words} when it occurs. */
export interface LiteralWord {
  text: string;
  bit: number;
}

export interface KeywordScanner {
  scan(text: string): KeywordHits;
}

/**
 * The canonical form under which a non-unicode case-insensitive regex compares two code units
 * (ECMA-262 Canonicalize with `ignoreCase` and no `u` flag): the upper case when that is one code unit,
 * except that a non-ASCII unit never maps into ASCII (`ſ` does not match `s`, KELVIN SIGN does not match
 * `k`).
 */
export function canonicalize(code: number): number {
  if (code < 128) return code >= 97 && code <= 122 ? code - 32 : code;
  const upper = String.fromCharCode(code).toUpperCase();
  if (upper.length !== 1) return code;
  const cu = upper.charCodeAt(0);
  return cu < 128 ? code : cu;
}

/** Dense table entries allowed (states × classes); far above the secrets rules' ~3,000 × 60. */
const MAX_ENTRIES = 1 << 22;

export function createKeywordScanner(
  keywords: readonly string[],
  words: readonly LiteralWord[],
): KeywordScanner {
  // Trie over reversed, canonicalized patterns.
  const gotoMaps: Map<number, number>[] = [new Map()];
  const depth: number[] = [0];
  /** Longest keyword ending at this trie node (its depth) or 0; word bits ending here. */
  const ownKeyword: number[] = [0];
  const ownWords: number[] = [0];
  const add = (pattern: string, keyword: boolean, bit: number): void => {
    if (pattern.length === 0) throw new Error('empty secrets keyword');
    let state = 0;
    for (let i = pattern.length - 1; i >= 0; i--) {
      const code = canonicalize(pattern.charCodeAt(i));
      let next = gotoMaps[state]!.get(code);
      if (next === undefined) {
        next = gotoMaps.length;
        gotoMaps.push(new Map());
        depth.push(depth[state]! + 1);
        ownKeyword.push(0);
        ownWords.push(0);
        gotoMaps[state]!.set(code, next);
      }
      state = next;
    }
    if (keyword) ownKeyword[state] = pattern.length;
    ownWords[state]! |= bit;
  };
  for (const k of keywords) add(k, true, 0);
  for (const w of words) add(w.text, false, w.bit);

  const states = gotoMaps.length;
  const codes = new Map<number, number>();
  for (const map of gotoMaps)
    for (const code of map.keys()) if (!codes.has(code)) codes.set(code, codes.size + 1);
  const classes = codes.size + 1;
  if (states * classes > MAX_ENTRIES) throw new Error('secrets keyword automaton too large');
  const ascii = new Uint8Array(128);
  for (let c = 0; c < 128; c++) ascii[c] = codes.get(canonicalize(c)) ?? 0;
  let nonAscii = false;
  for (const code of codes.keys()) if (code >= 128) nonAscii = true;

  // Breadth-first: failure links, then the dense table and each state's outputs folded along the
  // failure chain (longest keyword: the state's own one, else the failure target's, which is shorter).
  const table = new Uint16Array(states * classes);
  if (states >= 65536) throw new Error('secrets keyword automaton too large');
  const fail = new Int32Array(states);
  /** Per state: longest keyword length in bits 0..7 (max 255), word bits above. */
  const info = new Int32Array(states);
  const queue = [0];
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!;
    const f = fail[state]!;
    if (state !== 0) {
      const inherited = info[f]!;
      const ownLen = ownKeyword[state]!;
      if (ownLen > 255) throw new Error('secrets keyword too long');
      info[state] = (ownLen > 0 ? ownLen : inherited & 0xff) | (ownWords[state]! << 8) | (inherited & ~0xff);
    }
    const row = state * classes;
    for (const [code, cls] of codes) {
      const child = gotoMaps[state]!.get(code);
      if (child !== undefined) {
        table[row + cls] = child;
        fail[child] = state === 0 ? 0 : table[f * classes + cls]!;
        queue.push(child);
      } else {
        table[row + cls] = state === 0 ? 0 : table[f * classes + cls]!;
      }
    }
  }

  return {
    scan(text: string): KeywordHits {
      const starts: number[] = [];
      const lengths: number[] = [];
      let words = 0;
      let state = 0;
      for (let i = text.length - 1; i >= 0; i--) {
        const code = text.charCodeAt(i);
        const cls = code < 128 ? ascii[code]! : nonAscii ? (codes.get(canonicalize(code)) ?? 0) : 0;
        state = table[state * classes + cls]!;
        const inf = info[state]!;
        if (inf !== 0) {
          const len = inf & 0xff;
          if (len !== 0) {
            starts.push(i);
            lengths.push(len);
          }
          words |= inf >> 8;
        }
      }
      return { starts, lengths, words };
    },
  };
}
