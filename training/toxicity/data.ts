/**
 * Loads the toxicity training and report data from the shared datasets (path from env PARAPET_DATASETS,
 * default ../shared/datasets relative to the repository). Nothing here is copied into the repository.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isTrainingId, readJsonl } from '../lib/train-linear.ts';

/** A labelled text from one dataset. */
export interface LabelledText {
  dataset: string;
  id: string;
  text: string;
  /** True for toxic texts (any kind). */
  toxic: boolean;
  /** True for hate: Davidson `hate_speech` or a ToxiGen hate statement. */
  hate: boolean;
  /** Ids ending in an even digit: the training split. */
  training: boolean;
}

/** The sets the model is trained on (training split only); all are train-ok (MIT, Apache-2.0). */
export const TRAIN_SETS = [
  'davidson-hate-offensive',
  'toxigen-seed-statements',
  'oasst1-prompts',
  'self-instruct-prompts',
] as const;

/**
 * Benign texts that name identity groups (BBQ's bias-probing questions, CC BY 4.0, train-ok): negatives
 * for the `implicit_hate` label only, so that naming a group is not itself a cue. Training split only.
 */
export const GROUP_NEGATIVE_SETS = ['bbq'] as const;

/** Evaluation-only sets (not train-ok), reported whole. */
export const EVAL_ONLY_SETS = ['alpaca-harmless-instructions'] as const;

/** The datasets folder: PARAPET_DATASETS, else ../shared/datasets next to the repository. */
export function datasetsDir(): string {
  const fromEnv = process.env.PARAPET_DATASETS;
  return resolve(
    fromEnv && fromEnv.length > 0 ? fromEnv : join(import.meta.dirname, '../../../shared/datasets'),
  );
}

/** Reads one dataset as labelled texts; throws when the folder is missing. */
export function loadSet(name: string, dir = datasetsDir()): LabelledText[] {
  const path = join(dir, name, 'data.jsonl');
  if (!existsSync(path)) throw new Error(`dataset file \`${path}\` not found; set PARAPET_DATASETS`);
  return readJsonl(path).map((r) => {
    const label = String(r.label);
    const toxic = label === 'toxic';
    const hate = toxic && (name === 'toxigen-seed-statements' || String(r.category ?? '') === 'hate_speech');
    return {
      dataset: name,
      id: String(r.id),
      text: String(r.text),
      toxic,
      hate,
      training: isTrainingId(r.id),
    };
  });
}
