/**
 * UCI Adult through `parapet audit fairness`, with a model trained here: a logistic regression on a
 * handful of numeric and one-hot features, fitted by seeded mini-batch gradient descent on the train
 * split, scored on the test split. The audit must find the known direction (women are selected for
 * income > 50K far less often than men: disparate impact well under 0.8), and the threshold optimizer
 * for demographic parity must close most of that gap at a small, reported cost in accuracy.
 */

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type FairnessAudit, type MitigationResult, type ParitySummary, seededRandom } from '@parapet/core';
import { csvFileChunks, readCsv } from '../../src/audit/csv.ts';
import { runCliCaptured } from '../helpers/cli.ts';

const DATASETS =
  process.env.PARAPET_DATASETS ?? fileURLToPath(new URL('../../../../../shared/datasets', import.meta.url));
const DATA = join(DATASETS, 'uci-adult', 'data.csv');
const available = existsSync(DATA);
const skip = available ? false : process.env.CI === 'true' ? false : `UCI Adult data not found at ${DATA}`;

interface Person {
  split: string;
  features: number[];
  label: 0 | 1;
  sex: string;
  race: string;
}

/** Numeric columns, standardised with the train split's mean and deviation. */
const NUMERIC = ['age', 'education_num', 'hours_per_week'] as const;

function featuresOf(row: Record<string, string>): number[] {
  const marital = row['marital_status']!;
  const occupation = row['occupation']!;
  return [
    Number(row['age']),
    Number(row['education_num']),
    Number(row['hours_per_week']),
    Math.log1p(Number(row['capital_gain'])) / 10,
    Math.log1p(Number(row['capital_loss'])) / 10,
    marital === 'Married-civ-spouse' || marital === 'Married-AF-spouse' ? 1 : 0,
    row['sex'] === 'Male' ? 1 : 0,
    occupation === 'Exec-managerial' || occupation === 'Prof-specialty' ? 1 : 0,
    row['workclass']!.startsWith('Self-emp') ? 1 : 0,
  ];
}

async function load(): Promise<Person[]> {
  const people: Person[] = [];
  let header: string[] | null = null;
  for await (const record of readCsv(await csvFileChunks(DATA))) {
    if (header === null) {
      header = record.fields;
      continue;
    }
    const row = Object.fromEntries(header.map((name, i) => [name, record.fields[i] ?? '']));
    people.push({
      split: row['split']!,
      features: featuresOf(row),
      label: row['income_gt_50k'] === '1' ? 1 : 0,
      sex: row['sex']!,
      race: row['race']!,
    });
  }
  return people;
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Logistic regression by mini-batch gradient descent (log loss), seeded shuffles. */
function train(rows: readonly Person[], epochs: number, rate: number, seed: number): number[] {
  const d = rows[0]!.features.length;
  const w = new Array<number>(d + 1).fill(0);
  const random = seededRandom(seed);
  const order = rows.map((_, i) => i);
  const batch = 64;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let start = 0; start < order.length; start += batch) {
      const gradient = new Array<number>(d + 1).fill(0);
      const end = Math.min(order.length, start + batch);
      for (let k = start; k < end; k++) {
        const row = rows[order[k]!]!;
        const error = sigmoid(predictZ(w, row.features)) - row.label;
        for (let f = 0; f < d; f++) gradient[f]! += error * row.features[f]!;
        gradient[d]! += error;
      }
      for (let f = 0; f <= d; f++) w[f]! -= (rate * gradient[f]!) / (end - start);
    }
  }
  return w;
}

function predictZ(w: readonly number[], x: readonly number[]): number {
  let z = w[x.length]!;
  for (let f = 0; f < x.length; f++) z += w[f]! * x[f]!;
  return z;
}

const dir = mkdtempSync(join(tmpdir(), 'parapet-uci-adult-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const scored = join(dir, 'adult-test-scored.csv');
let testAccuracy = 0;

async function cli(argv: string[]) {
  const { code, stdout, stderr } = await runCliCaptured(argv, { cwd: dir });
  assert.equal(code, 0, stderr);
  return stdout;
}

const BASE = [
  'audit',
  'fairness',
  '--data',
  scored,
  '--label',
  'income_gt_50k',
  '--prediction',
  'prediction',
  '--score',
  'score',
];

function summary(audit: FairnessAudit, column: string, metric: ParitySummary['metric']): ParitySummary {
  const columnAudit = audit.columns.find((c) => c.column === column);
  const found = columnAudit?.summaries.find((s) => s.metric === metric);
  assert.ok(found !== undefined, `${metric} of ${column}`);
  return found;
}

function selection(audit: FairnessAudit, column: string, value: string): number {
  const group = audit.columns
    .find((c) => c.column === column)
    ?.groups.find((g) => g.values[column] === value);
  assert.ok(
    group?.selectionRate.value !== null && group?.selectionRate.value !== undefined,
    `${column}=${value}`,
  );
  return group.selectionRate.value;
}

describe('UCI Adult: a model trained in the fixture, audited by sex and race', { skip }, () => {
  before(async () => {
    if (!available) return;
    const people = await load();
    const trainRows = people.filter((p) => p.split === 'train');
    const testRows = people.filter((p) => p.split === 'test');
    assert.equal(trainRows.length, 32_561);
    assert.equal(testRows.length, 16_281);
    // Standardise the numeric features with the train split's statistics.
    NUMERIC.forEach((_, f) => {
      const values = trainRows.map((p) => p.features[f]!);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      for (const p of people) p.features[f] = (p.features[f]! - mean) / sd;
    });
    const w = train(trainRows, 5, 0.5, 7);
    const lines = ['sex,race,income_gt_50k,score,prediction'];
    let correct = 0;
    for (const p of testRows) {
      const score = sigmoid(predictZ(w, p.features));
      const prediction = score >= 0.5 ? 1 : 0;
      if (prediction === p.label) correct++;
      lines.push(`${p.sex},${p.race},${p.label},${score.toFixed(6)},${prediction}`);
    }
    testAccuracy = correct / testRows.length;
    writeFileSync(scored, `${lines.join('\n')}\n`);
  });

  test('the model is a reasonable one (test accuracy above 80%)', () => {
    assert.ok(testAccuracy > 0.8, `test accuracy ${testAccuracy}`);
  });

  test('by sex and race: women are selected far less often than men (disparate impact < 0.8)', async () => {
    const out = JSON.parse(await cli([...BASE, '--sensitive', 'sex,race', '--json']));
    const audit: FairnessAudit = out.audit;
    assert.equal(out.input.rowsAudited, 16_281);
    assert.equal(out.input.badRows, 0);
    const women = selection(audit, 'sex', 'Female');
    const men = selection(audit, 'sex', 'Male');
    assert.ok(women < men / 2, `selection rate women ${women} vs men ${men}`);
    const di = summary(audit, 'sex', 'disparate_impact');
    assert.ok(di.ratio.value !== null && di.ratio.value < 0.8, `disparate impact ${di.ratio.value}`);
    assert.equal(di.fourFifths, 'fail');
    // Race: the known direction too (Black defendants... applicants selected less often than White).
    assert.ok(selection(audit, 'race', 'Black') < selection(audit, 'race', 'White'));
    assert.ok(audit.intersection !== null && audit.intersection.groups.length >= 8);
    // Calibration bins exist for every group with scores.
    assert.ok(audit.columns[0]!.groups.every((g) => g.calibration !== null && g.calibration.length === 10));
  });

  test('threshold-dp mitigation closes most of the demographic-parity gap at a reported accuracy cost', async () => {
    const out = JSON.parse(
      await cli([...BASE, '--sensitive', 'sex', '--mitigate', 'threshold-dp', '--json']),
    );
    const mitigation: MitigationResult = out.mitigation;
    assert.equal(mitigation.method, 'threshold_optimizer');
    assert.equal(mitigation.constraint, 'demographic_parity');
    const before = summary(mitigation.before, 'sex', 'demographic_parity').difference.value!;
    const after = summary(mitigation.after, 'sex', 'demographic_parity').difference.value!;
    assert.ok(before > 0.1, `DP difference before ${before}`);
    assert.ok(after < before / 4, `DP difference after ${after} (before ${before})`);
    const accuracyBefore = mitigation.before.overall.accuracy.value!;
    const accuracyAfter = mitigation.after.overall.accuracy.value!;
    assert.ok(mitigation.accuracyCost !== null);
    assert.ok(Math.abs(Math.abs(mitigation.accuracyCost) - Math.abs(accuracyBefore - accuracyAfter)) < 1e-9);
    assert.ok(accuracyBefore - accuracyAfter > 0 && accuracyBefore - accuracyAfter < 0.05, 'a small cost');
    assert.equal(mitigation.thresholds?.length, 2);

    const text = await cli([...BASE, '--sensitive', 'sex', '--mitigate', 'threshold-dp']);
    assert.match(text, /Accuracy: 0\.\d{3} before, 0\.\d{3} after \(cost 0\.\d{3}\)\./);
    assert.match(text, /sex +demographic parity difference +0\.\d{3} +0\.0\d{2}/);
  });
});
