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

interface Folded {
  text: string;
  /** Original offset where each folded code unit starts. */
  starts: Int32Array;
  /** Original offset where each folded code unit ends. */
  ends: Int32Array;
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
 * and dashes containing a dash into one `-`, remembering where each folded unit came from. ASCII takes a
 * table look-up per character; the folded units become a string in one decoder call (or, when the text
 * holds surrogates, which the decoder would replace when unpaired, chunk by chunk).
 */
function fold(text: string): Folded {
  const starts = new Int32Array(text.length);
  const ends = new Int32Array(text.length);
  const folded = foldText(text, starts, ends);
  return { text: folded, starts: starts.subarray(0, folded.length), ends: ends.subarray(0, folded.length) };
}

/**
 * The folded text of {@link fold}; the original offsets where each folded unit starts and ends are written
 * to `starts` and `ends` when given (most texts hold no marker: their search needs no offsets).
 */
function foldText(text: string, starts?: Int32Array, ends?: Int32Array): string {
  const n = text.length;
  const codes = new Uint16Array(n);
  let surrogates = false;
  let out = 0;
  let i = 0;
  while (i < n) {
    const code = text.charCodeAt(i);
    const kind = kindOf(code);
    if (kind !== 0) {
      const start = i;
      let dash = kind === 2;
      i++;
      while (i < n) {
        const k = kindOf(text.charCodeAt(i));
        if (k === 2) dash = true;
        else if (k === 0) break;
        i++;
      }
      codes[out] = dash ? 45 : 32;
      if (starts !== undefined && ends !== undefined) {
        starts[out] = start;
        ends[out] = i;
      }
      out++;
      continue;
    }
    if (code < 128) {
      codes[out] = code >= 65 && code <= 90 ? code + 32 : code;
    } else {
      if (code >= 0xd800 && code <= 0xdfff) surrogates = true;
      codes[out] = foldCodeUnit(code);
    }
    if (starts !== undefined && ends !== undefined) {
      starts[out] = i;
      ends[out] = i + 1;
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

function isCaps(text: string): boolean {
  return text !== text.toLowerCase() && text === text.toUpperCase();
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

interface Hit {
  marker: MarkerPhrase;
  start: number;
  end: number;
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
    const base = fold(marker.phrase).text;
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
  const labels = MARKER_LABELS.map((label) => fold(label).text);

  function hasLabelBefore(text: string, lineStart: number, start: number): boolean {
    let prefix = fold(text.slice(Math.max(lineStart, start - 48), start)).text.trimEnd();
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
    // Offsets back to the original only for the few texts that hold a marker: folded again, with them.
    const folded = fold(text);
    // Leftmost-longest, non-overlapping, after mapping back to the original text.
    const hits: Hit[] = [];
    raw.sort((a, b) => a.start - b.start || b.end - a.end);
    let covered = 0;
    for (const match of raw) {
      if (match.start < covered) continue;
      const marker = markers[Number(match.id)]!;
      const start = folded.starts[match.start]!;
      const end = folded.ends[match.end - 1]!;
      if (marker.caps === true && !isCaps(text.slice(start, end))) continue;
      covered = match.end;
      hits.push({ marker, start, end });
    }
    if (hits.length === 0) return;

    // Line table (linear): start offsets of every line and which lines are non-empty.
    const lineStarts: number[] = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
    const lineEnd = (line: number) =>
      line + 1 < lineStarts.length ? lineStarts[line + 1]! - 1 : text.length;
    const nonEmpty: number[] = [];
    for (let line = 0; line < lineStarts.length; line++) {
      if (countWords(text, lineStarts[line]!, lineEnd(line), 0) > 0) nonEmpty.push(line);
    }
    const edge = new Set([...nonEmpty.slice(0, EDGE_LINES), ...nonEmpty.slice(-EDGE_LINES)]);

    let line = 0;
    let index = 0;
    while (index < hits.length) {
      while (line + 1 < lineStarts.length && lineStarts[line + 1]! <= hits[index]!.start) line++;
      const from = lineStarts[line]!;
      const to = lineEnd(line);
      const group: Hit[] = [];
      while (index < hits.length && hits[index]!.start < to) group.push(hits[index++]!);
      let other = 0;
      let cursor = from;
      for (const hit of group) {
        other += countWords(text, cursor, Math.max(cursor, hit.start), PROSE_WORDS);
        cursor = Math.max(cursor, hit.end);
      }
      other += countWords(text, cursor, Math.max(cursor, to), PROSE_WORDS);
      const lineText = text.slice(from, Math.min(to, from + 2000));
      const question = lineText.includes('?');
      const markerLine = other <= MARKER_LINE_WORDS && !question;
      const shouting = countWords(text, from, to, PROSE_WORDS) > PROSE_WORDS && isCaps(lineText);
      for (const hit of group) {
        const reasons: string[] = [];
        let score: number = BASE_SCORE[hit.marker.strength];
        if (markerLine) {
          score += BONUS.markerLine;
          reasons.push('on a marker line');
          if (edge.has(line)) {
            score += BONUS.edge;
            reasons.push('in header or footer position');
          }
        }
        if (hasLabelBefore(text, from, hit.start)) {
          score += BONUS.label;
          reasons.push('after a classification label');
        }
        if (!shouting && isCaps(text.slice(hit.start, hit.end))) {
          score += BONUS.caps;
          reasons.push('in capitals');
        }
        if (other > PROSE_WORDS) {
          score -= PENALTY.prose;
          reasons.push('inside a sentence');
        }
        if (question) {
          score -= PENALTY.question;
          reasons.push('in a question');
        }
        score = Math.round(Math.min(0.99, Math.max(0.05, score)) * 100) / 100;
        if (score < minScore) continue;
        findings.push({
          family: 'confidential',
          type: hit.marker.type,
          score,
          segment: segment.index,
          span: { start: hit.start, end: hit.end },
          detector: `confidential.${hit.marker.type.toLowerCase().replaceAll('_', '-')}`,
          explanation: `${hit.marker.strength} ${hit.marker.lang} classification marker${
            reasons.length === 0 ? '' : ` ${reasons.join(', ')}`
          }`,
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
