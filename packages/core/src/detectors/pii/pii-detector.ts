/**
 * The format-matched and validated PII detector: runs the numeric, pattern and special recognizers on the
 * normalised text of each segment, scores every candidate with context words, resolves overlaps, applies
 * the allow and deny lists, and maps spans back to the original text.
 */

import type { Finding } from '../../model/finding.ts';
import type { Segment } from '../../model/segment.ts';
import { type AhoCorasick, createAhoCorasick } from '../aho-corasick.ts';
import type { Detector, DetectorContext } from '../contract.ts';
import { normalizeText } from '../normalize.ts';
import { keepDisjoint } from '../overlaps.ts';
import { escapeRegex } from '../regex-escape.ts';
import { AnchorWords } from './anchor-words.ts';
import { CONTEXT, NEGATIVE_CONTEXT } from './context-words.ts';
import { digitRun, NUMERIC_RECOGNIZERS, NUMERIC_RUN, type NumericRecognizer } from './numeric-recognizers.ts';
import { PATTERN_RECOGNIZERS, type PatternRecognizer } from './pattern-recognizers.ts';
import { findPostalCodes } from './postal-codes.ts';
import type { PiiSettings } from './settings.ts';
import { findEmails, findIpv6, findPhones, findUrls, type RawHit } from './special-recognizers.ts';

/** Types produced by the special recognizers and the deny list (the rest come from the recognizer tables). */
const SPECIAL_TYPES = [
  'EMAIL_ADDRESS',
  'URL',
  'IP_ADDRESS',
  'PHONE_NUMBER',
  'DATE_OF_BIRTH',
  'ZIP_CODE',
  'CUSTOM_DENY',
] as const;

/** Every entity type this detector can report. */
export const PII_FORMAT_TYPES: readonly string[] = [
  ...new Set([
    ...NUMERIC_RECOGNIZERS.map((r) => r.type),
    ...PATTERN_RECOGNIZERS.map((r) => r.type),
    ...SPECIAL_TYPES,
  ]),
].sort();

const DEFAULT_BOOST = 0.35;
const NEGATIVE_PENALTY = 0.25;
/** Characters after a match also searched for context words ("…1234 (my SSN)"). */
const SUFFIX_WINDOW = 24;
/** Characters before a date searched for birth context (DATE_OF_BIRTH). */
const BIRTH_WINDOW = 40;

function isLetter(ch: string | undefined): boolean {
  return ch !== undefined && ch.toLowerCase() !== ch.toUpperCase();
}

/** True when `word` occurs at `at` in `window` starting a word (and, when short, ending one). */
function contextAt(window: string, at: number, length: number): boolean {
  const before = at === 0 ? undefined : window[at - 1];
  const after = window[at + length];
  const startOk = !isLetter(before) && !(before !== undefined && before >= '0' && before <= '9');
  const endOk = length > 4 || !isLetter(after);
  return startOk && endOk;
}

/** Word lists at least this long are searched with one automaton pass instead of one `indexOf` per word. */
const AUTOMATON_WORDS = 8;
/**
 * The automaton of each long word list, built once per list (the lists are module constants); null for a
 * list holding an empty word, which `indexOf` finds everywhere and the automaton skips.
 */
const CONTEXT_AUTOMATA = new WeakMap<readonly string[], AhoCorasick | null>();

function contextAutomaton(words: readonly string[]): AhoCorasick | null {
  let automaton = CONTEXT_AUTOMATA.get(words);
  if (automaton === undefined) {
    automaton = words.includes('')
      ? null
      : createAhoCorasick(words.map((text, index) => ({ id: String(index), text })));
    CONTEXT_AUTOMATA.set(words, automaton);
  }
  return automaton;
}

/** True when one of `words` starts a word inside `window` (short words must also end one). */
export function findContext(window: string, words: readonly string[]): boolean {
  // Every occurrence of every word is tried either way; the automaton (which skips empty words) finds
  // them all in one pass over the window, where 40 phone words would take 40 `indexOf` passes.
  const automaton = words.length >= AUTOMATON_WORDS ? contextAutomaton(words) : null;
  if (automaton !== null) {
    for (const m of automaton.search(window)) {
      if (contextAt(window, m.start, m.end - m.start)) return true;
    }
    return false;
  }
  for (const word of words) {
    let at = window.indexOf(word);
    while (at !== -1) {
      if (contextAt(window, at, word.length)) return true;
      at = window.indexOf(word, at + 1);
    }
  }
  return false;
}

interface Resolved {
  start: number;
  end: number;
  type: string;
  id: string;
  score: number;
  explanation: string;
}

/** `www.` in any case, tested without lower-casing the whole text (only `W` lower-cases to `w`). */
const WWW = /www\./i;

/** Highest base score of a national-format phone number (special-recognizers.ts). */
const PHONE_NATIONAL_MAX = 0.45;
/** Characters around each digit searched by the digit-gated expressions (longest spaced IBAN and its cue). */
const DIGIT_REACH = 48;

/** An ASCII digit (global: `lastIndex` says where to look from). */
const NEXT_DIGIT = /[0-9]/g;
const HAS_DIGIT = /[0-9]/;

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9 || code === 160;
}

/**
 * Merged windows `[from, to, from, to, …]` of text within DIGIT_REACH of a digit, widened to the
 * nearest whitespace (at most another DIGIT_REACH) so no expression starts or ends inside a word.
 */
export function digitWindows(text: string): number[] {
  const out: number[] = [];
  const n = text.length;
  // The regex engine finds the next digit several times faster than a loop over the codes.
  NEXT_DIGIT.lastIndex = 0;
  while (NEXT_DIGIT.test(text)) {
    const i = NEXT_DIGIT.lastIndex - 1;
    let from = Math.max(0, i - DIGIT_REACH);
    const last = out.length - 1;
    // Widening only moves `from` left: when the unwidened start already reaches the last window, the
    // window merges into it whatever the widening finds, so it is skipped (digits in a row: every one).
    const merges = last > 0 && from <= (out[last] as number);
    if (!merges) {
      const floor = Math.max(0, from - DIGIT_REACH);
      while (from > floor && !isSpace(text.charCodeAt(from - 1))) from--;
    }
    let to = Math.min(n, i + DIGIT_REACH);
    const ceil = Math.min(n, to + DIGIT_REACH);
    while (to < ceil && !isSpace(text.charCodeAt(to))) to++;
    if (merges || (last > 0 && from <= (out[last] as number))) out[last] = Math.max(out[last] as number, to);
    else out.push(from, to);
    // Skip ahead: digits inside this window only widen it.
    NEXT_DIGIT.lastIndex = Math.max(i + 1, to - DIGIT_REACH);
  }
  return out;
}

/** Per ASCII code: bit 0 a digit, bit 1 in `[A-Z0-9]`, bit 2 in `[A-Za-z0-9]`. */
const RUN_KIND = new Uint8Array(128);
RUN_KIND.fill(7, 48, 58);
RUN_KIND.fill(6, 65, 91);
RUN_KIND.fill(4, 97, 123);

/**
 * For each window of {@link digitWindows}, its longest runs of ASCII digits, of `[A-Z0-9]` and of
 * `[A-Za-z0-9]`, three numbers per window, in one pass over the windowed text: the recognizers'
 * `min…Run` conditions are checked against them before any expression runs.
 */
export function windowRuns(text: string, windows: readonly number[]): Int32Array {
  const out = new Int32Array((windows.length / 2) * 3);
  for (let w = 0; w < windows.length; w += 2) {
    let digits = 0;
    let upper = 0;
    let alnum = 0;
    let maxDigits = 0;
    let maxUpper = 0;
    let maxAlnum = 0;
    const to = windows[w + 1] as number;
    for (let i = windows[w] as number; i < to; i++) {
      const c = text.charCodeAt(i);
      const kind = c < 128 ? (RUN_KIND[c] as number) : 0;
      // Without branches on the character (they mispredict on every word edge): a run grows by one or
      // is reset to 0 by a mask of all ones or zeros.
      digits = (digits + 1) & -(kind & 1);
      upper = (upper + 1) & -((kind >> 1) & 1);
      alnum = (alnum + 1) & -(kind >> 2);
      maxDigits = Math.max(maxDigits, digits);
      maxUpper = Math.max(maxUpper, upper);
      maxAlnum = Math.max(maxAlnum, alnum);
    }
    const k = (w / 2) * 3;
    out[k] = maxDigits;
    out[k + 1] = maxUpper;
    out[k + 2] = maxAlnum;
  }
  return out;
}

/** A recognizer with its expressions compiled for one detector (regexes keep `lastIndex` state). */
interface CompiledRecognizer extends PatternRecognizer {
  /** Sticky copy of `pattern`, tried at the `anchor` matches only. */
  readonly sticky?: RegExp;
  /** Slot bit in the detector's {@link AnchorWords}, when the recognizer has anchor words. */
  readonly anchorBit?: number;
  /** Every context word holds one of the `requires` words: context found near a hit implies them. */
  readonly contextHasRequired?: boolean;
}

/** Runs one recognizer over `part` (which starts at `offset` in `text`) and appends its valid hits. */
function matchPattern(
  recognizer: CompiledRecognizer,
  part: string,
  offset: number,
  text: string,
  hits: RawHit[],
): void {
  const anchor = recognizer.anchor;
  const sticky = recognizer.sticky;
  if (anchor !== undefined && sticky !== undefined) {
    // Only where a match can start: the same matches as a scan from every position (see `anchor`).
    const shift = recognizer.anchorOffset ?? 0;
    anchor.lastIndex = 0;
    for (let a = anchor.exec(part); a !== null; a = anchor.exec(part)) {
      sticky.lastIndex = a.index + shift;
      const m = sticky.exec(part);
      if (m !== null && m[0].length > 0) addMatch(recognizer, m, offset, text, hits);
    }
    return;
  }
  const pattern = recognizer.pattern;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(part); m !== null; m = pattern.exec(part)) {
    if (m[0].length === 0) {
      pattern.lastIndex++;
      continue;
    }
    addMatch(recognizer, m, offset, text, hits);
  }
}

/**
 * Runs a recognizer with {@link PatternRecognizer.anchorWordsEnd} or
 * {@link PatternRecognizer.anchorWordsStart} over `part` (which starts at `offset` in `text`), given the
 * anchor-word runs of `part`: its sticky expression is tried at each position from that far before a
 * run (before its end, or before its start) up to the run's start, in order and never inside an earlier
 * match. Every match starts at one of these positions, so this finds the matches a global scan of `part`
 * finds, in the same order.
 */
function matchBeforeRuns(
  recognizer: CompiledRecognizer,
  runs: readonly number[],
  part: string,
  offset: number,
  text: string,
  hits: RawHit[],
): void {
  const sticky = recognizer.sticky as RegExp;
  const fromEnd = recognizer.anchorWordsEnd;
  const fromStart = recognizer.anchorWordsStart ?? 0;
  /** First position not tried yet and not inside a match. */
  let next = 0;
  for (let r = 0; r < runs.length; r += 2) {
    const runStart = runs[r] as number;
    let p = Math.max(next, fromEnd !== undefined ? (runs[r + 1] as number) - fromEnd : runStart - fromStart);
    while (p <= runStart) {
      sticky.lastIndex = p;
      const m = sticky.exec(part);
      if (m !== null && m[0].length > 0) {
        addMatch(recognizer, m, offset, text, hits);
        p += m[0].length;
      } else p++;
    }
    next = p;
  }
}

/** Scores one match of `recognizer` and appends it when valid. */
function addMatch(
  recognizer: PatternRecognizer,
  m: RegExpExecArray,
  offset: number,
  text: string,
  hits: RawHit[],
): void {
  let start = m.index + offset;
  let end = start + m[0].length;
  if (recognizer.group !== undefined) {
    const indices = m.indices;
    const span = indices?.[recognizer.group] ?? indices?.[recognizer.group + 1];
    if (span === undefined) return;
    start = span[0] + offset;
    end = span[1] + offset;
  }
  const score = recognizer.score(text.slice(start, end));
  if (score === null) return;
  hits.push({
    start,
    end,
    type: recognizer.type,
    id: recognizer.id,
    score,
    context: recognizer.context,
    weak: recognizer.weak,
    boost: recognizer.boost,
  });
}

function languageEnabled(languages: readonly string[], enabled: ReadonlySet<string> | null): boolean {
  if (enabled === null || languages.includes('*')) return true;
  return languages.some((language) => enabled.has(language));
}

/** The highest score {@link createFormatPiiDetector}'s `score` can give a hit that is not a date. */
function bestScore(hit: RawHit): number {
  return hit.context.length > 0
    ? Math.max(hit.score, Math.max(hit.score + (hit.boost ?? DEFAULT_BOOST), 0.4))
    : hit.score;
}

function round(score: number): number {
  return Math.round(Math.min(1, Math.max(0, score)) * 100) / 100;
}

/** Creates the format/validation PII detector with settings resolved once. */
export function createFormatPiiDetector(settings: PiiSettings): Detector {
  const enabledTypes = settings.types === undefined ? null : new Set(settings.types);
  const languages =
    settings.languages === undefined || settings.languages.includes('*') ? null : new Set(settings.languages);
  const typeOn = (type: string): boolean => enabledTypes === null || enabledTypes.has(type);
  const dateOn = typeOn('DATE_TIME') || typeOn('DATE_OF_BIRTH');
  const numeric: readonly NumericRecognizer[] = NUMERIC_RECOGNIZERS.filter(
    (r) => typeOn(r.type) && languageEnabled(r.languages, languages),
  );
  const anchorWords = new AnchorWords();
  const patterns: readonly CompiledRecognizer[] = PATTERN_RECOGNIZERS.filter(
    (r) => (r.type === 'DATE_TIME' ? dateOn : typeOn(r.type)) && languageEnabled(r.languages, languages),
  ).map((r) => ({
    ...r,
    pattern: new RegExp(r.pattern.source, r.pattern.flags),
    ...(r.anchor === undefined
      ? {}
      : {
          anchor: new RegExp(r.anchor.source, r.anchor.flags),
          sticky: new RegExp(r.pattern.source, `${r.pattern.flags.replace('g', '')}y`),
        }),
    ...(r.anchorWordsEnd === undefined && r.anchorWordsStart === undefined
      ? {}
      : { sticky: new RegExp(r.pattern.source, `${r.pattern.flags.replace('g', '')}y`) }),
    ...(r.anchorWords === undefined ? {} : { anchorBit: anchorWords.add(r.anchorWords, r.anchorDigitReach) }),
    contextHasRequired:
      r.requires !== undefined &&
      r.context.every((word) =>
        (r.requires as readonly string[]).some((required) => word.includes(required)),
      ),
  }));
  const hasAnchorWords = patterns.some((r) => r.anchorBit !== undefined);
  const numericByLength = new Map<number, NumericRecognizer[]>();
  for (const recognizer of numeric) {
    for (const length of recognizer.lengths) {
      const list = numericByLength.get(length) ?? [];
      list.push(recognizer);
      numericByLength.set(length, list);
    }
  }
  // One alternation per distinct `requires` list: a single regex pass finds whether any of its words
  // occurs (as `includes` would, word by word, at one pass per word).
  const requiredWords = new Map<PatternRecognizer, RegExp>();
  const byList = new Map<readonly string[], RegExp>();
  for (const recognizer of patterns) {
    const words = recognizer.requires;
    if (words === undefined) continue;
    let re = byList.get(words);
    if (re === undefined) {
      re = new RegExp(words.map(escapeRegex).join('|'));
      byList.set(words, re);
    }
    requiredWords.set(recognizer, re);
  }
  const numericRun = new RegExp(NUMERIC_RUN.source, NUMERIC_RUN.flags);
  const minScore = settings.min_score;
  const windowSize = settings.context_window;
  const allow = new Set(settings.allow_list.map((value) => value.trim().toLowerCase()));
  const deny = settings.deny_list.map((value) => value.trim()).filter((value) => value.length > 0);
  const denyLower = deny.map((value) => value.toLowerCase());

  // A national-format number without phone context scores at most PHONE_NATIONAL_MAX: below the
  // threshold, so it is not worth a libphonenumber parse per country. Made once (not per request).
  const worthParsing =
    minScore > PHONE_NATIONAL_MAX
      ? (text: string, start: number, end: number): boolean => {
          const before = text.slice(Math.max(0, start - windowSize), start).toLowerCase();
          const after = text.slice(end, end + SUFFIX_WINDOW).toLowerCase();
          return findContext(before, CONTEXT.phone) || findContext(after, CONTEXT.phone);
        }
      : undefined;

  function candidates(text: string): RawHit[] {
    const hits: RawHit[] = [];
    const hasDigit = HAS_DIGIT.test(text);
    let lower: string | undefined;
    if (hasDigit && numeric.length > 0) {
      numericRun.lastIndex = 0;
      for (let m = numericRun.exec(text); m !== null; m = numericRun.exec(text)) {
        const run = digitRun(m[0]);
        const list = numericByLength.get(run.digits.length);
        if (list === undefined) continue;
        for (const recognizer of list) {
          const score = recognizer.score(run);
          if (score === null) continue;
          hits.push({
            start: m.index,
            end: m.index + m[0].length,
            type: recognizer.type,
            id: recognizer.id,
            score,
            context: recognizer.context,
            weak: recognizer.weak,
          });
        }
      }
    }
    // Every digit-gated match contains a digit, so those expressions run only on the windows of text
    // around digits (whole text when digits are dense), not over long stretches of prose.
    const windows = hasDigit ? digitWindows(text) : [];
    const runs = windowRuns(text, windows);
    /** Each window's text, sliced once for all the recognizers that search it. */
    const parts: (string | undefined)[] = new Array(windows.length / 2);
    const required = new Map<RegExp, boolean>();
    const pending: RawHit[] = [];
    const anchored = hasAnchorWords ? anchorWords.scan(text) : 0;
    for (const recognizer of patterns) {
      if (recognizer.gate === 'digit' && !hasDigit) continue;
      if (recognizer.anchorBit !== undefined && (anchored & recognizer.anchorBit) === 0) continue;
      // A recognizer that needs a context word runs first and looks for its words only when it matched:
      // its identifier shapes are rare, the word search is a pass over the whole text.
      const requires = requiredWords.get(recognizer);
      const out = requires === undefined ? hits : pending;
      pending.length = 0;
      if (recognizer.gate === 'digit') {
        const minDigits = recognizer.minDigitRun ?? 0;
        const minUpper = recognizer.minUpperRun ?? 0;
        const minAlnum = recognizer.minAlnumRun ?? 0;
        for (let w = 0; w < windows.length; w += 2) {
          const k = (w / 2) * 3;
          if (
            (runs[k] as number) < minDigits ||
            (runs[k + 1] as number) < minUpper ||
            (runs[k + 2] as number) < minAlnum
          )
            continue;
          const from = windows[w] as number;
          let part = parts[w / 2];
          if (part === undefined) {
            const to = windows[w + 1] as number;
            part = from === 0 && to === text.length ? text : text.slice(from, to);
            parts[w / 2] = part;
          }
          if (recognizer.prefilter !== undefined && !recognizer.prefilter.test(part)) continue;
          if (recognizer.anchorWordsStart !== undefined && recognizer.anchorBit !== undefined)
            matchBeforeRuns(
              recognizer,
              anchorWords.runsOf(part, recognizer.anchorBit),
              part,
              from,
              text,
              out,
            );
          else matchPattern(recognizer, part, from, text, out);
        }
      } else if (recognizer.anchorWordsEnd !== undefined && recognizer.anchorBit !== undefined)
        matchBeforeRuns(recognizer, anchorWords.runsOf(text, recognizer.anchorBit), text, 0, text, out);
      else if (recognizer.prefilter === undefined || recognizer.prefilter.test(text))
        matchPattern(recognizer, text, 0, text, out);
      if (requires === undefined || pending.length === 0) continue;
      // A hit that only its context words can lift over the threshold needs no search of the whole text:
      // scoring finds those words near it or drops it, and words near it are words in the text.
      if (recognizer.contextHasRequired === true && pending.every((hit) => round(hit.score) < minScore)) {
        for (const hit of pending) hits.push(hit);
        continue;
      }
      // Several recognizers share one word list (passport, …): search the text once per list.
      let found = required.get(requires);
      if (found === undefined) {
        lower ??= text.toLowerCase();
        found = requires.test(lower);
        required.set(requires, found);
      }
      if (found) for (const hit of pending) hits.push(hit);
    }
    if (typeOn('EMAIL_ADDRESS') && text.includes('@')) findEmails(text, hits, []);
    if (typeOn('URL') && (text.includes('://') || WWW.test(text))) findUrls(text, hits);
    if (typeOn('ZIP_CODE') && hasDigit) findPostalCodes(text, hits);
    if (typeOn('IP_ADDRESS') && hasDigit) findIpv6(text, hits, CONTEXT.ip);
    if (typeOn('PHONE_NUMBER') && hasDigit) {
      findPhones(text, hits, CONTEXT.phone, worthParsing);
    }
    return hits;
  }

  function score(text: string, hit: RawHit): Resolved {
    let value = hit.score;
    let type = hit.type;
    let explanation = 'pattern matched';
    const before = text.slice(Math.max(0, hit.start - windowSize), hit.start).toLowerCase();
    const after = text.slice(hit.end, hit.end + SUFFIX_WINDOW).toLowerCase();
    if (type === 'DATE_TIME') {
      // Birth context counts only close before the date and within the same sentence.
      const near = before.slice(-BIRTH_WINDOW);
      const sentence = near.slice(Math.max(near.lastIndexOf('. '), near.lastIndexOf('\n')) + 1);
      if (hit.id !== 'pii.date.weekday' && findContext(sentence, CONTEXT.birth)) {
        type = 'DATE_OF_BIRTH';
        value = Math.max(value, 0.6) + 0.25;
        explanation = 'date with birth context';
      }
    } else if (
      hit.context.length > 0 &&
      (findContext(before, hit.context) || findContext(after, hit.context))
    ) {
      value = Math.max(value + (hit.boost ?? DEFAULT_BOOST), 0.4);
      explanation = 'pattern matched with context';
    } else if (hit.weak && findContext(before.slice(-30), NEGATIVE_CONTEXT)) {
      value -= NEGATIVE_PENALTY;
      explanation = 'pattern matched, lowered by context';
    }
    return { start: hit.start, end: hit.end, type, id: hit.id, score: round(value), explanation };
  }

  function denyHits(text: string, out: Resolved[]): void {
    if (deny.length === 0) return;
    const lower = text.toLowerCase();
    const haystack = lower.length === text.length ? lower : text;
    for (let i = 0; i < deny.length; i++) {
      const needle = haystack === lower ? (denyLower[i] as string) : (deny[i] as string);
      let at = haystack.indexOf(needle);
      while (at !== -1) {
        out.push({
          start: at,
          end: at + needle.length,
          type: 'CUSTOM_DENY',
          id: 'pii.deny-list',
          score: 1,
          explanation: 'value on the deny list',
        });
        at = haystack.indexOf(needle, at + needle.length);
      }
    }
  }

  function inspectText(original: string): Resolved[] {
    if (original.length === 0) return [];
    const normalized = normalizeText(original);
    const text = normalized.text;
    const scored: Resolved[] = [];
    for (const hit of candidates(text)) {
      // A hit that stays below the threshold even with its context boost is dropped unscored: most
      // candidates are weak numbers (bank account, record number shapes) that only context could lift.
      if (hit.type !== 'DATE_TIME' && round(bestScore(hit)) < minScore) continue;
      const resolved = score(text, hit);
      if (resolved.score < minScore || !typeOn(resolved.type)) continue;
      if (allow.size > 0 && allow.has(text.slice(resolved.start, resolved.end).trim().toLowerCase()))
        continue;
      scored.push(resolved);
    }
    denyHits(text, scored);
    // Overlaps: keep the highest score, then the longest span, then the earliest recognizer.
    const order = scored.map((hit, index) => ({ hit, index }));
    order.sort(
      (a, b) =>
        b.hit.score - a.hit.score || b.hit.end - b.hit.start - (a.hit.end - a.hit.start) || a.index - b.index,
    );
    const kept = keepDisjoint(order.map((o) => o.hit));
    kept.sort((a, b) => a.start - b.start || a.end - b.end);
    if (!normalized.changed) return kept;
    return kept.map((hit) => ({ ...hit, ...normalized.toOriginalSpan(hit.start, hit.end) }));
  }

  return {
    id: 'pii',
    family: 'pii',
    inspect(segments: readonly Segment[], _ctx: DetectorContext): Finding[] {
      const findings: Finding[] = [];
      for (const segment of segments) {
        for (const hit of inspectText(segment.text)) {
          if (hit.end <= hit.start) continue;
          findings.push({
            family: 'pii',
            type: hit.type,
            score: hit.score,
            segment: segment.index,
            span: { start: hit.start, end: hit.end },
            detector: hit.id,
            explanation: hit.explanation,
          });
        }
      }
      return findings;
    },
  };
}
