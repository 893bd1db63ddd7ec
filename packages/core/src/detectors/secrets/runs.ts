/**
 * Character runs of a text, measured in one pass per text: the longest word run and the PEM-line tokens.
 *
 * Word runs are a cheap, exact reason to skip a rule. Most credential formats are long tokens of letters
 * and digits (`S[UAO][A-Z2-7]{56}`, `[a-h0-9]{32}-…`), so every match of such a rule contains a run of at
 * least N consecutive word characters (`[A-Za-z0-9_]`). Ordinary prose has no run that long; when the text's
 * longest run is shorter than N, the rule cannot match and its expression is not run at all.
 *
 * {@link minWordRun} derives N from a rule's source by a small, conservative reading of the regular
 * expression syntax the rules use: literals, escapes, classes, groups, alternation, look-arounds and
 * quantifiers. Anything it does not understand gives 0 (the rule always runs), so a wrong answer can only
 * be a missed skip, never a missed match.
 */

/** What every match of a piece of a pattern is known to contain. All lengths are lower bounds. */
interface Piece {
  /** Every character the piece matches is a word character. */
  all: boolean;
  /** Shortest match. */
  min: number;
  /** Word characters at least at the start of every match. */
  pre: number;
  /** Word characters at least at the end of every match. */
  suf: number;
  /** Longest run of word characters at least inside every match. */
  inner: number;
}

const EMPTY: Piece = { all: true, min: 0, pre: 0, suf: 0, inner: 0 };
const WORD: Piece = { all: true, min: 1, pre: 1, suf: 1, inner: 1 };
const OTHER: Piece = { all: false, min: 1, pre: 0, suf: 0, inner: 0 };

class Unsupported extends Error {}

/** A class member that is a set of word characters (`\d`, `\w`). */
const SHORTHAND = -1;

function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function concat(x: Piece, y: Piece): Piece {
  return {
    all: x.all && y.all,
    min: x.min + y.min,
    pre: x.all ? x.min + y.pre : x.pre,
    suf: y.all ? y.min + x.suf : y.suf,
    inner: Math.max(x.inner, y.inner, x.suf + y.pre),
  };
}

function either(pieces: readonly Piece[]): Piece {
  return {
    all: pieces.every((p) => p.all),
    min: Math.min(...pieces.map((p) => p.min)),
    pre: Math.min(...pieces.map((p) => p.pre)),
    suf: Math.min(...pieces.map((p) => p.suf)),
    inner: Math.min(...pieces.map((p) => p.inner)),
  };
}

function repeat(p: Piece, min: number): Piece {
  if (min === 0) return { all: p.all, min: 0, pre: 0, suf: 0, inner: 0 };
  if (p.all) {
    const n = p.min * min;
    return { all: true, min: n, pre: n, suf: n, inner: n };
  }
  return {
    all: false,
    min: p.min * min,
    pre: p.pre,
    suf: p.suf,
    inner: min >= 2 ? Math.max(p.inner, p.suf + p.pre) : p.inner,
  };
}

/** Reads one pattern source (non-Unicode mode). */
class Reader {
  i = 0;
  constructor(readonly src: string) {}

  alternation(): Piece {
    const alternatives = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      alternatives.push(this.sequence());
    }
    return alternatives.length === 1 ? alternatives[0]! : either(alternatives);
  }

  sequence(): Piece {
    let piece = EMPTY;
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const atom = this.atom();
      piece = concat(piece, atom.zeroWidth ? atom.piece : this.quantified(atom.piece));
    }
    return piece;
  }

  quantified(p: Piece): Piece {
    const c = this.src[this.i];
    let min: number;
    if (c === '*' || c === '?') {
      min = 0;
      this.i++;
    } else if (c === '+') {
      min = 1;
      this.i++;
    } else if (c === '{') {
      const m = /^\{(\d{1,5})(,(\d{1,5})?)?\}/.exec(this.src.slice(this.i));
      if (m === null) throw new Unsupported('brace');
      min = Number(m[1]);
      this.i += m[0].length;
    } else {
      return p;
    }
    if (this.src[this.i] === '?') this.i++;
    return repeat(p, min);
  }

  atom(): { piece: Piece; zeroWidth: boolean } {
    const c = this.src[this.i]!;
    if (c === '(') {
      this.i++;
      let zeroWidth = false;
      if (this.src[this.i] === '?') {
        const head = this.src.slice(this.i, this.i + 3);
        if (head.startsWith('?:')) this.i += 2;
        else if (head.startsWith('?=') || head.startsWith('?!')) {
          this.i += 2;
          zeroWidth = true;
        } else if (head === '?<=' || head === '?<!') {
          this.i += 3;
          zeroWidth = true;
        } else throw new Unsupported('group');
      }
      const inside = this.alternation();
      if (this.src[this.i] !== ')') throw new Unsupported('unclosed group');
      this.i++;
      if (zeroWidth) {
        if (/^[*+?{]/.test(this.src.slice(this.i, this.i + 1)))
          throw new Unsupported('quantified look-around');
        return { piece: EMPTY, zeroWidth: true };
      }
      return { piece: inside, zeroWidth: false };
    }
    if (c === '[') return { piece: this.charClass(), zeroWidth: false };
    if (c === '\\') return this.escape();
    if (c === '^' || c === '$') {
      this.i++;
      return { piece: EMPTY, zeroWidth: true };
    }
    if (c === '*' || c === '+' || c === '?' || c === '{' || c === '}' || c === ']') {
      throw new Unsupported('stray quantifier');
    }
    this.i++;
    if (c === '.') return { piece: OTHER, zeroWidth: false };
    return { piece: isWordCode(c.charCodeAt(0)) ? WORD : OTHER, zeroWidth: false };
  }

  escape(): { piece: Piece; zeroWidth: boolean } {
    const e = this.src[this.i + 1];
    if (e === undefined) throw new Unsupported('trailing backslash');
    this.i += 2;
    if (e === 'b' || e === 'B') return { piece: EMPTY, zeroWidth: true };
    if (e === 'd' || e === 'w') return { piece: WORD, zeroWidth: false };
    if ('sSDWnrtfv0'.includes(e)) return { piece: OTHER, zeroWidth: false };
    if (e === 'x') {
      if (!/^[0-9a-fA-F]{2}/.test(this.src.slice(this.i, this.i + 2))) throw new Unsupported('\\x');
      const code = Number.parseInt(this.src.slice(this.i, this.i + 2), 16);
      this.i += 2;
      return { piece: isWordCode(code) ? WORD : OTHER, zeroWidth: false };
    }
    if (/[A-Za-z0-9]/.test(e)) throw new Unsupported(`\\${e}`);
    return { piece: isWordCode(e.charCodeAt(0)) ? WORD : OTHER, zeroWidth: false };
  }

  /** A bracket class: one character, a word character only when every member is one. */
  charClass(): Piece {
    this.i++;
    let word = true;
    if (this.src[this.i] === '^') {
      word = false;
      this.i++;
    }
    let first = true;
    while (this.i < this.src.length && (first || this.src[this.i] !== ']')) {
      first = false;
      const from = this.classMember();
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        this.i++;
        const to = this.classMember();
        // `[\d-x]` is `\d`, `-` and `x`: a shorthand next to a dash makes the class not word-only.
        if (from === null || to === null || from === SHORTHAND || to === SHORTHAND) word = false;
        else if (to < from) throw new Unsupported('class range');
        else for (let c = from; c <= to && word; c++) if (!isWordCode(c)) word = false;
      } else if (from === null || (from !== SHORTHAND && !isWordCode(from))) {
        word = false;
      }
    }
    if (this.src[this.i] !== ']') throw new Unsupported('unclosed class');
    this.i++;
    return word ? WORD : OTHER;
  }

  /** One class member: its code, null for a non-word escape (`\s`), {@link SHORTHAND} for `\d` / `\w`. */
  classMember(): number | null {
    const c = this.src[this.i]!;
    if (c !== '\\') {
      this.i++;
      return c.charCodeAt(0);
    }
    const e = this.src[this.i + 1];
    if (e === undefined) throw new Unsupported('trailing backslash');
    this.i += 2;
    if (e === 'd' || e === 'w') return SHORTHAND;
    if ('sSDWbBnrtfv0'.includes(e)) return null;
    if (e === 'x') {
      if (!/^[0-9a-fA-F]{2}/.test(this.src.slice(this.i, this.i + 2))) throw new Unsupported('\\x');
      const code = Number.parseInt(this.src.slice(this.i, this.i + 2), 16);
      this.i += 2;
      return code;
    }
    if (/[A-Za-z0-9]/.test(e)) throw new Unsupported(`\\${e}`);
    return e.charCodeAt(0);
  }
}

/**
 * The length of the word-character run that every match of `source` contains (0 when none is certain or
 * the source uses syntax this reader does not know). Flags `g` and `i` do not change it: in non-Unicode
 * mode `i` only pairs ASCII letters with ASCII letters.
 */
export function minWordRun(source: string): number {
  try {
    const reader = new Reader(source);
    const piece = reader.alternation();
    if (reader.i !== source.length) return 0;
    return piece.inner;
  } catch (err) {
    if (err instanceof Unsupported) return 0;
    throw err;
  }
}

/** What the engine needs to know about the character runs of a text, measured in one pass. */
export interface TextRuns {
  /** Length of the longest run of word characters (`[A-Za-z0-9_]`). */
  longestWord: number;
  /**
   * Starts of the standalone 64-character base64 tokens, the width PEM bodies are wrapped at: what
   * `/(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{64}(?![A-Za-z0-9+/=])/g` matches, i.e. maximal runs of exactly 64
   * characters of `[A-Za-z0-9+/]` with no `=` on either side.
   */
  pemStarts: number[];
}

const WORD_BIT = 1;
const LINE_BIT = 2;
/** Per ASCII code unit: {@link WORD_BIT} for `[A-Za-z0-9_]`, {@link LINE_BIT} for `[A-Za-z0-9+/]`. */
const RUN_BITS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  RUN_BITS[c] = (alnum || c === 95 ? WORD_BIT : 0) | (alnum || c === 43 || c === 47 ? LINE_BIT : 0);
}

/** Measures {@link TextRuns} in one walk over `text` (one table look-up per character). */
export function measureRuns(text: string): TextRuns {
  const n = text.length;
  const pemStarts: number[] = [];
  let longestWord = 0;
  let word = 0;
  let line = -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const bits = c < 128 ? RUN_BITS[c]! : 0;
    if ((bits & WORD_BIT) !== 0) {
      word++;
      if (word > longestWord) longestWord = word;
    } else {
      word = 0;
    }
    if ((bits & LINE_BIT) !== 0) {
      if (line < 0) line = i;
    } else if (line >= 0) {
      if (i - line === 64 && isPemLine(text, line, i)) pemStarts.push(line);
      line = -1;
    }
  }
  if (line >= 0 && n - line === 64 && isPemLine(text, line, n)) pemStarts.push(line);
  return { longestWord, pemStarts };
}

/** The run `[start, end)` is not next to a `=` (padding would make it the end of a longer base64 value). */
function isPemLine(text: string, start: number, end: number): boolean {
  return (
    (start === 0 || text.charCodeAt(start - 1) !== 61) && (end === text.length || text.charCodeAt(end) !== 61)
  );
}
