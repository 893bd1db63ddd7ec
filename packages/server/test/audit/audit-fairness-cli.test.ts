import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import type { ColumnAudit, FairnessAudit, GroupStats, ParityMetric, ParitySummary } from '@parapet/core';
import { runCliCaptured } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'parapet-audit-fairness-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], stdin?: string) {
  return runCliCaptured(argv, {
    cwd: dir,
    now: () => new Date('2026-01-02T03:04:05Z'),
    ...(stdin === undefined ? {} : { stdin: Readable.from([stdin]) }),
  });
}

function close(actual: number | null | undefined, expected: number, message?: string): void {
  assert.ok(
    actual !== null && actual !== undefined && Math.abs(actual - expected) < 1e-9,
    `${message ?? 'value'}: expected ${expected}, got ${actual}`,
  );
}

function column(audit: FairnessAudit, name: string): ColumnAudit {
  const found = audit.columns.find((c) => c.column === name) ?? audit.intersection;
  assert.ok(found !== null && found !== undefined && found.column === name, `column ${name}`);
  return found;
}

function group(audit: FairnessAudit, columnName: string, value: string): GroupStats {
  const found = column(audit, columnName).groups.find((g) => Object.values(g.values).join(' & ') === value);
  assert.ok(found !== undefined, `group ${value} of ${columnName}`);
  return found;
}

function summary(audit: FairnessAudit, columnName: string, metric: ParityMetric): ParitySummary {
  const found = column(audit, columnName).summaries.find((s) => s.metric === metric);
  assert.ok(found !== undefined, `summary ${metric} of ${columnName}`);
  return found;
}

/**
 * A small table computed by hand. Sex F (8 rows): labels 1,1,1,0,0,0,0,0 and decisions 1,0,0,1,0,0,0,0
 * → TP 1, FN 2, FP 1, TN 4. Sex M (8 rows): labels 1,1,1,1,0,0,0,0 and decisions 1,1,1,0,1,1,0,0
 * → TP 3, FN 1, FP 2, TN 2. Race alternates A, B within each sex.
 * After the good rows: a row the filter drops (age 15), a row with too few fields, a label `x`, an empty
 * prediction — 3 bad rows on lines 19, 20, 21 and one filtered out on line 18.
 */
const HEADER = 'id,sex,race,age,y,yhat,p';
const F = [
  [1, 1, 0.9],
  [1, 0, 0.4],
  [1, 0, 0.3],
  [0, 1, 0.7],
  [0, 0, 0.2],
  [0, 0, 0.1],
  [0, 0, 0.3],
  [0, 0, 0.2],
];
const M = [
  [1, 1, 0.9],
  [1, 1, 0.8],
  [1, 1, 0.7],
  [1, 0, 0.4],
  [0, 1, 0.6],
  [0, 1, 0.6],
  [0, 0, 0.3],
  [0, 0, 0.1],
];
const good = [
  ...F.map(([y, yhat, p], i) => `f${i},F,${i % 2 === 0 ? 'A' : 'B'},30,${y},${yhat},${p}`),
  ...M.map(([y, yhat, p], i) => `m${i},M,${i % 2 === 0 ? 'A' : 'B'},40,${y},${yhat},${p}`),
];
const SMALL = [
  HEADER,
  ...good,
  'kid,M,A,15,1,1,0.5',
  'short,F,A',
  'badlabel,F,A,30,x,1,0.5',
  'nopred,M,B,30,1,,0.5',
].join('\n');
const smallFile = join(dir, 'small.csv');
writeFileSync(smallFile, `${SMALL}\n`);
const BASE = [
  'audit',
  'fairness',
  '--data',
  'small.csv',
  '--label',
  'y',
  '--prediction',
  'yhat',
  '--sensitive',
  'sex',
];

describe('parapet audit fairness', () => {
  test('JSON: per-group rates and parity summaries match the hand computation; bad rows are counted', async () => {
    const r = await run([...BASE, '--filter', 'age >= 18', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(
      {
        rowsRead: out.input.rowsRead,
        malformed: out.input.malformed,
        keptByFilter: out.input.keptByFilter,
        filteredOut: out.input.filteredOut,
        badValues: out.input.badValues,
        badRows: out.input.badRows,
        rowsAudited: out.input.rowsAudited,
      },
      {
        rowsRead: 20,
        malformed: 1,
        keptByFilter: 18,
        filteredOut: 1,
        badValues: 2,
        badRows: 3,
        rowsAudited: 16,
      },
    );
    const reasons = Object.fromEntries(
      out.input.badRowReasons.map((b: { reason: string; lines: number[] }) => [b.reason, b.lines]),
    );
    assert.deepEqual(reasons, {
      'wrong number of fields (the header has 7)': [19],
      'label is not 0/1 (pass --positive VALUE to name the positive label)': [20],
      'empty prediction': [21],
    });

    const audit: FairnessAudit = out.audit;
    assert.equal(audit.rows, 16);
    const f = group(audit, 'sex', 'F');
    const m = group(audit, 'sex', 'M');
    assert.deepEqual([f.count, f.tp, f.fn, f.fp, f.tn], [8, 1, 2, 1, 4]);
    assert.deepEqual([m.count, m.tp, m.fn, m.fp, m.tn], [8, 3, 1, 2, 2]);
    close(f.baseRate.value, 3 / 8, 'F base rate');
    close(f.selectionRate.value, 2 / 8, 'F selection');
    close(f.tpr.value, 1 / 3, 'F TPR');
    close(f.fpr.value, 1 / 5, 'F FPR');
    close(f.fnr.value, 2 / 3, 'F FNR');
    close(f.tnr.value, 4 / 5, 'F TNR');
    close(f.ppv.value, 1 / 2, 'F PPV');
    close(f.npv.value, 4 / 6, 'F NPV');
    close(f.accuracy.value, 5 / 8, 'F accuracy');
    close(m.selectionRate.value, 5 / 8, 'M selection');
    close(m.tpr.value, 3 / 4, 'M TPR');
    close(m.fpr.value, 2 / 4, 'M FPR');
    close(m.ppv.value, 3 / 5, 'M PPV');

    // Demographic parity: 0.625 − 0.25; disparate impact 0.25 / 0.625 = 0.4 → fails the four-fifths rule.
    close(summary(audit, 'sex', 'demographic_parity').difference.value, 0.375, 'DP difference');
    close(summary(audit, 'sex', 'demographic_parity').ratio.value, 0.4, 'DP ratio');
    const di = summary(audit, 'sex', 'disparate_impact');
    close(di.ratio.value, 0.4, 'disparate impact');
    assert.equal(di.fourFifths, 'fail');
    // Equalized odds: max(|3/4 − 1/3|, |1/2 − 1/5|) = 5/12; ratio min(4/9, 2/5) = 0.4.
    close(summary(audit, 'sex', 'equalized_odds').difference.value, 5 / 12, 'EO difference');
    close(summary(audit, 'sex', 'equalized_odds').ratio.value, 0.4, 'EO ratio');
    close(summary(audit, 'sex', 'equal_opportunity').difference.value, 5 / 12, 'equal opportunity');
    // Predictive parity: PPV 3/5 vs 1/2.
    close(summary(audit, 'sex', 'predictive_parity').difference.value, 0.1, 'PPV difference');
    close(summary(audit, 'sex', 'predictive_parity').ratio.value, 5 / 6, 'PPV ratio');
    assert.equal(audit.bootstrap, null);
    assert.equal(out.mitigation, null);
    assert.equal(out.options.filter, 'age >= 18');
  });

  test('text: group tables, parity with the four-fifths verdict, bad rows with line numbers', async () => {
    const r = await run([...BASE, '--filter', 'age >= 18']);
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout;
    assert.match(text, /^Fairness audit of small\.csv\n=+\n/);
    assert.match(text, /Rows: +20 read, 18 kept by the filter, 3 bad, 16 audited/);
    assert.match(text, /wrong number of fields \(the header has 7\): 1 \(line 19; values "3"\)/);
    assert.match(text, /\nBy sex \(2 groups\)\n/);
    assert.match(text, /group +n +base rate +selection +TPR +FPR +FNR +TNR +PPV +NPV +accuracy/);
    assert.match(text, /\nF +8 +0\.375 +0\.250 +0\.333 +0\.200 +0\.667 +0\.800 +0\.500 +0\.667 +0\.625\n/);
    assert.match(
      text,
      /disparate impact \(selection rate\) +-0\.375 +0\.400 +F → M +FAILS the four-fifths rule/,
    );
    assert.match(text, /demographic parity \(selection rate\) +0\.375 +0\.400/);
    assert.match(text, /Theil index/);
  });

  test('two sensitive columns: each column and their intersection', async () => {
    const r = await run([...BASE.slice(0, -1), 'sex,race', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const audit: FairnessAudit = JSON.parse(r.stdout).audit;
    assert.deepEqual(
      audit.columns.map((c) => c.column),
      ['sex', 'race'],
    );
    assert.ok(audit.intersection !== null);
    // F & A: rows f0, f2, f4, f6 → labels 1,1,0,0; decisions 1,0,0,0.
    const fa = group(audit, audit.intersection.column, 'F & A');
    assert.deepEqual([fa.count, fa.tp, fa.fn, fa.fp, fa.tn], [4, 1, 1, 0, 2]);
    const noIntersection = await run([...BASE.slice(0, -1), 'sex,race', '--no-intersection', '--json']);
    assert.equal(JSON.parse(noIntersection.stdout).audit.intersection, null);
  });

  test('value mappings: --positive, --prediction-positive, --prediction-threshold, --score-range', async () => {
    const file = join(dir, 'mapped.csv');
    writeFileSync(
      file,
      [
        'g,outcome,risk,points',
        'a,yes,High,9',
        'a,no,Low,2',
        'a,no,Medium,6',
        'b,yes,Low,4',
        'b,no,Low,1',
        'b,yes,High,10',
      ].join('\r\n'),
    );
    const args = [
      'audit',
      'fairness',
      '--data',
      file,
      '--label',
      'outcome',
      '--positive',
      'yes',
      '--sensitive',
      'g',
    ];
    const mapped = await run([
      ...args,
      '--prediction',
      'risk',
      '--prediction-positive',
      'Medium,High',
      '--json',
    ]);
    assert.equal(mapped.code, 0, mapped.stderr);
    const a = group(JSON.parse(mapped.stdout).audit, 'g', 'a');
    // a: (yes, High) TP, (no, Low) TN, (no, Medium) FP.
    assert.deepEqual([a.tp, a.fp, a.tn, a.fn], [1, 1, 1, 0]);

    const threshold = await run([
      ...args,
      '--prediction',
      'points',
      '--prediction-threshold',
      '6',
      '--score',
      'points',
      '--score-range',
      '0,10',
      '--json',
    ]);
    assert.equal(threshold.code, 0, threshold.stderr);
    const b = group(JSON.parse(threshold.stdout).audit, 'g', 'b');
    // b: 4 → 0 (label yes: FN), 1 → 0 (no: TN), 10 → 1 (yes: TP).
    assert.deepEqual([b.tp, b.fp, b.tn, b.fn], [1, 0, 1, 1]);
    // Scores 0.4, 0.1, 1.0 land in the calibration bins [0.4, 0.5), [0.1, 0.2) and the last bin.
    const bins = b.calibration;
    assert.ok(bins !== null);
    assert.equal(
      bins.reduce((sum, bin) => sum + bin.count, 0),
      3,
    );
    assert.equal(bins.at(-1)?.count, 1);

    const unmapped = await run([...args, '--prediction', 'risk', '--json']);
    assert.equal(unmapped.code, 1);
    assert.match(unmapped.stderr, /no rows to audit: 6 read, 0 filtered out, 6 bad/);
    assert.match(
      unmapped.stderr,
      /prediction is not 0\/1 \(pass --prediction-positive VALUES or --prediction-threshold X\): 6/,
    );
  });

  test('a missing column is a usage error naming the columns that exist', async () => {
    const r = await run([...BASE.slice(0, -1), 'gender']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /column `gender` \(--sensitive\) is not in the header/);
    assert.match(r.stderr, /The columns are: id, sex, race, age, y, yhat, p/);
    const typo = await run([...BASE.slice(0, 5), 'yy', ...BASE.slice(6)]);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /column `yy` \(--label\) is not in the header; did you mean `y`\?/);
  });

  test('a bad filter is a usage error pointing at the column', async () => {
    const r = await run([...BASE, '--filter', 'age >= and sex = "F"']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      'parapet: option `--filter`: expected a number or a quoted text after `>=`, found `and` (at column 8)\n' +
        '  age >= and sex = "F"\n' +
        '         ^\n',
    );
    const unknown = await run([...BASE, '--filter', 'ages > 3']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown column `ages`; did you mean `age`\?/);
  });

  test('bootstrap intervals are reproducible with the seed and contain the estimate', async () => {
    const args = [...BASE, '--bootstrap', '200', '--seed', '11', '--json'];
    const first = await run(args);
    const second = await run(args);
    assert.equal(first.code, 0, first.stderr);
    const a = JSON.parse(first.stdout).audit as FairnessAudit;
    assert.deepEqual(a, JSON.parse(second.stdout).audit);
    assert.deepEqual(a.bootstrap, { samples: 200, seed: 11, level: 0.95 });
    const sel = group(a, 'sex', 'F').selectionRate;
    assert.ok(sel.low !== null && sel.high !== null && sel.value !== null);
    assert.ok(sel.low <= sel.value && sel.value <= sel.high && sel.low < sel.high);
    const other = JSON.parse(
      (await run([...BASE, '--bootstrap', '200', '--seed', '12', '--json'])).stdout,
    ).audit;
    assert.notDeepEqual(group(other, 'sex', 'F').selectionRate, sel);
    const text = await run([...BASE, '--bootstrap', '200', '--seed', '11']);
    assert.match(text.stdout, /Bootstrap: +200 samples, seed 11, 95% percentile intervals/);
    assert.match(text.stdout, /\nF +8 +0\.375 \[[0-9.]+, [0-9.]+\] +0\.250 \[/);
  });

  test('--md and --html write reports; user text is escaped', async () => {
    const file = join(dir, 'names.csv');
    writeFileSync(
      file,
      [
        'grp,y_true,yhat',
        ...Array.from({ length: 6 }, (_, i) => `${i % 2 ? '<b>x|y</b>' : '_em_'},${i % 2},1`),
      ].join('\n'),
    );
    const r = await run([
      'audit',
      'fairness',
      '--data',
      file,
      '--label',
      'y_true',
      '--prediction',
      'yhat',
      '--sensitive',
      'grp',
      '--md',
      'report.md',
      '--html',
      'report.html',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /wrote report\.md\nwrote report\.html\n/);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    assert.match(md, /^# Fairness audit of names\.csv\n/);
    assert.match(md, /\n## By grp \(2 groups\)\n/);
    assert.match(md, /\| group \| n \| base rate \| selection \|/);
    assert.ok(md.includes('\\<b\\>x\\|y\\</b\\>'), 'Markdown escapes HTML and table pipes');
    assert.ok(!md.includes('<b>'));
    assert.ok(md.includes('- **Label:** y_true (positive: 1)'), 'an underscore inside a word stays as it is');
    assert.ok(md.includes('\\_em\\_'), 'underscores that could emphasise are escaped');
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    assert.match(html, /^<!doctype html>/i);
    assert.ok(html.includes('&lt;b&gt;x|y&lt;/b&gt;'));
    assert.ok(!html.includes('<b>x|y</b>'));
    assert.ok(html.includes('2026-01-02T03:04:05.000Z'));
  });

  test('standard input, CRLF and a BOM', async () => {
    const r = await run(
      [
        'audit',
        'fairness',
        '--data',
        '-',
        '--label',
        'y',
        '--prediction',
        'yhat',
        '--sensitive',
        'g',
        '--json',
      ],
      '\uFEFFg,y,yhat\r\na,1,1\r\nb,0,1\r\n"a",0,0\r\n',
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.input.file, '-');
    assert.equal(out.audit.rows, 3);
    assert.equal(group(out.audit, 'g', 'a').count, 2);
  });

  test('exit codes: missing file 1, nothing left 1, usage 2, --fail-on-four-fifths 1', async () => {
    const missing = await run([...BASE.slice(0, 3), 'nope.csv', ...BASE.slice(4)]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /the data file `nope\.csv` does not exist/);

    const empty = await run([...BASE, '--filter', 'age > 100']);
    assert.equal(empty.code, 1);
    assert.match(
      empty.stderr,
      /no rows to audit: 20 read, 19 filtered out, 1 bad\n {2}wrong number of fields \(the header has 7\): 1 \(line 19\)\n$/,
    );

    const noScore = await run([...BASE, '--mitigate', 'threshold-dp']);
    assert.equal(noScore.code, 2);
    assert.match(noScore.stderr, /give `--score COLUMN`/);
    const badPrivileged = await run([...BASE, '--privileged', 'race=A']);
    assert.equal(badPrivileged.code, 2);
    assert.match(badPrivileged.stderr, /`race` is not one of the --sensitive columns/);
    const typo = await run([...BASE, '--privileged', 'sex=f']);
    assert.equal(typo.code, 2);
    assert.match(
      typo.stderr,
      /`--privileged sex=f`: no row has sex = `f`; did you mean `F`\? The values are: F, M/,
    );
    const both = await run([...BASE, '--prediction-positive', '1', '--prediction-threshold', '1']);
    assert.equal(both.code, 2);
    const badMitigation = await run([...BASE, '--mitigate', 'magic']);
    assert.equal(badMitigation.code, 2);
    assert.match(badMitigation.stderr, /must be one of `threshold-dp`, `threshold-eo`, `reweighing`/);
    const missingOption = await run(['audit', 'fairness', '--data', 'small.csv']);
    assert.equal(missingOption.code, 2);
    assert.match(missingOption.stderr, /missing required option `--label/);

    const gate = await run([...BASE, '--fail-on-four-fifths']);
    assert.equal(gate.code, 1);
    assert.match(gate.stderr, /the four-fifths rule fails for sex/);
  });

  test('--privileged: ratios are unprivileged over privileged', async () => {
    const r = await run([...BASE, '--filter', 'age >= 18', '--privileged', 'sex=F', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const audit: FairnessAudit = JSON.parse(r.stdout).audit;
    // With F privileged, disparate impact = P(ŷ=1 | M) / P(ŷ=1 | F) = 0.625 / 0.25 = 2.5.
    close(summary(audit, 'sex', 'disparate_impact').ratio.value, 2.5, 'disparate impact with F privileged');
  });

  test('--mitigate reweighing and threshold-dp report before and after', async () => {
    const weighted = await run([...BASE, '--filter', 'age >= 18', '--mitigate', 'reweighing', '--json']);
    assert.equal(weighted.code, 0, weighted.stderr);
    const w = JSON.parse(weighted.stdout).mitigation;
    assert.equal(w.method, 'reweighing');
    // W(g, y) = P(g)·P(y) / P(g, y): P(F) = 1/2, P(y=1) = 7/16, P(F, y=1) = 3/16 → 7/6; and
    // W(F, 0) = (1/2)(9/16) / (5/16) = 9/10. Weighted base rate of F: 3·7/6 / (3·7/6 + 5·9/10) = 7/16.
    close(w.weights['sex=F|1'], 7 / 6, 'weight of (F, 1)');
    close(w.weights['sex=F|0'], 9 / 10, 'weight of (F, 0)');
    const after: FairnessAudit = w.after;
    close(group(after, 'sex', 'F').baseRate.value, 7 / 16, 'weighted base rate F');
    close(group(after, 'sex', 'M').baseRate.value, 7 / 16, 'weighted base rate M');

    const thresholds = await run([
      ...BASE,
      '--filter',
      'age >= 18',
      '--score',
      'p',
      '--mitigate',
      'threshold-dp',
    ]);
    assert.equal(thresholds.code, 0, thresholds.stderr);
    assert.match(thresholds.stdout, /Mitigation: threshold optimizer for demographic parity/);
    assert.match(thresholds.stdout, /Accuracy: [0-9.]+ before, [0-9.]+ after \(cost -?[0-9.]+\)\./);
    assert.match(thresholds.stdout, /Thresholds per group/);
  });

  test('help lists the audit commands', async () => {
    const group = await run(['audit', '--help']);
    assert.equal(group.code, 0);
    assert.match(group.stdout, /audit fairness/);
    const help = await run(['audit', 'fairness', '--help']);
    assert.match(help.stdout, /--prediction-positive <value,…>/);
    assert.match(help.stdout, /--filter <expr>/);
  });
});
