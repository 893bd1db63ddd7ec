/**
 * Tokens and lexical features for the offline names detector: a linear tokenizer, context-word lists and
 * street / organisation vocabularies in EN/DE/FR/ES/IT/PT/NL. Pure data and pure functions.
 */

/** Shape of a token. */
export type TokenShape = 'cap' | 'upper' | 'initial' | 'lower' | 'num' | 'other';

/** A word or number in the segment text; offsets are UTF-16 code units into the original text. */
export interface Token {
  readonly text: string;
  /** Lower-cased, apostrophes normalised, trailing dots removed. */
  readonly lower: string;
  readonly start: number;
  readonly end: number;
  readonly shape: TokenShape;
  /** A `.` immediately follows the token. */
  readonly dot: boolean;
  /** Bits of the word lists holding `lower` (from the `lexicon` given to {@link tokenize}; else 0). */
  readonly lex: number;
}

const UPPER_START_RE = /^\p{Lu}/u;
const HAS_LOWER_RE = /\p{Ll}/u;
const HAS_LETTER_RE = /\p{L}/u;
const DIGIT_START_RE = /^\p{N}/u;
const LOWER_START_RE = /^\p{Ll}/u;

/** Apostrophes and hyphens, which may join words but never start or end a token. */
function isEdge(c: number): boolean {
  return c === 39 || c === 45 || c === 0x2019;
}

function shapeOf(text: string): TokenShape {
  const c = text.charCodeAt(0);
  // ASCII fast paths; the Unicode classes below handle everything else.
  if (c >= 48 && c <= 57) return 'num';
  if (c >= 97 && c <= 122) return 'lower';
  if (c >= 65 && c <= 90) {
    if (text.length === 1) return 'initial';
    const d = text.charCodeAt(1);
    if (d >= 97 && d <= 122) return 'cap';
    return HAS_LOWER_RE.test(text) ? 'cap' : 'upper';
  }
  if (DIGIT_START_RE.test(text)) return 'num';
  if (UPPER_START_RE.test(text)) {
    if (text.length === 1) return 'initial';
    if (HAS_LOWER_RE.test(text)) return 'cap';
    return HAS_LETTER_RE.test(text) ? 'upper' : 'other';
  }
  if (LOWER_START_RE.test(text)) return 'lower';
  return 'other';
}

/** Matches one non-ASCII token character at `lastIndex` (sticky): letters, marks, numbers, `’`. */
const WIDE_TOKEN_CHAR_RE = /[\p{L}\p{M}\p{N}’]/uy;
/** Any first character: testing it makes V8 flatten the subject string once. */
const FLATTEN_RE = /^/u;
/** Longest token run, in code points; longer runs are split (as `[…]{1,80}` would). */
const MAX_RUN = 80;

/** Per ASCII code: 0 not a token character, else UPPER, LOWER or OTHER (digits, `'`, `-`). */
const ASCII_KIND = new Uint8Array(128);
const UPPER = 1;
const LOWER = 2;
const OTHER = 3;
ASCII_KIND.fill(UPPER, 65, 91);
ASCII_KIND.fill(LOWER, 97, 123);
ASCII_KIND.fill(OTHER, 48, 58);
ASCII_KIND[39] = OTHER;
ASCII_KIND[45] = OTHER;

/**
 * Length in code units of the token character at `i` (a letter, mark, number, `'`, `’` or `-`), or 0
 * when the character there is not one. ASCII is decided by code; other characters by a sticky regex.
 */
function tokenCharLength(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 128) {
    return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 39 || c === 45
      ? 1
      : 0;
  }
  WIDE_TOKEN_CHAR_RE.lastIndex = i;
  if (!WIDE_TOKEN_CHAR_RE.test(text)) return 0;
  return WIDE_TOKEN_CHAR_RE.lastIndex - i;
}

/** Spreads the bits of a word hash (`×31` leaves similar words in nearby slots). */
function mix(hash: number): number {
  const h = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b);
  return h ^ (h >>> 16);
}

/**
 * The lexicon as an open-addressing table over a hash of the lower-case ASCII word, which the tokenizer
 * computes in the loop it already makes over each token's characters: an ASCII token is looked up
 * without its lower-case string being made and hashed again by a `Map`, and when it is a lexicon word
 * the table's own key (same characters) serves as its lower-case form. Built once per lexicon map (which
 * must not change after its first use).
 */
class LexiconTable {
  private readonly keys: string[] = [];
  private readonly values: number[] = [];
  private readonly hashes: Int32Array;
  /** Entry index + 1 per slot; 0 is empty. */
  private readonly slots: Int32Array;
  private readonly mask: number;

  constructor(lexicon: ReadonlyMap<string, number>) {
    let size = 1;
    while (size < lexicon.size * 2) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size);
    this.hashes = new Int32Array(lexicon.size);
    for (const [key, value] of lexicon) {
      let hash = 0;
      for (let k = 0; k < key.length; k++) hash = (Math.imul(hash, 31) + key.charCodeAt(k)) | 0;
      const index = this.keys.length;
      this.keys.push(key);
      this.values.push(value);
      this.hashes[index] = hash;
      let slot = mix(hash) & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = index + 1;
    }
  }

  /** Index of the entry equal to `text[start, end)` lower-cased (ASCII only) with this `hash`, or -1. */
  find(text: string, start: number, end: number, hash: number): number {
    const length = end - start;
    for (let slot = mix(hash) & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot] as number;
      if (entry === 0) return -1;
      if (this.hashes[entry - 1] !== hash) continue;
      const key = this.keys[entry - 1] as string;
      if (key.length !== length) continue;
      let k = 0;
      while (k < length) {
        const c = text.charCodeAt(start + k);
        if (key.charCodeAt(k) !== (c >= 65 && c <= 90 ? c + 32 : c)) break;
        k++;
      }
      if (k === length) return entry - 1;
    }
  }

  key(index: number): string {
    return this.keys[index] as string;
  }

  value(index: number): number {
    return this.values[index] as number;
  }
}

const TABLES = new WeakMap<ReadonlyMap<string, number>, LexiconTable>();

function tableOf(lexicon: ReadonlyMap<string, number>): LexiconTable {
  let table = TABLES.get(lexicon);
  if (table === undefined) {
    table = new LexiconTable(lexicon);
    TABLES.set(lexicon, table);
  }
  return table;
}

/** Shape of an ASCII token from its codes (as {@link shapeOf} finds for the same text), as a code. */
function asciiShapeCode(text: string, start: number, end: number, hasLower: boolean): number {
  const c = text.charCodeAt(start);
  if (c >= 48 && c <= 57) return SHAPE_NUM;
  if (c >= 97 && c <= 122) return SHAPE_LOWER;
  if (c >= 65 && c <= 90) {
    if (end - start === 1) return SHAPE_INITIAL;
    return hasLower ? SHAPE_CAP : SHAPE_UPPER;
  }
  return SHAPE_OTHER;
}

/** Token shape codes of a {@link TokenTable} (`shapes`). */
export const SHAPE_CAP = 1;
export const SHAPE_UPPER = 2;
export const SHAPE_INITIAL = 3;
export const SHAPE_LOWER = 4;
export const SHAPE_NUM = 5;
export const SHAPE_OTHER = 6;
const SHAPE_CODES: Record<TokenShape, number> = {
  cap: SHAPE_CAP,
  upper: SHAPE_UPPER,
  initial: SHAPE_INITIAL,
  lower: SHAPE_LOWER,
  num: SHAPE_NUM,
  other: SHAPE_OTHER,
};
const SHAPE_NAMES: readonly TokenShape[] = ['other', 'cap', 'upper', 'initial', 'lower', 'num', 'other'];

/** `flags` bit: the token holds an ASCII capital (its text is not its lower-case form). */
const FLAG_CAPS = 1;
/** `flags` bit: the token holds a non-ASCII character (its lower-case form is kept in `wideLowers`). */
const FLAG_WIDE = 2;

/**
 * The tokens of one text as parallel arrays indexed by token number, in place of one object (and two
 * strings) per token: start and end offsets, shape code, trailing dot, `lex` bits and the lexicon entry.
 * A token's text and lower-case form are made only when asked for ({@link word}, {@link lower}), and
 * most tokens are never asked. The arrays have spare room: entries at and after `n` are stale, so every
 * read must stay below `n`. One table is reused by {@link tokenizeInto} calls (see {@link release}).
 */
export class TokenTable {
  n = 0;
  text = '';
  starts: Int32Array = new Int32Array(256);
  ends: Int32Array = new Int32Array(256);
  shapes: Uint8Array = new Uint8Array(256);
  /** 1 when a `.` immediately follows the token. */
  dots: Uint8Array = new Uint8Array(256);
  lexs: Int32Array = new Int32Array(256);
  /** Index in the lexicon table of an ASCII token's lower-case form, else -1. */
  entries: Int32Array = new Int32Array(256);
  flags: Uint8Array = new Uint8Array(256);
  /** Lower-case forms of the tokens with non-ASCII characters (other slots are stale or empty). */
  wideLowers: string[] = new Array<string>(256).fill('');
  table: LexiconTable | undefined;
  private hasWide = false;

  /** The token's text. */
  word(i: number): string {
    const flags = this.flags[i] as number;
    const entry = this.entries[i] as number;
    // A lexicon word without capitals is the table's key (no string made).
    if ((flags & (FLAG_CAPS | FLAG_WIDE)) === 0 && entry >= 0) return (this.table as LexiconTable).key(entry);
    return this.text.slice(this.starts[i], this.ends[i]);
  }

  /** The token's lower-case form: apostrophes normalised (`’` → `'`). */
  lower(i: number): string {
    const flags = this.flags[i] as number;
    if ((flags & FLAG_WIDE) !== 0) return this.wideLowers[i] as string;
    const entry = this.entries[i] as number;
    if (entry >= 0) return (this.table as LexiconTable).key(entry);
    const word = this.text.slice(this.starts[i], this.ends[i]);
    return (flags & FLAG_CAPS) !== 0 ? word.toLowerCase() : word;
  }

  /** True when the token's text is `s` (compared by code, no string made). */
  wordIs(i: number, s: string): boolean {
    const start = this.starts[i] as number;
    if ((this.ends[i] as number) - start !== s.length) return false;
    for (let k = 0; k < s.length; k++) if (this.text.charCodeAt(start + k) !== s.charCodeAt(k)) return false;
    return true;
  }

  /** Drops the references to the last text and its non-ASCII lower-case forms. */
  release(): void {
    if (this.hasWide) this.wideLowers.fill('', 0, this.n);
    this.hasWide = false;
    this.text = '';
    this.n = 0;
  }

  /** Room for at least one more token. */
  private grow(): void {
    const size = this.starts.length * 2;
    const int32 = (old: Int32Array): Int32Array => {
      const next = new Int32Array(size);
      next.set(old);
      return next;
    };
    const uint8 = (old: Uint8Array): Uint8Array => {
      const next = new Uint8Array(size);
      next.set(old);
      return next;
    };
    this.starts = int32(this.starts);
    this.ends = int32(this.ends);
    this.lexs = int32(this.lexs);
    this.entries = int32(this.entries);
    this.shapes = uint8(this.shapes);
    this.dots = uint8(this.dots);
    this.flags = uint8(this.flags);
    const lowers = new Array<string>(size).fill('');
    for (let k = 0; k < this.n; k++) lowers[k] = this.wideLowers[k] as string;
    this.wideLowers = lowers;
  }

  /** Appends a token. */
  push(
    start: number,
    end: number,
    shape: number,
    dot: boolean,
    lex: number,
    entry: number,
    flags: number,
  ): number {
    const i = this.n;
    if (i === this.starts.length) this.grow();
    this.starts[i] = start;
    this.ends[i] = end;
    this.shapes[i] = shape;
    this.dots[i] = dot ? 1 : 0;
    this.lexs[i] = lex;
    this.entries[i] = entry;
    this.flags[i] = flags;
    if ((flags & FLAG_WIDE) !== 0) this.hasWide = true;
    this.n = i + 1;
    return i;
  }
}

/**
 * Splits text into tokens in one pass, into `table` (emptied first); possessive `'s` and edge
 * apostrophes/hyphens are left out. Each token's `lex` is `lexicon.get(lower)` (0 when absent or when no
 * lexicon is given). No object or string is made per ASCII token.
 */
export function tokenizeInto(
  table: TokenTable,
  text: string,
  lexicon?: ReadonlyMap<string, number>,
): TokenTable {
  table.release();
  table.text = text;
  const lexTable = lexicon === undefined ? undefined : tableOf(lexicon);
  table.table = lexTable;
  // The whole text lower-cased, made only for a token with a capital sigma (see below).
  let lowerText: string | undefined;
  let sameLength = false;
  const n = text.length;
  // A regex run flattens a concatenated (rope) string in place, so the char reads below stay O(1).
  FLATTEN_RE.test(text);
  let i = 0;
  while (i < n) {
    // Runs of token characters, at most MAX_RUN code points each; no regex match objects.
    const first = text.charCodeAt(i);
    let step = first < 128 ? ((ASCII_KIND[first] as number) === 0 ? 0 : 1) : tokenCharLength(text, i);
    if (step === 0) {
      // Step over a whole surrogate pair, as a `u` regex does.
      i +=
        first >= 0xd800 && first <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
          ? 2
          : 1;
      continue;
    }
    const matchStart = i;
    let count = 0;
    // Hash of the ASCII lower-case form (the table's), whether the token has capitals, lower-case
    // letters, or non-ASCII characters: gathered in the run loop, again below only for a trimmed run.
    let hash = 0;
    let upper = false;
    let hasLower = false;
    let wide = false;
    while (count < MAX_RUN && i < n) {
      const c = text.charCodeAt(i);
      if (c < 128) {
        const kind = ASCII_KIND[c] as number;
        if (kind === 0) break;
        if (kind === UPPER) {
          upper = true;
          hash = (Math.imul(hash, 31) + c + 32) | 0;
        } else {
          if (kind === LOWER) hasLower = true;
          hash = (Math.imul(hash, 31) + c) | 0;
        }
        i++;
      } else {
        step = tokenCharLength(text, i);
        if (step === 0) break;
        wide = true;
        i += step;
      }
      count++;
    }
    const matchEnd = i;
    let start = matchStart;
    let end = matchEnd;
    while (start < end && isEdge(text.charCodeAt(start))) start++;
    while (end > start && isEdge(text.charCodeAt(end - 1))) end--;
    // Possessive `'s` / `’s`.
    if (end - start > 2 && text.charCodeAt(end - 1) === 115 && isEdge(text.charCodeAt(end - 2))) {
      end -= 2;
      while (end > start && isEdge(text.charCodeAt(end - 1))) end--;
    }
    if (end <= start) continue;
    if (start !== matchStart || end !== matchEnd) {
      hash = 0;
      upper = false;
      hasLower = false;
      wide = false;
      for (let k = start; k < end; k++) {
        const c = text.charCodeAt(k);
        if (c >= 128) {
          wide = true;
          break;
        }
        if (c >= 65 && c <= 90) {
          upper = true;
          hash = (Math.imul(hash, 31) + c + 32) | 0;
        } else {
          if (c >= 97) hasLower = true;
          hash = (Math.imul(hash, 31) + c) | 0;
        }
      }
    }
    // Not read past the end: an out-of-range read (NaN) slows every later read at this site.
    const dot = end < n && text.charCodeAt(end) === 46;
    if (wide) {
      const word = text.slice(start, end);
      let lower: string;
      if (word.includes('Σ')) {
        // Σ lower-cases by its neighbours, also those outside the token (final sigma): as a slice of the
        // whole text lower-cased, when that keeps offsets. Every other character lower-cases alone, so
        // the token's own lower case is the same as that slice and no copy of the whole text is made.
        if (lowerText === undefined) {
          lowerText = text.toLowerCase();
          sameLength = lowerText.length === text.length;
        }
        lower = sameLength ? lowerText.slice(start, end) : word.toLowerCase();
      } else lower = word.toLowerCase();
      if (lower.includes('’')) lower = lower.replaceAll('’', "'");
      const lex = lexicon === undefined ? 0 : (lexicon.get(lower) ?? 0);
      const index = table.push(start, end, SHAPE_CODES[shapeOf(word)], dot, lex, -1, FLAG_WIDE);
      table.wideLowers[index] = lower;
      continue;
    }
    const entry = lexTable === undefined ? -1 : lexTable.find(text, start, end, hash);
    table.push(
      start,
      end,
      asciiShapeCode(text, start, end, hasLower),
      dot,
      entry >= 0 ? (lexTable as LexiconTable).value(entry) : 0,
      entry,
      upper ? FLAG_CAPS : 0,
    );
  }
  return table;
}

/**
 * Splits text into tokens in one pass; possessive `'s` and edge apostrophes/hyphens are left out. Each
 * token's `lex` is `lexicon.get(lower)` (0 when absent or when no lexicon is given). One object per
 * token: the names detector reads a {@link TokenTable} ({@link tokenizeInto}) instead.
 */
export function tokenize(text: string, lexicon?: ReadonlyMap<string, number>): Token[] {
  const table = tokenizeInto(new TokenTable(), text, lexicon);
  const tokens: Token[] = [];
  for (let i = 0; i < table.n; i++) {
    tokens.push({
      text: table.word(i),
      lower: table.lower(i),
      start: table.starts[i] as number,
      end: table.ends[i] as number,
      shape: SHAPE_NAMES[table.shapes[i] as number] as TokenShape,
      dot: table.dots[i] === 1,
      lex: table.lexs[i] as number,
    });
  }
  return tokens;
}

/** Titles and honorifics that precede a person's name (lower case, without the dot). */
export const TITLES: ReadonlySet<string> = new Set([
  'mr',
  'mrs',
  'ms',
  'mx',
  'miss',
  'dr',
  'prof',
  'professor',
  'sir',
  'madam',
  'dame',
  'lord',
  'lady',
  'herr',
  'frau',
  'mme',
  'mlle',
  'monsieur',
  'madame',
  'sr',
  'sra',
  'srta',
  'señor',
  'señora',
  'senor',
  'senora',
  'don',
  'doña',
  'sig',
  'sig.ra',
  'signor',
  'signora',
  'signorina',
  'dott',
  'dott.ssa',
  'senhor',
  'senhora',
  'dhr',
  'mevr',
  'mevrouw',
  'meneer',
]);

/** One-word cues before a name that make a person likely. */
export const PERSON_CUES_STRONG: ReadonlySet<string> = new Set([
  'dear',
  'hi',
  'hello',
  'hey',
  'named',
  'called',
  'thanks',
  'liebe',
  'lieber',
  'hallo',
  'cher',
  'chère',
  'bonjour',
  'hola',
  'querido',
  'querida',
  'estimado',
  'estimada',
  'caro',
  'cara',
  'ciao',
  'olá',
  'beste',
  'geachte',
]);

/** Multi-word cues (previous words joined by one space) that make a person likely. */
export const PERSON_PHRASES: ReadonlySet<string> = new Set([
  'name is',
  'my name',
  'name was',
  'names are',
  'maiden name is',
  'last name',
  "i'm",
  'i am',
  'this is',
  'speak to',
  'talk to',
  'spoke to',
  'spoke with',
  'talked to',
  'married to',
  'son of',
  'daughter of',
  'wife',
  'husband',
  'brother',
  'sister',
  'friend',
  'colleague',
  'mother',
  'father',
  'kid',
  'son',
  'daughter',
  'partner',
  'guardian',
  'follow up with',
  'meet with',
  'heard',
  'directed by',
  'starring',
  'ich bin',
  'ich heiße',
  'je suis',
  "je m'appelle",
  "m'appelle",
  'me llamo',
  'soy',
  'mi chiamo',
  'sono',
  'chamo-me',
  'meu nome é',
  'ik ben',
  'mijn naam is',
  'heet',
]);

/** Weaker cues: they add a little to a candidate that already has name evidence. */
export const PERSON_CUES_WEAK: ReadonlySet<string> = new Set([
  'by',
  'with',
  'said',
  'says',
  'asked',
  'told',
  'and',
  'to',
  'from',
  'of',
  'for',
  'tribute',
  'producer',
  'singer',
  'player',
  'ceo',
  'founder',
  'author',
  'writer',
]);

/** Cues before a place name. */
export const LOCATION_PHRASES: ReadonlySet<string> = new Set([
  'in',
  'from',
  'to',
  'visit',
  'visiting',
  'near',
  'lives in',
  'live in',
  'living in',
  'born in',
  'moved to',
  'based in',
  'located in',
  'travelling to',
  'traveling to',
  'flew to',
  'fly to',
  'here from',
  'originally from',
  'returned to',
  'trip to',
  'city',
  'wohne in',
  'aus',
  'nach',
  'habite à',
  'vivo en',
  'vivo a',
  'moro em',
  'woon in',
]);

/** Phrases that, just before a capitalised name, say it is a place even when it is not in the gazetteer. */
export const LOCATION_STRONG_PHRASES: ReadonlySet<string> = new Set([
  'lives in',
  'live in',
  'living in',
  'born in',
  'moved to',
  'based in',
  'located in',
  'travelling to',
  'traveling to',
  'flew to',
  'here from',
  'originally from',
  "i'm in",
  'coming to',
  'returned to',
  'grew up in',
  'up in',
  'arrived at',
  'arrived in',
  'home city',
  'home town',
  'hometown',
  'city of',
  'town of',
  'village of',
  'i am in',
  'headquartered in',
]);

/** First words of multi-word place names ("New Westminster", "San José") that are stopwords alone. */
export const PLACE_PREFIXES: ReadonlySet<string> = new Set(
  'new san santa santo são saint st sankt port fort mount north south east west upper lower great little los las la le el'.split(
    ' ',
  ),
);

/** Field labels that introduce a place (`Where: …`, `Location: …`). */
export const PLACE_LABELS: ReadonlySet<string> = new Set(['where', 'location', 'venue', 'city', 'hometown']);

/** Words that end an organisation name. */
export const ORG_SUFFIXES: ReadonlySet<string> = new Set([
  'inc',
  'incorporated',
  'ltd',
  'limited',
  'llc',
  'llp',
  'plc',
  'corp',
  'corporation',
  'co',
  'company',
  'gmbh',
  'ag',
  'kg',
  'ohg',
  'ug',
  'se',
  'sa',
  'sas',
  'sarl',
  'sàrl',
  'srl',
  'spa',
  'bv',
  'nv',
  'vof',
  'lda',
  'ltda',
  'oy',
  'ab',
  'as',
  'a/s',
  'aps',
  'group',
  'holdings',
  'partners',
  'associates',
  'technologies',
  'solutions',
  'systems',
  'labs',
  'bank',
  'insurance',
  'capital',
  'ventures',
  'foundation',
  'institute',
  'industries',
  'enterprises',
  'consulting',
  'services',
  'software',
  'markets',
  'investments',
  'finance',
  'financial',
  'analytics',
  'networks',
  'pharmaceuticals',
  'motors',
  'airlines',
  'university',
  'orchestra',
]);

/** Suffixes strong enough to make an organisation on their own (legal forms). */
export const ORG_LEGAL_FORMS: ReadonlySet<string> = new Set([
  'inc',
  'incorporated',
  'ltd',
  'limited',
  'llc',
  'llp',
  'plc',
  'corp',
  'corporation',
  'gmbh',
  'ag',
  'sarl',
  'sàrl',
  'srl',
  'spa',
  'bv',
  'nv',
  'ltda',
  'lda',
]);

/** Explicit employment cues: a capitalised name right after them is the employer, not a person. */
export const ORG_EMPLOYER_PHRASES: ReadonlySet<string> = new Set([
  'work for',
  'works for',
  'worked for',
  'working for',
  'work at',
  'works at',
  'worked at',
  'working at',
  'employed by',
  'employed at',
  'employee of',
  'hired by',
  'job at',
]);

/** Cues before an organisation name. */
export const ORG_PHRASES: ReadonlySet<string> = new Set([
  'working for',
  'working at',
  'employed at',
  'employee of',
  'hired by',
  'job at',
  'work for',
  'works for',
  'worked for',
  'work at',
  'works at',
  'worked at',
  'employed by',
  'joined',
  'ceo of',
  'founder of',
  'year at',
  'arbeite bei',
  'travaille chez',
  'trabajo en',
  'lavoro per',
  'trabalho na',
  'werk bij',
]);

/** English street-type words after the street name (`12 Main Street`). */
export const STREET_SUFFIXES: ReadonlySet<string> = new Set(
  (
    'street st str avenue ave av road rd lane ln drive dr boulevard blvd way court ct place pl square sq ' +
    'parkway pkwy terrace ter circle cir highway hwy alley bridge brook brooks bypass camp canyon cape ' +
    'causeway center centre centers circles cliff cliffs club common corner corners course courts cove coves ' +
    'creek crescent crest crossing crossroad curve dale dam divide drives estate estates expressway ' +
    'extension falls ferry field fields flat flats ford fords forest forge forges fork forks fort freeway ' +
    'garden gardens gateway glen glens green greens grove groves harbor harbors haven heights hill hills ' +
    'hollow inlet island islands isle junction key keys knoll knolls lake lakes landing light lights loaf ' +
    'lock locks lodge loop mall manor manors meadow meadows mews mill mills mission motorway mount mountain ' +
    'neck orchard oval overpass park parks parkways pass passage path pike pine pines plain plains plaza ' +
    'point points port ports prairie radial ramp ranch rapid rapids rest ridge ridges river roads route row ' +
    'run shoal shoals shore shores skyway spring springs spur spurs squares station stravenue stream streets ' +
    'summit throughway trace track trafficway trail tunnel turnpike underpass union unions valley valleys ' +
    'viaduct view views village villages ville vista walk walks wall ways well wells close gate gardens rise ' +
    'wharf quay'
  ).split(' '),
);

/** Street words that end a European street name, before the house number (`Hauptstraße 5`). */
export const STREET_ENDINGS: readonly string[] = [
  'straße',
  'strasse',
  'str',
  'weg',
  'gasse',
  'graben',
  'platz',
  'allee',
  'damm',
  'ufer',
  'chaussee',
  'gade',
  'vej',
  'vænget',
  'stræde',
  'torv',
  'katu',
  'tie',
  'kuja',
  'polku',
  'kaari',
  'väg',
  'vägen',
  'gatan',
  'gata',
  'gränd',
  'veien',
  'vei',
  'vegen',
  'gate',
  'gaten',
  'straat',
  'laan',
  'gracht',
  'plein',
  'kade',
  'singel',
  'dreef',
  'utca',
  'ulica',
  'ulice',
  'cesta',
];

/** Whole words that act as a European street type before the number (`Erzsébet tér 19`). */
export const STREET_WORDS: ReadonlySet<string> = new Set([
  'tér',
  'út',
  'utca',
  'u',
  'körút',
  'ul',
  'ulica',
  'aleja',
  'str',
  'straße',
  'strasse',
  'weg',
  'gade',
  'vej',
  'katu',
  'tie',
  'street',
  'náměstí',
  'třída',
]);

/** Street-type words before the street name (`Rue de la Paix`, `Calle Mayor`, `Via Roma`). */
export const STREET_PREFIXES: ReadonlySet<string> = new Set([
  'rue',
  'strada',
  'cite',
  'avenue',
  'boulevard',
  'bd',
  'calle',
  'avenida',
  'avda',
  'paseo',
  'plaza',
  'via',
  'viale',
  'piazza',
  'piazzale',
  'corso',
  'largo',
  'vicolo',
  'rua',
  'travessa',
  'praça',
  'estrada',
  'alameda',
  'chemin',
  'allée',
  'impasse',
  'quai',
  'carrer',
  'passeig',
  'rambla',
  'camino',
  'carretera',
  'ronda',
]);

/** Lower-case words allowed inside a name or street name (`van der`, `de la`, `Al`). */
export const PARTICLES: ReadonlySet<string> = new Set([
  'van',
  'von',
  'der',
  'den',
  'de',
  'del',
  'della',
  'delle',
  'di',
  'da',
  'das',
  'do',
  'dos',
  'du',
  'des',
  'la',
  'le',
  'las',
  'los',
  'el',
  'al',
  'ter',
  'ten',
  'zu',
  'y',
  'e',
]);

/** Words for secondary address units. */
export const UNIT_WORDS: ReadonlySet<string> = new Set(['suite', 'ste', 'apt', 'apartment', 'appt', 'piso']);

/** Words near an address that make `Name 12` or `12 Name` an address. */
export const ADDRESS_CUES: ReadonlySet<string> = new Set([
  'address',
  'addresses',
  'at',
  'on',
  'to',
  'in',
  'adresse',
  'dirección',
  'direccion',
  'indirizzo',
  'morada',
  'endereço',
  'adres',
]);
