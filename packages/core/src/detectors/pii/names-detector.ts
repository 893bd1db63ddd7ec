import { z } from 'zod';
import type { Finding } from '../../model/finding.ts';
import type { Segment } from '../../model/segment.ts';
import type { Detector, DetectorContext } from '../contract.ts';
import {
  ADDRESS_CUES,
  LOCATION_PHRASES,
  LOCATION_STRONG_PHRASES,
  ORG_EMPLOYER_PHRASES,
  ORG_LEGAL_FORMS,
  ORG_PHRASES,
  ORG_SUFFIXES,
  PARTICLES,
  PERSON_CUES_STRONG,
  PERSON_CUES_WEAK,
  PERSON_PHRASES,
  PLACE_LABELS,
  PLACE_PREFIXES,
  SHAPE_CAP,
  SHAPE_INITIAL,
  SHAPE_LOWER,
  SHAPE_NUM,
  SHAPE_UPPER,
  STREET_ENDINGS,
  STREET_PREFIXES,
  STREET_SUFFIXES,
  STREET_WORDS,
  TITLES,
  TokenTable,
  tokenizeInto,
  UNIT_WORDS,
} from './names-features.ts';
import { loadNamesGazetteer, type NamesGazetteer } from './names-gazetteer.ts';

/** Entity types the names detector reports. */
export const NAMES_TYPES = ['PERSON', 'LOCATION', 'STREET_ADDRESS', 'ORGANIZATION'] as const;
export type NamesType = (typeof NAMES_TYPES)[number];

/** Default minimum score for a finding to be reported. */
export const NAMES_DEFAULT_MIN_SCORE = 0.5;

/** Settings of the names detector, validated once when it is built. */
export const NamesSettings = z.object({
  /** Findings scoring below this are dropped (0–1). */
  min_score: z.number().min(0).max(1).optional(),
  /** Entity types to report; all four when absent. */
  types: z.array(z.enum(NAMES_TYPES)).optional(),
});
export type NamesSettings = z.infer<typeof NamesSettings>;

/** A candidate before overlap resolution. */
interface Candidate {
  type: NamesType;
  start: number;
  end: number;
  score: number;
  rule: string;
  explanation: string;
}

const RULE_PREFIX: Record<NamesType, string> = {
  PERSON: 'pii.names.person',
  LOCATION: 'pii.names.location',
  STREET_ADDRESS: 'pii.names.street-address',
  ORGANIZATION: 'pii.names.organization',
};
const RULE_IDS: Record<NamesType, Map<string, string>> = {
  PERSON: new Map(),
  LOCATION: new Map(),
  STREET_ADDRESS: new Map(),
  ORGANIZATION: new Map(),
};

/** `RULE_PREFIX[type] + rule`, built once per pair rather than once per candidate. */
function ruleId(type: NamesType, rule: string): string {
  const ids = RULE_IDS[type];
  let id = ids.get(rule);
  if (id === undefined) {
    id = RULE_PREFIX[type] + rule;
    ids.set(rule, id);
  }
  return id;
}
// Ties between overlapping candidates of equal score go to the more specific type.
const PRIORITY: Record<NamesType, number> = { STREET_ADDRESS: 4, ORGANIZATION: 3, PERSON: 2, LOCATION: 1 };

/** Nouns that say the subject of `X is a …` is an organisation. */
const ORG_NOUNS: ReadonlySet<string> = new Set(
  'company companies agency firm bank startup start-up nonprofit non-profit organization organisation corporation manufacturer retailer consultancy publisher charity conglomerate brainchild'.split(
    ' ',
  ),
);
/** Words that may follow the organisation noun and still end its noun phrase. */
const ORG_NOUN_FOLLOWERS: ReadonlySet<string> = new Set(
  'that which based founded headquartered in with from of and specializing specialising'.split(' '),
);
/** Score of two or three capitalised, non-dictionary words with no other evidence. */
const UNKNOWN_PAIR_SCORE = 0.55;
/** What may separate the lines of one postal address. */
const ADDRESS_JOIN_RE = /^(?:,[ \t]{0,4}|,?[ \t]{0,4}(?:\r?\n[ \t>?,]{0,8}){1,2}|[ \t]{1,4})$/u;
/** What may precede an address block on its first line: indentation, quote marks, a short label. */
const LINE_LEAD_RE = /^[ \t>]{0,12}(?:\p{L}{2,16}[ \t]{0,2}:[ \t]{0,12})?$/u;

/** A letterhead line: quote marks or an optional `Name:` label, then words without digits or colons. */
const LETTERHEAD_LINE_RE =
  /^([ \t>?]{0,12}(?:name[ \t]{0,2}:[ \t]{0,12})?)(\p{L}[\p{L}\p{M}'’.&,-]*(?: [\p{L}\p{M}'’.&,-]+){0,6}?)[ \t\r]*$/iu;
/** Last words of a job-title line (`Leasing consultant`), which is neither a person nor a company. */
const JOB_WORDS: ReadonlySet<string> = new Set([
  'consultant',
  'manager',
  'engineer',
  'director',
  'officer',
  'assistant',
  'analyst',
  'developer',
  'designer',
  'accountant',
  'administrator',
  'coordinator',
  'specialist',
  'technician',
  'representative',
  'executive',
  'president',
  'secretary',
  'clerk',
  'nurse',
  'teacher',
  'lawyer',
  'attorney',
  'agent',
  'advisor',
  'adviser',
  'editor',
  'writer',
  'scientist',
  'architect',
  'supervisor',
  'intern',
  'associate',
  'ceo',
  'cto',
  'cfo',
  'coo',
]);

/** The last words of the phrases in `set` (`name is` → `is`), marked in the lexicon once. */
function lastWords(set: ReadonlySet<string>): string[] {
  return [...set].map((phrase) => phrase.slice(phrase.lastIndexOf(' ') + 1));
}

/** True when `text[from, to)` holds a sentence break character (one of `.!?:;"“(>*#|` or a line break). */
function hasBreak(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (
      c === 46 ||
      c === 33 ||
      c === 63 ||
      c === 58 ||
      c === 59 ||
      c === 10 ||
      c === 13 ||
      c === 34 ||
      c === 0x201c ||
      c === 40 ||
      c === 62 ||
      c === 42 ||
      c === 35 ||
      c === 124
    )
      return true;
  }
  return false;
}

/**
 * Bits of a token's `lex`: which word lists and gazetteer sets hold its lower-case form. One map look-up
 * per token replaces the dozens of set look-ups the rules make on the same word.
 */
const L = {
  GIVEN: 1 << 0,
  SURNAME: 1 << 1,
  AMBIG: 1 << 2,
  COMMON: 1 << 3,
  PLACE: 1 << 4,
  ORG: 1 << 5,
  STOP: 1 << 6,
  TITLE: 1 << 7,
  CUE_STRONG: 1 << 8,
  CUE_WEAK: 1 << 9,
  ORG_SUFFIX: 1 << 10,
  STREET_SUFFIX: 1 << 11,
  PARTICLE: 1 << 12,
  UNIT: 1 << 13,
  STREET_PREFIX: 1 << 14,
  PLACE_PREFIX: 1 << 15,
  PLACE_LABEL: 1 << 16,
  ORG_NOUN: 1 << 17,
  ORG_NOUN_FOLLOWER: 1 << 18,
  ORG_LEGAL: 1 << 19,
  /** First word of a multi-word place (`new` of `new york`). */
  PLACE_HEAD: 1 << 20,
  /** First word of a multi-word organisation. */
  ORG_HEAD: 1 << 21,
  /** Last words of the phrases of each cue list (see {@link PHRASE_ENDS}). */
  END_PERSON: 1 << 22,
  END_LOCATION: 1 << 23,
  END_LOCATION_STRONG: 1 << 24,
  END_ORG: 1 << 25,
  END_ORG_EMPLOYER: 1 << 26,
  END_ADDRESS: 1 << 27,
} as const;

/**
 * The phrases of a cue list read from their last word: the node reached by the words `w3 w2 w1` (read
 * `w1`, `w2`, `w3`) has `phrase` set when the list holds `w3 w2 w1`. A token's lower-case form holds no
 * space, so the words before a token join into a phrase of the list exactly when they walk to such a node.
 */
interface PhraseNode {
  phrase: boolean;
  readonly before: Map<string, PhraseNode>;
}

const PHRASE_TRIES = new Map<ReadonlySet<string>, PhraseNode>();

/** The {@link PhraseNode} tree of `set`, built once per set. */
function phraseTrie(set: ReadonlySet<string>): PhraseNode {
  let root = PHRASE_TRIES.get(set);
  if (root === undefined) {
    root = { phrase: false, before: new Map() };
    for (const phrase of set) {
      const words = phrase.split(' ');
      let node = root;
      for (let k = words.length - 1; k >= 0; k--) {
        const word = words[k] as string;
        let next = node.before.get(word);
        if (next === undefined) {
          next = { phrase: false, before: new Map() };
          node.before.set(word, next);
        }
        node = next;
      }
      node.phrase = true;
    }
    PHRASE_TRIES.set(set, root);
  }
  return root;
}

/** The `lex` bit of the last words of each phrase list that {@link Scanner.hasPhraseBefore} checks. */
const PHRASE_ENDS = new Map<ReadonlySet<string>, number>([
  [PERSON_PHRASES, L.END_PERSON],
  [LOCATION_PHRASES, L.END_LOCATION],
  [LOCATION_STRONG_PHRASES, L.END_LOCATION_STRONG],
  [ORG_PHRASES, L.END_ORG],
  [ORG_EMPLOYER_PHRASES, L.END_ORG_EMPLOYER],
  [ADDRESS_CUES, L.END_ADDRESS],
]);

let lexiconCache: ReadonlyMap<string, number> | undefined;

/** Lower-case word → `lex` bits, built once from the gazetteer and the word lists. */
function lexicon(): ReadonlyMap<string, number> {
  if (lexiconCache !== undefined) return lexiconCache;
  const gz = loadNamesGazetteer();
  const map = new Map<string, number>();
  const mark = (words: Iterable<string>, bit: number): void => {
    for (const w of words) map.set(w, (map.get(w) ?? 0) | bit);
  };
  const heads = (entries: Iterable<string>): string[] => {
    const out: string[] = [];
    for (const e of entries) if (e.includes(' ')) out.push(e.slice(0, e.indexOf(' ')));
    return out;
  };
  mark(gz.given, L.GIVEN);
  mark(gz.surnames, L.SURNAME);
  mark(gz.ambiguous, L.AMBIG);
  mark(gz.common, L.COMMON);
  mark(gz.places, L.PLACE);
  mark(gz.organizations, L.ORG);
  mark(gz.stopwords, L.STOP);
  mark(TITLES, L.TITLE);
  mark(PERSON_CUES_STRONG, L.CUE_STRONG);
  mark(PERSON_CUES_WEAK, L.CUE_WEAK);
  mark(ORG_SUFFIXES, L.ORG_SUFFIX);
  mark(STREET_SUFFIXES, L.STREET_SUFFIX);
  mark(PARTICLES, L.PARTICLE);
  mark(UNIT_WORDS, L.UNIT);
  mark(STREET_PREFIXES, L.STREET_PREFIX);
  mark(PLACE_PREFIXES, L.PLACE_PREFIX);
  mark(PLACE_LABELS, L.PLACE_LABEL);
  mark(ORG_NOUNS, L.ORG_NOUN);
  mark(ORG_NOUN_FOLLOWERS, L.ORG_NOUN_FOLLOWER);
  mark(ORG_LEGAL_FORMS, L.ORG_LEGAL);
  mark(heads(gz.places), L.PLACE_HEAD);
  mark(heads(gz.organizations), L.ORG_HEAD);
  for (const [set, bit] of PHRASE_ENDS) mark(lastWords(set), bit);
  lexiconCache = map;
  return map;
}

/**
 * Single-name candidates in token order: `tokens[p]` is the token of `cands[p]` (increasing, one
 * candidate per token at most).
 */
interface Singles {
  readonly tokens: number[];
  readonly cands: Candidate[];
}

/**
 * The single name at token `j`, if any, where `j` is within two tokens of the `p`-th single name: with
 * token indexes increasing, it can only be one of the two single names on either side of `p`.
 */
function singleNear(singles: Singles, p: number, j: number): Candidate | undefined {
  const { tokens, cands } = singles;
  for (let q = Math.max(0, p - 2); q <= p + 2 && q < tokens.length; q++) if (tokens[q] === j) return cands[q];
  return undefined;
}

/** 1 when `c` is a known name (scores at least 0.4). */
function known(c: Candidate): number {
  return c.score >= 0.4 ? 1 : 0;
}

/** A house-number-shaped text (`12`, `221b`). */
const NUMBER_RE = /^\p{N}{1,6}\p{L}?$/u;

/**
 * Walks the tokens of one text, held in a {@link TokenTable}: tokens are token indexes, read through the
 * small accessors below, and the text or lower-case form of a token is made only where a rule needs it.
 */
class Scanner {
  readonly out: Candidate[] = [];
  /** Number of tokens; indexes at and after it are stale slots of the reused table. */
  readonly n: number;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly shapes: Uint8Array;
  private readonly dots: Uint8Array;
  private readonly lexs: Int32Array;

  constructor(
    readonly text: string,
    readonly tokens: TokenTable,
    readonly gz: NamesGazetteer,
  ) {
    this.n = tokens.n;
    this.starts = tokens.starts;
    this.ends = tokens.ends;
    this.shapes = tokens.shapes;
    this.dots = tokens.dots;
    this.lexs = tokens.lexs;
  }

  start(i: number): number {
    return this.starts[i] as number;
  }

  end(i: number): number {
    return this.ends[i] as number;
  }

  shape(i: number): number {
    return this.shapes[i] as number;
  }

  /** A `.` immediately follows token `i`. */
  dot(i: number): boolean {
    return this.dots[i] === 1;
  }

  /** True when token `i`'s lower-case form is in the list of `bit` (an `L` bit). */
  has(i: number, bit: number): boolean {
    return ((this.lexs[i] as number) & bit) !== 0;
  }

  lower(i: number): string {
    return this.tokens.lower(i);
  }

  /** Length of token `i` in code units (its text's length). */
  size(i: number): number {
    return (this.ends[i] as number) - (this.starts[i] as number);
  }

  /** Token `i` exists and its text is `s`. */
  wordIs(i: number, s: string): boolean {
    return i >= 0 && i < this.n && this.tokens.wordIs(i, s);
  }

  /** True when token `i` is `word` (lower case): its length is compared first, so few lower-case forms are made. */
  isWord(i: number, word: string): boolean {
    return this.size(i) === word.length && this.lower(i) === word;
  }

  /** Text between tokens `a` and `b`. */
  gap(a: number, b: number): string {
    return this.text.slice(this.end(a), this.start(b));
  }

  /** True when exactly one space separates two tokens (`gap(…) === ' '` without a slice). */
  spaceGap(a: number, b: number): boolean {
    const end = this.end(a);
    return this.start(b) - end === 1 && this.text.charCodeAt(end) === 32;
  }

  /** True when `. ` (a dot then one space) separates two tokens, without a slice. */
  dotSpaceGap(a: number, b: number): boolean {
    const end = this.end(a);
    return (
      this.start(b) - end === 2 && this.text.charCodeAt(end) === 46 && this.text.charCodeAt(end + 1) === 32
    );
  }

  /** True when the gap joins two words of one name: a single space, or `. ` after an initial or a title. */
  nameGapAt(prev: number, next: number): boolean {
    if (this.spaceGap(prev, next)) return true;
    return (
      this.dotSpaceGap(prev, next) &&
      this.dot(prev) &&
      (this.shape(prev) === SHAPE_INITIAL || this.has(prev, L.TITLE))
    );
  }

  isNameShaped(i: number): boolean {
    const shape = this.shape(i);
    return shape === SHAPE_CAP || shape === SHAPE_INITIAL;
  }

  /** A capitalised, upper-case or initial token. */
  wordish(i: number): boolean {
    const shape = this.shape(i);
    return shape === SHAPE_CAP || shape === SHAPE_UPPER || shape === SHAPE_INITIAL;
  }

  /** Token `i` holds a hyphen. */
  hasHyphen(i: number): boolean {
    for (let k = this.start(i); k < this.end(i); k++) if (this.text.charCodeAt(k) === 45) return true;
    return false;
  }

  /**
   * True when token `i` is NUMBER_RE-shaped (`12`, `221b`): decided on the codes when the token is ASCII
   * (where the expression is `^[0-9]{1,6}[A-Za-z]?$`), by the expression otherwise. A text of a million
   * numbers tests every one several times.
   */
  houseNumber(i: number): boolean {
    const { text } = this;
    const start = this.start(i);
    const end = this.end(i);
    for (let k = start; k < end; k++)
      if (text.charCodeAt(k) >= 128) return NUMBER_RE.test(this.tokens.word(i));
    let k = start;
    while (k < end && text.charCodeAt(k) >= 48 && text.charCodeAt(k) <= 57) k++;
    const digits = k - start;
    if (digits < 1 || digits > 6) return false;
    if (k === end) return true;
    if (k + 1 !== end) return false;
    const c = text.charCodeAt(k) | 32;
    return c >= 97 && c <= 122;
  }

  /** Token `i` exists and is a house number (`12`, `12a`). */
  isHouseNumber(i: number): boolean {
    return i >= 0 && i < this.n && this.shape(i) === SHAPE_NUM && this.houseNumber(i);
  }

  /** Token `i` exists and is a known, uncommon lower-case name word with list bit `bit`. */
  nameLike(i: number, bit: number): boolean {
    return (
      i < this.n &&
      this.shape(i) === SHAPE_LOWER &&
      this.has(i, bit) &&
      !this.has(i, L.COMMON) &&
      !this.has(i, L.AMBIG)
    );
  }

  /** True when token `i` starts a sentence or a line. */
  sentenceInitial(i: number): boolean {
    if (i === 0) return true;
    const prevEnd = this.end(i - 1);
    const start = this.start(i);
    return hasBreak(this.text, prevEnd, start) || (this.dot(i - 1) && start > prevEnd);
  }

  /** True when the 1, 2 or 3 words before token `i` (joined by one space, lower case) are in `set`. */
  hasPhraseBefore(i: number, set: ReadonlySet<string>): boolean {
    // Every phrase ends with the word just before `i`: most words end none, so stop there.
    if (i === 0) return false;
    const bit = PHRASE_ENDS.get(set);
    if (bit === undefined)
      throw new Error('hasPhraseBefore: a phrase set without a lexicon bit in PHRASE_ENDS');
    if (!this.has(i - 1, bit)) return false;
    // Word by word from the last: once a gap breaks the phrase, every longer phrase breaks too, and once
    // no phrase of `set` ends with the words read so far, no longer one does. No phrase string is made.
    let node = phraseTrie(set);
    for (let k = 1; k <= 3; k++) {
      const j = i - k;
      if (j < 0) return false;
      const tokEnd = this.end(j);
      const nextStart = this.start(j + 1);
      if (nextStart - tokEnd > 3 || hasBreak(this.text, tokEnd, nextStart)) return false;
      const next = node.before.get(this.lower(j));
      if (next === undefined) return false;
      if (next.phrase) return true;
      node = next;
    }
    return false;
  }

  isStop(i: number): boolean {
    return this.has(i, L.STOP) || this.has(i, L.TITLE);
  }

  add(type: NamesType, start: number, end: number, score: number, rule: string, explanation: string): void {
    if (end > start) {
      this.out.push({
        type,
        start,
        end,
        score: Math.min(1, score),
        rule: ruleId(type, rule),
        explanation,
      });
    }
  }

  scan(): void {
    this.people();
    this.places();
    this.organizations();
    this.addresses();
    this.extendAddresses();
  }

  private runCache: number[] | undefined;

  /**
   * Maximal runs of name-shaped tokens joined by single spaces; lower-case particles allowed inside.
   * Flat `[start, end, start, end, …]` token indexes, computed once per scan.
   */
  runs(): number[] {
    if (this.runCache !== undefined) return this.runCache;
    const out: number[] = [];
    const n = this.n;
    let i = 0;
    while (i < n) {
      if (!this.isNameShaped(i)) {
        i++;
        continue;
      }
      let j = i;
      while (j + 1 < n && j - i < 6) {
        const next = j + 1;
        if (!this.nameGapAt(j, next)) break;
        if (this.isNameShaped(next) || (this.shape(next) === SHAPE_UPPER && this.has(next, L.ORG_SUFFIX))) {
          j++;
        } else if (this.has(next, L.PARTICLE) && j + 2 < n && this.isNameShaped(j + 2)) {
          if (!this.spaceGap(next, j + 2)) break;
          j += 2;
        } else break;
      }
      out.push(i, j);
      i = j + 1;
    }
    this.runCache = out;
    return out;
  }

  people(): void {
    // Single-name candidates in token order, for the list rule below (no array or map over all tokens:
    // most tokens are no single name).
    const singles: Singles = { tokens: [], cands: [] };
    const runs = this.runs();
    for (let r = 0; r < runs.length; r += 2) {
      const runStart = runs[r]!;
      const runEnd = runs[r + 1]!;
      let a = runStart;
      let b = runEnd;
      let titled = false;
      // Leading titles and stop words are context, not name.
      while (a <= b && (this.isStop(a) || this.shape(a) === SHAPE_INITIAL)) {
        if (this.has(a, L.TITLE)) titled = true;
        else if (this.shape(a) === SHAPE_INITIAL && a + 1 <= b && !this.dot(a)) break;
        a++;
      }
      // A title inside the run (`Sie Herr Jürgen Schneider`) starts the name.
      for (let k = b - 1; k >= a; k--) {
        if (this.has(k, L.TITLE)) {
          a = k + 1;
          titled = true;
          break;
        }
      }
      while (b >= a && this.isStop(b)) b--;
      if (a > b) continue;
      if (!titled && a > 0 && this.has(a - 1, L.TITLE)) titled = true;
      const count = b - a + 1;
      const first = a;
      const last = b;
      let words = 0;
      let givenHits = 0;
      let surnameHits = 0;
      let ambiguousHits = 0;
      let placeHits = 0;
      let commonHits = 0;
      for (let k = a; k <= b; k++) {
        if (this.shape(k) !== SHAPE_CAP) continue;
        words++;
        if (this.has(k, L.COMMON) && !this.has(k, L.AMBIG)) commonHits++;
        if (this.has(k, L.AMBIG)) ambiguousHits++;
        else if (this.has(k, L.GIVEN)) givenHits++;
        else if (this.has(k, L.SURNAME)) surnameHits++;
        if (this.has(k, L.PLACE)) placeHits++;
      }
      if (words === 0) continue;
      const lastEnd = this.end(last);
      const greeting = !titled && a > 0 && this.has(a - 1, L.CUE_STRONG);
      const strongCue =
        titled ||
        (a > 0 && this.has(a - 1, L.CUE_STRONG) && !this.sentenceBreakBefore(a)) ||
        this.hasPhraseBefore(a, PERSON_PHRASES) ||
        (a > 0 && this.isWord(a - 1, 'name') && /^\s*[:?]\s*$/u.test(this.gap(a - 1, first)));
      const weakCue =
        (a > 0 && this.has(a - 1, L.CUE_WEAK)) ||
        (this.text.charCodeAt(lastEnd) === 39 && this.text.charCodeAt(lastEnd + 1) === 115) ||
        // Cheap pre-check: the verb pattern starts with a space.
        (this.text.charCodeAt(lastEnd) === 32 &&
          /^ (?:said|says|is|was|had|lives|from|of|will|spent|shouted)\b/u.test(
            this.text.slice(lastEnd, lastEnd + 10),
          ));
      const initial = this.sentenceInitial(a);
      const firstKnown = this.has(first, L.GIVEN) && !this.has(first, L.AMBIG);
      const lastKnown = this.has(last, L.SURNAME) || this.has(last, L.GIVEN);
      let score = 0;
      let why = '';
      if (count >= 2) {
        if (firstKnown && (lastKnown || this.shape(last) === SHAPE_CAP)) {
          score = lastKnown ? 0.9 : 0.8;
          why = 'given name followed by a capitalised surname';
        } else if (givenHits + surnameHits + ambiguousHits >= 2 && givenHits + surnameHits >= 1) {
          score = 0.75;
          why = 'several name words in the gazetteer';
        } else if (lastKnown && !this.has(last, L.AMBIG) && count <= 4) {
          score = 0.6;
          why = 'capitalised words ending in a known surname';
        } else if (commonHits === 0 && placeHits === 0 && ambiguousHits === 0 && count <= 3) {
          score =
            initial &&
            !(this.text.charCodeAt(lastEnd) === 32 && /^ \p{Ll}/u.test(this.text.slice(lastEnd, lastEnd + 2)))
              ? 0.3
              : UNKNOWN_PAIR_SCORE;
          why = 'capitalised words that are not common words';
        } else {
          score = 0.3;
          why = 'capitalised words';
        }
        if (placeHits === words && !strongCue) score = Math.min(score, 0.3);
      } else {
        const known = (this.has(first, L.GIVEN) || this.has(first, L.SURNAME)) && !this.has(first, L.AMBIG);
        if (this.shape(first) !== SHAPE_CAP) continue;
        if (known) {
          score = initial ? 0.4 : 0.5;
          why = 'name in the gazetteer';
        } else if (
          !initial &&
          !this.has(first, L.COMMON) &&
          !this.isStop(first) &&
          !this.has(first, L.PLACE)
        ) {
          score = 0.35;
          why = 'capitalised word that is not a common word';
        } else {
          score = 0.2;
          why = 'capitalised word';
        }
        if (this.has(first, L.PLACE) && !strongCue) score = Math.min(score, 0.3);
        if (this.has(first, L.ORG)) score = Math.min(score, 0.3);
      }
      if (strongCue) {
        score = Math.max(score + 0.3, greeting && givenHits + surnameHits === 0 ? 0.6 : 0.75);
        why += ' after a person cue';
      } else if (weakCue && score >= 0.35) {
        score += 0.1;
        why += ' near a person cue';
      }
      if (this.has(last, L.ORG_SUFFIX) || this.has(runEnd, L.ORG_SUFFIX)) score = Math.min(score, 0.3);
      if (this.has(last, L.STREET_SUFFIX) && count >= 2) score = Math.min(score, 0.3);
      // Ordinary words ("Family Day", "Hello World") are not names, whatever the cue says.
      if (commonHits > 0 && (count === 1 || givenHits + surnameHits === 0)) score = Math.min(score, 0.35);
      // Speaker labels (`Ella: What a wife`) and vocatives (`Cora, can I…`) at a line start.
      if (count === 1 && initial && score >= 0.4 && score < 0.6) {
        const after = this.text.slice(lastEnd, lastEnd + 3);
        if (/^:|^, [\p{Ll}]/u.test(after) && this.lineStart(a)) {
          score = 0.6;
          why += ' as a speaker label or vocative';
        }
      }
      this.add('PERSON', this.start(first), lastEnd, score, count >= 2 ? '.full-name' : '.single-name', why);
      if (count === 1) {
        singles.tokens.push(a);
        singles.cands.push(this.out.at(-1)!);
      }
    }
    this.listOfNames(singles);
    this.lowerCaseNames();
  }

  /** `Kevin, Brittany and Terri`: single names coordinated with a known name are names too. */
  listOfNames(singles: Singles): void {
    for (let p = 0; p < singles.tokens.length; p++) {
      const c = singles.cands[p]!;
      if (c.score >= 0.6 || c.score < 0.2) continue;
      const known = this.knownNeighbours(singles, p);
      if ((c.score >= 0.4 && known >= 1) || known >= 2) {
        c.score = 0.6;
        c.explanation += ' in a list of names';
      }
    }
  }

  /** Tokens `i` and `j` are joined as list items (`, `, ` & `, `,`). */
  private linked(i: number, j: number): boolean {
    const gap = this.gap(i, j);
    return gap === ', ' || gap === ' & ' || gap === ',';
  }

  /** How many coordinated neighbours of the single name at `i` are known names (score at least 0.4). */
  private knownNeighbours(singles: Singles, p: number): number {
    const i = singles.tokens[p]!;
    let count = 0;
    const next = singleNear(singles, p, i + 1);
    if (next !== undefined && this.linked(i, i + 1)) count += known(next);
    const prev = i > 0 ? singleNear(singles, p, i - 1) : undefined;
    if (prev !== undefined && this.linked(i - 1, i)) count += known(prev);
    const and = i + 1;
    if (and < this.n && (this.isWord(and, 'and') || this.isWord(and, 'or'))) {
      const after = singleNear(singles, p, i + 2);
      if (after !== undefined) count += known(after);
    }
    const and2 = i - 1;
    if (and2 >= 0 && (this.isWord(and2, 'and') || this.isWord(and2, 'or'))) {
      const before = i > 1 ? singleNear(singles, p, i - 2) : undefined;
      if (before !== undefined) count += known(before);
    }
    return count;
  }

  /** Names written in lower case (`my name is lena andersson`): both words must be known, uncommon names. */
  lowerCaseNames(): void {
    const n = this.n;
    for (let i = 0; i < n; i++) {
      if (!this.nameLike(i, L.GIVEN)) continue;
      const next = i + 1;
      if (this.nameLike(next, L.SURNAME) && this.spaceGap(i, next)) {
        this.add(
          'PERSON',
          this.start(i),
          this.end(next),
          0.6,
          '.lower-case',
          'given name and surname in lower case',
        );
        i++;
      } else if (this.hasPhraseBefore(i, PERSON_PHRASES) || (i > 0 && this.has(i - 1, L.TITLE))) {
        this.add(
          'PERSON',
          this.start(i),
          this.end(i),
          0.6,
          '.lower-case',
          'name in lower case after a person cue',
        );
      }
    }
  }

  /** Index of the first token starting at or after `offset`, or -1 (binary search). */
  firstTokenFrom(offset: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.start(mid) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.n ? lo : -1;
  }

  /** True when token `i` is the first token on its line. */
  lineStart(i: number): boolean {
    if (i === 0) return true;
    return this.gap(i - 1, i).includes('\n');
  }

  sentenceBreakBefore(i: number): boolean {
    return i > 0 && hasBreak(this.text, this.end(i - 1), this.start(i));
  }

  places(): void {
    const { n, gz } = this;
    const maxN = gz.maxPhraseTokens;
    let i = 0;
    while (i < n) {
      const shape = this.shape(i);
      if (shape !== SHAPE_CAP && shape !== SHAPE_UPPER) {
        // `we moved here from tunisia`: a known place in lower case after a strong place cue.
        if (shape === SHAPE_LOWER && this.hasPhraseBefore(i, LOCATION_STRONG_PHRASES)) {
          const end = this.placeEnd(i, maxN);
          if (end >= 0) {
            this.add(
              'LOCATION',
              this.start(i),
              this.end(end),
              0.7,
              '.lower-cue',
              'known place in lower case after a place cue',
            );
            i = end + 1;
            continue;
          }
        }
        i++;
        continue;
      }
      // Longest gazetteer phrase starting here.
      const matchEnd = this.placeEnd(i, maxN);
      const cue = this.hasPhraseBefore(i, LOCATION_PHRASES);
      const strong = this.hasPhraseBefore(i, LOCATION_STRONG_PHRASES) || this.placeLabelBefore(i);
      const tEnd = this.end(i);
      // `Mobile: 0490 39 07 81`: a one-word place used as the label of a phone or fax number.
      if (matchEnd === i && /^:[ \t]*[+(\d]/u.test(this.text.slice(tEnd, tEnd + 4))) {
        i++;
        continue;
      }
      if (matchEnd >= 0) {
        const single = matchEnd === i;
        let score = 0.75;
        if (single && (this.has(i, L.GIVEN) || this.has(i, L.SURNAME))) score = 0.45;
        if (single && this.isStop(i)) score = 0.3;
        if (single && shape === SHAPE_UPPER && this.size(i) <= 3) score = 0.3;
        if (cue) score += 0.15;
        this.add(
          'LOCATION',
          this.start(i),
          this.end(matchEnd),
          score,
          '.gazetteer',
          'place name in the gazetteer',
        );
        i = matchEnd + 1;
        continue;
      }
      const prefixed =
        this.has(i, L.PLACE_PREFIX) &&
        i + 1 < n &&
        this.shape(i + 1) === shape &&
        this.spaceGap(i, i + 1) &&
        !this.isStop(i + 1);
      if (strong && (!this.isStop(i) || prefixed)) {
        let j = i;
        while (j + 1 < n && j - i < 3 && this.shape(j + 1) === shape) {
          if (!this.spaceGap(j, j + 1)) break;
          j++;
        }
        this.add(
          'LOCATION',
          this.start(i),
          this.end(j),
          0.65,
          '.context',
          'capitalised words after a place cue',
        );
        i = j + 1;
        continue;
      }
      i++;
    }
  }

  /**
   * `Coden is a design agency based in …`: the run is followed by `is a`/`is an` and, within six words,
   * an organisation noun that ends the noun phrase (not `is a bank manager`).
   */
  describedAsOrganisation(runEnd: number): boolean {
    const n = this.n;
    const is = runEnd + 1;
    const art = runEnd + 2;
    if (is >= n || this.lower(is) !== 'is') return false;
    if (art >= n) return false;
    const artLower = this.lower(art);
    if (artLower !== 'a' && artLower !== 'an') return false;
    for (let k = runEnd + 3; k < n && k <= runEnd + 8; k++) {
      if (k > runEnd + 1 && hasBreak(this.text, this.end(k - 1), this.start(k))) return false;
      if (!this.has(k, L.ORG_NOUN)) continue;
      const next = k + 1;
      return (
        next >= n ||
        hasBreak(this.text, this.end(k), this.start(next)) ||
        /,/u.test(this.gap(k, next)) ||
        this.has(next, L.ORG_NOUN_FOLLOWER)
      );
    }
    return false;
  }

  /** Index of the last token of the longest gazetteer place starting at token `i`, or -1. */
  placeEnd(i: number, maxN: number): number {
    // One word, unless a multi-word place starts with this word.
    if (!this.has(i, L.PLACE_HEAD) || maxN < 2) return this.has(i, L.PLACE) ? i : -1;
    let matchEnd = -1;
    let key = '';
    for (let j = i; j < this.n && j - i < maxN; j++) {
      if (j > i) {
        const prev = j - 1;
        if (!this.spaceGap(prev, j) && !(this.dotSpaceGap(prev, j) && this.dot(prev))) break;
        key += ' ';
      }
      key += this.lower(j);
      if (this.gz.places.has(key)) matchEnd = j;
    }
    return matchEnd;
  }

  /** True when token `i` follows a place field label (`Where: …`, `Location: …`). */
  placeLabelBefore(i: number): boolean {
    if (i === 0) return false;
    return this.has(i - 1, L.PLACE_LABEL) && /^:[ \t]{1,12}$/u.test(this.gap(i - 1, i));
  }

  organizations(): void {
    const { n, gz } = this;
    const runs = this.runs();
    for (let r = 0; r < runs.length; r += 2) {
      const runStart = runs[r]!;
      const runEnd = runs[r + 1]!;
      let a = runStart;
      while (a <= runEnd && this.isStop(a) && !this.has(a, L.ORG_SUFFIX)) a++;
      if (a > runEnd) continue;
      // Name followed by a legal form or an organisation word.
      let suffixAt = -1;
      for (let k = runEnd; k > a; k--) {
        // The lexicon bit of ORG_SUFFIXES (a token never holds a dot).
        if (this.has(k, L.ORG_SUFFIX)) {
          suffixAt = k;
          break;
        }
      }
      if (suffixAt > a) {
        const legal = this.has(suffixAt, L.ORG_LEGAL);
        const end = this.dot(suffixAt) && legal ? this.end(suffixAt) + 1 : this.end(suffixAt);
        this.add(
          'ORGANIZATION',
          this.start(a),
          end,
          legal ? 0.9 : 0.7,
          '.suffix',
          'capitalised name ending in an organisation word',
        );
        continue;
      }
      // Known organisation names.
      let matched = -1;
      if (!this.has(a, L.ORG_HEAD)) {
        // One word, unless a multi-word organisation starts with this word.
        if (this.has(a, L.ORG)) matched = a;
      } else {
        let key = '';
        for (let k = a; k <= runEnd; k++) {
          key += (k > a ? ' ' : '') + this.lower(k);
          if (gz.organizations.has(key)) matched = k;
        }
      }
      if (matched >= a) {
        const score = this.hasPhraseBefore(a, ORG_PHRASES) ? 0.85 : 0.7;
        this.add(
          'ORGANIZATION',
          this.start(a),
          this.end(matched),
          score,
          '.gazetteer',
          'organisation in the gazetteer',
        );
        continue;
      }
      if (a === runStart && !this.isStop(a) && this.describedAsOrganisation(runEnd)) {
        this.add(
          'ORGANIZATION',
          this.start(a),
          this.end(runEnd),
          0.7,
          '.described',
          'name described as a company, agency or similar',
        );
        continue;
      }
      if (this.hasPhraseBefore(a, ORG_PHRASES) && !this.isStop(a)) {
        // An explicit employment cue (`I work for X`) outweighs surname-only person evidence.
        this.add(
          'ORGANIZATION',
          this.start(a),
          this.end(runEnd),
          this.hasPhraseBefore(a, ORG_EMPLOYER_PHRASES) ? 0.7 : 0.6,
          '.context',
          'capitalised name after an employer cue',
        );
        continue;
      }
      // Hyphenated surname pairs (`Mayo-Walters`), a common firm-name shape.
      if (runStart === runEnd) {
        // Exactly one hyphen: checked before splitting (most single words have none, and their lower-case
        // form is not made to find out).
        const lower = this.hasHyphen(a) ? this.lower(a) : '';
        const dash = lower === '' ? -1 : lower.indexOf('-');
        const parts = dash !== -1 && lower.indexOf('-', dash + 1) === -1 ? lower.split('-') : [];
        if (
          parts.length === 2 &&
          this.shape(a) === SHAPE_CAP &&
          parts.every((p) => gz.surnames.has(p) && !gz.given.has(p))
        ) {
          this.add(
            'ORGANIZATION',
            this.start(a),
            this.end(a),
            0.6,
            '.surname-pair',
            'two surnames joined by a hyphen',
          );
        }
      }
    }
    // `Hawkins, Richardson and Santana`: three surnames in a law-firm pattern.
    for (let i = 0; i + 3 < n; i++) {
      // `and` first: almost every position fails there, before any other token is read.
      const t2 = i + 2;
      if (!this.isWord(t2, 'and')) continue;
      const t0 = i;
      const t1 = i + 1;
      const t3 = i + 3;
      if (this.gap(t0, t1) !== ', ') continue;
      if (!this.spaceGap(t1, t2) || !this.spaceGap(t2, t3)) continue;
      const names = [t0, t1, t3];
      if (
        !names.every(
          (t) => this.shape(t) === SHAPE_CAP || (this.shape(t) === SHAPE_LOWER && this.has(t, L.SURNAME)),
        )
      )
        continue;
      const surnames = names.filter((t) => this.has(t, L.SURNAME) && !this.has(t, L.GIVEN)).length;
      // `our 3 founders: Monjeau, Graves and Reed` is a list of people, not a firm.
      if (i > 0 && /:\s*$/u.test(this.gap(i - 1, t0))) continue;
      if (surnames < 2) continue;
      this.add(
        'ORGANIZATION',
        this.start(t0),
        this.end(t3),
        0.85,
        '.firm-name',
        'three surnames in a firm-name pattern',
      );
    }
  }

  addresses(): void {
    const { n, text } = this;
    for (let i = 0; i < n; i++) {
      const shape = this.shape(i);
      // A: `1668 Glyn St`, `159 Eleftheriou Venizelou str`.
      if (this.isHouseNumber(i)) {
        let j = i + 1;
        let hit = -1;
        while (j < n && j - i <= 5) {
          const prev = j - 1;
          if (!this.spaceGap(prev, j) && !(this.dotSpaceGap(prev, j) && this.dot(prev))) break;
          if (j > i + 1 && this.has(j, L.STREET_SUFFIX)) hit = j;
          if (!this.wordish(j) && !this.has(j, L.PARTICLE) && !this.has(j, L.STREET_SUFFIX)) break;
          j++;
        }
        if (hit > 0) {
          const end = this.dot(hit) && this.lower(hit).length <= 4 ? this.end(hit) + 1 : this.end(hit);
          this.add(
            'STREET_ADDRESS',
            this.start(i),
            this.extendUnit(hit, end),
            0.85,
            '.number-street',
            'house number, street name and street type',
          );
          continue;
        }
      }
      // B: `Hauptstraße 5`, `Erzsébet tér 19.`, `Søndergade 52`.
      if (
        (shape === SHAPE_CAP || shape === SHAPE_LOWER || shape === SHAPE_UPPER) &&
        this.isHouseNumber(i + 1)
      ) {
        const num = i + 1;
        if (!this.spaceGap(i, num) && !(this.gap(i, num) === '. ' && this.dot(i))) continue;
        const lower = this.lower(i);
        const streety =
          STREET_WORDS.has(lower) ||
          STREET_ENDINGS.some((e) => lower.length >= e.length + 3 && lower.endsWith(e));
        const cue = this.hasPhraseBefore(i, ADDRESS_CUES) || this.nearAddressWord(i);
        if (streety || (cue && shape === SHAPE_CAP && !this.isStop(i))) {
          let a = i;
          while (a - 1 >= 0 && a - i > -3 && this.wordish(a - 1) && !this.isStop(a - 1)) {
            if (!this.spaceGap(a - 1, a)) break;
            a--;
          }
          // A leading house number (`9721 Dalmatinova 43`) belongs to the same address.
          if (a > 0 && this.isHouseNumber(a - 1) && this.spaceGap(a - 1, a)) a--;
          const end = this.end(num);
          // `Erzsébet tér 19.` keeps its ordinal dot unless the dot ends the sentence.
          const withDot =
            this.dot(num) && /^\.[ \t]{0,4}(?:\n|\p{Ll}|,)/u.test(text.slice(end, end + 7)) ? end + 1 : end;
          this.add(
            'STREET_ADDRESS',
            this.start(a),
            this.extendUnit(i + 1, withDot),
            streety ? 0.8 : 0.55,
            streety ? '.street-number' : '.name-number',
            streety ? 'street name and house number' : 'name and number after an address cue',
          );
          continue;
        }
      }
      // C: `Rue de la Paix`, `31 Rue Al Imam Al Bakri`, `Via Roma 12`.
      if (this.has(i, L.STREET_PREFIX) && (shape === SHAPE_CAP || this.isHouseNumber(i - 1))) {
        let j = i + 1;
        let lastName = -1;
        while (j < n && j - i <= 6) {
          if (!this.spaceGap(j - 1, j)) break;
          if (this.wordish(j)) lastName = j;
          else if (!this.has(j, L.PARTICLE)) break;
          j++;
        }
        if (lastName > i) {
          let a = i;
          if (i > 0 && this.isHouseNumber(i - 1) && this.spaceGap(i - 1, i)) a = i - 1;
          let endTok = lastName;
          const after = lastName + 1;
          if (this.isHouseNumber(after) && /^,? $/u.test(this.gap(lastName, after))) endTok = lastName + 1;
          this.add(
            'STREET_ADDRESS',
            this.start(a),
            this.extendUnit(endTok, this.end(endTok)),
            a < i || endTok > lastName ? 0.8 : 0.65,
            '.street-prefix',
            'street type followed by a street name',
          );
          continue;
        }
      }
      // F: `03751 Gerrit Achterberghove 137`: house number, name words, number.
      if (this.isHouseNumber(i)) {
        let j = i + 1;
        while (j < n && j - i <= 4 && this.wordish(j) && this.spaceGap(j - 1, j)) j++;
        if (j > i + 1 && j < n && this.isHouseNumber(j) && this.spaceGap(j - 1, j)) {
          this.add(
            'STREET_ADDRESS',
            this.start(i),
            this.extendUnit(j, this.end(j)),
            0.7,
            '.number-name-number',
            'number, street name and number',
          );
          continue;
        }
      }
      // G: `Elisabeth Parks`, `Philip Bypass`: capitalised name ending in a street type, no number.
      if (shape === SHAPE_CAP && (i === 0 || !this.wordish(i - 1) || !this.spaceGap(i - 1, i))) {
        let j = i;
        while (j + 1 < n && j - i < 3 && this.shape(j + 1) === SHAPE_CAP && this.spaceGap(j, j + 1)) j++;
        const last = j;
        if (
          j > i &&
          this.has(last, L.STREET_SUFFIX) &&
          !this.has(i, L.COMMON) &&
          !this.isStop(i) &&
          !this.has(i, L.PLACE)
        ) {
          const end = this.dot(last) && this.lower(last).length <= 4 ? this.end(last) + 1 : this.end(last);
          this.add(
            'STREET_ADDRESS',
            this.start(i),
            end,
            0.6,
            '.street-type',
            'capitalised name ending in a street type',
          );
        }
      }
      // D: `Suite 501`, `Apt. 656`.
      if (this.has(i, L.UNIT) && this.isHouseNumber(i + 1)) {
        const gap = this.gap(i, i + 1);
        if (gap === ' ' || gap === '. ') {
          this.add(
            'STREET_ADDRESS',
            this.start(i),
            this.end(i + 1),
            0.6,
            '.unit',
            'apartment or suite number',
          );
        }
      }
      // E and the post-office boxes below start with `U` or `P` (USNS…, P.O., PO, Postfach, PSC): most
      // tokens skip their string comparisons.
      const start = this.start(i);
      const lead = text.charCodeAt(start);
      if (lead === 85 || lead === 80) {
        // E: US military addresses `PSC 0413, Box 8144`, `USNS Møller\nFPO AA 85844`.
        if (
          (this.wordIs(i, 'USNS') ||
            this.wordIs(i, 'USNV') ||
            this.wordIs(i, 'USS') ||
            this.wordIs(i, 'USCGC')) &&
          i + 1 < n &&
          this.shape(i + 1) === SHAPE_CAP
        ) {
          let end = this.end(i + 1);
          if ((this.wordIs(i + 2, 'FPO') || this.wordIs(i + 2, 'APO')) && this.isHouseNumber(i + 4))
            end = this.end(i + 4);
          this.add('STREET_ADDRESS', start, end, 0.8, '.military', 'military postal address');
        }
        // Post-office boxes: `P.O. Box 242`, `PO Box 12`, `Postfach 1234`.
        const po = this.wordIs(i, 'PO');
        if ((this.wordIs(i, 'P') && this.wordIs(i + 1, 'O')) || po) {
          const k = po ? i + 1 : i + 2;
          if (
            k < n &&
            this.lower(k) === 'box' &&
            this.isHouseNumber(k + 1) &&
            this.start(k + 1) - this.end(i) <= 8
          ) {
            this.add('STREET_ADDRESS', start, this.end(k + 1), 0.8, '.po-box', 'post-office box');
          }
        } else if (this.wordIs(i, 'Postfach') && this.isHouseNumber(i + 1)) {
          this.add('STREET_ADDRESS', start, this.end(i + 1), 0.8, '.po-box', 'post-office box');
        }
        if (
          this.wordIs(i, 'PSC') &&
          this.isHouseNumber(i + 1) &&
          this.wordIs(i + 2, 'Box') &&
          this.isHouseNumber(i + 3)
        ) {
          const end =
            this.wordIs(i + 4, 'APO') && this.isHouseNumber(i + 6) ? this.end(i + 6) : this.end(i + 3);
          this.add('STREET_ADDRESS', start, end, 0.8, '.military', 'military postal address');
        }
      }
    }
  }

  /**
   * Completes each street address with the parts that follow it: unit, city (with state and postcode),
   * country and postcode, separated by commas or line breaks. Two layouts, as people write them:
   * - **inline** (`…at 12 Timms Drive Suite 215 NUNGATTA Australia last night`): the whole postal address
   *   is one STREET_ADDRESS span, so one redaction covers it;
   * - **block** (the address starts a line and continues on the next lines, as on an envelope or a
   *   letterhead): one finding per line, the unit and postcode as STREET_ADDRESS, city and country lines
   *   as LOCATION.
   */
  extendAddresses(): void {
    const { n, text } = this;
    const addresses = this.out.filter((c) => c.type === 'STREET_ADDRESS' && c.score >= 0.6);
    addresses.sort((x, y) => x.start - y.start || y.score - x.score || y.end - x.end);
    /** End of the text already taken by an earlier address and its parts. */
    let reach = 0;
    const inline: Candidate[] = [];
    for (const addr of addresses) {
      if (addr.start < reach) continue;
      // A number right before the street (`3378 217 Lovers Lane`) belongs to the address.
      const at = this.firstTokenFrom(addr.start);
      const lead = at > 0 ? at - 1 : -1;
      const hasLead =
        lead >= 0 &&
        this.shape(lead) === SHAPE_NUM &&
        this.houseNumber(lead) &&
        text.slice(this.end(lead), addr.start) === ' ';
      const block =
        this.lineInitial(hasLead ? this.start(lead) : addr.start) && this.nextPartOnNewLine(addr.end);
      if (hasLead) addr.start = this.start(lead);
      if (block) this.letterhead(addr.start);
      let end = addr.end;
      let i = this.firstTokenFrom(end);
      // `31 Rue de la Paix, Paris`: a street and a bare city only is a street and a place, not one block.
      let placeParts = 0;
      let barePlace: { start: number; end: number; before: number } | null = null;
      for (let part = 0; part < 6 && i >= 0 && i < n; part++) {
        const gap = text.slice(end, this.start(i));
        if (!ADDRESS_JOIN_RE.test(gap)) break;
        if (block && !gap.includes('\n')) break;
        const first = i;
        const firstShape = this.shape(first);
        let j = i;
        if (this.has(first, L.UNIT) && i + 1 < n && this.shape(i + 1) === SHAPE_NUM) {
          j = i + 1;
          if (block)
            this.add('STREET_ADDRESS', this.start(first), this.end(j), addr.score, '.unit', 'unit line');
        } else if (firstShape === SHAPE_CAP || firstShape === SHAPE_UPPER) {
          while (j + 1 < n && j - i < 4) {
            const next = j + 1;
            const sameLine = !this.gap(j, next).includes('\n');
            if (!sameLine || (this.shape(next) !== firstShape && !this.has(next, L.PARTICLE))) break;
            if (!/^[ -]$/u.test(this.gap(j, next))) break;
            j++;
          }
          while (j > i && this.has(j, L.PARTICLE)) j--;
          if (j === i && this.isStop(first) && !this.has(first, L.PLACE)) break;
          const placeEnd = this.end(j);
          const placeJ = j;
          // `, VIC`, `, NS 12345`, `Norway 35018`: state code and postcode on the same line.
          let postcode = -1;
          for (let k = 0; k < 2; k++) {
            const next = j + 1;
            if (next >= n || this.gap(j, next).includes('\n')) break;
            if (!/^,? {1,4}$/u.test(this.gap(j, next))) break;
            if (this.shape(next) === SHAPE_NUM) postcode = next;
            else if (
              !((this.shape(next) === SHAPE_UPPER && this.size(next) <= 3) || this.lower(next) === 'nan')
            )
              break;
            j++;
          }
          placeParts++;
          barePlace =
            postcode < 0 && j === placeJ ? { start: this.start(first), end: placeEnd, before: end } : null;
          if (block) {
            this.add(
              'LOCATION',
              this.start(first),
              placeEnd,
              0.8,
              '.address-city',
              'city or country line of an address',
            );
            if (postcode >= 0)
              this.add(
                'STREET_ADDRESS',
                this.start(postcode),
                this.end(postcode),
                addr.score,
                '.postcode',
                'postcode line',
              );
          }
        } else if (firstShape === SHAPE_NUM && this.size(first) >= 3 && this.size(first) <= 6) {
          j = i;
          if (block)
            this.add(
              'STREET_ADDRESS',
              this.start(first),
              this.end(first),
              addr.score,
              '.postcode',
              'postcode line',
            );
        } else break;
        if (firstShape !== SHAPE_CAP && firstShape !== SHAPE_UPPER) barePlace = null;
        end = this.end(j);
        i = j + 1;
      }
      reach = end;
      if (block) continue;
      if (placeParts === 1 && barePlace !== null && barePlace.end === end) {
        addr.end = barePlace.before;
        this.add(
          'LOCATION',
          barePlace.start,
          barePlace.end,
          0.8,
          '.address-city',
          'city after a street address',
        );
      } else addr.end = end;
      inline.push(addr);
    }
    // Places and names inside a whole inline address are part of it, not findings of their own.
    if (inline.length > 0) {
      let k = 0;
      const inside = (c: Candidate): boolean => {
        while (k < inline.length && inline[k]!.end <= c.start) k++;
        const a = inline[k];
        return (
          a !== undefined && a !== c && a.start <= c.start && c.end <= a.end && c.type !== 'STREET_ADDRESS'
        );
      };
      const others = this.out.filter((c) => c.type !== 'STREET_ADDRESS').sort((x, y) => x.start - y.start);
      const drop = new Set(others.filter(inside));
      if (drop.size > 0) {
        const kept = this.out.filter((c) => !drop.has(c));
        this.out.length = 0;
        this.out.push(...kept);
      }
    }
  }

  /**
   * The lines just above a block address (an envelope, a letterhead, a signature): the first line of two
   * to four name words is the addressee (PERSON), the same name repeated is the addressee again, and the
   * lines between the addressee and the street are the company (ORGANIZATION) unless they name a job.
   * Looks at most three lines up (one blank line allowed right above the street); stops at any line
   * that holds a digit, a colon (other than a `Name:` label) or more than six words.
   */
  letterhead(streetStart: number): void {
    const { text } = this;
    const lines: { start: number; end: number; words: string[] }[] = [];
    let cursor = text.lastIndexOf('\n', streetStart - 1);
    let blank = 0;
    while (cursor > 0 && lines.length < 3) {
      const lineStart = text.lastIndexOf('\n', cursor - 1) + 1;
      const raw = text.slice(lineStart, cursor);
      cursor = lineStart - 1;
      if (raw.trim() === '') {
        if (lines.length > 0 || ++blank > 1) break;
        continue;
      }
      const m = LETTERHEAD_LINE_RE.exec(raw);
      if (m === null) break;
      const start = lineStart + m[1]!.length;
      const words = m[2]!.split(/[ ,]+/u).filter((w) => w.length > 0);
      if (words.length > 6) break;
      lines.unshift({ start, end: start + m[2]!.length, words });
      if (cursor < 0) break;
    }
    let person: string | null = null;
    for (const line of lines) {
      const content = text.slice(line.start, line.end);
      if (person === null) {
        if (this.personLine(line.words)) {
          person = content.toLowerCase();
          this.add('PERSON', line.start, line.end, 0.7, '.letterhead', 'addressee line above an address');
        }
      } else if (content.toLowerCase() === person) {
        this.add('PERSON', line.start, line.end, 0.7, '.letterhead', 'addressee line above an address');
      } else if (!JOB_WORDS.has(line.words.at(-1)!.toLowerCase())) {
        this.add(
          'ORGANIZATION',
          line.start,
          line.end,
          0.65,
          '.letterhead',
          'company line between the addressee and the address',
        );
      }
    }
  }

  /** Two to four name words, all capitalised or all lower case, none a common or organisation word. */
  personLine(words: string[]): boolean {
    if (words.length < 2 || words.length > 4) return false;
    const lower = words.every((w) => w === w.toLowerCase());
    let named = 0;
    for (const w of words) {
      const l = w.toLowerCase().replace(/\.$/u, '');
      if (ORG_SUFFIXES.has(l) || l === 'and' || l === '&') return false;
      if (PARTICLES.has(l) || /^\p{L}$/u.test(l)) continue;
      if (!lower && !/^\p{Lu}/u.test(w)) return false;
      const known = this.gz.given.has(l) || this.gz.surnames.has(l);
      if (!known && (this.gz.common.has(l) || this.gz.stopwords.has(l) || this.gz.places.has(l)))
        return false;
      named++;
    }
    return named >= 2;
  }

  /**
   * True when `offset` starts a line: only spaces, tabs, quote marks (`>`) or a short label
   * (`Address:`) stand between the last line break and it.
   */
  lineInitial(offset: number): boolean {
    // The lead is at most 12 + 16 + 2 + 1 + 12 characters long: look no further back than that.
    const floor = Math.max(0, offset - 44);
    let from = offset;
    while (from > floor) {
      const c = this.text.charCodeAt(from - 1);
      if (c === 10 || c === 13) break;
      from--;
    }
    if (from === floor && floor > 0) {
      const c = this.text.charCodeAt(floor - 1);
      if (c !== 10 && c !== 13) return false;
    }
    return LINE_LEAD_RE.test(this.text.slice(from, offset));
  }

  /** True when the text after `offset` continues on a new line (an address block). */
  nextPartOnNewLine(offset: number): boolean {
    for (let k = offset; k < this.text.length; k++) {
      const c = this.text.charCodeAt(k);
      if (c === 10 || c === 13) return true;
      if (c !== 32 && c !== 9 && c !== 44) return false;
    }
    return false;
  }

  /** True when an address word appears in the few tokens before `i`. */
  nearAddressWord(i: number): boolean {
    for (let k = Math.max(0, i - 6); k < i; k++) {
      const l = this.lower(k);
      if (l === 'address' || l === 'addresses' || l === 'adresse' || l === 'lives' || l === 'located')
        return true;
    }
    return false;
  }

  /** Extends an address ending at token `last` (text offset `end`) over a following `Apt. 12` / `Suite 4`. */
  extendUnit(last: number, end: number): number {
    const unit = last + 1;
    const num = last + 2;
    if (num >= this.n || !this.has(unit, L.UNIT) || this.shape(num) !== SHAPE_NUM) return end;
    if (!/^,? $/u.test(this.text.slice(end, this.start(unit)))) return end;
    const g = this.gap(unit, num);
    return g === ' ' || g === '. ' ? this.end(num) : end;
  }
}

/** Covered code units of {@link resolve}, kept between scans: all zero outside a call. */
let takenCache = new Uint8Array(1024);

/**
 * Keeps the best of overlapping candidates: higher score first, then the more specific type, then longer.
 * Sorts `cands` in place.
 */
function resolve(cands: Candidate[], textLength: number): Candidate[] {
  cands.sort(
    (x, y) =>
      y.score - x.score ||
      PRIORITY[y.type] - PRIORITY[x.type] ||
      y.end - y.start - (x.end - x.start) ||
      x.start - y.start,
  );
  const kept: Candidate[] = [];
  // Covered code units; each candidate is short, so checking its own range keeps this linear.
  if (takenCache.length < textLength)
    takenCache = new Uint8Array(Math.max(textLength, takenCache.length * 2));
  const taken = takenCache;
  outer: for (const c of cands) {
    const end = Math.min(c.end, textLength);
    for (let k = c.start; k < end; k++) if (taken[k] === 1) continue outer;
    taken.fill(1, c.start, end);
    kept.push(c);
  }
  for (const c of kept) taken.fill(0, c.start, Math.min(c.end, textLength));
  return kept.sort((x, y) => x.start - y.start);
}

/** A name, place, address or organisation found in one text. */
export interface NameMatch {
  type: NamesType;
  start: number;
  end: number;
  score: number;
  /** Rule id, e.g. `pii.names.person.full-name`. */
  rule: string;
  explanation: string;
}

/**
 * Finds PERSON, LOCATION, STREET_ADDRESS and ORGANIZATION mentions in `text` with gazetteers, context
 * words and word shape. Returns every non-overlapping candidate with its score (no threshold applied);
 * offsets are UTF-16 code units into `text`, end exclusive. Linear in the text length.
 */
export function findNames(text: string): NameMatch[] {
  return scanNames(text, Number.NEGATIVE_INFINITY);
}

/**
 * {@link findNames} restricted to candidates scoring at least `minScore`. Dropping the weaker candidates
 * before overlap resolution gives the same result as filtering after it: resolution keeps candidates in
 * score order, so a candidate is only ever blocked by one scoring at least as high.
 */
function scanNames(text: string, minScore: number): NameMatch[] {
  // One token table for every scan (scans never overlap: they run to the end without awaiting).
  const tokens = tokenizeInto(TOKENS, text, lexicon());
  let cands: Candidate[];
  try {
    const scanner = new Scanner(text, tokens, loadNamesGazetteer());
    scanner.scan();
    cands =
      minScore === Number.NEGATIVE_INFINITY ? scanner.out : scanner.out.filter((c) => c.score >= minScore);
  } finally {
    tokens.release();
  }
  return resolve(cands, text.length);
}

/** The token table {@link scanNames} fills and reads, kept between scans (its arrays only grow). */
const TOKENS = new TokenTable();

/**
 * Builds the offline names detector (family `pii`, id `pii.names`). Settings are validated here, once;
 * an invalid setting throws a zod error. The detector never throws on input text.
 */
export function createNamesDetector(settings: NamesSettings = {}): Detector {
  const parsed = NamesSettings.parse(settings);
  const minScore = parsed.min_score ?? NAMES_DEFAULT_MIN_SCORE;
  const types: ReadonlySet<NamesType> = new Set(parsed.types ?? NAMES_TYPES);
  loadNamesGazetteer();
  return {
    id: 'pii.names',
    family: 'pii',
    inspect(segments: readonly Segment[], _ctx: DetectorContext): Finding[] {
      const findings: Finding[] = [];
      for (const segment of segments) {
        for (const m of scanNames(segment.text, minScore)) {
          if (m.score < minScore || !types.has(m.type)) continue;
          findings.push({
            family: 'pii',
            type: m.type,
            score: Math.round(m.score * 100) / 100,
            segment: segment.index,
            span: { start: m.start, end: m.end },
            detector: m.rule,
            explanation: m.explanation,
          });
        }
      }
      return findings;
    },
  };
}
