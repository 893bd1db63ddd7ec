/**
 * Offline language identification, in one linear pass over (at most) the first
 * {@link LANGUAGE_SAMPLE_CHARS} code units of a text:
 *
 * 1. Letters are counted per script. A text whose letters are mostly Hangul is `ko`; Han with kana is
 *    `ja`, Han without (almost any) kana `zh`; Cyrillic is `ru` (`uk` when Ukrainian-only letters show up);
 *    Arabic script `ar` (`fa` with Persian-only letters); Greek `el`, Hebrew `he`, Devanagari `hi`, Thai
 *    `th`.
 * 2. Latin-script text is scored with a naive Bayes model over hashed character trigrams (lower-cased,
 *    words padded with a space), whose per-language profiles are built once at module load from sample
 *    texts written for Parapet (samples.ts): en, de, fr, es, it, pt, nl, pl, sv, tr. Each word that is a
 *    frequent function word of a language adds fixed evidence for it, and English (most gateway traffic,
 *    and the language of most technical vocabulary) gets a small prior.
 *
 * `confidence` is the share of letters in the winning script for script-decided languages, and the naive
 * Bayes posterior of the winner among the Latin languages otherwise (it rises quickly with length; short
 * greetings stay uncertain). Text with fewer than {@link MIN_LETTERS} letters is `und` with confidence 0.
 * Pure: no I/O, clock, randomness or environment.
 */
import { FUNCTION_WORDS, LATIN_SAMPLES } from './samples.ts';

/** The result of {@link detectLanguage}. */
export interface LanguageGuess {
  /** ISO 639-1 code, or `und` when the text has too few letters to tell. */
  language: string;
  /** 0…1; 0 for `und`. */
  confidence: number;
}

/** Only this many UTF-16 code units from the start of a text are looked at. */
export const LANGUAGE_SAMPLE_CHARS = 2048;
/** Fewer letters than this give `und` (Han, kana and Hangul count double). */
export const MIN_LETTERS = 4;

/** Latin-script languages told apart by the trigram model. */
export const LATIN_LANGUAGES: readonly string[] = Object.freeze(Object.keys(LATIN_SAMPLES));

/** Every language {@link detectLanguage} can return (besides `und`). */
export const SUPPORTED_LANGUAGES: readonly string[] = Object.freeze([
  ...LATIN_LANGUAGES,
  'ru',
  'uk',
  'zh',
  'ja',
  'ko',
  'ar',
  'fa',
  'el',
  'he',
  'hi',
  'th',
]);

const BUCKET_BITS = 14;
const BUCKETS = 1 << BUCKET_BITS;
const SMOOTHING = 0.5;
const POSTERIOR_TEMPERATURE = 6;
/** Log-evidence added per function word of a language. */
const FUNCTION_WORD_BONUS = 3;
/** Log-prior of English over the other Latin languages. */
const ENGLISH_PRIOR = 2;
const LANGS = LATIN_LANGUAGES.length;

// Script classes.
const LATIN = 0;
const CYRILLIC = 1;
const GREEK = 2;
const ARABIC = 3;
const HEBREW = 4;
const DEVANAGARI = 5;
const THAI = 6;
const HANGUL = 7;
const KANA = 8;
const HAN = 9;
const SCRIPTS = 10;
const NOT_LETTER = -1;

function scriptOf(cp: number): number {
  if (cp < 0x41) return NOT_LETTER;
  if (cp <= 0x7a) return cp <= 0x5a || cp >= 0x61 ? LATIN : NOT_LETTER;
  if (cp < 0xc0) return cp === 0xaa || cp === 0xba ? LATIN : NOT_LETTER;
  if (cp <= 0x24f) return cp === 0xd7 || cp === 0xf7 ? NOT_LETTER : LATIN;
  if (cp < 0x370) return NOT_LETTER;
  if (cp <= 0x3ff) return GREEK;
  if (cp <= 0x52f) return cp >= 0x483 && cp <= 0x489 ? NOT_LETTER : CYRILLIC;
  if (cp >= 0x5d0 && cp <= 0x5f2) return HEBREW;
  if (cp >= 0x620 && cp <= 0x6ff) return cp >= 0x660 && cp <= 0x669 ? NOT_LETTER : ARABIC;
  if (cp >= 0x750 && cp <= 0x77f) return ARABIC;
  if (cp >= 0x900 && cp <= 0x97f) return DEVANAGARI;
  if (cp >= 0xe00 && cp <= 0xe7f) return THAI;
  if (cp >= 0x1100 && cp <= 0x11ff) return HANGUL;
  if (cp >= 0x1e00 && cp <= 0x1eff) return LATIN;
  if (cp >= 0x3040 && cp <= 0x309f) return KANA;
  if (cp >= 0x30a0 && cp <= 0x30ff) return cp === 0x30fb ? NOT_LETTER : KANA;
  if (cp >= 0x3130 && cp <= 0x318f) return HANGUL;
  if (cp >= 0x31f0 && cp <= 0x31ff) return KANA;
  if (cp >= 0x3400 && cp <= 0x4dbf) return HAN;
  if (cp >= 0x4e00 && cp <= 0x9fff) return HAN;
  if (cp >= 0xac00 && cp <= 0xd7af) return HANGUL;
  if (cp >= 0xf900 && cp <= 0xfaff) return HAN;
  if (cp >= 0xfb50 && cp <= 0xfdff) return ARABIC;
  if (cp >= 0xfe70 && cp <= 0xfefc) return ARABIC;
  if (cp >= 0xff66 && cp <= 0xff9d) return KANA;
  if (cp >= 0x20000 && cp <= 0x3134f) return HAN;
  return NOT_LETTER;
}

/** Lower case of Latin letters up to U+024F and U+1E00–U+1EFF (one code unit each). */
const LOWER = buildLowerTable();

function buildLowerTable(): Uint16Array {
  const table = new Uint16Array(0x1f00);
  for (let cp = 0; cp < table.length; cp++) {
    const lower = String.fromCharCode(cp).toLowerCase();
    // U+0130 (İ) lower-cases to `i` plus a combining dot: keep the `i`.
    table[cp] = lower.charCodeAt(0);
  }
  return table;
}

function bucket(a: number, b: number, c: number): number {
  return (
    (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b) ^ Math.imul(c, 0xc2b2ae35)) >>> (32 - BUCKET_BITS)
  );
}

/**
 * Calls `visit` with the bucket of every Latin trigram of `text` (letters lower-cased, any run of
 * non-letters one space, each word padded with a space on both sides).
 */
function latinTrigrams(
  text: string,
  limit: number,
  visit: (b: number) => void,
  word?: (hash: number) => void,
): void {
  let p2 = 32;
  let p1 = 32;
  let hash = FNV_OFFSET;
  const end = Math.min(text.length, limit);
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    let c = 32;
    // Apostrophes and hyphens stay inside a word for the function-word lookup (`est-ce`), not for trigrams.
    if (code === 0x27 || code === 0x2d || code === 0x2019) {
      if (p1 !== 32) hash = Math.imul(hash ^ code, FNV_PRIME);
      continue;
    }
    if (code < 0x1f00 && scriptOf(code) === LATIN) c = LOWER[code]!;
    if (c === 32 && p1 === 32) continue;
    visit(bucket(p2, p1, c));
    if (c === 32) {
      word?.(hash >>> 0);
      hash = FNV_OFFSET;
    } else {
      hash = Math.imul(hash ^ c, FNV_PRIME);
    }
    p2 = p1;
    p1 = c;
  }
  if (p1 !== 32) {
    visit(bucket(p2, p1, 32));
    word?.(hash >>> 0);
  }
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

function wordHash(word: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ LOWER[word.charCodeAt(i)]!, FNV_PRIME);
  return hash >>> 0;
}

/** Function-word hash → bit set of the Latin languages whose list holds the word. */
const FUNCTION_WORD_LANGS = buildFunctionWords();

function buildFunctionWords(): Map<number, number> {
  const map = new Map<number, number>();
  LATIN_LANGUAGES.forEach((lang, l) => {
    for (const w of (FUNCTION_WORDS[lang] ?? '').split(' ')) {
      if (w.length === 0) continue;
      const h = wordHash(w);
      map.set(h, (map.get(h) ?? 0) | (1 << l));
    }
  });
  return map;
}

const ENGLISH = LATIN_LANGUAGES.indexOf('en');

/** Per bucket, the log-probability of that trigram bucket under each Latin language (bucket-major). */
const LOG_PROBS = buildProfiles();

function buildProfiles(): Float32Array {
  const table = new Float32Array(BUCKETS * LANGS);
  LATIN_LANGUAGES.forEach((lang, l) => {
    const counts = new Float64Array(BUCKETS);
    let total = 0;
    latinTrigrams(LATIN_SAMPLES[lang]!, Number.POSITIVE_INFINITY, (b) => {
      counts[b]!++;
      total++;
    });
    const denominator = Math.log(total + SMOOTHING * BUCKETS);
    for (let b = 0; b < BUCKETS; b++) table[b * LANGS + l] = Math.log(counts[b]! + SMOOTHING) - denominator;
  });
  return table;
}

const UND: LanguageGuess = Object.freeze({ language: 'und', confidence: 0 });

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Scores Latin-script text with the trigram model: the best language and its posterior. */
function detectLatin(text: string, limit: number): LanguageGuess {
  const scores = new Float64Array(LANGS);
  if (ENGLISH >= 0) scores[ENGLISH] = ENGLISH_PRIOR;
  // The loop of latinTrigrams, inlined (no closures on the hot path).
  let p2 = 32;
  let p1 = 32;
  let hash = FNV_OFFSET;
  for (let i = 0; i <= limit; i++) {
    let c = 32;
    if (i < limit) {
      const code = text.charCodeAt(i);
      if (code === 0x27 || code === 0x2d || code === 0x2019) {
        if (p1 !== 32) hash = Math.imul(hash ^ code, FNV_PRIME);
        continue;
      }
      if (code < 0x1f00 && scriptOf(code) === LATIN) c = LOWER[code]!;
    }
    if (c === 32 && p1 === 32) continue;
    const base = bucket(p2, p1, c) * LANGS;
    for (let l = 0; l < LANGS; l++) scores[l]! += LOG_PROBS[base + l]!;
    if (c === 32) {
      const langs = FUNCTION_WORD_LANGS.get(hash >>> 0);
      if (langs !== undefined) {
        for (let l = 0; l < LANGS; l++) if ((langs >> l) & 1) scores[l]! += FUNCTION_WORD_BONUS;
      }
      hash = FNV_OFFSET;
    } else {
      hash = Math.imul(hash ^ c, FNV_PRIME);
    }
    p2 = p1;
    p1 = c;
  }
  let best = 0;
  for (let l = 1; l < LANGS; l++) if (scores[l]! > scores[best]!) best = l;
  let sum = 0;
  // Overlapping trigrams are far from independent: the posterior is tempered so short texts stay uncertain.
  for (let l = 0; l < LANGS; l++) sum += Math.exp((scores[l]! - scores[best]!) / POSTERIOR_TEMPERATURE);
  return { language: LATIN_LANGUAGES[best]!, confidence: round(1 / sum) };
}

/**
 * Detects the language of `text`: an ISO 639-1 code (see {@link SUPPORTED_LANGUAGES}) and a confidence,
 * or `und` when there are too few letters. Looks at the first {@link LANGUAGE_SAMPLE_CHARS} code units.
 */
export function detectLanguage(text: string): LanguageGuess {
  const end = Math.min(text.length, LANGUAGE_SAMPLE_CHARS);
  const counts = new Int32Array(SCRIPTS);
  let letters = 0;
  let ukrainian = 0;
  let persian = 0;
  for (let i = 0; i < end; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < end) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = ((cp - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
        i++;
      }
    }
    const script = scriptOf(cp);
    if (script === NOT_LETTER) continue;
    counts[script]!++;
    letters++;
    if (script === CYRILLIC) {
      // і ї є ґ (and capitals): letters of Ukrainian that Russian does not use.
      if (cp === 0x456 || cp === 0x457 || cp === 0x454 || cp === 0x491 || cp === 0x406 || cp === 0x407)
        ukrainian++;
    } else if (script === ARABIC) {
      // پ چ ژ گ ی: Persian letters.
      if (cp === 0x67e || cp === 0x686 || cp === 0x698 || cp === 0x6af || cp === 0x6cc) persian++;
    }
  }
  // An ideograph or syllable block carries about as much as two letters.
  if (letters + counts[HAN]! + counts[KANA]! + counts[HANGUL]! < MIN_LETTERS) return UND;

  const cjk = counts[HAN]! + counts[KANA]!;
  let script = 0;
  for (let s = 1; s < SCRIPTS; s++) if (counts[s]! > counts[script]!) script = s;
  // Han and kana count together for Japanese and Chinese: a CJK text is one script however it is mixed.
  if (cjk > counts[script]! && script !== HAN && script !== KANA) script = HAN;
  const share = (n: number) => round(n / letters);

  switch (script) {
    case LATIN:
      return detectLatin(text, end);
    case CYRILLIC:
      return { language: ukrainian >= 2 ? 'uk' : 'ru', confidence: share(counts[CYRILLIC]!) };
    case ARABIC:
      return { language: persian >= 2 ? 'fa' : 'ar', confidence: share(counts[ARABIC]!) };
    case GREEK:
      return { language: 'el', confidence: share(counts[GREEK]!) };
    case HEBREW:
      return { language: 'he', confidence: share(counts[HEBREW]!) };
    case DEVANAGARI:
      return { language: 'hi', confidence: share(counts[DEVANAGARI]!) };
    case THAI:
      return { language: 'th', confidence: share(counts[THAI]!) };
    case HANGUL:
      return { language: 'ko', confidence: share(counts[HANGUL]!) };
    default:
      // Han and/or kana: Japanese writes kana between its kanji; Chinese has (almost) none.
      if (counts[KANA]! > 0 && counts[KANA]! * 20 >= cjk) return { language: 'ja', confidence: share(cjk) };
      return { language: 'zh', confidence: share(cjk) };
  }
}
