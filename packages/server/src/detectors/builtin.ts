import { dirname } from 'node:path';
import { BUILTIN_DETECTORS, type Detector } from '@parapet/core';
import type { Config } from '../config/index.ts';
import { loadFingerprints } from '../fingerprints/fingerprint-store.ts';
import { buildDetectors } from './build-detectors.ts';
import { buildExternalDetectors } from './external/config.ts';

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
  const builtin = buildDetectors(
    config,
    DEFINITIONS,
    { fingerprint: { documents } },
    only?.filter((id) => BUILTIN_IDS.has(id)),
  );
  const external =
    config.detectors.enabled === false && only === undefined
      ? []
      : await buildExternalDetectors(config.detectors.external, {
          baseDir: config.config_file === null ? process.cwd() : dirname(config.config_file),
        });
  const chosen =
    only === undefined ? external : external.filter((d) => only.includes(d.family) || only.includes(d.id));
  if (only !== undefined) {
    const unknown = only.filter(
      (id) => !BUILTIN_IDS.has(id) && !external.some((d) => d.family === id || d.id === id),
    );
    if (unknown.length > 0) buildDetectors(config, DEFINITIONS, {}, unknown);
  }
  const detectors = [...builtin, ...chosen];
  // Lazily loaded models (the shipped word vectors) load here, once, so no request pays for the load
  // inside its detector time budget.
  await Promise.all(detectors.map((d) => d.ready?.()));
  return detectors;
}

const BUILTIN_IDS = new Set(BUILTIN_DETECTORS.map((d) => d.id));

/** For CLI commands: `--detectors a,b` selects by id or family (undefined = the configured set). */
export function detectorsForCommand(
  config: Config,
  only: readonly string[] | undefined,
): Promise<Detector[]> {
  return detectorsForConfig(config, only);
}
