import type { Detector } from '../detectors/contract.ts';
import type { DetectorFailure, Finding } from '../model/finding.ts';
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
  await Promise.all(
    detectors.map(async (d) => {
      try {
        for (const f of await d.inspect(segments, { direction })) findings.push(f);
      } catch (err) {
        failures.push({
          detector: d.id,
          family: d.family,
          reason: 'error',
          message: err instanceof Error ? err.message : 'failed',
        });
      }
    }),
  );
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
