// Parapet's four data-security detectors (pii, secrets, code, confidential) as a benchmark target, run
// through the public `scan()` API of @parapet/core.

import {
  createCodeDetector,
  createConfidentialDetector,
  createPiiDetector,
  createSecretsDetector,
  type Detector,
  PII_TYPES,
  type Segment,
  scan,
} from '@parapet/core';
import type { BenchTarget } from './types.ts';

/** Parapet type → presidio-synth-pii type where the names differ (as in scripts/quality.ts). */
export const PARAPET_TYPE_MAP: Readonly<Record<string, string>> = {
  LOCATION: 'GPE',
  URL: 'DOMAIN_NAME',
  DATE_OF_BIRTH: 'DATE_TIME',
};

function segmentsOf(text: string): Segment[] {
  return [{ index: 0, source: 'user', path: 'input', text }];
}

/** Builds the Parapet target with every detector on its default settings. */
export async function createParapetTarget(): Promise<BenchTarget> {
  const pii = createPiiDetector({});
  const secrets = createSecretsDetector({});
  const code = createCodeDetector({});
  const confidential = createConfidentialDetector({});
  const detectors: readonly Detector[] = [pii, secrets, code, confidential];
  const inspect = async (d: Detector, text: string) => d.inspect(segmentsOf(text), { direction: 'input' });
  return {
    id: 'parapet',
    label: '@parapet/core (this repository)',
    checks: ['scan() with pii, secrets, code, confidential (default settings)'],
    typeMap: PARAPET_TYPE_MAP,
    piiTypes: [...new Set(PII_TYPES.map((t) => PARAPET_TYPE_MAP[t] ?? t))],
    async all(text) {
      return (await scan(detectors, text)).flagged;
    },
    async pii(text) {
      const findings = await inspect(pii, text);
      return findings
        .filter((f) => f.span !== null)
        .map((f) => ({ start: f.span!.start, end: f.span!.end, type: PARAPET_TYPE_MAP[f.type] ?? f.type }));
    },
    async secrets(text) {
      return (await inspect(secrets, text)).length > 0;
    },
    parts() {
      return {
        pii: (text) => inspect(pii, text),
        secrets: (text) => inspect(secrets, text),
        code: (text) => inspect(code, text),
        confidential: (text) => inspect(confidential, text),
      };
    },
  };
}
