import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AuditRow,
  auditFairness,
  type Estimate,
  type FairnessAudit,
  seededRandom,
} from '../../src/index.ts';

/** A synthetic table: two columns, group-dependent base and selection rates, from a seeded generator. */
function synthetic(n: number, seed: number): AuditRow[] {
  const random = seededRandom(seed);
  const rows: AuditRow[] = [];
  for (let i = 0; i < n; i++) {
    const race = random() < 0.6 ? 'A' : random() < 0.7 ? 'B' : 'C';
    const sex = random() < 0.5 ? 'F' : 'M';
    const score = random();
    const label: 0 | 1 = random() < score ? 1 : 0;
    const cut = race === 'A' ? 0.5 : race === 'B' ? 0.6 : 0.4;
    rows.push({ label, prediction: score > cut ? 1 : 0, score, groups: [race, sex] });
  }
  return rows;
}

/** Every estimate in an audit (group rates and summaries), with a name. */
function estimates(audit: FairnessAudit): [string, Estimate][] {
  const out: [string, Estimate][] = [];
  const rates = ['baseRate', 'selectionRate', 'tpr', 'fpr', 'fnr', 'tnr', 'ppv', 'npv', 'accuracy'] as const;
  const columns = [...audit.columns, ...(audit.intersection ? [audit.intersection] : [])];
  for (const g of [audit.overall, ...columns.flatMap((c) => c.groups)]) {
    for (const k of rates) out.push([`${g.key} ${k}`, g[k]]);
  }
  for (const c of columns) {
    for (const s of c.summaries) {
      out.push([`${c.column} ${s.metric} difference`, s.difference]);
      out.push([`${c.column} ${s.metric} ratio`, s.ratio]);
      if (s.betweenGroup) out.push([`${c.column} ${s.metric} between`, s.betweenGroup]);
    }
  }
  return out;
}

test('seededRandom: a reproducible stream of floats in [0, 1) (mulberry32)', () => {
  const a = seededRandom(7);
  const b = seededRandom(7);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(
    xs,
    Array.from({ length: 1000 }, () => b()),
  );
  // Pinned so that saved seeds keep meaning the same resamples across versions.
  assert.deepEqual(xs.slice(0, 3), [0.011704753153026104, 0.06195825757458806, 0.97690763277933]);
  assert.equal(seededRandom(0)(), 0.26642920868471265);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.03, `mean ${mean}`);
  assert.notEqual(seededRandom(8)(), seededRandom(7)());
});

test('bootstrap: same seed, identical output; another seed, other intervals', () => {
  const rows = synthetic(2000, 1);
  const options = { sensitive: ['race', 'sex'], bootstrap: { samples: 200, seed: 7 } };
  const a = auditFairness(rows, options);
  const b = auditFairness(rows, options);
  assert.deepEqual(a, b);
  assert.deepEqual(a.bootstrap, { samples: 200, seed: 7, level: 0.95 });
  const c = auditFairness(rows, { ...options, bootstrap: { samples: 200, seed: 8 } });
  assert.notEqual(c.overall.tpr.low, a.overall.tpr.low);
  // Point estimates do not depend on the bootstrap.
  assert.equal(c.overall.tpr.value, a.overall.tpr.value);
  assert.equal(auditFairness(rows, { sensitive: ['race', 'sex'] }).overall.tpr.value, a.overall.tpr.value);
});

test('bootstrap: every interval is filled and contains its point estimate', () => {
  const audit = auditFairness(synthetic(3000, 2), {
    sensitive: ['race', 'sex'],
    privileged: { race: 'A' },
    bootstrap: { samples: 300, seed: 11 },
  });
  let checked = 0;
  for (const [name, e] of estimates(audit)) {
    if (e.value === null) {
      assert.equal(e.low, null, name);
      continue;
    }
    assert.ok(e.low !== null && e.high !== null, `${name}: interval missing`);
    assert.ok(
      e.low <= e.value + 1e-12 && e.value <= e.high + 1e-12,
      `${name}: ${e.value} outside [${e.low}, ${e.high}]`,
    );
    checked++;
  }
  assert.ok(checked > 100, `only ${checked} estimates checked`);
});

test('bootstrap: interval width matches the binomial standard error, and shrinks with the level', () => {
  // 400 rows, selection rate 0.3: a 95% interval is about ±1.96·√(0.3·0.7/400) = ±0.045.
  const rows: AuditRow[] = Array.from({ length: 400 }, (_, i) => ({
    label: (i % 2) as 0 | 1,
    prediction: i % 10 < 3 ? 1 : 0,
    score: null,
    groups: ['A'],
  }));
  const wide = auditFairness(rows, { sensitive: ['g'], bootstrap: { samples: 2000, seed: 3 } });
  const s = wide.overall.selectionRate;
  assert.equal(s.value, 0.3);
  const width = s.high! - s.low!;
  assert.ok(width > 0.075 && width < 0.105, `95% width ${width}`);
  const narrow = auditFairness(rows, { sensitive: ['g'], bootstrap: { samples: 2000, seed: 3, level: 0.5 } });
  const w50 = narrow.overall.selectionRate.high! - narrow.overall.selectionRate.low!;
  // A 50% interval is about 0.674 / 1.96 of the 95% one.
  assert.ok(w50 < width * 0.5 && w50 > width * 0.2, `50% width ${w50} vs 95% width ${width}`);
});

test('bootstrap: 1000 resamples of 50,000 rows are fast', () => {
  const rows = synthetic(50_000, 5);
  const start = performance.now();
  const audit = auditFairness(rows, { sensitive: ['race', 'sex'], bootstrap: { samples: 1000, seed: 7 } });
  const ms = performance.now() - start;
  assert.ok(audit.overall.selectionRate.low !== null);
  // About 1 s on a laptop core; the bound leaves room for a slow CI machine.
  assert.ok(ms < 20_000, `took ${Math.round(ms)} ms`);
});

test('bootstrap: weighted rows are resampled with their weights', () => {
  // One row of weight 3 (selected) and one of weight 1 (not): selection 3/4; resamples can only give
  // 0, 3/4 (mixed) or 1, so the interval lies within [0, 1] and contains 0.75.
  const rows: AuditRow[] = [
    { label: 1, prediction: 1, score: null, weight: 3, groups: ['A'] },
    { label: 0, prediction: 0, score: null, weight: 1, groups: ['A'] },
  ];
  const audit = auditFairness(rows, { sensitive: ['g'], bootstrap: { samples: 500, seed: 1 } });
  const s = audit.overall.selectionRate;
  assert.equal(s.value, 0.75);
  assert.equal(s.low, 0);
  assert.equal(s.high, 1);
  // The PPV of that table is 1 whenever defined; resamples without the selected row leave it undefined.
  assert.equal(audit.overall.ppv.low, 1);
  assert.ok(audit.warnings.some((w) => w.startsWith('bootstrap:')));
});
