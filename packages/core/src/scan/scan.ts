import type { Detector } from '../detectors/contract.ts';
import type { DetectorFailure, Finding } from '../model/finding.ts';
import type { Direction, Segment } from '../model/segment.ts';
import { parseScanRequest, type ScanRequest } from './scan-input.ts';
import { buildScanResult, type ScanResult, type ScanThresholds } from './scan-result.ts';

export interface ScanOptions {
  thresholds?: ScanThresholds;
}

/**
 * Scans a text (or chat messages) with the given detectors and returns the scan result of DESIGN.md.
 * Detectors run concurrently; one that throws is reported in `failures`, never as "nothing found". The
 * core has no clock, so there is no time budget here: the gateway, `/v1/scan` and `parapet scan` add one.
 *
 * ```ts
 * const result = await scan([createPiiDetector({})], 'mail me at ada@example.com');
 * result.detections.pii // { flagged: true, entities: [{ type: 'EMAIL_ADDRESS', start: 11, end: 26, … }] }
 * ```
 */
export async function scan(
  detectors: readonly Detector[],
  input: string | ScanRequest,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const { request, segments, messages } = parseScanRequest(typeof input === 'string' ? { input } : input);
  const direction = request.direction ?? 'input';
  const findings: Finding[] = [];
  const failures: DetectorFailure[] = [];
  const answers = startAll(detectors, segments, direction, findings, failures);
  if (answers !== null) await settle(detectors, answers, findings, failures);
  const resultOptions = { families: detectors.map((d) => d.family), messages } as const;
  const result = buildScanResult(
    segments,
    findings,
    failures,
    options.thresholds === undefined ? resultOptions : { ...resultOptions, thresholds: options.thresholds },
  );
  if (request.id !== undefined) return { id: request.id, ...result };
  return result;
}

/** What `inspect` gave back: findings, a promise of them, or nothing when it threw (already a failure). */
type Answer = Finding[] | Promise<Finding[]> | undefined;

/**
 * Calls every detector's `inspect` in list order. When all of them answer synchronously (the built-in
 * detectors do), their findings are appended here in list order and `null` is returned: no promise and
 * no microtask per detector. Otherwise the answers are returned for {@link settle}. A detector that throws
 * is recorded as a failure at once, as the one-promise-per-detector runner did.
 */
function startAll(
  detectors: readonly Detector[],
  segments: readonly Segment[],
  direction: Direction,
  findings: Finding[],
  failures: DetectorFailure[],
): Answer[] | null {
  const answers: Answer[] = new Array(detectors.length);
  let pending = false;
  for (let i = 0; i < detectors.length; i++) {
    const d = detectors[i]!;
    try {
      const answer = d.inspect(segments, { direction });
      if (!Array.isArray(answer)) pending = true;
      answers[i] = answer;
    } catch (err) {
      failures.push(failureOf(d, err));
      answers[i] = undefined;
    }
  }
  if (pending) return answers;
  for (const answer of answers)
    if (answer !== undefined) for (const f of answer as Finding[]) findings.push(f);
  return null;
}

/**
 * Collects the answers when at least one detector is asynchronous. Every answer is awaited in its own
 * task, in list order, exactly as a per-detector `async` wrapper would, so findings and failures keep the
 * order (order of settlement) they always had.
 */
async function settle(
  detectors: readonly Detector[],
  answers: readonly Answer[],
  findings: Finding[],
  failures: DetectorFailure[],
): Promise<void> {
  await Promise.all(
    answers.map(async (answer, i) => {
      if (answer === undefined) return;
      try {
        for (const f of await answer) findings.push(f);
      } catch (err) {
        failures.push(failureOf(detectors[i]!, err));
      }
    }),
  );
}

function failureOf(d: Detector, err: unknown): DetectorFailure {
  return {
    detector: d.id,
    family: d.family,
    reason: 'error',
    message: err instanceof Error ? err.message : 'failed',
  };
}
