import type { z } from 'zod';
import type { Detector } from './contract.ts';

/**
 * A kind of detector the deployment can turn on: its id, family, the schema of its settings (validated
 * once, when the detector is built), and the factory. The built-in list is explicit (builtin.ts); nothing
 * registers itself on import.
 */
export interface DetectorDefinition<S extends z.ZodType = z.ZodType> {
  /** Stable id, e.g. `pii`, `secrets`, `code`. */
  readonly id: string;
  /** Family reported in findings and scan output. */
  readonly family: string;
  /** One sentence for docs and `parapet scan --help`. */
  readonly description: string;
  /** Languages the detector supports (ISO 639-1), or `['*']` when language does not matter. */
  readonly languages: readonly string[];
  readonly settings: S;
  create(settings: z.output<S>): Detector;
}
