/**
 * Lexicon and phrase rules of the toxicity detector, over tokens of (already normalised) text: single
 * terms (profanity, slurs), insults aimed at `you` (harassment), violence verbs aimed at a person with a
 * first-person intent (threats), and fixed phrases. Linear in the text length: one token scan, and every
 * rule looks at a bounded window of tokens.
 */
import {
  FIRST_PERSON,
  GROUP_WORDS,
  HARASSMENT_PHRASES,
  HARASSMENT_SCORE,
  INSULT_FILLERS,
  INSULTS,
  LEXICON,
  THREAT_FILLERS,
  THREAT_INTENT,
  THREAT_PHRASES,
  THREAT_SCORE,
  THREAT_TARGETS,
  THREAT_VERBS,
  YOU,
} from './lexicon.ts';

/** The kinds of match the rules report. */
export type RuleType = 'PROFANITY' | 'HATE' | 'HARASSMENT' | 'THREAT';

/** One rule match, with offsets into the text the rules ran on. */
export interface RuleHit {
  type: RuleType;
  score: number;
  start: number;
  end: number;
  /** Which rule: `lexicon`, `harassment` or `threat`. */
  rule: 'lexicon' | 'harassment' | 'threat';
}

interface Token {
  /** Lower-cased, apostrophes as `'`, leetspeak folded when the folded form is in the lexicon. */
  word: string;
  start: number;
  end: number;
  /** What `word` can start ({@link ROLE} bits): one look-up instead of one per word list. */
  roles: number;
}

/** A token: a letter, digit or one of `$@*!` followed by more of them or apostrophes. */
const TOKEN = /[\p{L}\p{N}$@*][\p{L}\p{N}$@*!'’]*/gu;
const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '!': 'i',
};
const HAS_LEET = /[013457@$!]/;
const LEET_ALL = /[013457@$!]/g;
const HAS_LETTER = /\p{L}/u;
const MAX_PHRASE = 6;

/** `*`, `!` and apostrophes are trimmed from both ends of a token (`**word**`, `fuck!`, `'you'`). */
function isEdgePunct(code: number): boolean {
  return code === 42 || code === 33 || code === 39 || code === 0x2019;
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  // exec with lastIndex rather than matchAll, which copies the expression on every call.
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    let start = m.index;
    let end = start + m[0].length;
    while (start < end && isEdgePunct(text.charCodeAt(start))) start++;
    while (end > start && isEdgePunct(text.charCodeAt(end - 1))) end--;
    if (end === start) continue;
    let word = text.slice(start, end).toLowerCase();
    if (word.includes('’')) word = word.replaceAll('’', "'");
    let roles = ROLES.get(word) ?? 0;
    if ((roles & ROLE.lexicon) === 0 && HAS_LEET.test(word) && HAS_LETTER.test(word)) {
      const folded = word.replace(LEET_ALL, (c) => LEET[c] ?? c);
      if (LEXICON.has(folded) || INSULTS.has(folded)) {
        word = folded;
        roles = ROLES.get(word) ?? 0;
      }
    }
    out.push({ word, start, end, roles });
  }
  TOKEN.lastIndex = 0;
  return out;
}

function phraseIndex(phrases: readonly (readonly string[])[]): Map<string, (readonly string[])[]> {
  const index = new Map<string, (readonly string[])[]>();
  for (const p of phrases) {
    const list = index.get(p[0]!) ?? [];
    list.push(p);
    index.set(p[0]!, list);
  }
  return index;
}

const THREAT_INDEX = phraseIndex(THREAT_PHRASES);
const HARASSMENT_INDEX = phraseIndex(HARASSMENT_PHRASES);

/** The word lists `matchRules` looks a token up in first, as bits of {@link ROLES}. */
const ROLE = { lexicon: 1, threatPhrase: 2, threatVerb: 4, harassmentPhrase: 8, you: 16 } as const;
/** Per word, the {@link ROLE} lists it is in (words in none are absent). */
const ROLES: ReadonlyMap<string, number> = (() => {
  const roles = new Map<string, number>();
  const add = (words: Iterable<string>, role: number): void => {
    for (const w of words) roles.set(w, (roles.get(w) ?? 0) | role);
  };
  add(LEXICON.keys(), ROLE.lexicon);
  add(THREAT_INDEX.keys(), ROLE.threatPhrase);
  add(THREAT_VERBS, ROLE.threatVerb);
  add(HARASSMENT_INDEX.keys(), ROLE.harassmentPhrase);
  add(YOU, ROLE.you);
  return roles;
})();

function matchPhrase(tokens: readonly Token[], i: number, index: Map<string, (readonly string[])[]>): number {
  const candidates = index.get(tokens[i]!.word);
  if (!candidates) return -1;
  for (const p of candidates) {
    if (p.length > MAX_PHRASE || i + p.length > tokens.length) continue;
    let ok = true;
    for (let k = 1; k < p.length && ok; k++) ok = tokens[i + k]!.word === p[k];
    if (ok) return i + p.length - 1;
  }
  return -1;
}

/**
 * Index of the first-person word that starts an intent (`i will`, `i'm going to`, `imma`) in the 5 tokens
 * before `i`, or -1.
 */
function intentBefore(tokens: readonly Token[], i: number): number {
  let intent = false;
  for (let k = i - 1; k >= 0 && k >= i - 5; k--) {
    const w = tokens[k]!.word;
    if (THREAT_INTENT.has(w)) intent = true;
    else if (!THREAT_FILLERS.has(w) && !FIRST_PERSON.has(w)) return -1;
    if (FIRST_PERSON.has(w)) return intent || THREAT_INTENT.has(w) ? k : -1;
  }
  return -1;
}

const GROUP_TOKEN = /[\p{L}\p{N}'+-]+/gu;

/** Token that stands for any identity-group word in the model's abstracted copy of a text. */
export const GROUP_PLACEHOLDER = 'xgroupx';

/**
 * The copy of `text` with every identity-group word (GROUP_WORDS) replaced by {@link GROUP_PLACEHOLDER},
 * or null when it names no group: `namesGroup` and `modelText` in one pass over the text.
 */
export function groupAbstracted(text: string): string | null {
  // What `text.replace(GROUP_TOKEN, …)` with a replacer would give, without a call per token.
  let found = false;
  let out = '';
  let last = 0;
  GROUP_TOKEN.lastIndex = 0;
  for (let m = GROUP_TOKEN.exec(text); m !== null; m = GROUP_TOKEN.exec(text)) {
    if (!GROUP_WORDS.has(m[0].toLowerCase())) continue;
    found = true;
    out += text.slice(last, m.index) + GROUP_PLACEHOLDER;
    last = m.index + m[0].length;
  }
  GROUP_TOKEN.lastIndex = 0;
  return found ? out + text.slice(last) : null;
}

/** True when `text` names an identity group (GROUP_WORDS), e.g. `women`, `immigrants`, `muslims`. */
export function namesGroup(text: string): boolean {
  for (const m of text.matchAll(GROUP_TOKEN)) if (GROUP_WORDS.has(m[0].toLowerCase())) return true;
  return false;
}

/**
 * The text the toxicity model scores: the text itself, followed, when it names an identity group, by a
 * copy with every group word replaced by {@link GROUP_PLACEHOLDER}, so that what is said about one group
 * (`xgroupx are all …`, `never hire xgroupx`) is learned for every group. Used in training and detection.
 */
export function modelText(text: string, abstracted: string | null = groupAbstracted(text)): string {
  return abstracted === null ? text : `${text} \n ${abstracted}`;
}

/** Runs every rule over `text`; returns at most `limit` hits, in text order per rule. */
export function matchRules(text: string, limit: number): RuleHit[] {
  const hits: RuleHit[] = [];
  const tokens = tokenize(text);
  for (let i = 0; i < tokens.length && hits.length < limit; i++) {
    const t = tokens[i]!;
    const roles = t.roles;
    const term = (roles & ROLE.lexicon) !== 0 ? LEXICON.get(t.word) : undefined;
    if (term) {
      hits.push({
        type: term.kind === 'HATE' ? 'HATE' : 'PROFANITY',
        score: term.score,
        start: t.start,
        end: t.end,
        rule: 'lexicon',
      });
    }
    const threatEnd = (roles & ROLE.threatPhrase) !== 0 ? matchPhrase(tokens, i, THREAT_INDEX) : -1;
    if (threatEnd >= 0) {
      hits.push({
        type: 'THREAT',
        score: THREAT_SCORE,
        start: t.start,
        end: tokens[threatEnd]!.end,
        rule: 'threat',
      });
    } else if (
      (roles & ROLE.threatVerb) !== 0 &&
      i + 1 < tokens.length &&
      THREAT_TARGETS.has(tokens[i + 1]!.word)
    ) {
      const from = intentBefore(tokens, i);
      if (from >= 0) {
        hits.push({
          type: 'THREAT',
          score: THREAT_SCORE,
          start: tokens[from]!.start,
          end: tokens[i + 1]!.end,
          rule: 'threat',
        });
      }
    }
    const harassEnd = (roles & ROLE.harassmentPhrase) !== 0 ? matchPhrase(tokens, i, HARASSMENT_INDEX) : -1;
    if (harassEnd >= 0) {
      hits.push({
        type: 'HARASSMENT',
        score: HARASSMENT_SCORE,
        start: t.start,
        end: tokens[harassEnd]!.end,
        rule: 'harassment',
      });
    } else if ((roles & ROLE.you) !== 0) {
      for (let k = i + 1; k < tokens.length && k <= i + 5; k++) {
        const w = tokens[k]!.word;
        if (INSULTS.has(w)) {
          while (k + 1 < tokens.length && INSULTS.has(tokens[k + 1]!.word)) k++;
          hits.push({
            type: 'HARASSMENT',
            score: HARASSMENT_SCORE,
            start: t.start,
            end: tokens[k]!.end,
            rule: 'harassment',
          });
          break;
        }
        if (!INSULT_FILLERS.has(w)) break;
      }
    }
  }
  return hits.slice(0, limit);
}
