import { BUILTIN_DETECTORS, type Detector } from '@parapet/core';
import type { Config } from '../config/index.ts';
import { loadFingerprints } from '../fingerprints/fingerprint-store.ts';
import { buildDetectors } from './build-detectors.ts';

/** Detectors that have nothing to do until the deployment gives them data. */
const ON_WHEN_GIVEN: Readonly<Record<string, (settings: Record<string, unknown>) => boolean>> = {
  dictionary: (s) => Array.isArray(s.terms) && s.terms.length > 0,
  fingerprint: (s) => Array.isArray(s.documents) && s.documents.length > 0,
};

const DEFINITIONS = BUILTIN_DETECTORS.map((d) =>
  ON_WHEN_GIVEN[d.id] === undefined ? d : { ...d, enabledByDefault: ON_WHEN_GIVEN[d.id] },
);

/**
 * The built-in detectors for a deployment: `config.detectors` settings, plus the document fingerprints
 * registered in the data directory with `parapet fingerprint add`.
 */
export async function detectorsForConfig(config: Config, only?: readonly string[]): Promise<Detector[]> {
  const documents = await loadFingerprints(config.data_dir);
  return buildDetectors(config, DEFINITIONS, { fingerprint: { documents } }, only);
}

/** For CLI commands: `--detectors a,b` selects by id or family (undefined = the configured set). */
export function detectorsForCommand(
  config: Config,
  only: readonly string[] | undefined,
): Promise<Detector[]> {
  return detectorsForConfig(config, only);
}
