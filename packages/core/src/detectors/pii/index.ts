/**
 * The `pii` detector: format-matched and checksum-validated identifiers (pii-detector.ts) together with
 * names, places, street addresses and organisations (names-detector.ts), as one detector.
 */

import type { Finding } from '../../model/finding.ts';
import type { Segment } from '../../model/segment.ts';
import type { Detector } from '../contract.ts';
import type { DetectorDefinition } from '../registry.ts';
import { createNamesDetector, NAMES_TYPES } from './names-detector.ts';
import { createFormatPiiDetector, PII_FORMAT_TYPES } from './pii-detector.ts';
import { postcodesNearAddress } from './postal-codes.ts';
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
  const zipOn =
    wanted.includes('STREET_ADDRESS') &&
    (settings.types === undefined || settings.types.includes('ZIP_CODE'));
  const minScore = settings.min_score;
  return {
    id: 'pii',
    family: 'pii',
    inspect(segments, ctx) {
      // Both parts are synchronous today; stay synchronous when they are (no promise per request).
      const a = formats.inspect(segments, ctx);
      const b = names.inspect(segments, ctx);
      if (Array.isArray(a) && Array.isArray(b)) return merge(segments, a, b, allow, zipOn, minScore);
      return Promise.all([a, b]).then(([x, y]) => merge(segments, x, y, allow, zipOn, minScore));
    },
  };
}

/** The format findings `a` and the names findings `b` of one request, as one list (module-level: no closure per request). */
function merge(
  segments: readonly Segment[],
  a: Finding[],
  b: Finding[],
  allow: ReadonlySet<string>,
  zipOn: boolean,
  minScore: number,
): Finding[] {
  if (b.length === 0) return a;
  if (zipOn) a = withAddressPostcodes(segments, a, b, allow, minScore);
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
}

/** True when a street address of `addresses` in `segment` overlaps `[start, end)`. */
function covered(addresses: readonly Finding[], segment: number | null, start: number, end: number): boolean {
  return addresses.some(
    (x) => x.segment === segment && x.span !== null && x.span.start < end && start < x.span.end,
  );
}

/**
 * Postcodes and street addresses: a postcode inside a STREET_ADDRESS finding is part of that address
 * (one redaction covers it, as for the places inside it), so it is not a ZIP_CODE of its own; a
 * postcode right after a street address that the address does not cover (`…Street\n10115 Berlin`
 * when only the street line is found) is reported as ZIP_CODE.
 */
function withAddressPostcodes(
  segments: readonly Segment[],
  a: Finding[],
  b: Finding[],
  allow: ReadonlySet<string>,
  minScore: number,
): Finding[] {
  const addresses = b.filter((f) => f.type === 'STREET_ADDRESS' && f.span !== null);
  if (addresses.length === 0) return a;
  const out = a.filter(
    (x) =>
      x.type !== 'ZIP_CODE' || x.span === null || !covered(addresses, x.segment, x.span.start, x.span.end),
  );
  for (const f of addresses) {
    const seg = segments.find((s) => s.index === f.segment);
    if (seg === undefined) continue;
    for (const hit of postcodesNearAddress(seg.text, f.span!)) {
      if (hit.score < minScore || covered(addresses, f.segment, hit.start, hit.end)) continue;
      const taken = out.some(
        (x) => x.segment === f.segment && x.span !== null && x.span.start < hit.end && hit.start < x.span.end,
      );
      if (taken) continue;
      if (allow.has(seg.text.slice(hit.start, hit.end).toLowerCase())) continue;
      out.push({
        family: 'pii',
        type: 'ZIP_CODE',
        score: hit.score,
        segment: f.segment,
        span: { start: hit.start, end: hit.end },
        detector: hit.id,
        explanation: 'postcode after a street address',
      });
    }
  }
  return out;
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
