/**
 * The `pii` detector: format-matched and checksum-validated identifiers (pii-detector.ts) together with
 * names, places, street addresses and organisations (names-detector.ts), as one detector.
 */

import type { Finding } from '../../model/finding.ts';
import type { Detector } from '../contract.ts';
import type { DetectorDefinition } from '../registry.ts';
import { createNamesDetector, NAMES_TYPES } from './names-detector.ts';
import { createFormatPiiDetector, PII_FORMAT_TYPES } from './pii-detector.ts';
import { PiiSettings, type PiiSettingsInput } from './settings.ts';

export { PII_FORMAT_TYPES } from './pii-detector.ts';
export { PiiSettings, type PiiSettingsInput } from './settings.ts';

/** Builds the PII detector. `settings` may omit defaulted fields; it is validated once here. */
export function createPiiDetector(settings: PiiSettingsInput = {}): Detector {
  return combinedPiiDetector(PiiSettings.parse(settings));
}

/** Every entity type the `pii` detector can report. */
export const PII_TYPES: readonly string[] = Object.freeze([...PII_FORMAT_TYPES, ...NAMES_TYPES]);

function combinedPiiDetector(settings: PiiSettings): Detector {
  const formats = createFormatPiiDetector(settings);
  const wanted =
    settings.types === undefined ? [...NAMES_TYPES] : NAMES_TYPES.filter((t) => settings.types!.includes(t));
  if (wanted.length === 0) return formats;
  const names = createNamesDetector({ min_score: settings.min_score, types: wanted });
  const allow = new Set(settings.allow_list.map((v) => v.toLowerCase()));
  return {
    id: 'pii',
    family: 'pii',
    inspect(segments, ctx) {
      const merge = (a: Finding[], b: Finding[]): Finding[] => {
        if (b.length === 0) return a;
        const kept =
          allow.size === 0
            ? b
            : b.filter((f) => {
                const seg = segments.find((s) => s.index === f.segment);
                return (
                  seg === undefined ||
                  f.span === null ||
                  !allow.has(seg.text.slice(f.span.start, f.span.end).toLowerCase())
                );
              });
        return a.length === 0 ? kept : [...a, ...kept];
      };
      // Both parts are synchronous today; stay synchronous when they are (no promise per request).
      const a = formats.inspect(segments, ctx);
      const b = names.inspect(segments, ctx);
      if (Array.isArray(a) && Array.isArray(b)) return merge(a, b);
      return Promise.all([a, b]).then(([x, y]) => merge(x, y));
    },
  };
}

/** Registry entry for the `pii` detector. */
export const piiDefinition: DetectorDefinition<typeof PiiSettings> = {
  id: 'pii',
  family: 'pii',
  description: `Personal data: ${PII_FORMAT_TYPES.length + NAMES_TYPES.length} types — checksum-validated identifiers (cards, IBAN, national IDs), contacts, dates, names, places and organisations`,
  languages: ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl'],
  settings: PiiSettings,
  create: (settings) => combinedPiiDetector(settings),
};
