/**
 * The format-matched and validated PII detector: runs the numeric, pattern and special recognizers on the
 * normalised text of each segment, scores every candidate with context words, resolves overlaps, applies
 * the allow and deny lists, and maps spans back to the original text.
 */

import type { Finding } from '../../model/finding.ts';
import type { Segment } from '../../model/segment.ts';
import type { Detector, DetectorContext } from '../contract.ts';
import { normalizeText } from '../normalize.ts';
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

/** True when one of `words` starts a word inside `window` (short words must also end one). */
export function findContext(window: string, words: readonly string[]): boolean {
  for (const word of words) {
    let at = window.indexOf(word);
    while (at !== -1) {
      const before = at === 0 ? undefined : window[at - 1];
      const after = window[at + word.length];
      const startOk = !isLetter(before) && !(before !== undefined && before >= '0' && before <= '9');
      const endOk = word.length > 4 || !isLetter(after);
      if (startOk && endOk) return true;
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

/** Highest base score of a national-format phone number (special-recognizers.ts). */
const PHONE_NATIONAL_MAX = 0.45;
/** Characters around each digit searched by the digit-gated expressions (longest spaced IBAN and its cue). */
const DIGIT_REACH = 48;

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
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    let from = Math.max(0, i - DIGIT_REACH);
    const floor = Math.max(0, from - DIGIT_REACH);
    while (from > floor && !isSpace(text.charCodeAt(from - 1))) from--;
    let to = Math.min(n, i + DIGIT_REACH);
    const ceil = Math.min(n, to + DIGIT_REACH);
    while (to < ceil && !isSpace(text.charCodeAt(to))) to++;
    const last = out.length - 1;
    if (last > 0 && from <= (out[last] as number)) out[last] = Math.max(out[last] as number, to);
    else out.push(from, to);
    // Skip ahead: digits inside this window only widen it.
    const next = Math.max(i + 1, to - DIGIT_REACH);
    if (next > i + 1) i = next - 1;
  }
  return out;
}

/** Runs one recognizer over `part` (which starts at `offset` in `text`) and appends its valid hits. */
function matchPattern(
  recognizer: PatternRecognizer,
  part: string,
  offset: number,
  text: string,
  hits: RawHit[],
): void {
  const pattern = recognizer.pattern;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(part); m !== null; m = pattern.exec(part)) {
    if (m[0].length === 0) {
      pattern.lastIndex++;
      continue;
    }
    let start = m.index + offset;
    let end = start + m[0].length;
    if (recognizer.group !== undefined) {
      const indices = m.indices;
      const span = indices?.[recognizer.group] ?? indices?.[recognizer.group + 1];
      if (span === undefined) continue;
      start = span[0] + offset;
      end = span[1] + offset;
    }
    const score = recognizer.score(text.slice(start, end));
    if (score === null) continue;
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
}

function languageEnabled(languages: readonly string[], enabled: ReadonlySet<string> | null): boolean {
  if (enabled === null || languages.includes('*')) return true;
  return languages.some((language) => enabled.has(language));
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
  const patterns: readonly PatternRecognizer[] = PATTERN_RECOGNIZERS.filter(
    (r) => (r.type === 'DATE_TIME' ? dateOn : typeOn(r.type)) && languageEnabled(r.languages, languages),
  ).map((r) => ({ ...r, pattern: new RegExp(r.pattern.source, r.pattern.flags) }));
  const numericByLength = new Map<number, NumericRecognizer[]>();
  for (const recognizer of numeric) {
    for (const length of recognizer.lengths) {
      const list = numericByLength.get(length) ?? [];
      list.push(recognizer);
      numericByLength.set(length, list);
    }
  }
  const numericRun = new RegExp(NUMERIC_RUN.source, NUMERIC_RUN.flags);
  const minScore = settings.min_score;
  const windowSize = settings.context_window;
  const allow = new Set(settings.allow_list.map((value) => value.trim().toLowerCase()));
  const deny = settings.deny_list.map((value) => value.trim()).filter((value) => value.length > 0);
  const denyLower = deny.map((value) => value.toLowerCase());

  function candidates(text: string): RawHit[] {
    const hits: RawHit[] = [];
    let hasDigit = false;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 48 && code <= 57) {
        hasDigit = true;
        break;
      }
    }
    let lower: string | undefined;
    const lowerText = (): string => {
      lower ??= text.toLowerCase();
      return lower;
    };
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
    const required = new Map<readonly string[], boolean>();
    for (const recognizer of patterns) {
      if (recognizer.gate === 'digit' && !hasDigit) continue;
      if (recognizer.requires !== undefined) {
        // Several recognizers share one word list (passport, …): search the text once per list.
        let found = required.get(recognizer.requires);
        if (found === undefined) {
          const haystack = lowerText();
          found = recognizer.requires.some((word) => haystack.includes(word));
          required.set(recognizer.requires, found);
        }
        if (!found) continue;
      }
      if (recognizer.gate === 'digit') {
        for (let w = 0; w < windows.length; w += 2) {
          const from = windows[w] as number;
          const to = windows[w + 1] as number;
          const part = from === 0 && to === text.length ? text : text.slice(from, to);
          matchPattern(recognizer, part, from, text, hits);
        }
      } else matchPattern(recognizer, text, 0, text, hits);
    }
    if (typeOn('EMAIL_ADDRESS') && text.includes('@')) findEmails(text, hits, []);
    if (typeOn('URL') && (text.includes('://') || lowerText().includes('www.'))) findUrls(text, hits);
    if (typeOn('ZIP_CODE') && hasDigit) findPostalCodes(text, hits);
    if (typeOn('IP_ADDRESS') && hasDigit) findIpv6(text, hits, CONTEXT.ip);
    if (typeOn('PHONE_NUMBER') && hasDigit) {
      // A national-format number without phone context scores at most PHONE_NATIONAL_MAX: below the
      // threshold, so it is not worth a libphonenumber parse per country.
      const worthParsing =
        minScore > PHONE_NATIONAL_MAX
          ? (start: number, end: number): boolean => {
              const before = text.slice(Math.max(0, start - windowSize), start).toLowerCase();
              const after = text.slice(end, end + SUFFIX_WINDOW).toLowerCase();
              return findContext(before, CONTEXT.phone) || findContext(after, CONTEXT.phone);
            }
          : undefined;
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
    const kept: Resolved[] = [];
    for (const { hit } of order) {
      if (kept.some((k) => hit.start < k.end && k.start < hit.end)) continue;
      kept.push(hit);
    }
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
