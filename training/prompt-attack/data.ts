/**
 * The prompt-attack data: which shared datasets are used, with which labels, and the split. Shared by
 * the training script and the (uncommitted) evaluation script. Reads `PARAPET_DATASETS` or
 * `../shared/datasets` next to the repository; never copies text into the repository.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTrainingId, readJsonl } from '../lib/train-linear.ts';

/** One labelled text of a shared dataset. */
export interface LabelledText {
  dataset: string;
  id: string;
  text: string;
  /** True for an attack (jailbreak or injection). */
  attack: boolean;
}

/** A dataset used for the prompt-attack family, with how its labels map and whether it may be trained on. */
export interface DatasetUse {
  name: string;
  /** Labels counted as attacks; every other kept label is benign. */
  attackLabels: readonly string[];
  /** Labels kept (others, e.g. xstest `harmful`, are skipped: harmful is not an attack). */
  keepLabels: readonly string[];
  /** Licence allows training (train-ok in the datasets README). */
  trainOk: boolean;
}

export const DATASETS: readonly DatasetUse[] = [
  {
    name: 'jackhhao-jailbreak-classification',
    attackLabels: ['jailbreak'],
    keepLabels: ['jailbreak', 'benign'],
    trainOk: true,
  },
  { name: 'jailbreak-llms-wild', attackLabels: ['jailbreak'], keepLabels: ['jailbreak'], trainOk: true },
  {
    name: 'giskard-prompt-injections',
    attackLabels: ['jailbreak', 'injection'],
    keepLabels: ['jailbreak', 'injection'],
    trainOk: true,
  },
  { name: 'oasst1-prompts', attackLabels: [], keepLabels: ['benign'], trainOk: true },
  { name: 'self-instruct-prompts', attackLabels: [], keepLabels: ['benign'], trainOk: true },
  { name: 'xstest', attackLabels: [], keepLabels: ['benign'], trainOk: true },
  { name: 'notinject', attackLabels: [], keepLabels: ['benign'], trainOk: false },
  { name: 'alpaca-harmless-instructions', attackLabels: [], keepLabels: ['benign'], trainOk: false },
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
    out.push({
      dataset: use.name,
      id: String(row.id),
      text: row.text,
      attack: use.attackLabels.includes(label),
    });
  }
  return out;
}

/** Training rows: train-ok sets, training split (even ids) only. */
export function trainingRows(root = datasetsRoot()): LabelledText[] {
  return DATASETS.filter((d) => d.trainOk).flatMap((d) =>
    loadDataset(d, root).filter((r) => isTrainingId(r.id)),
  );
}

/**
 * Report rows per dataset: the odd-id split of train-ok sets, the whole of evaluation-only sets.
 */
export function reportRows(root = datasetsRoot()): Map<string, LabelledText[]> {
  const out = new Map<string, LabelledText[]>();
  for (const d of DATASETS) {
    const rows = loadDataset(d, root);
    out.set(d.name, d.trainOk ? rows.filter((r) => !isTrainingId(r.id)) : rows);
  }
  return out;
}
