/**
 * Reproduces ProPublica's "Machine Bias" (2016) disparity on COMPAS through `parapet audit fairness`.
 * The data (../shared/datasets/compas, no licence) is read at test time and never committed.
 *
 * ProPublica printed, for defendants labelled Medium/High risk against two-year recidivism:
 *   false-positive rate  African-American 44.85%  Caucasian 23.45%
 *   false-negative rate  African-American 27.99%  Caucasian 47.72%
 * Those figures are computed over the whole two-year population (7,214 people, the rows of
 * compas-scores-two-years.csv: 3,696 African-American and 2,454 Caucasian defendants — the totals their
 * truth_tables.py prints), not over the 6,172 rows of the filter their notebook documents and uses for
 * the score analysis. With that filter the same disparity holds, with rates a few points lower:
 * 42.3% vs 22.0% and 28.5% vs 49.6%. docs/fairness.md "## COMPAS" explains it. The confusion counts
 * below were checked with an independent script (Python's csv module) over the same file.
 */

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FairnessAudit, GroupStats } from '@parapet/core';
import { runCliCaptured } from '../helpers/cli.ts';

const DATASETS =
  process.env.PARAPET_DATASETS ?? fileURLToPath(new URL('../../../../../shared/datasets', import.meta.url));
const DATA = join(DATASETS, 'compas', 'data.csv');
const available = existsSync(DATA);
const skip = available ? false : process.env.CI === 'true' ? false : `COMPAS data not found at ${DATA}`;

/** ProPublica's documented filter, verbatim in the --filter language. */
const PROPUBLICA_FILTER =
  'days_b_screening_arrest <= 30 and days_b_screening_arrest >= -30 and is_recid != -1 and c_charge_degree != "O" and score_text != "N/A"';

const ARGS = [
  'audit',
  'fairness',
  '--data',
  DATA,
  '--label',
  'two_year_recid',
  '--prediction',
  'score_text',
  '--prediction-positive',
  'Medium,High',
  '--sensitive',
  'race',
  '--json',
];

async function audit(extra: string[]) {
  const { code, stdout, stderr } = await runCliCaptured([...ARGS, ...extra], { cwd: process.cwd() });
  assert.equal(code, 0, stderr);
  return JSON.parse(stdout) as {
    input: { rowsRead: number; keptByFilter: number; badRows: number };
    audit: FairnessAudit;
  };
}

function race(audit: FairnessAudit, value: string): GroupStats {
  const group = audit.columns[0]!.groups.find((g) => g.values['race'] === value);
  assert.ok(group !== undefined, value);
  return group;
}

function near(actual: number | null, expected: number, tolerance: number, what: string): void {
  assert.ok(actual !== null, `${what} is defined`);
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual.toFixed(4)} is not within ${tolerance} of ${expected}`,
  );
}

describe('COMPAS: ProPublica "Machine Bias" (2016)', { skip }, () => {
  test('with ProPublica’s filter (6,172 rows): FPR about twice for African-American defendants, FNR the other way', async () => {
    const { input, audit: result } = await audit([
      '--filter',
      PROPUBLICA_FILTER,
      '--bootstrap',
      '200',
      '--seed',
      '7',
    ]);
    assert.equal(input.rowsRead, 7214);
    assert.equal(input.keptByFilter, 6172, 'the row count ProPublica reports for this filter');
    assert.equal(input.badRows, 0);

    const black = race(result, 'African-American');
    const white = race(result, 'Caucasian');
    assert.deepEqual([black.count, black.tp, black.fp, black.tn, black.fn], [3175, 1188, 641, 873, 473]);
    assert.deepEqual([white.count, white.tp, white.fp, white.tn, white.fn], [2103, 414, 282, 999, 408]);

    // Exact rates from those counts.
    near(black.fpr.value, 641 / 1514, 1e-12, 'FPR African-American');
    near(white.fpr.value, 282 / 1281, 1e-12, 'FPR Caucasian');
    near(black.fnr.value, 473 / 1661, 1e-12, 'FNR African-American');
    near(white.fnr.value, 408 / 822, 1e-12, 'FNR Caucasian');

    // Against the printed figures: each within 3 percentage points, and the same direction and size.
    near(black.fpr.value, 0.449, 0.03, 'FPR African-American vs 44.9%');
    near(white.fpr.value, 0.235, 0.03, 'FPR Caucasian vs 23.5%');
    near(black.fnr.value, 0.28, 0.03, 'FNR African-American vs 28.0%');
    near(white.fnr.value, 0.477, 0.03, 'FNR Caucasian vs 47.7%');
    const fprRatio = black.fpr.value! / white.fpr.value!;
    const fnrRatio = white.fnr.value! / black.fnr.value!;
    assert.ok(fprRatio > 1.7 && fprRatio < 2.2, `FPR ratio ${fprRatio} about twice (ProPublica: 1.91)`);
    assert.ok(fnrRatio > 1.5 && fnrRatio < 2.0, `FNR ratio ${fnrRatio} (ProPublica: 1.70)`);

    // The disparity is not noise: the 95% bootstrap intervals do not overlap.
    assert.ok(black.fpr.low! > white.fpr.high!, 'FPR intervals are disjoint');
    assert.ok(white.fnr.low! > black.fnr.high!, 'FNR intervals are disjoint');
  });

  test('on the whole two-year population (7,214 rows), the printed figures exactly', async () => {
    const { input, audit: result } = await audit([]);
    assert.equal(input.rowsRead, 7214);
    const black = race(result, 'African-American');
    const white = race(result, 'Caucasian');
    // ProPublica's truth tables: African-American 990 TN, 805 FP, 532 FN, 1369 TP (3,696);
    // Caucasian 1139 TN, 349 FP, 461 FN, 505 TP (2,454).
    assert.deepEqual([black.count, black.tn, black.fp, black.fn, black.tp], [3696, 990, 805, 532, 1369]);
    assert.deepEqual([white.count, white.tn, white.fp, white.fn, white.tp], [2454, 1139, 349, 461, 505]);
    near(black.fpr.value, 0.4485, 0.00005, 'FPR African-American 44.85%');
    near(white.fpr.value, 0.2345, 0.00005, 'FPR Caucasian 23.45%');
    near(black.fnr.value, 0.2799, 0.00005, 'FNR African-American 27.99%');
    near(white.fnr.value, 0.4772, 0.00005, 'FNR Caucasian 47.72%');
  });
});
