import {
  buildScanResult,
  type Detector,
  detectLanguage,
  parseScanRequest,
  type ScanResult,
} from '@parapet/core';
import { runDetectors } from '../pipeline/inspect.ts';

export type Scanner = (body: unknown) => Promise<ScanResult & { latency_ms: number }>;

/**
 * Scans one request body (`{input}` / `{text}` / `{messages}`, optional `id` and `direction`) with the
 * given detectors, each within `budgetMs`, and returns the DESIGN.md scan result with its latency.
 * Throws ParapetError PARAPET_REQUEST_INVALID for a malformed body.
 */
export function createScanner(
  detectors: readonly Detector[],
  budgetMs: number,
  now: () => number = () => performance.now(),
): Scanner {
  const families = [...new Set(detectors.map((d) => d.family))];
  return async (body) => {
    const start = now();
    const { request, segments, messages } = parseScanRequest(body);
    const { findings, failures } = await runDetectors(
      detectors,
      segments,
      request.direction ?? 'input',
      budgetMs,
    );
    const result = buildScanResult(segments, findings, failures, { families, messages });
    result.language = detectLanguage(segments.map((s) => s.text).join('\n')).language;
    const latency = Math.round((now() - start) * 1000) / 1000;
    return { ...(request.id === undefined ? {} : { id: request.id }), ...result, latency_ms: latency };
  };
}
