import type { Detector, DetectorFailure, Direction, Finding, Segment } from '@parapet/core';

export interface InspectionResult {
  findings: Finding[];
  failures: DetectorFailure[];
}

const EMPTY: InspectionResult = Object.freeze({
  findings: Object.freeze([]),
  failures: Object.freeze([]),
}) as unknown as InspectionResult;

/** Sentinel for a detector that ran out of time. */
const TIMEOUT = Symbol('timeout');

/**
 * Runs every detector on the segments concurrently, each within `budgetMs`. A detector that throws or
 * runs out of time becomes a DetectorFailure (never "nothing found"); the decider sees it. With no
 * detectors the result is the shared empty result, with no allocation.
 */
export async function runDetectors(
  detectors: readonly Detector[],
  segments: readonly Segment[],
  direction: Direction,
  budgetMs: number,
): Promise<InspectionResult> {
  if (detectors.length === 0 || segments.length === 0) return EMPTY;
  const outcomes = await Promise.all(detectors.map((d) => runOne(d, segments, direction, budgetMs)));
  const findings: Finding[] = [];
  const failures: DetectorFailure[] = [];
  for (const o of outcomes) {
    if ('failure' in o) failures.push(o.failure);
    else for (const f of o.findings) findings.push(f);
  }
  return { findings, failures };
}

async function runOne(
  detector: Detector,
  segments: readonly Segment[],
  direction: Direction,
  budgetMs: number,
): Promise<{ findings: Finding[] } | { failure: DetectorFailure }> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = detector.inspect(segments, { direction, signal: controller.signal });
    if (Array.isArray(result)) return { findings: result };
    const timeout = new Promise<typeof TIMEOUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMEOUT), budgetMs);
    });
    const raced = await Promise.race([result, timeout]);
    if (raced === TIMEOUT) {
      controller.abort();
      return {
        failure: {
          detector: detector.id,
          family: detector.family,
          reason: 'timeout',
          message: `no answer within ${budgetMs} ms`,
        },
      };
    }
    return { findings: raced };
  } catch (err) {
    const message = err instanceof Error ? err.message : 'detector failed';
    return {
      failure: {
        detector: detector.id,
        family: detector.family,
        reason: 'error',
        message: message.slice(0, 200),
      },
    };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
