import type { DetectorFailure, Finding } from '../model/finding.ts';
import type { Segment } from '../model/segment.ts';

/** Families whose scan result lists entities with spans. */
const ENTITY_FAMILIES = new Set(['pii', 'secrets', 'code', 'confidential', 'dictionary', 'fingerprint']);

export interface ScanEntity {
  type: string;
  /** UTF-16 offsets into the scanned text (or into `messages[message]` content), end exclusive. */
  start: number;
  end: number;
  score: number;
  /** The rule or model that found it. */
  detector: string;
  /** Index of the message, when `messages` were scanned. */
  message?: number;
}

export type FamilyResult =
  | { flagged: boolean; entities: ScanEntity[] }
  | { flagged: boolean; score: number; categories?: string[] }
  | { labels: { topic: string; score: number }[] };

/** The result of one scan: the contract of `parapet scan`, `POST /v1/scan` and `scan()`. */
export interface ScanResult {
  id?: string | number | null;
  flagged: boolean;
  latency_ms?: number;
  detections: Record<string, FamilyResult>;
  /** Detectors that could not answer (error or timeout): never counted as "nothing found". */
  failures?: DetectorFailure[];
  language?: string;
}

export interface ScanThresholds {
  /** Minimum score for a finding to flag its family; default 0.5. */
  default: number;
  /** Per-family override. */
  families?: Readonly<Record<string, number>>;
}

export interface BuildScanResultOptions {
  /** Families to report even when they found nothing (the detectors that ran). */
  families: readonly string[];
  thresholds?: ScanThresholds;
  /** When true, segments are messages and entities carry their message index. */
  messages?: boolean;
}

/**
 * Turns findings into the scan result shape of DESIGN.md: entity families list their entities (type,
 * span, score, rule), score families report their best score, topics list labels. A family is flagged when
 * a finding reaches its threshold.
 */
export function buildScanResult(
  segments: readonly Segment[],
  findings: readonly Finding[],
  failures: readonly DetectorFailure[],
  options: BuildScanResultOptions,
): ScanResult {
  const detections: Record<string, FamilyResult> = {};
  const threshold = (family: string): number =>
    options.thresholds?.families?.[family] ?? options.thresholds?.default ?? 0.5;
  const families = new Set(options.families);
  for (const f of findings) families.add(f.family);
  let flagged = false;
  for (const family of families) {
    const own = findings.filter((f) => f.family === family);
    const min = threshold(family);
    if (family === 'topics') {
      detections[family] = {
        labels: own
          .map((f) => ({ topic: f.type, score: round(f.score) }))
          .sort((a, b) => b.score - a.score || a.topic.localeCompare(b.topic)),
      };
      continue;
    }
    if (ENTITY_FAMILIES.has(family)) {
      const entities: ScanEntity[] = [];
      for (const f of own) {
        if (f.span === null || f.score < min) continue;
        const entity: ScanEntity = {
          type: f.type,
          start: f.span.start,
          end: f.span.end,
          score: round(f.score),
          detector: f.detector,
        };
        if (options.messages === true && f.segment !== null) {
          const seg = segments.find((s) => s.index === f.segment);
          if (seg !== undefined) entity.message = messageIndexOf(seg);
        }
        entities.push(entity);
      }
      entities.sort((a, b) => (a.message ?? 0) - (b.message ?? 0) || a.start - b.start || a.end - b.end);
      const familyFlagged = entities.length > 0;
      flagged ||= familyFlagged;
      detections[family] = { flagged: familyFlagged, entities };
      continue;
    }
    let score = 0;
    const categories = new Set<string>();
    for (const f of own) {
      if (f.score > score) score = f.score;
      if (f.score >= min) categories.add(f.type);
    }
    const familyFlagged = score >= min && own.length > 0;
    flagged ||= familyFlagged;
    detections[family] =
      family === 'harmful'
        ? { flagged: familyFlagged, score: round(score), categories: [...categories].sort() }
        : { flagged: familyFlagged, score: round(score) };
  }
  const result: ScanResult = { flagged, detections };
  if (failures.length > 0) result.failures = [...failures];
  return result;
}

/** Segments built by scanSegments carry their message index in the path `messages[i]…`. */
function messageIndexOf(segment: Segment): number {
  const m = /^messages\[(\d{1,9})\]/.exec(segment.path);
  return m === null ? 0 : Number(m[1]);
}

function round(n: number): number {
  return Math.round(n * 1e4) / 1e4;
}
