/**
 * The harmful-request data: which shared datasets are used, how their labels map, and the split. Shared
 * by the training script and the (uncommitted) evaluation script. Reads `PARAPET_DATASETS` or
 * `../shared/datasets` next to the repository; never copies text into the repository.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DATASET_CATEGORY_CODES,
  findCategoryCues,
  type HazardCode,
} from '../../packages/core/src/detectors/harmful/categories.ts';
import { isTrainingId, readJsonl } from '../lib/train-linear.ts';

/** One labelled text of a shared dataset. */
export interface LabelledText {
  dataset: string;
  id: string;
  text: string;
  harmful: boolean;
  /** Category name given by the dataset, if any. */
  category?: string;
  /** Overrides the dataset's training weight (experiments). */
  weight?: number;
}

/** A dataset used for the harmful family. */
export interface DatasetUse {
  name: string;
  harmfulLabels: readonly string[];
  keepLabels: readonly string[];
  /** Licence allows training (train-ok in the datasets README). */
  trainOk: boolean;
  /** Used to train (train-ok sets we chose); report-only otherwise. */
  train: boolean;
  /** Training weight per example of this set. */
  weight?: number;
}

export const DATASETS: readonly DatasetUse[] = [
  { name: 'advbench', harmfulLabels: ['harmful'], keepLabels: ['harmful'], trainOk: true, train: true },
  { name: 'strongreject', harmfulLabels: ['harmful'], keepLabels: ['harmful'], trainOk: true, train: true },
  {
    name: 'jailbreak-llms-forbidden-questions',
    harmfulLabels: ['harmful'],
    keepLabels: ['harmful'],
    trainOk: true,
    train: true,
  },
  {
    name: 'hh-rlhf-harmless-first-turns',
    harmfulLabels: ['harmful_attempt'],
    keepLabels: ['harmful_attempt'],
    trainOk: true,
    train: true,
    weight: 0.25,
  },
  {
    name: 'xstest',
    harmfulLabels: ['harmful'],
    keepLabels: ['harmful', 'benign'],
    trainOk: true,
    train: true,
  },
  { name: 'oasst1-prompts', harmfulLabels: [], keepLabels: ['benign'], trainOk: true, train: true },
  { name: 'self-instruct-prompts', harmfulLabels: [], keepLabels: ['benign'], trainOk: true, train: true },
  {
    name: 'jackhhao-jailbreak-classification',
    harmfulLabels: [],
    keepLabels: ['benign'],
    trainOk: true,
    train: true,
  },
  {
    name: 'presidio-synth-pii',
    harmfulLabels: [],
    keepLabels: ['pii', 'no_pii'],
    trainOk: true,
    train: true,
  },
  {
    name: 'toxigen-seed-statements',
    harmfulLabels: [],
    keepLabels: ['non_toxic'],
    trainOk: true,
    train: true,
  },
  {
    name: 'bbq',
    harmfulLabels: [],
    keepLabels: [
      'Age',
      'Disability_status',
      'Nationality',
      'Physical_appearance',
      'Religion',
      'Sexual_orientation',
    ],
    trainOk: true,
    train: true,
    weight: 0.3,
  },
  { name: 'notinject', harmfulLabels: [], keepLabels: ['benign'], trainOk: false, train: false },
  {
    name: 'alpaca-harmless-instructions',
    harmfulLabels: [],
    keepLabels: ['benign'],
    trainOk: false,
    train: false,
  },
];

/** The shared datasets folder: `PARAPET_DATASETS`, or `../shared/datasets` next to the repository. */
export function datasetsRoot(): string {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  return process.env.PARAPET_DATASETS ?? resolve(repo, '../shared/datasets');
}

/** Reads one dataset's kept rows; empty when the file is absent. */
export function loadDataset(use: DatasetUse, root = datasetsRoot()): LabelledText[] {
  const file = join(root, use.name, 'data.jsonl');
  if (!existsSync(file)) return [];
  const out: LabelledText[] = [];
  for (const row of readJsonl(file)) {
    const label = String(row.label);
    if (!use.keepLabels.includes(label) || typeof row.text !== 'string') continue;
    const category = typeof row.category === 'string' ? row.category : undefined;
    out.push({
      dataset: use.name,
      id: String(row.id),
      text: row.text,
      harmful: use.harmfulLabels.includes(label),
      ...(category ? { category } : {}),
    });
  }
  return out;
}

/** Training rows: train-ok sets chosen for training, training split (even ids) only. */
export function trainingRows(root = datasetsRoot()): LabelledText[] {
  return DATASETS.filter((d) => d.trainOk && d.train).flatMap((d) =>
    loadDataset(d, root).filter((r) => isTrainingId(r.id)),
  );
}

/** Report rows per dataset: the odd-id split of train-ok sets, the whole of evaluation-only sets. */
export function reportRows(root = datasetsRoot()): Map<string, LabelledText[]> {
  const out = new Map<string, LabelledText[]>();
  for (const d of DATASETS) {
    const rows = loadDataset(d, root);
    out.set(d.name, d.trainOk ? rows.filter((r) => !isTrainingId(r.id)) : rows);
  }
  return out;
}

/** Training weight of a row's dataset. */
export function weightOf(row: LabelledText): number {
  return row.weight ?? DATASETS.find((d) => d.name === row.dataset)?.weight ?? 1;
}

/**
 * Weak hazard categories of a harmful row: the dataset's own category mapped to codes when it has one
 * (strongreject, forbidden-questions), otherwise the categories whose lexicon cues appear in the text.
 */
export function weakCategories(row: LabelledText): HazardCode[] {
  const mapped = row.category ? DATASET_CATEGORY_CODES[row.category] : undefined;
  if (mapped && mapped.length > 0) return [...mapped];
  return findCategoryCues(row.text).map((c) => c.code);
}
