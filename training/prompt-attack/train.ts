/**
 * Trains the prompt-attack classifier shipped in models/prompt-attack/model.json.
 *
 * Data: train-ok sets only (data.ts), training split only (ids ending in an even digit). The method is
 * chosen by measurement: five-fold cross-validation inside the training split (folds by the last id digit);
 * each candidate method gets out-of-fold scores for every training text and a threshold for at most 1%
 * false positives on each benign set, out of fold; the comparison is printed (and copied into the model
 * card). The chosen method is then refitted on the whole training split, and its bias shifted so that the
 * chosen operating point is the score 0.5. Deterministic: fixed seeds, sorted input, byte-identical output.
 *
 * Run: `node --import tsx training/prompt-attack/train.ts` (PARAPET_DATASETS overrides the data folder).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifierText } from '../../packages/core/src/detectors/prompt-attack/prepare.ts';
import { type LinearModelFile, loadLinearModel } from '../../packages/core/src/index.ts';
import { datasetsRoot, type LabelledText, trainingRows } from './data.ts';
import { lastDigit, METHODS, type Method, thresholdFor } from './methods.ts';

const OUT = resolve(dirname(fileURLToPath(import.meta.url)), '../../models/prompt-attack/model.json');
const TARGET_FPR = 0.01;

function scorer(file: LinearModelFile): (text: string) => number {
  const model = loadLinearModel(file);
  return (text) => model.score(classifierText(text))[0]!;
}

function pct(x: number): string {
  return (100 * x).toFixed(1);
}

function main(): void {
  const root = datasetsRoot();
  const rows = trainingRows(root).sort((a, b) => (a.dataset + a.id < b.dataset + b.id ? -1 : 1));
  if (rows.length === 0) throw new Error(`no training data under \`${root}\``);
  // Five folds by the last id digit (0, 2, 4, 6, 8): out-of-fold scores for every training text.
  const folds = [0, 2, 4, 6, 8];
  console.log(`training split: ${rows.length} texts, 5 folds by last id digit`);
  const datasets = [...new Set(rows.map((r) => r.dataset))];
  const results: { method: Method; threshold: number; tpr: number }[] = [];
  for (const method of METHODS) {
    const scored: { r: LabelledText; s: number }[] = [];
    for (const fold of folds) {
      const score = scorer(
        method.fit(
          rows.filter((r) => lastDigit(r.id) !== fold),
          method.name,
        ),
      );
      for (const r of rows) if (lastDigit(r.id) === fold) scored.push({ r, s: score(r.text) });
    }
    // The strictest of the per-dataset thresholds: at most 1% false positives on EACH benign set.
    const threshold = Math.max(
      ...datasets.map((d) =>
        thresholdFor(
          scored.filter((x) => !x.r.attack && x.r.dataset === d).map((x) => x.s),
          TARGET_FPR,
        ),
      ),
    );
    const attacks = scored.filter((x) => x.r.attack);
    const tpr = attacks.filter((x) => x.s >= threshold).length / attacks.length;
    results.push({ method, threshold, tpr });
    const perSet = datasets.flatMap((d) =>
      [true, false].flatMap((attack) => {
        const xs = scored.filter((x) => x.r.dataset === d && x.r.attack === attack);
        if (xs.length === 0) return [];
        const hit = xs.filter((x) => x.s >= threshold).length;
        return [`${d} ${attack ? 'TPR' : 'FPR'} ${pct(hit / xs.length)} (n=${xs.length})`];
      }),
    );
    console.log(
      `| ${method.name} | threshold ${threshold.toFixed(4)} | attack TPR ${pct(tpr)} | ${perSet.join(' | ')}`,
    );
  }
  const best = results.reduce((a, b) => (b.tpr > a.tpr ? b : a));
  console.log(`chosen: ${best.method.name} (cross-validated threshold ${best.threshold.toFixed(4)})`);
  const description =
    `prompt_attack: ${best.method.name}; trained on the even-id split of jackhhao-jailbreak-classification, ` +
    'jailbreak-llms-wild, giskard-prompt-injections, oasst1-prompts, self-instruct-prompts and xstest (benign); ' +
    `bias shifted so that the cross-validated operating point (${best.threshold.toFixed(4)}, at most 1% FPR on each benign set, out of fold) scores 0.5`;
  const file = best.method.fit(rows, description);
  const logit = Math.log(best.threshold / (1 - best.threshold));
  file.bias = file.bias.map((b) => Math.round((b - logit) * 1e6) / 1e6);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(file)}\n`);
  console.log(`wrote ${OUT}`);
}

main();
