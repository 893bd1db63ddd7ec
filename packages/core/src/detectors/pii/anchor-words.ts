/**
 * A one-pass pre-filter for the recognizers whose matches must hold a word from a list (weekday and
 * month names): their expressions (a Unicode look-behind and a long case-insensitive alternation tried at
 * every position) cost far more per character than this scan, and most texts hold none of the words.
 *
 * The scan may say "maybe" for a text the expression cannot match, never the reverse. A word of a list
 * stands in a match between characters that are not letters, so it is a whole run of letters. Runs here
 * are made of the letters below U+0250 and the few letters above it that Unicode case folding maps into
 * that range (`K` Kelvin sign → `k`, `Å` Angstrom sign → `å`, `ẞ` → `ß`); any other character ends a run,
 * which can only make runs shorter than the expression's and so find more words, not fewer. Each run is
 * case-folded with a table built from the regex engine itself (`/x/iu`), so it compares as the
 * expressions' `iu` flags do, `ſ` → `s` included.
 */

/** Bits of the string hash used by the first-level filter. */
const FILTER_BITS = 14;
const FILTER_MASK = (1 << FILTER_BITS) - 1;
/** Letters above the table that fold into it. */
const WIDE_FOLDING = [0x212a, 0x212b, 0x1e9e] as const;
/** Fold of a run letter that folds to no letter below U+0250 (it matches no word of a list). */
const NO_FOLD = 0xffff;

/**
 * Case fold of each code below U+0250 (0 when it is not a letter): the smallest code below U+0250 among
 * the letter, its lower- and upper-case forms and theirs, that the regex engine's `/x/iu` says matches
 * it — one representative per class of letters the `iu` flags treat as equal (`s`, `S`, `ſ` → `S`).
 */
const FOLD = new Uint16Array(0x250);
/** The same for WIDE_FOLDING, in that order. */
const WIDE_FOLD: number[] = [];
{
  const letter = /^\p{L}$/u;
  const matchers = new Map<string, RegExp>();
  const representative = (ch: string): number => {
    let best = NO_FOLD;
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    for (const z of [ch, lower, upper, lower.toUpperCase(), upper.toLowerCase()]) {
      if (z.length !== 1 || z.charCodeAt(0) >= Math.min(0x250, best)) continue;
      let re = matchers.get(z);
      if (re === undefined) {
        re = new RegExp(`^[${z}]$`, 'iu');
        matchers.set(z, re);
      }
      if (re.test(ch)) best = z.charCodeAt(0);
    }
    return best;
  };
  for (let x = 0; x < 0x250; x++) {
    const ch = String.fromCharCode(x);
    if (letter.test(ch)) FOLD[x] = representative(ch);
  }
  for (const x of WIDE_FOLDING) WIDE_FOLD.push(representative(String.fromCharCode(x)));
}

/** Folded code of `c` when it is a run letter, else 0. */
function fold(c: number): number {
  if (c < 0x250) return FOLD[c] as number;
  if (c === 0x212a) return WIDE_FOLD[0] as number;
  if (c === 0x212b) return WIDE_FOLD[1] as number;
  return c === 0x1e9e ? (WIDE_FOLD[2] as number) : 0;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Word lists of up to 31 recognizers (slots), scanned together. */
export class AnchorWords {
  /** Folded word → slots whose list holds it. */
  private readonly words = new Map<string, number>();
  /** Hashes (low bits) of the words: most runs of a text fail here without a string being made. */
  private readonly filter = new Uint8Array(1 << FILTER_BITS);
  /** Per slot: a digit must stand within this many characters of the word (0: no condition). */
  private readonly reach: number[] = [];
  private minLength = Number.POSITIVE_INFINITY;
  private maxLength = 0;
  private all = 0;
  /** End of the run last read by {@link runAt}. */
  private runEnd = 0;

  /** Adds a word list (lower case, letters only); returns its slot bit. */
  add(words: readonly string[], digitReach = 0): number {
    const slot = this.reach.length;
    if (slot >= 31) throw new Error('too many anchor word lists');
    const bit = 1 << slot;
    this.reach.push(digitReach);
    this.all |= bit;
    for (const word of words) {
      let key = '';
      let hash = 0;
      for (let k = 0; k < word.length; k++) {
        const f = fold(word.charCodeAt(k));
        if (f === 0 || f === NO_FOLD)
          throw new Error(`anchor word ${word} holds a character that is no run letter`);
        key += String.fromCharCode(f);
        hash = (Math.imul(hash, 31) + f) | 0;
      }
      this.words.set(key, (this.words.get(key) ?? 0) | bit);
      this.filter[hash & FILTER_MASK] = 1;
      this.minLength = Math.min(this.minLength, word.length);
      this.maxLength = Math.max(this.maxLength, word.length);
    }
    return bit;
  }

  /** Slot bits of the lists that may have a word in `text` (with a digit near it when required). */
  scan(text: string): number {
    const n = text.length;
    let found = 0;
    let i = 0;
    while (i < n) {
      if (fold(text.charCodeAt(i)) === 0) {
        i++;
        continue;
      }
      const start = i;
      const slots = this.runAt(text, start) & ~found;
      i = this.runEnd;
      if (slots === 0) continue;
      for (let slot = 0; slot < this.reach.length; slot++) {
        const bit = 1 << slot;
        if ((slots & bit) !== 0 && this.digitNear(text, start, i, this.reach[slot] as number)) found |= bit;
      }
      if (found === this.all) break;
    }
    return found;
  }

  /**
   * Every whole run of letters in `text` (as {@link scan} cuts them) that is a word of the list of `bit`,
   * as `[start, end, start, end, …]` in text order (a list's digit reach is not checked here).
   */
  runsOf(text: string, bit: number): number[] {
    const out: number[] = [];
    const n = text.length;
    let i = 0;
    while (i < n) {
      if (fold(text.charCodeAt(i)) === 0) {
        i++;
        continue;
      }
      const start = i;
      const slots = this.runAt(text, start);
      i = this.runEnd;
      if ((slots & bit) !== 0) out.push(start, i);
    }
    return out;
  }

  /**
   * Reads the whole run of letters that starts at `start` (whose first character folds to a run letter):
   * returns the slot bits of the lists holding it (0 for none) and leaves its end in {@link runEnd}.
   */
  private runAt(text: string, start: number): number {
    const n = text.length;
    let i = start;
    let f = fold(text.charCodeAt(i));
    let hash = 0;
    do {
      hash = (Math.imul(hash, 31) + f) | 0;
      i++;
      // Never read past the end: charCodeAt(n) is NaN, which would make the loop's numbers doubles.
      f = i < n ? fold(text.charCodeAt(i)) : 0;
    } while (f !== 0);
    this.runEnd = i;
    const length = i - start;
    if (length < this.minLength || length > this.maxLength || this.filter[hash & FILTER_MASK] === 0) return 0;
    let key = '';
    for (let k = start; k < i; k++) key += String.fromCharCode(fold(text.charCodeAt(k)));
    return this.words.get(key) ?? 0;
  }

  private digitNear(text: string, start: number, end: number, reach: number): boolean {
    if (reach === 0) return true;
    for (let k = Math.max(0, start - reach); k < start; k++) if (isDigit(text.charCodeAt(k))) return true;
    const to = Math.min(text.length, end + reach);
    for (let k = end; k < to; k++) if (isDigit(text.charCodeAt(k))) return true;
    return false;
  }
}
