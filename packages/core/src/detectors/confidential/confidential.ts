/**
 * Confidentiality and classification markers ("Confidential", "For internal use only", "Attorney–client
 * privileged", "TOP SECRET//NOFORN", "Streng vertraulich", "EAR99"…). Phrases are matched with one
 * Aho–Corasick automaton over a folded copy of the text (lower case, any dash as `-`, whitespace runs as
 * one space) whose offsets map back to the original. The score depends on where the marker stands: a
 * header or footer line, a label ("Classification: Restricted") or capitals raise it; an ordinary
 * sentence or a question lowers it.
 */
import { z } from 'zod';
import type { Finding } from '../../model/finding.ts';
import type { Segment } from '../../model/segment.ts';
import { createAhoCorasick, foldCodeUnit, isWordCharAt } from '../aho-corasick.ts';
import type { Detector } from '../contract.ts';
import type { DetectorDefinition } from '../registry.ts';
import { type ConfidentialType, MARKER_LABELS, MARKER_PHRASES, type MarkerPhrase } from './markers.ts';

export type { ConfidentialType, MarkerPhrase, MarkerStrength } from './markers.ts';
export { MARKER_PHRASES } from './markers.ts';

const CONFIDENTIAL_TYPES = [
  'CONFIDENTIAL',
  'INTERNAL_ONLY',
  'PRIVILEGED',
  'RESTRICTED',
  'SECRET_CLASSIFICATION',
  'NDA',
  'EXPORT_CONTROLLED',
  'TRADE_SECRET',
] as const satisfies readonly ConfidentialType[];

/** Settings of the confidential detector. */
export const ConfidentialSettings = z.object({
  /** Findings scoring below this are not reported. */
  min_score: z.number().min(0).max(1).default(0.5),
  /** Report only these types (default: all). */
  types: z.array(z.enum(CONFIDENTIAL_TYPES)).optional(),
});
export type ConfidentialSettings = z.infer<typeof ConfidentialSettings>;

const BASE_SCORE = { strong: 0.75, medium: 0.45, weak: 0.2 } as const;
const BONUS = { markerLine: 0.3, edge: 0.1, label: 0.35, caps: 0.2 } as const;
const PENALTY = { prose: 0.1, question: 0.1 } as const;
/** A line with at most this many words besides its markers reads as a header, footer or stamp. */
const MARKER_LINE_WORDS = 2;
/** A line with more words than this besides its markers reads as an ordinary sentence. */
const PROSE_WORDS = 12;
/** Non-empty lines at each end of a segment that count as header or footer. */
const EDGE_LINES = 3;

function isSpace(code: number): boolean {
  return (
    code === 32 ||
    (code >= 9 && code <= 13) ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

function isDash(code: number): boolean {
  return (
    code === 45 || (code >= 0x2010 && code <= 0x2015) || code === 0x2212 || code === 0xfe63 || code === 0xff0d
  );
}

/** Per ASCII code unit: 0 an ordinary character, 1 white space, 2 a dash. */
const ASCII_KIND = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_KIND[c] = isDash(c) ? 2 : isSpace(c) ? 1 : 0;

/** What {@link fold} does with a code unit: 0 keep (folded), 1 white space, 2 dash. */
function kindOf(code: number): number {
  if (code < 128) return ASCII_KIND[code]!;
  return isDash(code) ? 2 : isSpace(code) ? 1 : 0;
}

/** UTF-16 decoder for the folded units; keeps a leading U+FEFF (it is text here, not a byte-order mark). */
const UTF16 = new TextDecoder('utf-16le', { ignoreBOM: true });

/**
 * Lower-cases per code unit, turns every run of whitespace into one space and every run of whitespace
 * and dashes containing a dash into one `-`. ASCII takes a table look-up per character; the folded units
 * become a string in one decoder call (or, when the text holds surrogates, which the decoder would replace
 * when unpaired, chunk by chunk).
 */
function foldText(text: string): string {
  const n = text.length;
  const codes = new Uint16Array(n);
  let surrogates = false;
  let out = 0;
  let i = 0;
  while (i < n) {
    const code = text.charCodeAt(i);
    const kind = kindOf(code);
    if (kind !== 0) {
      let dash = kind === 2;
      i++;
      while (i < n) {
        const k = kindOf(text.charCodeAt(i));
        if (k === 2) dash = true;
        else if (k === 0) break;
        i++;
      }
      codes[out] = dash ? 45 : 32;
      out++;
      continue;
    }
    if (code < 128) {
      codes[out] = code >= 65 && code <= 90 ? code + 32 : code;
    } else {
      if (code >= 0xd800 && code <= 0xdfff) surrogates = true;
      codes[out] = foldCodeUnit(code);
    }
    out++;
    i++;
  }
  if (!surrogates) return UTF16.decode(codes.subarray(0, out));
  let folded = '';
  for (let from = 0; from < out; from += 8192) {
    folded += String.fromCharCode(...codes.subarray(from, Math.min(out, from + 8192)));
  }
  return folded;
}

/**
 * Where each unit of {@link foldText}'s output starts in `text`, plus one entry holding `text.length`: the
 * unit at folded offset `k` covers `text[starts[k], starts[k + 1])`.
 */
function foldStarts(text: string): Int32Array {
  const n = text.length;
  const starts = new Int32Array(n + 1);
  let out = 0;
  let i = 0;
  while (i < n) {
    starts[out++] = i;
    if (kindOf(text.charCodeAt(i)) === 0) {
      i++;
      continue;
    }
    i++;
    while (i < n && kindOf(text.charCodeAt(i)) !== 0) i++;
  }
  starts[out] = n;
  return starts.subarray(0, out + 1);
}

/** Why a marker scored as it did, by bit of the reason mask. */
const REASONS = [
  'on a marker line',
  'in header or footer position',
  'after a classification label',
  'in capitals',
  'inside a sentence',
  'in a question',
] as const;

function isCaps(text: string): boolean {
  return text !== text.toLowerCase() && text === text.toUpperCase();
}

/** {@link isCaps} of `text[start, end)`, without a copy when that part is ASCII. */
function isCapsAt(text: string, start: number, end: number): boolean {
  let upper = false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128) return isCaps(text.slice(start, end));
    if (code >= 97 && code <= 122) return false;
    if (code >= 65 && code <= 90) upper = true;
  }
  return upper;
}

/** Counts the words of `text[from, to)` (runs of word characters), stopping once past `limit`. */
function countWords(text: string, from: number, to: number, limit: number): number {
  let words = 0;
  let inWord = false;
  for (let i = from; i < to; i++) {
    const word = isWordCharAt(text, i);
    if (word && !inWord && ++words > limit) return words;
    inWord = word;
  }
  return words;
}

/** Builds the confidential-marker detector; settings are validated once here. */
export function createConfidentialDetector(settings: z.input<typeof ConfidentialSettings> = {}): Detector {
  const resolved = ConfidentialSettings.parse(settings);
  const enabled = new Set<ConfidentialType>(resolved.types ?? CONFIDENTIAL_TYPES);
  const minScore = resolved.min_score;
  const markers: MarkerPhrase[] = [];
  const patterns: { id: string; text: string }[] = [];
  const seen = new Set<string>();
  for (const marker of MARKER_PHRASES) {
    if (!enabled.has(marker.type)) continue;
    const base = foldText(marker.phrase);
    const variants = base.includes('-')
      ? [base, base.replaceAll('-', ' '), base.replaceAll('-', '/')]
      : [base];
    for (const variant of variants) {
      if (seen.has(variant)) continue;
      seen.add(variant);
      patterns.push({ id: String(markers.length), text: variant });
    }
    markers.push(marker);
  }
  const automaton = createAhoCorasick(patterns, { wholeWords: true });
  const labels = MARKER_LABELS.map((label) => foldText(label));

  /** Detector id of each marker, computed once. */
  const ruleIds = markers.map((marker) => `confidential.${marker.type.toLowerCase().replaceAll('_', '-')}`);
  /** Explanation per marker and set of reasons (bit mask of {@link REASONS}), built on first use. */
  const explanations: (string | undefined)[][] = markers.map(() => []);

  function explanation(markerIndex: number, reasons: number): string {
    const cached = explanations[markerIndex]![reasons];
    if (cached !== undefined) return cached;
    const marker = markers[markerIndex]!;
    const parts = REASONS.filter((_, bit) => (reasons & (1 << bit)) !== 0);
    const made = `${marker.strength} ${marker.lang} classification marker${
      parts.length === 0 ? '' : ` ${parts.join(', ')}`
    }`;
    explanations[markerIndex]![reasons] = made;
    return made;
  }

  function hasLabelBefore(text: string, lineStart: number, start: number): boolean {
    const from = Math.max(lineStart, start - 48);
    // Quick refusal: the folded prefix can end in a colon only if the original does, before white space
    // (a run holding a dash folds to `-`) or U+FEFF (kept by the fold, removed by `trimEnd`).
    let last = start - 1;
    while (last >= from) {
      const code = text.charCodeAt(last);
      if (code !== 0xfeff && kindOf(code) !== 1) break;
      last--;
    }
    if (last < from) return false;
    const code = text.charCodeAt(last);
    if (code !== 0x3a && code !== 0xff1a) return false;
    let prefix = foldText(text.slice(from, start)).trimEnd();
    if (!prefix.endsWith(':') && !prefix.endsWith('：')) return false;
    prefix = prefix.slice(0, -1).trimEnd();
    return labels.some(
      (label) => prefix.endsWith(label) && !isWordCharAt(prefix, prefix.length - label.length - 1),
    );
  }

  function inspectSegment(segment: Segment, findings: Finding[]): void {
    const text = segment.text;
    if (text.length === 0) return;
    const raw = automaton.search(foldText(text));
    if (raw.length === 0) return;
    // Offsets back to the original only for the few texts that hold a marker.
    const starts = foldStarts(text);
    // Leftmost-longest, non-overlapping, after mapping back to the original text.
    const hitMarker = new Int32Array(raw.length);
    const hitStart = new Int32Array(raw.length);
    const hitEnd = new Int32Array(raw.length);
    let count = 0;
    raw.sort((a, b) => a.start - b.start || b.end - a.end);
    let covered = 0;
    for (const match of raw) {
      if (match.start < covered) continue;
      const markerIndex = Number(match.id);
      const start = starts[match.start]!;
      const end = starts[match.end]!;
      if (markers[markerIndex]!.caps === true && !isCapsAt(text, start, end)) continue;
      covered = match.end;
      hitMarker[count] = markerIndex;
      hitStart[count] = start;
      hitEnd[count] = end;
      count++;
    }
    if (count === 0) return;

    // Line table (linear): start offsets of every line, and the first and last non-empty lines.
    const lineStarts: number[] = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
    const lineEnd = (line: number) =>
      line + 1 < lineStarts.length ? lineStarts[line + 1]! - 1 : text.length;
    const nonEmpty: number[] = [];
    for (let line = 0; line < lineStarts.length && nonEmpty.length < EDGE_LINES; line++) {
      if (countWords(text, lineStarts[line]!, lineEnd(line), 0) > 0) nonEmpty.push(line);
    }
    const lastNonEmpty: number[] = [];
    for (
      let line = lineStarts.length - 1;
      line > nonEmpty[nonEmpty.length - 1]! && lastNonEmpty.length < EDGE_LINES;
      line--
    ) {
      if (countWords(text, lineStarts[line]!, lineEnd(line), 0) > 0) lastNonEmpty.push(line);
    }
    const isEdge = (line: number) => nonEmpty.includes(line) || lastNonEmpty.includes(line);

    let line = 0;
    let index = 0;
    while (index < count) {
      while (line + 1 < lineStarts.length && lineStarts[line + 1]! <= hitStart[index]!) line++;
      const from = lineStarts[line]!;
      const to = lineEnd(line);
      const first = index;
      while (index < count && hitStart[index]! < to) index++;
      let other = 0;
      let cursor = from;
      for (let hit = first; hit < index; hit++) {
        other += countWords(text, cursor, Math.max(cursor, hitStart[hit]!), PROSE_WORDS);
        cursor = Math.max(cursor, hitEnd[hit]!);
      }
      other += countWords(text, cursor, Math.max(cursor, to), PROSE_WORDS);
      const lineText = text.slice(from, Math.min(to, from + 2000));
      const question = lineText.includes('?');
      const markerLine = other <= MARKER_LINE_WORDS && !question;
      const edge = markerLine && isEdge(line);
      const shouting = countWords(text, from, to, PROSE_WORDS) > PROSE_WORDS && isCaps(lineText);
      for (let hit = first; hit < index; hit++) {
        const markerIndex = hitMarker[hit]!;
        const marker = markers[markerIndex]!;
        const start = hitStart[hit]!;
        const end = hitEnd[hit]!;
        let reasons = 0;
        let score: number = BASE_SCORE[marker.strength];
        if (markerLine) {
          score += BONUS.markerLine;
          reasons |= 1;
          if (edge) {
            score += BONUS.edge;
            reasons |= 2;
          }
        }
        if (hasLabelBefore(text, from, start)) {
          score += BONUS.label;
          reasons |= 4;
        }
        if (!shouting && isCapsAt(text, start, end)) {
          score += BONUS.caps;
          reasons |= 8;
        }
        if (other > PROSE_WORDS) {
          score -= PENALTY.prose;
          reasons |= 16;
        }
        if (question) {
          score -= PENALTY.question;
          reasons |= 32;
        }
        score = Math.round(Math.min(0.99, Math.max(0.05, score)) * 100) / 100;
        if (score < minScore) continue;
        findings.push({
          family: 'confidential',
          type: marker.type,
          score,
          segment: segment.index,
          span: { start, end },
          detector: ruleIds[markerIndex]!,
          explanation: explanation(markerIndex, reasons),
        });
      }
    }
  }

  return {
    id: 'confidential',
    family: 'confidential',
    inspect(segments: readonly Segment[]): Finding[] {
      const findings: Finding[] = [];
      for (const segment of segments) inspectSegment(segment, findings);
      return findings;
    },
  };
}

/** Registry entry for the confidential detector. */
export const confidentialDefinition: DetectorDefinition<typeof ConfidentialSettings> = {
  id: 'confidential',
  family: 'confidential',
  description:
    'Finds confidentiality and classification markers (confidential, internal only, privileged, NDA, export control)',
  languages: ['en', 'de', 'fr', 'es', 'pt', 'it', 'nl'],
  settings: ConfidentialSettings,
  create: (settings) => createConfidentialDetector(settings),
};
