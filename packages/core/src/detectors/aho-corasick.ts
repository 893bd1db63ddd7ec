/**
 * Aho–Corasick multi-pattern matching: one pass over the text finds every occurrence of every pattern,
 * in time linear in the text length plus the number of matches. Works on UTF-16 code units, so offsets
 * are directly usable as string indexes; case folding is per code unit and only where lower-casing keeps
 * the length (so offsets never shift).
 */

/** A pattern to look for; `id` is returned with each match. */
export interface AhoCorasickPattern {
  id: string;
  text: string;
}

/** Matching options, resolved once when the automaton is built. */
export interface AhoCorasickOptions {
  /** Fold case per UTF-16 code unit (`toLowerCase` where it keeps the length). Default false. */
  caseInsensitive?: boolean;
  /** Only report matches not preceded or followed by a letter, digit or underscore. Default false. */
  wholeWords?: boolean;
}

/** One occurrence: `[start, end)` in UTF-16 code units of the searched text. */
export interface AhoCorasickMatch {
  id: string;
  start: number;
  end: number;
}

/** A built automaton; `search` is pure and can be called any number of times. */
export interface AhoCorasick {
  /** Every occurrence of every pattern, ordered by end offset then by decreasing length. */
  search(text: string): AhoCorasickMatch[];
}

const WORD_CHAR = /^[\p{L}\p{N}\p{M}_]$/u;
/** Largest dense transition table built, in entries (states × character classes): 4 MB, 8 MB past 65,536 states. */
const MAX_DENSE_ENTRIES = 1 << 21;
const foldCache = new Map<number, number>();
/** Per code point: 0 unknown, 1 word character, 2 not a word character. */
let wordCache: Uint8Array | null = null;

/** Lower-cases one UTF-16 code unit when that keeps a single code unit; otherwise returns it unchanged. */
export function foldCodeUnit(code: number): number {
  if (code < 128) return code >= 65 && code <= 90 ? code + 32 : code;
  const cached = foldCache.get(code);
  if (cached !== undefined) return cached;
  let folded = code;
  if (code < 0xd800 || code > 0xdfff) {
    const lower = String.fromCharCode(code).toLowerCase();
    if (lower.length === 1) folded = lower.charCodeAt(0);
  }
  foldCache.set(code, folded);
  return folded;
}

/** True when the code point around UTF-16 index `index` (surrogates joined) is a word character. */
export function isWordCharAt(text: string, index: number): boolean {
  if (index < 0 || index >= text.length) return false;
  let code = text.charCodeAt(index);
  if (code >= 0xdc00 && code <= 0xdfff && index > 0) {
    const high = text.charCodeAt(index - 1);
    if (high >= 0xd800 && high <= 0xdbff) code = text.codePointAt(index - 1) ?? code;
  } else if (code >= 0xd800 && code <= 0xdbff) {
    code = text.codePointAt(index) ?? code;
  }
  if (code < 128) {
    return (
      (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95
    );
  }
  wordCache ??= new Uint8Array(0x110000);
  let known = wordCache[code]!;
  if (known === 0) {
    known = WORD_CHAR.test(String.fromCodePoint(code)) ? 1 : 2;
    wordCache[code] = known;
  }
  return known === 1;
}

/**
 * Builds the automaton (goto function as per-state maps, failure links, and dictionary-suffix links so
 * that reporting outputs costs only the matches found). Empty patterns are ignored.
 */
export function createAhoCorasick(
  patterns: readonly AhoCorasickPattern[],
  options: AhoCorasickOptions = {},
): AhoCorasick {
  const caseInsensitive = options.caseInsensitive ?? false;
  const wholeWords = options.wholeWords ?? false;
  const fold = caseInsensitive ? foldCodeUnit : (code: number) => code;

  const goto: Map<number, number>[] = [new Map()];
  const fail: number[] = [0];
  const depth: number[] = [0];
  /** Pattern indexes ending exactly at each state. */
  const outputs: number[][] = [[]];
  /** Nearest state on the failure chain that has outputs (-1 when none). */
  const dictLink: number[] = [-1];

  patterns.forEach((pattern, index) => {
    if (pattern.text.length === 0) return;
    let state = 0;
    for (let i = 0; i < pattern.text.length; i++) {
      const code = fold(pattern.text.charCodeAt(i));
      let next = goto[state]!.get(code);
      if (next === undefined) {
        next = goto.length;
        goto.push(new Map());
        fail.push(0);
        depth.push(depth[state]! + 1);
        outputs.push([]);
        dictLink.push(-1);
        goto[state]!.set(code, next);
      }
      state = next;
    }
    outputs[state]!.push(index);
  });

  // Breadth-first construction of failure and dictionary links.
  const queue: number[] = [];
  for (const child of goto[0]!.values()) queue.push(child);
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!;
    for (const [code, child] of goto[state]!) {
      let f = fail[state]!;
      while (f !== 0 && !goto[f]!.has(code)) f = fail[f]!;
      const target = goto[f]!.get(code);
      fail[child] = target !== undefined && target !== child ? target : 0;
      const failState = fail[child]!;
      dictLink[child] = outputs[failState]!.length > 0 ? failState : dictLink[failState]!;
      queue.push(child);
    }
  }

  const ids = patterns.map((p) => p.id);
  const dense = denseTable(goto, fail);

  /** Reports the outputs of `state`, reached after the code unit at `i` (shared by both walks). */
  const report = (text: string, state: number, i: number, matches: AhoCorasickMatch[]): void => {
    let out = outputs[state]!.length > 0 ? state : dictLink[state]!;
    while (out !== -1) {
      const end = i + 1;
      const start = end - depth[out]!;
      if (!wholeWords || (!isWordCharAt(text, start - 1) && !isWordCharAt(text, end))) {
        for (const index of outputs[out]!) matches.push({ id: ids[index]!, start, end });
      }
      out = dictLink[out]!;
    }
  };
  const reports = new Uint8Array(goto.length);
  for (let state = 0; state < goto.length; state++) {
    reports[state] = outputs[state]!.length > 0 || dictLink[state] !== -1 ? 1 : 0;
  }

  return {
    search(text: string): AhoCorasickMatch[] {
      const matches: AhoCorasickMatch[] = [];
      if (goto.length === 1) return matches;
      if (dense !== null) {
        const { table, classes, ascii, other } = dense;
        let state = 0;
        for (let i = 0; i < text.length; i++) {
          const code = text.charCodeAt(i);
          // A non-ASCII unit may fold into a pattern character (KELVIN SIGN → `k`), so it is looked up.
          const cls = code < 128 ? ascii[code]! : (other.get(fold(code)) ?? 0);
          state = table[state * classes + cls]!;
          if (reports[state] === 1) report(text, state, i, matches);
        }
        return matches;
      }
      let state = 0;
      for (let i = 0; i < text.length; i++) {
        const code = fold(text.charCodeAt(i));
        let next = goto[state]!.get(code);
        while (next === undefined && state !== 0) {
          state = fail[state]!;
          next = goto[state]!.get(code);
        }
        state = next ?? 0;
        if (reports[state] === 1) report(text, state, i, matches);
      }
      return matches;
    },
  };

  /**
   * The goto and failure functions folded into one table (state × character class → state), so the search
   * reads one entry per code unit and never follows failure links. Classes: the (folded) code units that
   * occur in patterns, plus class 0 for every other one. Only for automata small enough for the table to
   * stay under {@link MAX_DENSE_ENTRIES} entries; larger ones (big dictionaries) keep the maps.
   */
  function denseTable(
    gotoMaps: readonly Map<number, number>[],
    failLinks: readonly number[],
  ): {
    table: Uint16Array | Int32Array;
    classes: number;
    ascii: Uint16Array;
    other: Map<number, number>;
  } | null {
    const codes = new Map<number, number>();
    for (const map of gotoMaps)
      for (const code of map.keys()) if (!codes.has(code)) codes.set(code, codes.size + 1);
    const classes = codes.size + 1;
    const states = gotoMaps.length;
    if (states * classes > MAX_DENSE_ENTRIES) return null;
    // Text code unit → class: through the same folding as the patterns (both cases of a letter, for
    // instance, when matching is case-insensitive).
    const ascii = new Uint16Array(128);
    for (let c = 0; c < 128; c++) ascii[c] = codes.get(fold(c)) ?? 0;
    const other = codes;
    const table = states < 65536 ? new Uint16Array(states * classes) : new Int32Array(states * classes);
    // Breadth-first, so a state's failure target has its row complete before the state is filled.
    const queue = [0];
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      const row = state * classes;
      for (const [code, cls] of codes) {
        const child = gotoMaps[state]!.get(code);
        if (child !== undefined) {
          table[row + cls] = child;
          queue.push(child);
        } else {
          table[row + cls] = state === 0 ? 0 : table[failLinks[state]! * classes + cls]!;
        }
      }
      table[row] = 0;
    }
    return { table, classes, ascii, other };
  }
}
