import type { Detector, DetectorDefinition } from '@parapet/core';
import type { Config } from '../config/index.ts';
import { didYouMean } from '../config/index.ts';
import { withDetectorCache } from './detector-cache.ts';

/** Settings a definition gets from outside the config (e.g. fingerprints registered on disk). */
export type DetectorExtras = Readonly<Record<string, Record<string, unknown>>>;

export class DetectorConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(
      `invalid detector settings (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n  - ${issues.join('\n  - ')}`,
    );
    this.name = 'DetectorConfigError';
  }
}

/** A definition that is off unless its settings say otherwise (e.g. a dictionary with no terms). */
export interface DetectorDefault {
  enabledByDefault(settings: Record<string, unknown>): boolean;
}

/**
 * Builds the detectors the deployment runs from `config.detectors` and the explicit definitions list:
 * every definition is on unless `enabled: false` (or its `enabledByDefault` says it has nothing to do),
 * settings are validated by the definition's schema (all problems reported at once), and each detector is
 * wrapped with the content-hash cache.
 */
export function buildDetectors(
  config: Pick<Config, 'detectors'>,
  definitions: readonly (DetectorDefinition & Partial<DetectorDefault>)[],
  extras: DetectorExtras = {},
  only?: readonly string[],
): Detector[] {
  const section = config.detectors as Record<string, unknown> & { enabled: boolean };
  const known = new Set(definitions.map((d) => d.id));
  const issues: string[] = [];
  for (const key of Object.keys(section)) {
    if (key === 'enabled' || key === 'external' || known.has(key)) continue;
    const hint = didYouMean(key, known);
    issues.push(
      `detectors.${key}: unknown detector${hint === null ? '' : `; did you mean \`${hint}\`?`} (known: ${[...known].join(', ')})`,
    );
  }
  if (only !== undefined) {
    for (const id of only)
      if (!known.has(id)) issues.push(`unknown detector \`${id}\` (known: ${[...known].join(', ')})`);
  }
  const detectors: Detector[] = [];
  if (section.enabled !== false || only !== undefined) {
    for (const def of definitions) {
      if (only !== undefined && !only.includes(def.id)) continue;
      const raw = {
        ...(extras[def.id] ?? {}),
        ...((section[def.id] as Record<string, unknown> | undefined) ?? {}),
      };
      const { enabled, ...settings } = raw as { enabled?: boolean } & Record<string, unknown>;
      if (enabled === false && only === undefined) continue;
      if (enabled === undefined && def.enabledByDefault !== undefined && !def.enabledByDefault(settings))
        continue;
      const parsed = def.settings.safeParse(settings);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          issues.push(
            `detectors.${def.id}${issue.path.length > 0 ? `.${issue.path.join('.')}` : ''}: ${issue.message}`,
          );
        }
        continue;
      }
      detectors.push(withDetectorCache(def.create(parsed.data), { maxEntries: 5000, minChars: 256 }));
    }
  }
  if (issues.length > 0) throw new DetectorConfigError(issues);
  return detectors;
}
