import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AuditRow,
  applyThresholds,
  type ColumnAudit,
  FairnessInputError,
  type ParityMetric,
  reweighing,
  seededRandom,
  type ThresholdRule,
  thresholdOptimizer,
} from '../../src/index.ts';

function near(actual: number | null | undefined, expected: number, what: string, eps = 1e-12): void {
  assert.ok(actual !== null && actual !== undefined, `${what}: expected ${expected}, got ${actual}`);
  assert.ok(Math.abs(actual - expected) <= eps, `${what}: expected ${expected}, got ${actual}`);
}

function diff(audit: ColumnAudit, metric: ParityMetric): number {
  const v = audit.summaries.find((s) => s.metric === metric)?.difference.value;
  assert.ok(v !== null && v !== undefined, `${metric} undefined`);
  return v;
}

function scored(label: 0 | 1, score: number, g: string): AuditRow {
  return { label, prediction: score >= 0.5 ? 1 : 0, score, groups: [g] };
}

/**
 * An unfair model: group b's scores are shifted down and noisier, and its base rate is lower, so one
 * threshold of 0.5 selects b far less often and with a lower TPR.
 */
function unfair(n: number, seed: number): AuditRow[] {
  const random = seededRandom(seed);
  const rows: AuditRow[] = [];
  for (let i = 0; i < n; i++) {
    const g = random() < 0.5 ? 'a' : 'b';
    const y: 0 | 1 = random() < (g === 'a' ? 0.5 : 0.3) ? 1 : 0;
    const noise = (random() + random() + random() - 1.5) * (g === 'a' ? 0.3 : 0.5);
    const s = Math.min(1, Math.max(0, (y ? 0.65 : 0.35) - (g === 'b' ? 0.1 : 0) + noise));
    rows.push({ label: y, prediction: s > 0.5 ? 1 : 0, score: Math.round(s * 100) / 100, groups: [g] });
  }
  return rows;
}

test('applyThresholds: strict threshold, randomised ties, mixtures and the constant part', () => {
  const rule: ThresholdRule = { group: 'g=a', threshold: 0.5, tieP: 0.3, threshold2: null, mix: 0 };
  const rows = [scored(1, 0.7, 'a'), scored(1, 0.5, 'a'), scored(0, 0.2, 'a')];
  // u = 0.2: above → 1, tie (P 0.3) → 1, below → 0. u = 0.5: the tie turns 0.
  assert.deepEqual(
    applyThresholds(rows, [rule], () => 0.2).map((r) => r.prediction),
    [1, 1, 0],
  );
  assert.deepEqual(
    applyThresholds(rows, [rule], () => 0.5).map((r) => r.prediction),
    [1, 0, 0],
  );
  // Mix: with probability 0.4 use "score ≥ 0.2" instead: P(positive | 0.2) = 0.4 (tie of threshold2 is 1).
  const mixed: ThresholdRule = { ...rule, tieP: 1, threshold2: 0.2, mix: 0.4 };
  assert.deepEqual(
    applyThresholds(rows, [mixed], () => 0.39).map((r) => r.prediction),
    [1, 1, 1],
  );
  assert.deepEqual(
    applyThresholds(rows, [mixed], () => 0.41).map((r) => r.prediction),
    [1, 1, 0],
  );
  // Constant part: P = (1 − 0.5)·step + 0.5·0.2 → 0.6 above, 0.1 below.
  const constant: ThresholdRule = { ...rule, tieP: 1, pConstant: 0.5, constantRate: 0.2 };
  assert.deepEqual(
    applyThresholds(rows, [constant], () => 0.59).map((r) => r.prediction),
    [1, 1, 0],
  );
  assert.deepEqual(
    applyThresholds(rows, [constant], () => 0.09).map((r) => r.prediction),
    [1, 1, 1],
  );
  // Rules match by their group key when they carry no values; a group without a rule is an error.
  assert.throws(
    () => applyThresholds([scored(1, 0.7, 'z')], [rule], Math.random),
    /no rule for row 0's group \(z\)/,
  );
  // Labels, scores and groups are kept; one draw per row.
  let draws = 0;
  const out = applyThresholds(rows, [rule], () => {
    draws++;
    return 0.9;
  });
  assert.equal(draws, 3);
  assert.deepEqual(
    out.map((r) => [r.label, r.score, r.groups]),
    rows.map((r) => [r.label, r.score, r.groups]),
  );
});

test('threshold optimizer, demographic parity, by hand', () => {
  // a: scores .9(1) .8(1) .3(0) .2(0). Thresholds give (selection rate, errors): (0, 2), (.25, 1), (.5, 0),
  //    (.75, 1), (1, 2); lower hull (0, 2), (.5, 0), (1, 2).
  // b: .7(1) .4(0) .3(0) .1(0) → (0, 1), (.25, 0), (.5, 1), (.75, 2), (1, 3); hull (0, 1), (.25, 0), (1, 3).
  // Total errors at the breakpoints: 0 → 3, .25 → 1 + 0, .5 → 0 + 1, 1 → 5. The lowest rate of the tie, .25:
  // a mixes "nothing" and "score ≥ .8" half and half; b uses "score ≥ .7".
  const rows = [
    scored(1, 0.9, 'a'),
    scored(1, 0.8, 'a'),
    scored(0, 0.3, 'a'),
    scored(0, 0.2, 'a'),
    scored(1, 0.7, 'b'),
    scored(0, 0.4, 'b'),
    scored(0, 0.3, 'b'),
    scored(0, 0.1, 'b'),
  ];
  const result = thresholdOptimizer(rows, {
    sensitive: ['g'],
    constraint: 'demographic_parity',
    minGroupSize: 0,
  });
  assert.equal(result.method, 'threshold_optimizer');
  assert.equal(result.constraint, 'demographic_parity');
  const [a, b] = result.thresholds!;
  assert.equal(a!.group, 'g=a');
  assert.deepEqual([a!.threshold, a!.tieP, a!.threshold2, a!.mix], [0.9, 0, 0.8, 0.5]);
  assert.equal(b!.group, 'g=b');
  assert.deepEqual([b!.threshold, b!.tieP, b!.threshold2, b!.mix], [0.7, 1, null, 0]);
  // Before: one threshold of .5 selects a 2/4 and b 1/4, accuracy 1.
  near(result.before.overall.accuracy.value, 1, 'accuracy before');
  assert.equal(result.accuracyCost, result.after.overall.accuracy.value! - 1);
});

test('threshold optimizer, equalized odds, by hand', () => {
  // a: .9(1) .6(1) .4(0) .1(0), perfectly separated: ROC hull (0, 1) → (1, 1).
  // b: .8(1) .75(0) .7(0) .5(1) .2(0): ROC points (0, 1/2), (1/3, 1/2), (2/3, 1/2), (2/3, 1), (1, 1);
  //    hull (0, 1/2) → (2/3, 1) → (1, 1).
  // The common point lies on min(hull_a, hull_b) = hull_b. Errors N·x + P·(1 − y) with N = 5, P = 4:
  // x = 0 → 2, x = 2/3 → 10/3, x = 1 → 5: the point is (0, 1/2).
  // b reaches it with "score ≥ .8". a's hull is at 1 there: it uses "score ≥ .6" with probability 1/2 and
  // otherwise predicts positive with probability x = 0 (p = (1 − 1/2) / (1 − 0)).
  const rows = [
    scored(1, 0.9, 'a'),
    scored(1, 0.6, 'a'),
    scored(0, 0.4, 'a'),
    scored(0, 0.1, 'a'),
    scored(1, 0.8, 'b'),
    scored(0, 0.75, 'b'),
    scored(0, 0.7, 'b'),
    scored(1, 0.5, 'b'),
    scored(0, 0.2, 'b'),
  ];
  const result = thresholdOptimizer(rows, {
    sensitive: ['g'],
    constraint: 'equalized_odds',
    minGroupSize: 0,
  });
  const [a, b] = result.thresholds!;
  assert.deepEqual([a!.threshold, a!.tieP, a!.threshold2, a!.mix], [0.6, 1, null, 0]);
  near(a!.pConstant, 0.5, 'a p_ignore');
  near(a!.constantRate, 0, 'a constant rate');
  assert.deepEqual([b!.threshold, b!.tieP, b!.threshold2, b!.pConstant], [0.8, 1, null, 0]);
  // Expected rates: a's positives are predicted positive with probability 1/2, its negatives never; b
  // predicts only the row at .8. Check them through applyThresholds with a fixed draw either side of 1/2.
  const low = applyThresholds(rows, result.thresholds!, () => 0.49).map((r) => r.prediction);
  const high = applyThresholds(rows, result.thresholds!, () => 0.51).map((r) => r.prediction);
  assert.deepEqual(low, [1, 1, 0, 0, 1, 0, 0, 0, 0]);
  assert.deepEqual(high, [0, 0, 0, 0, 1, 0, 0, 0, 0]);
});

test('threshold optimizer, demographic parity: equal selection rates on an unfair model', () => {
  const rows = unfair(20_000, 3);
  const result = thresholdOptimizer(rows, { sensitive: ['g'], constraint: 'demographic_parity', seed: 1 });
  const before = result.before.columns[0]!;
  const after = result.after.columns[0]!;
  assert.ok(diff(before, 'demographic_parity') > 0.15, `before ${diff(before, 'demographic_parity')}`);
  assert.ok(diff(after, 'demographic_parity') < 0.02, `after ${diff(after, 'demographic_parity')}`);
  assert.ok(result.accuracyCost! < 0 && result.accuracyCost! > -0.08, `cost ${result.accuracyCost}`);
  assert.ok(result.after.warnings.some((w) => w.includes('held-out')));
  // Reproducible with the seed.
  const again = thresholdOptimizer(rows, { sensitive: ['g'], constraint: 'demographic_parity', seed: 1 });
  assert.deepEqual(again.after, result.after);
});

test('threshold optimizer, equalized odds: equal TPR and FPR on an unfair model', () => {
  const rows = unfair(20_000, 4);
  const result = thresholdOptimizer(rows, { sensitive: ['g'], constraint: 'equalized_odds', seed: 2 });
  const before = result.before.columns[0]!;
  const after = result.after.columns[0]!;
  assert.ok(diff(before, 'equalized_odds') > 0.1, `before ${diff(before, 'equalized_odds')}`);
  assert.ok(diff(after, 'equalized_odds') < 0.03, `after ${diff(after, 'equalized_odds')}`);
  assert.ok(diff(after, 'equal_opportunity') < 0.03);
  // Better than the trivial classifier that satisfies equalized odds (predict the majority label).
  const majority = 1 - result.before.overall.baseRate.value!;
  assert.ok(result.after.overall.accuracy.value! > majority + 0.05);
  // The group whose ROC hull is higher is the one randomised towards the common point.
  assert.ok(result.thresholds!.some((t) => (t.pConstant ?? 0) > 0));
});

test('threshold optimizer, equalized odds on the intersection of two columns', () => {
  const random = seededRandom(9);
  const rows: AuditRow[] = unfair(16_000, 5).map((r) => ({
    ...r,
    groups: [r.groups[0]!, random() < 0.5 ? 'x' : 'y'],
  }));
  const result = thresholdOptimizer(rows, { sensitive: ['g', 'h'], constraint: 'equalized_odds', seed: 3 });
  assert.deepEqual(
    result.thresholds!.map((t) => t.group),
    ['g=a & h=x', 'g=a & h=y', 'g=b & h=x', 'g=b & h=y'],
  );
  assert.ok(diff(result.after.intersection!, 'equalized_odds') < 0.04);
});

test('threshold optimizer: clear errors', () => {
  const rows = [scored(1, 0.9, 'a'), scored(0, 0.2, 'a'), scored(0, 0.3, 'b'), scored(0, 0.1, 'b')];
  assert.throws(
    () => thresholdOptimizer(rows, { sensitive: ['g'], constraint: 'equalized_odds' }),
    /group g=b has no positive labels, so its TPR is undefined/,
  );
  assert.throws(
    () =>
      thresholdOptimizer([...rows, { ...rows[0]!, score: null }], {
        sensitive: ['g'],
        constraint: 'demographic_parity',
      }),
    /row 4 has no score/,
  );
  assert.throws(
    () => thresholdOptimizer(rows, { sensitive: ['g'], constraint: 'parity' as 'equalized_odds' }),
    FairnessInputError,
  );
});

test('reweighing: W(g, y) = P(g)·P(y) / P(g, y) equalises weighted base rates', () => {
  // a: labels 1, 1, 1, 0; b: 1, 0, 0, 0. P(a) = P(b) = 1/2, P(y=1) = 1/2.
  // W(a,1) = (1/2 · 1/2) / (3/8) = 2/3; W(a,0) = (1/4) / (1/8) = 2; W(b,1) = 2; W(b,0) = 2/3.
  const rows = [
    scored(1, 0.9, 'a'),
    scored(1, 0.8, 'a'),
    scored(1, 0.4, 'a'),
    scored(0, 0.6, 'a'),
    scored(1, 0.7, 'b'),
    scored(0, 0.3, 'b'),
    scored(0, 0.2, 'b'),
    scored(0, 0.1, 'b'),
  ];
  const result = reweighing(rows, { sensitive: ['g'], minGroupSize: 0 });
  assert.equal(result.method, 'reweighing');
  const w = result.weights!;
  near(w['g=a|1'], 2 / 3, 'W(a,1)');
  near(w['g=a|0'], 2, 'W(a,0)');
  near(w['g=b|1'], 2, 'W(b,1)');
  near(w['g=b|0'], 2 / 3, 'W(b,0)');
  const before = result.before.columns[0]!.groups;
  near(before[0]!.baseRate.value, 0.75, 'base a before');
  near(before[1]!.baseRate.value, 0.25, 'base b before');
  // After: a = 3·(2/3) / (3·(2/3) + 2) = 1/2; b = 2 / (2 + 3·(2/3)) = 1/2. Total weight stays 8.
  const after = result.after;
  assert.equal(after.weighted, true);
  near(after.columns[0]!.groups[0]!.baseRate.value, 0.5, 'base a after');
  near(after.columns[0]!.groups[1]!.baseRate.value, 0.5, 'base b after');
  near(after.overall.weight, 8, 'total weight');
  // Decisions are unchanged; the selection rate of a moves only through the weights:
  // a selects rows 1, 2 (label 1, weight 2/3 each) and 4 (label 0, weight 2) → (4/3 + 2) / 4 = 5/6.
  near(after.columns[0]!.groups[0]!.selectionRate.value, 5 / 6, 'selection a after');
  assert.ok(after.warnings.some((x) => x.startsWith('reweighing changes sample weights')));
});

test('reweighing on the intersection of two columns', () => {
  const random = seededRandom(21);
  const rows: AuditRow[] = [];
  for (let i = 0; i < 4000; i++) {
    const g = random() < 0.4 ? 'a' : 'b';
    const h = random() < 0.5 ? 'x' : 'y';
    const p = (g === 'a' ? 0.6 : 0.3) + (h === 'x' ? 0.1 : 0);
    rows.push({
      label: random() < p ? 1 : 0,
      prediction: random() < 0.5 ? 1 : 0,
      score: null,
      groups: [g, h],
    });
  }
  const result = reweighing(rows, { sensitive: ['g', 'h'] });
  assert.equal(Object.keys(result.weights!).length, 8);
  // Before, base rates range from about 0.3 (b & y) to 0.7 (a & x).
  const baseBefore = result.before.intersection!.groups.map((g) => g.baseRate.value!);
  assert.ok(Math.max(...baseBefore) - Math.min(...baseBefore) > 0.3);
  // After, every group of every column and of the intersection has the overall base rate.
  const overall = result.after.overall.baseRate.value!;
  near(overall, result.before.overall.baseRate.value!, 'overall base rate is kept', 1e-9);
  for (const audit of [...result.after.columns, result.after.intersection!]) {
    for (const g of audit.groups) near(g.baseRate.value, overall, `${g.key} base rate`, 1e-9);
  }
});
