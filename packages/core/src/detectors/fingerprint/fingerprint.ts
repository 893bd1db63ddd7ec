/**
 * Document fingerprints: the exact-data-match of enterprise DLP. A protected document is normalised
 * (lower-cased, punctuation stripped, whitespace collapsed), cut into k-word shingles, each shingle hashed
 * to a 53-bit integer, and winnowing (Schleimer, Wilkerson & Aiken, 2003) keeps the minimum hash of every
 * window of `window` consecutive shingles. Only those hashes are kept, never text. A prompt is fingerprinted
 * the same way and flagged when enough of its fingerprints belong to one protected document.
 */
import { z } from 'zod';
import type { Finding } from '../../model/finding.ts';
import type { Segment } from '../../model/segment.ts';
import { foldCodeUnit, isWordCharAt } from '../aho-corasick.ts';
import type { Detector } from '../contract.ts';
import type { DetectorDefinition } from '../registry.ts';

/** Default shingle length in words. */
export const FINGERPRINT_DEFAULT_K = 8;
/** Default winnowing window, in shingles. */
export const FINGERPRINT_DEFAULT_WINDOW = 4;

/** Options of the fingerprinting itself; a document and the prompts checked against it must agree. */
export interface FingerprintOptions {
  /** Words per shingle (default 8). */
  k?: number;
  /** Winnowing window in shingles (default 4). */
  window?: number;
}

/** The fingerprints of one document: sorted, distinct 53-bit hashes. */
export interface DocumentFingerprints {
  fingerprints: number[];
  count: number;
}

/** A protected document as the detector (and the fingerprint store) knows it: hashes only. */
export const FingerprintSet = z.object({
  id: z.string().min(1).max(128),
  name: z.string().max(256),
  fingerprints: z.array(z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)),
  count: z.number().int().nonnegative(),
});
export type FingerprintSet = z.infer<typeof FingerprintSet>;

/** One selected fingerprint with where its shingle lies in the text. */
export interface LocatedFingerprint {
  hash: number;
  /** UTF-16 offset where the shingle's first word starts. */
  start: number;
  /** UTF-16 offset where the shingle's last word ends (exclusive). */
  end: number;
}

interface Word {
  hashHi: number;
  hashLo: number;
  start: number;
  end: number;
}

/**
 * Splits text into normalised words (runs of letters, digits and marks, lower-cased per code unit),
 * each with its two 32-bit hash lanes and its offsets in the original text.
 */
function words(text: string): Word[] {
  const out: Word[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    if (!isWordCharAt(text, i)) {
      i++;
      continue;
    }
    const start = i;
    let hi = 0x811c9dc5;
    let lo = 0x9747b28c;
    while (i < n && isWordCharAt(text, i)) {
      const code = foldCodeUnit(text.charCodeAt(i));
      hi = Math.imul(hi ^ code, 0x01000193);
      lo = Math.imul(lo ^ code, 0x5bd1e995);
      lo ^= lo >>> 15;
      i++;
    }
    out.push({ hashHi: hi, hashLo: lo, start, end: i });
  }
  return out;
}

function mix32(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Hash of the k words starting at `from`, as a non-negative 53-bit integer. */
function shingleHash(list: readonly Word[], from: number, k: number): number {
  let hi = 0x243f6a88;
  let lo = 0x85a308d3;
  for (let j = from; j < from + k; j++) {
    const word = list[j]!;
    hi = Math.imul(hi ^ word.hashHi, 0x9e3779b1);
    hi = (hi << 13) | (hi >>> 19);
    lo = Math.imul(lo ^ word.hashLo, 0xcc9e2d51);
    lo = (lo << 17) | (lo >>> 15);
    lo = (lo + hi) | 0;
  }
  return (mix32(hi ^ Math.imul(lo, 0x27d4eb2d)) & 0x1fffff) * 0x100000000 + mix32(lo ^ hi);
}

function resolve(options: FingerprintOptions): { k: number; window: number } {
  const k = options.k ?? FINGERPRINT_DEFAULT_K;
  const window = options.window ?? FINGERPRINT_DEFAULT_WINDOW;
  if (!Number.isInteger(k) || k < 1 || k > 64)
    throw new RangeError(`shingle length \`${k}\` must be 1 to 64`);
  if (!Number.isInteger(window) || window < 1 || window > 64)
    throw new RangeError(`winnowing window \`${window}\` must be 1 to 64`);
  return { k, window };
}

/**
 * Winnowed fingerprints of a text with the offsets of their shingles, in text order. A text shorter
 * than k words has one shingle (all its words) when it has any; robust winnowing picks the rightmost
 * minimum of each window and records it once.
 */
export function locateFingerprints(text: string, options: FingerprintOptions = {}): LocatedFingerprint[] {
  const { k, window } = resolve(options);
  const list = words(text);
  if (list.length === 0) return [];
  const size = Math.min(k, list.length);
  const count = list.length - size + 1;
  const hashes = new Array<number>(count);
  for (let i = 0; i < count; i++) hashes[i] = shingleHash(list, i, size);
  const located = (i: number): LocatedFingerprint => ({
    hash: hashes[i]!,
    start: list[i]!.start,
    end: list[i + size - 1]!.end,
  });
  if (count <= window) {
    let best = 0;
    for (let i = 1; i < count; i++) if (hashes[i]! <= hashes[best]!) best = i;
    return [located(best)];
  }
  // Monotonic deque of indexes with increasing hashes: linear over all windows.
  const out: LocatedFingerprint[] = [];
  const deque = new Int32Array(count);
  let head = 0;
  let tail = 0;
  let last = -1;
  for (let i = 0; i < count; i++) {
    while (tail > head && hashes[deque[tail - 1]!]! >= hashes[i]!) tail--;
    deque[tail++] = i;
    if (deque[head]! <= i - window) head++;
    if (i >= window - 1) {
      const best = deque[head]!;
      if (best !== last) {
        out.push(located(best));
        last = best;
      }
    }
  }
  return out;
}

/** The fingerprints of a protected document: sorted distinct hashes and their number. Pure. */
export function fingerprintDocument(text: string, options: FingerprintOptions = {}): DocumentFingerprints {
  const unique = new Set(locateFingerprints(text, options).map((f) => f.hash));
  const fingerprints = [...unique].sort((a, b) => a - b);
  return { fingerprints, count: fingerprints.length };
}

/** Settings of the fingerprint detector. */
export const FingerprintSettings = z.object({
  documents: z.array(FingerprintSet).default([]),
  k: z.number().int().min(1).max(64).default(FINGERPRINT_DEFAULT_K),
  window: z.number().int().min(1).max(64).default(FINGERPRINT_DEFAULT_WINDOW),
  /**
   * Share of the prompt's fingerprints (or of those in the matched region) found in one document, short
   * edited gaps included (see `max_gap`).
   */
  threshold: z.number().min(0).max(1).default(0.5),
  /** Fewest fingerprints in common before anything is flagged. */
  min_matches: z.number().int().min(1).default(3),
  /**
   * A long prompt that embeds an excerpt is flagged when the region between its first and last matched
   * fingerprints reaches `threshold` with at least this many matches.
   */
  min_region_matches: z.number().int().min(1).default(6),
  /**
   * Tolerance for light edits: up to this many unmatched fingerprints between two matched ones count as
   * matched (one changed word breaks k shingles, about 2k/(window+1) fingerprints).
   */
  max_gap: z.number().int().min(0).max(64).default(6),
});
export type FingerprintSettings = z.infer<typeof FingerprintSettings>;

/**
 * Builds the fingerprint detector over a list of protected documents (hashes only). One finding per
 * segment and matching document; the span covers the matched region; the score is the share matched.
 */
export function createFingerprintDetector(settings: z.input<typeof FingerprintSettings>): Detector {
  const resolved = FingerprintSettings.parse(settings);
  const options = { k: resolved.k, window: resolved.window };
  const documents = resolved.documents.map((doc) => ({ doc, hashes: new Set(doc.fingerprints) }));
  const {
    threshold,
    min_matches: minMatches,
    min_region_matches: minRegionMatches,
    max_gap: maxGap,
  } = resolved;

  return {
    id: 'fingerprint',
    family: 'fingerprint',
    inspect(segments: readonly Segment[]): Finding[] {
      const findings: Finding[] = [];
      if (documents.length === 0) return findings;
      for (const segment of segments) {
        const located = locateFingerprints(segment.text, options);
        if (located.length < minMatches) continue;
        for (const { doc, hashes } of documents) {
          const hits = located.map((f) => hashes.has(f.hash));
          const matched = hits.filter(Boolean).length;
          if (matched < minMatches) continue;
          const first = hits.indexOf(true);
          const lastIndex = hits.lastIndexOf(true);
          // Light edits: a short run of unmatched fingerprints between two matched ones counts as covered.
          let covered = 0;
          let gap = 0;
          for (let i = first; i <= lastIndex; i++) {
            if (!hits[i]) {
              gap++;
              continue;
            }
            covered += 1 + (gap <= maxGap ? gap : 0);
            gap = 0;
          }
          const share = covered / located.length;
          const regionShare = covered / (lastIndex - first + 1);
          let score: number;
          if (share >= threshold) score = share;
          else if (matched >= minRegionMatches && regionShare >= threshold) score = regionShare;
          else continue;
          let end = 0;
          for (let i = first; i <= lastIndex; i++) end = Math.max(end, located[i]!.end);
          findings.push({
            family: 'fingerprint',
            type: 'DOCUMENT_FINGERPRINT',
            score: Math.min(1, score),
            segment: segment.index,
            span: { start: located[first]!.start, end },
            detector: 'fingerprint.document',
            explanation: `${matched} of ${located.length} fingerprints match protected document \`${doc.id}\``,
          });
        }
      }
      return findings;
    },
  };
}

/** Registry entry for the fingerprint detector. */
export const fingerprintDefinition: DetectorDefinition<typeof FingerprintSettings> = {
  id: 'fingerprint',
  family: 'fingerprint',
  description: 'Flags prompts that contain an excerpt of a protected document (winnowed shingle hashes)',
  languages: ['*'],
  settings: FingerprintSettings,
  create: (settings) => createFingerprintDetector(settings),
};
