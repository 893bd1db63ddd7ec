import type { DetectorDefinition } from '../registry.ts';
import { createHarmfulDetector, HarmfulSettings } from './harmful-detector.ts';

export {
  CATEGORY_CUES,
  findCategoryCues,
  HAZARD_CODES,
  HAZARD_NAMES,
  type HazardCode,
} from './categories.ts';
export {
  createHarmfulDetector,
  DEFAULT_HARMFUL_THRESHOLD,
  type HarmfulScores,
  HarmfulSettings,
  loadHarmfulModel,
  scoreHarmful,
} from './harmful-detector.ts';
export { HarmfulModelFile } from './model-file.ts';

/** The `harmful` detector definition: MLCommons hazard categories S1–S14 with per-category scores. */
export const harmfulDefinition: DetectorDefinition<typeof HarmfulSettings> = {
  id: 'harmful',
  family: 'harmful',
  description:
    'harmful requests and outputs in the MLCommons hazard categories S1–S14 (Llama Guard codes), with a score per category',
  languages: ['en'],
  settings: HarmfulSettings,
  create: (settings) => createHarmfulDetector(settings),
};
