import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AuditRow,
  auditFairness,
  type ColumnAudit,
  FairnessInputError,
  type GroupStats,
  type ParityMetric,
  type ParitySummary,
} from '../../src/index.ts';

function near(actual: number | null, expected: number, what = 'value', eps = 1e-12): void {
  assert.ok(actual !== null, `${what}: expected ${expected}, got null`);
  assert.ok(Math.abs(actual - expected) <= eps, `${what}: expected ${expected}, got ${actual}`);
}

function row(
  label: 0 | 1 | null,
  prediction: 0 | 1,
  groups: string[],
  extra: Partial<AuditRow> = {},
): AuditRow {
  return { label, prediction, score: null, groups, ...extra };
}

function group(audit: ColumnAudit, key: string): GroupStats {
  const g = audit.groups.find((x) => x.key === key);
  assert.ok(g, `no group ${key} in ${audit.groups.map((x) => x.key).join(', ')}`);
  return g;
}

function summary(audit: ColumnAudit, metric: ParityMetric): ParitySummary {
  const s = audit.summaries.find((x) => x.metric === metric);
  assert.ok(s, `no summary ${metric}`);
  return s;
}

/**
 * The hand-computed table. Columns race (A, B) and sex (F, M).
 *   race=A (6 rows): TP F, TP M, FN F, FP M, TN F, TN M  → TP 2, FN 1, FP 1, TN 2
 *   race=B (5 rows): TP F, FN M, FP F, TN M, TN F        → TP 1, FN 1, FP 1, TN 2
 */
const TABLE: AuditRow[] = [
  row(1, 1, ['A', 'F']),
  row(1, 1, ['A', 'M']),
  row(1, 0, ['A', 'F']),
  row(0, 1, ['A', 'M']),
  row(0, 0, ['A', 'F']),
  row(0, 0, ['A', 'M']),
  row(1, 1, ['B', 'F']),
  row(1, 0, ['B', 'M']),
  row(0, 1, ['B', 'F']),
  row(0, 0, ['B', 'M']),
  row(0, 0, ['B', 'F']),
];
/** The same rows with the race column only. */
const RACE: AuditRow[] = TABLE.map((r) => ({ ...r, groups: [r.groups[0]!] }));

test('per-group rates on a table computed by hand', () => {
  const audit = auditFairness(TABLE, { sensitive: ['race', 'sex'], minGroupSize: 0 });
  assert.equal(audit.rows, 11);
  assert.equal(audit.weighted, false);
  assert.deepEqual(
    audit.columns.map((c) => c.column),
    ['race', 'sex'],
  );
  const race = audit.columns[0]!;
  assert.deepEqual(
    race.groups.map((g) => g.key),
    ['race=A', 'race=B'],
  );
  const a = group(race, 'race=A');
  assert.deepEqual([a.count, a.weight, a.tp, a.fn, a.fp, a.tn, a.labelled], [6, 6, 2, 1, 1, 2, 6]);
  assert.deepEqual(a.values, { race: 'A' });
  // A: base 3/6, selection 3/6, TPR 2/3, FPR 1/3, FNR 1/3, TNR 2/3, PPV 2/(2+1), NPV 2/(2+1), accuracy 4/6.
  near(a.baseRate.value, 0.5, 'A base');
  near(a.selectionRate.value, 0.5, 'A selection');
  near(a.tpr.value, 2 / 3, 'A TPR');
  near(a.fpr.value, 1 / 3, 'A FPR');
  near(a.fnr.value, 1 / 3, 'A FNR');
  near(a.tnr.value, 2 / 3, 'A TNR');
  near(a.ppv.value, 2 / 3, 'A PPV');
  near(a.npv.value, 2 / 3, 'A NPV');
  near(a.accuracy.value, 4 / 6, 'A accuracy');
  // B: base 2/5, selection 2/5, TPR 1/2, FPR 1/3, FNR 1/2, TNR 2/3, PPV 1/2, NPV 2/3, accuracy 3/5.
  const b = group(race, 'race=B');
  near(b.baseRate.value, 0.4, 'B base');
  near(b.selectionRate.value, 0.4, 'B selection');
  near(b.tpr.value, 0.5, 'B TPR');
  near(b.fpr.value, 1 / 3, 'B FPR');
  near(b.fnr.value, 0.5, 'B FNR');
  near(b.tnr.value, 2 / 3, 'B TNR');
  near(b.ppv.value, 0.5, 'B PPV');
  near(b.npv.value, 2 / 3, 'B NPV');
  near(b.accuracy.value, 0.6, 'B accuracy');
  // Overall: TP 3, FN 2, FP 2, TN 4.
  assert.equal(audit.overall.key, 'all');
  near(audit.overall.selectionRate.value, 5 / 11, 'overall selection');
  near(audit.overall.accuracy.value, 7 / 11, 'overall accuracy');
  assert.equal(audit.overall.tpr.low, null, 'no bootstrap, no interval');
  assert.equal(audit.bootstrap, null);
  assert.equal(audit.overall.calibration, null, 'no scores, no calibration');
});

test('parity summaries by hand (Fairlearn between-groups differences and ratios)', () => {
  const audit = auditFairness(TABLE, { sensitive: ['race', 'sex'], minGroupSize: 0 });
  const race = audit.columns[0]!;
  // Demographic parity: selection 1/2 (A) vs 2/5 (B): difference 0.1, ratio 0.8.
  const dp = summary(race, 'demographic_parity');
  near(dp.difference.value, 0.1, 'DP difference', 1e-15);
  near(dp.ratio.value, 0.8, 'DP ratio');
  assert.equal(dp.lowest, 'race=B');
  assert.equal(dp.highest, 'race=A');
  assert.equal(dp.fourFifths, null, 'the verdict belongs to disparate impact');
  assert.match(dp.fairlearn ?? '', /demographic_parity_difference/);
  // Equal opportunity: TPR 2/3 vs 1/2: difference 1/6, ratio 3/4.
  const eop = summary(race, 'equal_opportunity');
  near(eop.difference.value, 1 / 6, 'EOp difference');
  near(eop.ratio.value, 0.75, 'EOp ratio');
  // Equalized odds: TPR difference 1/6, FPR difference 0 → max 1/6; ratios 3/4 and 1 → min 3/4.
  const eo = summary(race, 'equalized_odds');
  near(eo.difference.value, 1 / 6, 'EO difference');
  near(eo.ratio.value, 0.75, 'EO ratio');
  assert.equal(eo.lowest, 'race=B');
  // Predictive parity: PPV 2/3 vs 1/2.
  const pp = summary(race, 'predictive_parity');
  near(pp.difference.value, 1 / 6, 'PP difference');
  near(pp.ratio.value, 0.75, 'PP ratio');
  // Average odds, no privileged group: largest gap in (TPR + FPR) / 2: A (2/3 + 1/3)/2 = 1/2,
  // B (1/2 + 1/3)/2 = 5/12 → 1/12.
  const aod = summary(race, 'average_odds');
  near(aod.difference.value, 1 / 12, 'AOD difference');
  assert.equal(aod.ratio.value, null);
  // Disparate impact without a privileged group: min/max selection 0.4/0.5 = 0.8 → passes four-fifths
  // exactly at the boundary; the difference is lowest − highest = −0.1.
  const di = summary(race, 'disparate_impact');
  near(di.ratio.value, 0.8, 'DI ratio');
  near(di.difference.value, -0.1, 'DI difference', 1e-15);
  assert.equal(di.fourFifths, 'pass');
  assert.match(di.aif360 ?? '', /disparate_impact/);
});

test('privileged group: AIF360 disparate impact and average odds difference are unprivileged vs privileged', () => {
  const audit = auditFairness(RACE, { sensitive: ['race'], privileged: { race: 'A' }, minGroupSize: 0 });
  const race = audit.columns[0]!;
  // DI = P(ŷ=1 | B) / P(ŷ=1 | A) = 0.4 / 0.5; statistical parity difference 0.4 − 0.5.
  const di = summary(race, 'disparate_impact');
  near(di.ratio.value, 0.8, 'DI');
  near(di.difference.value, -0.1, 'SPD', 1e-15);
  assert.equal(di.lowest, 'race=B');
  assert.equal(di.highest, 'race=A');
  // AOD = ((FPR_B − FPR_A) + (TPR_B − TPR_A)) / 2 = ((1/3 − 1/3) + (1/2 − 2/3)) / 2 = −1/12.
  near(summary(race, 'average_odds').difference.value, -1 / 12, 'AOD');
  // Fairlearn-style summaries do not depend on the privileged group.
  near(summary(race, 'demographic_parity').difference.value, 0.1, 'DP', 1e-15);
  // With B privileged the signs flip and DI = 0.5 / 0.4 = 1.25.
  const flipped = auditFairness(RACE, { sensitive: ['race'], privileged: { race: 'B' }, minGroupSize: 0 });
  near(summary(flipped.columns[0]!, 'disparate_impact').ratio.value, 1.25, 'DI flipped');
  near(summary(flipped.columns[0]!, 'average_odds').difference.value, 1 / 12, 'AOD flipped');
});

test('privileged group among many: the worst unprivileged group is reported', () => {
  // Selection: P 3/4, X 1/4, Y 2/4. DI vs P: X 1/3 (worst), Y 2/3.
  const rows: AuditRow[] = [];
  const add = (g: string, sel: number) => {
    for (let i = 0; i < 4; i++) rows.push(row(i % 2 === 0 ? 1 : 0, i < sel ? 1 : 0, [g]));
  };
  add('P', 3);
  add('X', 1);
  add('Y', 2);
  const audit = auditFairness(rows, { sensitive: ['g'], privileged: { g: 'P' }, minGroupSize: 0 });
  const di = summary(audit.columns[0]!, 'disparate_impact');
  near(di.ratio.value, 1 / 3, 'DI');
  near(di.difference.value, -0.5, 'SPD');
  assert.equal(di.lowest, 'g=X');
  assert.equal(di.fourFifths, 'fail');
});

test('Theil index and generalized entropy over benefits b = ŷ − y + 1, with between-group parts', () => {
  // Whole table: 7 rows with b = 1 (TP, TN), 2 with b = 0 (FN), 2 with b = 2 (FP); mean b = 11/11 = 1.
  // Theil = mean(b ln b) = 2·2·ln 2 / 11. GE(2) = mean(b² − 1) / 2 = (2·(−1) + 2·3) / 11 / 2 = 2/11.
  const audit = auditFairness(RACE, { sensitive: ['race'], minGroupSize: 0 });
  const race = audit.columns[0]!;
  near(summary(race, 'theil_index').difference.value, (4 * Math.log(2)) / 11, 'Theil');
  near(summary(race, 'generalized_entropy').difference.value, 2 / 11, 'GE(2)');
  assert.equal(audit.entropyAlpha, 2);
  // Both groups have mean benefit 1, so the between-group parts are 0.
  near(summary(race, 'theil_index').betweenGroup?.value ?? null, 0, 'between Theil');

  // X: FP, FP (b = 2, 2); Y: FN, TP (b = 0, 1). Mean b = 5/4.
  const rows = [row(0, 1, ['X']), row(0, 1, ['X']), row(1, 0, ['Y']), row(1, 1, ['Y'])];
  const a = auditFairness(rows, { sensitive: ['g'], minGroupSize: 0 }).columns[0]!;
  const t = (x: number) => (x > 0 ? x * Math.log(x) : 0);
  // Theil = [2·t(8/5) + t(0) + t(4/5)] / 4; between: b replaced by group means 2, 2, 1/2, 1/2.
  near(summary(a, 'theil_index').difference.value, (2 * t(8 / 5) + t(4 / 5)) / 4, 'Theil');
  near(summary(a, 'theil_index').betweenGroup?.value ?? null, (2 * t(8 / 5) + 2 * t(2 / 5)) / 4, 'between');
  // GE(2) = mean((b/μ)² − 1)/2 = [2(64/25 − 1) + (0 − 1) + (16/25 − 1)] / 4 / 2 = 0.22; between 0.18.
  near(summary(a, 'generalized_entropy').difference.value, 0.22, 'GE(2)', 1e-12);
  near(summary(a, 'generalized_entropy').betweenGroup?.value ?? null, 0.18, 'between GE(2)', 1e-12);
  // alpha = 0.5: mean((b/μ)^0.5 − 1) / (0.5 · −0.5).
  const half = auditFairness(rows, { sensitive: ['g'], minGroupSize: 0, entropyAlpha: 0.5 }).columns[0]!;
  const ge = (2 * (Math.sqrt(8 / 5) - 1) + (0 - 1) + (Math.sqrt(4 / 5) - 1)) / 4 / -0.25;
  near(summary(half, 'generalized_entropy').difference.value, ge, 'GE(0.5)');
  // alpha = 0 is infinite with a zero benefit: null, with a warning.
  const zero = auditFairness(rows, { sensitive: ['g'], minGroupSize: 0, entropyAlpha: 0 });
  assert.equal(summary(zero.columns[0]!, 'generalized_entropy').difference.value, null);
  assert.ok(zero.warnings.some((w) => w.includes('alpha = 0')));
});

test('a group with no positives: TPR and FNR are null, not NaN, and the group leaves TPR summaries', () => {
  const rows = [
    ...RACE.filter((r) => r.groups[0] !== 'B'),
    row(0, 1, ['C']),
    row(0, 0, ['C']),
    row(0, 0, ['C']),
  ];
  const audit = auditFairness(rows, { sensitive: ['race'], minGroupSize: 0 });
  const race = audit.columns[0]!;
  const c = group(race, 'race=C');
  assert.equal(c.tpr.value, null);
  assert.equal(c.fnr.value, null);
  near(c.fpr.value, 1 / 3, 'C FPR');
  near(c.baseRate.value, 0, 'C base');
  near(c.ppv.value, 0, 'C PPV');
  assert.ok(c.warnings.some((w) => w.startsWith('no positives')));
  assert.ok(!JSON.stringify(audit).includes('NaN'));
  // Equal opportunity over A alone is undefined (one group left); equalized odds too.
  assert.equal(summary(race, 'equal_opportunity').difference.value, null);
  assert.equal(summary(race, 'equalized_odds').difference.value, null);
  assert.deepEqual(summary(race, 'equal_opportunity').excluded, ['race=C']);
  // Demographic parity still compares both: 1/2 vs 1/3.
  near(summary(race, 'demographic_parity').difference.value, 1 / 6, 'DP');
  assert.ok(audit.warnings.some((w) => w.includes('TPR undefined for race=C')));
});

test('a group of one: its rates come from one row and it is flagged as too small', () => {
  const rows = [...RACE, row(1, 0, ['Z'])];
  const audit = auditFairness(rows, { sensitive: ['race'] });
  const z = group(audit.columns[0]!, 'race=Z');
  assert.equal(z.count, 1);
  near(z.baseRate.value, 1, 'Z base');
  near(z.selectionRate.value, 0, 'Z selection');
  near(z.tpr.value, 0, 'Z TPR');
  near(z.fnr.value, 1, 'Z FNR');
  assert.equal(z.fpr.value, null);
  assert.equal(z.ppv.value, null);
  near(z.npv.value, 0, 'Z NPV');
  assert.ok(z.warnings.includes('only 1 row: too few to support a conclusion (minimum 30)'));
  assert.ok(audit.warnings.some((w) => w.includes('race=Z: 1')));
  // TPR spread now includes Z (0): max 2/3 − min 0.
  near(summary(audit.columns[0]!, 'equal_opportunity').difference.value, 2 / 3, 'EOp');
  near(summary(audit.columns[0]!, 'equal_opportunity').ratio.value, 0, 'EOp ratio');
});

test('all-equal predictions: parity holds trivially and the audit says so', () => {
  const ones = RACE.map((r) => ({ ...r, prediction: 1 as const }));
  const a = auditFairness(ones, { sensitive: ['race'], minGroupSize: 0 });
  const race = a.columns[0]!;
  near(summary(race, 'demographic_parity').difference.value, 0, 'DP');
  near(summary(race, 'demographic_parity').ratio.value, 1, 'DP ratio');
  near(group(race, 'race=A').tpr.value, 1, 'TPR');
  near(group(race, 'race=A').fpr.value, 1, 'FPR');
  // PPV equals the base rate: A 3/6, B 2/5.
  near(group(race, 'race=A').ppv.value, 0.5, 'PPV A');
  near(group(race, 'race=B').ppv.value, 0.4, 'PPV B');
  assert.equal(group(race, 'race=A').npv.value, null);
  assert.ok(a.warnings.some((w) => w.startsWith('all predictions are 1')));

  const zeros = RACE.map((r) => ({ ...r, prediction: 0 as const }));
  const z = auditFairness(zeros, { sensitive: ['race'], minGroupSize: 0 });
  const zr = z.columns[0]!;
  near(summary(zr, 'demographic_parity').difference.value, 0, 'DP');
  // Both selection rates are 0: the ratio 0/0 is undefined (null), never NaN.
  assert.equal(summary(zr, 'demographic_parity').ratio.value, null);
  assert.equal(summary(zr, 'disparate_impact').fourFifths, null);
  assert.equal(summary(zr, 'predictive_parity').difference.value, null);
  assert.ok(z.warnings.some((w) => w.startsWith('all predictions are 0')));
  assert.ok(!JSON.stringify(z).includes('NaN'));
});

test('weights: integer weights equal duplicated rows, and weighted rates by hand', () => {
  const weighted = TABLE.map((r, i) => ({ ...r, weight: (i % 3) + 1 }));
  const duplicated = TABLE.flatMap((r, i) => Array.from({ length: (i % 3) + 1 }, () => ({ ...r })));
  const a = auditFairness(weighted, { sensitive: ['race', 'sex'], minGroupSize: 0 });
  const b = auditFairness(duplicated, { sensitive: ['race', 'sex'], minGroupSize: 0 });
  assert.equal(a.weighted, true);
  assert.equal(b.weighted, false);
  for (const [ca, cb] of [
    ...a.columns.map((c, i) => [c, b.columns[i]!] as const),
    [a.intersection!, b.intersection!] as const,
  ]) {
    for (const [ga, gb] of ca.groups.map((g, i) => [g, cb.groups[i]!] as const)) {
      for (const k of ['baseRate', 'selectionRate', 'tpr', 'fpr', 'ppv', 'npv', 'accuracy'] as const) {
        assert.equal(ga[k].value, gb[k].value, `${ga.key} ${k}`);
      }
      assert.equal(ga.weight, gb.count);
    }
    for (const [sa, sb] of ca.summaries.map((s, i) => [s, cb.summaries[i]!] as const)) {
      const d = sa.difference.value;
      const e = sb.difference.value;
      assert.ok(
        d === e || (d !== null && e !== null && Math.abs(d - e) < 1e-12),
        `${ca.column} ${sa.metric}`,
      );
    }
  }
  // By hand: group G with TP weight 2, FP weight 1, TN weight 1 → selection 3/4, PPV 2/3, FPR 1/2.
  const g = auditFairness(
    [row(1, 1, ['G'], { weight: 2 }), row(0, 1, ['G'], { weight: 1 }), row(0, 0, ['G'], { weight: 1 })],
    { sensitive: ['g'], minGroupSize: 0 },
  ).columns[0]!.groups[0]!;
  assert.equal(g.count, 3);
  assert.equal(g.weight, 4);
  near(g.selectionRate.value, 0.75, 'selection');
  near(g.ppv.value, 2 / 3, 'PPV');
  near(g.fpr.value, 0.5, 'FPR');
});

test('intersection of sensitive columns', () => {
  const audit = auditFairness(TABLE, { sensitive: ['race', 'sex'], minGroupSize: 0 });
  const inter = audit.intersection;
  assert.ok(inter);
  assert.equal(inter.column, 'race & sex');
  assert.deepEqual(
    inter.groups.map((g) => g.key),
    ['race=A & sex=F', 'race=A & sex=M', 'race=B & sex=F', 'race=B & sex=M'],
  );
  // A&F: TP, FN, TN → selection 1/3, TPR 1/2, FPR 0; A&M: TP, FP, TN → 2/3, 1, 1/2;
  // B&F: TP, FP, TN → 2/3; B&M: FN, TN → selection 0, PPV undefined.
  const af = group(inter, 'race=A & sex=F');
  assert.deepEqual(af.values, { race: 'A', sex: 'F' });
  near(af.selectionRate.value, 1 / 3, 'A&F selection');
  near(af.tpr.value, 0.5, 'A&F TPR');
  near(af.fpr.value, 0, 'A&F FPR');
  const bm = group(inter, 'race=B & sex=M');
  near(bm.selectionRate.value, 0, 'B&M selection');
  assert.equal(bm.ppv.value, null);
  // DP: max 2/3 − min 0; ratio 0. PP over the three defined groups: PPV 1, 1/2, 1/2.
  near(summary(inter, 'demographic_parity').difference.value, 2 / 3, 'DP');
  near(summary(inter, 'demographic_parity').ratio.value, 0, 'DP ratio');
  near(summary(inter, 'predictive_parity').difference.value, 0.5, 'PP');
  assert.deepEqual(summary(inter, 'predictive_parity').excluded, ['race=B & sex=M']);
  // One sensitive column, or intersection: false → no intersection.
  assert.equal(auditFairness(TABLE, { sensitive: ['race', 'sex'], intersection: false }).intersection, null);
  assert.equal(auditFairness(RACE, { sensitive: ['race'] }).intersection, null);
  // Privileged on every column → the intersection's privileged group is their combination.
  const p = auditFairness(TABLE, {
    sensitive: ['race', 'sex'],
    privileged: { race: 'A', sex: 'M' },
    minGroupSize: 0,
  });
  const di = summary(p.intersection!, 'disparate_impact');
  // Privileged A&M selects 2/3; the worst other group B&M selects 0 → DI 0.
  assert.equal(di.highest, 'race=A & sex=M');
  assert.equal(di.lowest, 'race=B & sex=M');
  near(di.ratio.value, 0, 'DI');
});

test('unlabelled rows count towards selection rates only', () => {
  const rows = [row(1, 1, ['A']), row(0, 0, ['A']), row(null, 1, ['A']), row(null, 1, ['A'])];
  const audit = auditFairness(rows, { sensitive: ['g'], minGroupSize: 0 });
  const a = audit.columns[0]!.groups[0]!;
  near(a.selectionRate.value, 0.75, 'selection 3/4');
  near(a.baseRate.value, 0.5, 'base over labelled rows');
  near(a.accuracy.value, 1, 'accuracy over labelled rows');
  assert.equal(a.labelled, 2);
  assert.equal(audit.unlabelled, 2);
  assert.ok(audit.warnings.some((w) => w.includes('2 rows have no label')));
});

test('calibration by score bins', () => {
  const rows = [
    row(0, 0, ['A'], { score: 0.05 }),
    row(1, 0, ['A'], { score: 0.15 }),
    row(0, 0, ['A'], { score: 0.1 }),
    row(1, 1, ['A'], { score: 0.95 }),
    row(1, 1, ['B'], { score: 1 }),
    row(0, 1, ['B'], { score: 0.9 }),
  ];
  const audit = auditFairness(rows, { sensitive: ['g'], calibrationBins: 2, minGroupSize: 0 });
  const a = audit.columns[0]!.groups[0]!.calibration!;
  assert.equal(a.length, 2);
  assert.deepEqual([a[0]!.lower, a[0]!.upper, a[1]!.lower, a[1]!.upper], [0, 0.5, 0.5, 1]);
  assert.equal(a[0]!.count, 3);
  near(a[0]!.meanScore, 0.1, 'mean score');
  near(a[0]!.positiveRate, 1 / 3, 'positive rate');
  // Score 1 falls in the last bin (closed at 1).
  const b = audit.columns[0]!.groups[1]!.calibration!;
  assert.equal(b[1]!.count, 2);
  near(b[1]!.positiveRate, 0.5, 'B positive rate');
  assert.equal(b[0]!.count, 0);
  assert.equal(b[0]!.meanScore, null);
  near(audit.overall.calibration![1]!.meanScore, (0.95 + 1 + 0.9) / 3, 'overall mean score');
});

test('clear errors for bad input', () => {
  assert.throws(() => auditFairness([], { sensitive: ['g'] }), /no rows/);
  assert.throws(() => auditFairness(TABLE, { sensitive: [] }), FairnessInputError);
  assert.throws(() => auditFairness(TABLE, { sensitive: ['race'] }), /row 0 has 2 group values, expected 1/);
  assert.throws(
    () => auditFairness([row(1, 2 as 0, ['A'])], { sensitive: ['g'] }),
    /row 0: prediction must be 0 or 1/,
  );
  assert.throws(
    () => auditFairness([row(1, 1, ['A'], { weight: -1 })], { sensitive: ['g'] }),
    /weight must be a finite number ≥ 0/,
  );
  assert.throws(
    () => auditFairness(TABLE, { sensitive: ['race', 'sex'], privileged: { race: 'Q' } }),
    /privileged group race=Q does not occur in the data; values of race: A, B/,
  );
  assert.throws(
    () => auditFairness(TABLE, { sensitive: ['race', 'sex'], privileged: { age: 'old' } }),
    /"age", which is not a sensitive column/,
  );
  assert.throws(
    () => auditFairness(TABLE, { sensitive: ['race', 'sex'], bootstrap: { samples: 0, seed: 1 } }),
    /bootstrap.samples/,
  );
  assert.throws(
    () => auditFairness(TABLE, { sensitive: ['race', 'sex'], bootstrap: { samples: 10, seed: 1, level: 1 } }),
    /bootstrap.level/,
  );
});

test('groups sort naturally, numbers in numeric order', () => {
  const rows = ['10', '9', 'b', 'a', '100'].map((g) => row(1, 1, [g]));
  const audit = auditFairness(rows, { sensitive: ['g'] });
  assert.deepEqual(
    audit.columns[0]!.groups.map((g) => g.values.g),
    ['9', '10', '100', 'a', 'b'],
  );
});
