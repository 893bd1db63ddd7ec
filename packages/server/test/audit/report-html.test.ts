/**
 * The HTML audit report as text: escaping of everything that comes from the data, the inline scripts
 * and their Content-Security-Policy hashes, and the numbers written in the tables (computed by hand on
 * small confusion tables). The same report in a real browser: report-browser.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import type {
  ColumnAudit,
  Estimate,
  FairnessAudit,
  GroupStats,
  MitigationResult,
  ParitySummary,
} from '../../../core/src/fairness/types.ts';
import { type AuditReport, renderAuditHtml, renderFairnessHtml } from '../../src/audit/report-html.ts';

const EVIL = '<img src=x onerror=alert(1)>';
const BREAKOUT = '</script><script>alert("x")</script>';

// ---------------------------------------------------------------------------------------------------
// A hand-built audit: group statistics from confusion counts (rates exactly as docs/fairness.md defines).

function est(value: number | null, low: number | null = null, high: number | null = null): Estimate {
  return { value, low, high };
}
function ratio(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}
function group(
  key: string,
  values: Record<string, string>,
  c: { tp: number; fp: number; tn: number; fn: number },
  warnings: string[] = [],
): GroupStats {
  const n = c.tp + c.fp + c.tn + c.fn;
  return {
    key,
    values,
    count: n,
    weight: n,
    ...c,
    labelled: n,
    baseRate: est(ratio(c.tp + c.fn, n)),
    selectionRate: est(ratio(c.tp + c.fp, n)),
    tpr: est(ratio(c.tp, c.tp + c.fn)),
    fpr: est(ratio(c.fp, c.fp + c.tn)),
    fnr: est(ratio(c.fn, c.tp + c.fn)),
    tnr: est(ratio(c.tn, c.fp + c.tn)),
    ppv: est(ratio(c.tp, c.tp + c.fp)),
    npv: est(ratio(c.tn, c.tn + c.fn)),
    accuracy: est(ratio(c.tp + c.tn, n)),
    calibration: null,
    warnings,
  };
}
function summary(
  metric: ParitySummary['metric'],
  difference: Estimate,
  r: Estimate,
  extra: Partial<ParitySummary> = {},
): ParitySummary {
  return {
    metric,
    difference,
    ratio: r,
    fourFifths: null,
    lowest: null,
    highest: null,
    fairlearn: null,
    aif360: null,
    ...extra,
  };
}

// Group a: TP 3, FP 1, TN 4, FN 2 (n 10); group EVIL: TP 1, FP 1, TN 1, FN 0 (n 3); everyone: the sum.
const A = group('g=a', { g: 'a' }, { tp: 3, fp: 1, tn: 4, fn: 2 });
const E = group(`g=${EVIL}`, { g: EVIL }, { tp: 1, fp: 1, tn: 1, fn: 0 }, [
  `only 3 rows: too few to support a conclusion (${EVIL})`,
]);
const ALL = group('all', {}, { tp: 4, fp: 2, tn: 5, fn: 2 });
// Selection rates 0.4 (a) and 2/3 (EVIL): difference 4/15, ratio 0.6.
const COLUMN: ColumnAudit = {
  column: 'g',
  groups: [A, E],
  summaries: [
    summary('demographic_parity', est(4 / 15), est(0.6), {
      lowest: 'a',
      highest: EVIL,
      fairlearn: 'fairlearn.metrics.demographic_parity_difference',
    }),
    summary('disparate_impact', est(0.6), est(0.6, 0.4, 0.9), {
      fourFifths: 'fail',
      lowest: 'a',
      highest: EVIL,
      aif360: 'aif360.metrics.ClassificationMetric.disparate_impact',
    }),
    summary('theil_index', est(0.123), est(null)),
  ],
};
const AUDIT: FairnessAudit = {
  rows: 13,
  weighted: false,
  overall: ALL,
  columns: [COLUMN],
  intersection: null,
  bootstrap: { samples: 200, seed: 7, level: 0.95 },
  warnings: [`group ${EVIL} has 3 rows`],
};

function report(sections: AuditReport['sections'], extra: Partial<AuditReport> = {}): string {
  return renderAuditHtml({
    title: `Audit of ${EVIL}`,
    generatedAt: '2026-01-02T03:04:05.000Z',
    facts: [{ label: 'Data file', value: `data/${BREAKOUT}.csv` }],
    sections,
    warnings: [`3 bad rows: ${BREAKOUT}`],
    ...extra,
  });
}

/** The cells of the table row whose header cell reads `header`, as plain text. */
function rowCells(html: string, header: string): string[] {
  for (const row of html.split('<tr').slice(1)) {
    const end = row.indexOf('</tr>');
    const body = row.slice(0, end < 0 ? row.length : end);
    const th = /<th[^>]*>(.*?)<\/th>/.exec(body);
    if (th === null || text(th[1]!) !== header) continue;
    return [...body.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => text(m[1]!));
  }
  throw new Error(`no row headed ${header}`);
}
function text(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
function scripts(html: string): { attrs: string; body: string }[] {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({
    attrs: m[1]!,
    body: m[2]!,
  }));
}
function chartData(html: string): { charts: { id: string; type: string; labels?: string[] }[] } {
  const json = scripts(html).find((s) => s.attrs.includes('application/json'));
  assert.ok(json, 'the chart data is in a JSON script');
  return JSON.parse(json.body);
}

describe('renderAuditHtml', () => {
  const html = report([
    { kind: 'fairness', heading: 'Fairness by g', audit: AUDIT },
    {
      kind: 'bars',
      heading: 'Block rate by language',
      note: `rates of ${EVIL}`,
      valueLabel: 'Block rate',
      percent: true,
      groups: [
        { label: 'en', value: 0.0234, low: 0.018, high: 0.03, n: 1200 },
        { label: EVIL, value: null, low: null, high: null, n: 0 },
      ],
    },
    {
      kind: 'table',
      heading: 'Counterfactual outcomes',
      columns: ['Attribute', 'Yes rate', 'Difference'],
      rows: [[EVIL, 0.5, null], ['plain', 12, -0.0004], ['short row']],
    },
  ]);

  test('text from the data is escaped everywhere and only the report’s own three scripts exist', () => {
    assert.equal(html.includes(EVIL), false, 'the raw payload never appears');
    assert.equal(html.includes('<script>alert'), false);
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'), 'it appears escaped');
    const all = scripts(html);
    assert.equal(all.length, 3);
    assert.equal((html.match(/<script/g) ?? []).length, 3);
    assert.equal((html.match(/<\/script/gi) ?? []).length, 3);
    // Outside the scripts: no element that loads anything, and links only within the page.
    const tags = html.replace(/<script[\s\S]*?<\/script>/g, '').match(/<[a-z][^>]*>/gi) ?? [];
    assert.deepEqual(
      tags.filter((t) => /^<(img|link|iframe|object|embed)\b|\ssrc=|\shref="[^#]|url\(/i.test(t)),
      [],
    );
    assert.equal(/@import|url\(/.test(/<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? ''), false);
    // The title, the facts, the warnings, the notes and a table cell all carry the payload as text.
    assert.match(html, /<title>Audit of &lt;img src=x onerror=alert\(1\)&gt;<\/title>/);
    assert.ok(html.includes('data/&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;.csv'));
    const generic = html.split('<table').find((t) => t.includes('class="generic"'));
    assert.ok(generic);
    assert.deepEqual(rowCells(generic, EVIL), ['0.500', '—']);
  });

  test('the chart data is JSON that cannot end its script element and round-trips the labels', () => {
    const json = scripts(html).find((s) => s.attrs.includes('application/json'))!;
    assert.equal(/[<>&]/.test(json.body), false);
    const data = chartData(html);
    const labels = data.charts.flatMap((c) => c.labels ?? []);
    assert.ok(labels.includes(EVIL), 'the raw label reaches the chart, where Chart.js draws it as text');
    for (const chart of data.charts) assert.match(html, new RegExp(`<canvas id="${chart.id}" role="img"`));
    assert.equal((html.match(/<canvas /g) ?? []).length, data.charts.length);
  });

  test('the Content-Security-Policy allows exactly the two inline scripts, by hash, and no network', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
    assert.ok(csp);
    const policy = text(csp);
    assert.match(policy, /default-src 'none'/);
    const hashes = [...policy.matchAll(/'sha256-([^']+)'/g)].map((m) => m[1]);
    const runnable = scripts(html).filter((s) => s.attrs === '');
    assert.equal(runnable.length, 2);
    assert.deepEqual(
      hashes,
      runnable.map((s) => createHash('sha256').update(s.body, 'utf8').digest('base64')),
    );
    assert.match(runnable[0]!.body, /Chart\.js v4\.6\.1/, 'Chart.js is inlined with its licence banner');
    assert.equal(runnable[0]!.body.includes('sourceMappingURL'), false);
  });

  test('the rates and confusion counts are written per group, computed as defined', () => {
    // a: TP 3, FP 1, TN 4, FN 2: base 0.5, selection 0.4, TPR 0.6, FPR 0.2, FNR 0.4, TNR 0.8,
    // PPV 0.75, NPV 4/6, accuracy 0.7. The EVIL group has no negatives with ŷ = 0: NPV 1/1.
    assert.deepEqual(rowCells(html, 'a').slice(0, 10), [
      '10',
      '0.500',
      '0.400',
      '0.600',
      '0.200',
      '0.400',
      '0.800',
      '0.750',
      '0.667',
      '0.700',
    ]);
    assert.deepEqual(rowCells(html, 'All rows').slice(0, 3), ['13', '0.462', '0.462']);
    // The counts table follows the rates table: Rows, Labelled, TP, FP, TN, FN, Notes.
    const tables = html.split('<table').filter((t) => t.includes('Confusion counts per group'));
    assert.equal(tables.length, 1);
    assert.deepEqual(rowCells(tables[0]!, 'a'), ['10', '10', '3', '1', '4', '2', '']);
    assert.deepEqual(rowCells(tables[0]!, EVIL).slice(0, 6), ['3', '3', '1', '1', '1', '0']);
    assert.match(rowCells(tables[0]!, EVIL)[6]!, /too few to support a conclusion/);
  });

  test('the parity summary names the metric, its values and the four-fifths verdict in words', () => {
    assert.deepEqual(rowCells(html, 'Demographic parity selection rate'), [
      '0.267',
      '0.600',
      `a → ${EVIL}`,
      '—',
      'fairlearn.metrics.demographic_parity_difference',
    ]);
    const di = rowCells(html, 'Disparate impact selection-rate ratio (four-fifths rule)');
    assert.deepEqual(di.slice(0, 4), ['0.600', '0.600 [0.400, 0.900]', `a → ${EVIL}`, 'Fail']);
    assert.deepEqual(
      rowCells(html, 'Theil index inequality of individual benefit (index value)').slice(0, 2),
      ['0.123 (index, all rows)', '—'],
    );
    const verdict = /<p class="verdict verdict-fail">(.*?)<\/p>/.exec(html)?.[1];
    assert.ok(verdict);
    assert.equal(
      text(verdict),
      `Fails the four-fifths rule: the disparate-impact ratio is 0.600, below 0.8 (lowest selection rate: a; highest: ${EVIL}). ` +
        'Its 95% confidence interval [0.400, 0.900] includes 0.8, so the data do not settle the verdict.',
    );
    assert.match(html, /95% bootstrap confidence intervals in brackets \(200 resamples, seed 7\)/);
  });

  test('a pass, and an undefined ratio, read as such', () => {
    const pass: FairnessAudit = {
      ...AUDIT,
      bootstrap: null,
      columns: [
        {
          ...COLUMN,
          summaries: [summary('disparate_impact', est(0.1), est(0.85, 0.82, 0.88), { fourFifths: 'pass' })],
        },
      ],
    };
    const passHtml = report([{ kind: 'fairness', heading: 'x', audit: pass }]);
    assert.match(
      text(passHtml),
      /Passes the four-fifths rule: the disparate-impact ratio is 0\.850, at or above 0\.8\. Its whole confidence interval \[0\.820, 0\.880\] is at or above 0\.8\./,
    );
    assert.match(passHtml, /no bootstrap, so no confidence intervals/);
    const undef: FairnessAudit = {
      ...AUDIT,
      columns: [{ ...COLUMN, summaries: [summary('disparate_impact', est(null), est(null))] }],
    };
    const undefHtml = report([{ kind: 'fairness', heading: 'x', audit: undef }]);
    assert.match(
      text(undefHtml),
      /Four-fifths rule: cannot be applied\. The disparate-impact ratio is undefined here\./,
    );
    assert.match(undefHtml, /<span class="badge undefined">Undefined<\/span>/);
  });

  test('the index metrics show their between-group part, summaries name the groups they left out', () => {
    const audit: FairnessAudit = {
      ...AUDIT,
      unlabelled: 4,
      entropyAlpha: 2,
      columns: [
        {
          ...COLUMN,
          summaries: [
            summary('generalized_entropy', est(0.2), est(null), { betweenGroup: est(0.015) }),
            summary('equal_opportunity', est(0.1), est(0.8), { lowest: 'a', highest: 'c', excluded: ['b'] }),
          ],
        },
      ],
    };
    const html = report([{ kind: 'fairness', heading: 'x', audit }]);
    assert.deepEqual(
      rowCells(
        html,
        'Generalized entropy index (α = 2) inequality of individual benefit (index value)',
      ).slice(0, 2),
      ['0.200 (index, all rows) between groups: 0.015', '—'],
    );
    assert.equal(
      rowCells(html, 'Equal opportunity true-positive rate')[2],
      'a → c left out (rate undefined): b',
    );
    assert.match(html, /13 rows · 4 without a label \(they count towards selection rates only\)/);
  });

  test('a group with no positives shows its label-based rates as undefined, not as zero', () => {
    const none = group('g=b', { g: 'b' }, { tp: 0, fp: 2, tn: 3, fn: 0 }, ['no positives: TPR undefined']);
    const audit: FairnessAudit = { ...AUDIT, columns: [{ ...COLUMN, groups: [A, none] }] };
    const cells = rowCells(report([{ kind: 'fairness', heading: 'x', audit }]), 'b');
    // Rows, base, selection, TPR, FPR, FNR, TNR, PPV, NPV, accuracy.
    assert.deepEqual(cells, ['5', '0.000', '0.400', '—', '0.400', '—', '0.600', '0.000', '1.000', '0.600']);
  });

  test('warnings from the report and from the audit are listed once, at the top', () => {
    const list = /<section class="warnings"[^>]*>(.*?)<\/section>/s.exec(html)?.[1];
    assert.ok(list);
    assert.match(text(list), /^Warnings \(2\)/);
    assert.ok(text(list).includes(`3 bad rows: ${BREAKOUT}`));
    assert.ok(text(list).includes(`Fairness by g: group ${EVIL} has 3 rows`));
    const quiet = report([{ kind: 'table', heading: 't', columns: ['a'], rows: [] }], { warnings: [] });
    assert.match(quiet, /<p>No warnings\.<\/p>/);
  });

  test('bars sections write percentages with their intervals; table cells are formatted by type', () => {
    assert.deepEqual(rowCells(html, 'en'), ['1200', '2.3%', '[1.8%, 3.0%]']);
    assert.deepEqual(rowCells(html, 'plain'), ['12', '-0.00040']);
    assert.deepEqual(rowCells(html, 'short row'), ['', '']);
    const bars = chartData(html).charts.find((c) => c.labels?.includes('en'));
    assert.ok(bars);
  });

  test('the chart specification carries the CI bounds and the reference rate for every group', () => {
    const data = chartData(html) as unknown as {
      charts: {
        title: string;
        labels: string[];
        reference: number | null;
        series: { values: (number | null)[]; low: (number | null)[] }[];
      }[];
    };
    const selection = data.charts.find((c) => c.title === 'Selection rate, by g');
    assert.ok(selection);
    assert.deepEqual(selection.labels, ['a', EVIL]);
    assert.deepEqual(selection.series[0]!.values, [0.4, 2 / 3]);
    assert.equal(selection.reference, 6 / 13);
    // Six rates charted for a labelled audit (selection, base, TPR, FPR, FNR, PPV), one for the bars section.
    assert.equal(data.charts.length, 7);
  });
});

describe('mitigation sections', () => {
  const after: FairnessAudit = {
    ...AUDIT,
    columns: [
      {
        ...COLUMN,
        summaries: [summary('disparate_impact', est(0.05), est(0.95), { fourFifths: 'pass' })],
      },
    ],
    overall: { ...ALL, accuracy: est(0.6) },
  };
  const result: MitigationResult = {
    method: 'threshold_optimizer',
    constraint: 'demographic_parity',
    before: { ...AUDIT, columns: [{ ...COLUMN, summaries: [COLUMN.summaries[1]!] }] },
    after,
    accuracyCost: 0.6 - 9 / 13,
    thresholds: [
      { group: 'g=a', threshold: 0.5, tieP: 1, threshold2: null, mix: 0 },
      { group: `g=${EVIL}`, threshold: 0.62, tieP: 0.25, threshold2: 0.7, mix: 0.5 },
    ],
    weights: null,
  };
  const html = report([{ kind: 'mitigation', heading: 'Thresholds', result }]);

  test('before and after, the accuracy cost in words and the rule per group', () => {
    assert.match(html, /Fairlearn ThresholdOptimizer\), constraint: demographic parity\./);
    assert.match(html, /Cost in accuracy: 0\.092 \(from 0\.692 to 0\.600\)\./);
    assert.deepEqual(rowCells(html, 'Disparate impact'), [
      '0.600',
      '0.050',
      '0.600 [0.400, 0.900]',
      '0.950',
      'Fail → Pass',
    ]);
    // Threshold, P(positive at it), second threshold, P(positive at it) (default 1), P(use the second).
    assert.deepEqual(rowCells(html, 'g=a'), ['0.500', '1.000', '—', '—', '0.000']);
    assert.deepEqual(rowCells(html, `g=${EVIL}`), ['0.620', '0.250', '0.700', '1.000', '0.500']);
    assert.equal(html.includes('P(ignore the score)'), false, 'no constant-prediction columns when unused');
    assert.equal(html.includes(EVIL), false);
    // Both full audits are included (tables only), and the before/after chart compares selection rates.
    assert.equal((html.match(/<details>/g) ?? []).length, 2);
    const charts = chartData(html).charts as unknown as { title: string; series: { label: string }[] }[];
    assert.deepEqual(
      charts.map((c) => [c.title, c.series.map((s) => s.label)]),
      [['Selection rate before and after, by g', ['Before', 'After']]],
    );
  });

  test('a rule that sometimes ignores the score gets its own columns', () => {
    const constant = report([
      {
        kind: 'mitigation',
        heading: 'Equalized odds',
        result: {
          ...result,
          constraint: 'equalized_odds',
          thresholds: [
            { group: 'g=a', threshold: 0.3, tieP: 0.5, threshold2: 0.6, tieP2: 0, mix: 0.25 },
            {
              group: 'g=b',
              threshold: 0.4,
              tieP: 1,
              threshold2: null,
              mix: 0,
              pConstant: 0.2,
              constantRate: 1,
            },
          ],
        },
      },
    ]);
    assert.deepEqual(rowCells(constant, 'g=a'), [
      '0.300',
      '0.500',
      '0.600',
      '0.000',
      '0.250',
      '0.000',
      '0.000',
    ]);
    assert.deepEqual(rowCells(constant, 'g=b'), ['0.400', '1.000', '—', '—', '0.000', '0.200', '1.000']);
    assert.match(constant, /Fairlearn’s p_ignore \/ prediction_constant/);
    // Equalized odds charts the two rates it equalizes.
    const titles = chartData(constant).charts.map((c) => (c as unknown as { title: string }).title);
    assert.deepEqual(titles, [
      'True-positive rate (TPR) before and after, by g',
      'False-positive rate (FPR) before and after, by g',
    ]);
  });

  test('reweighing lists the weight per group and label', () => {
    const rw = report([
      {
        kind: 'mitigation',
        heading: 'Reweighing',
        result: {
          ...result,
          method: 'reweighing',
          constraint: null,
          thresholds: null,
          accuracyCost: 0.01,
          weights: { 'g=a|1': 1.25, 'g=a|0': 0.8 },
        },
      },
    ]);
    assert.match(rw, /AIF360 Reweighing/);
    assert.match(rw, /No cost in accuracy: it rose by 0\.010/);
    const table = rw.split('<table').find((t) => t.includes('<caption>Weight per group'));
    assert.ok(table);
    assert.deepEqual(rowCells(table, 'g=a'), ['1', '1.250']);
  });
});

test('renderFairnessHtml makes a whole document from one audit', () => {
  const html = renderFairnessHtml(AUDIT, {
    title: 'Fairness audit of t.csv',
    facts: [{ label: 'Seed', value: '7' }],
  });
  assert.match(html, /^<!doctype html>\n<html lang="en" class="no-js">/);
  assert.match(html, /<h1>Fairness audit of t\.csv<\/h1>/);
  assert.match(html, /<dt>Seed<\/dt><dd>7<\/dd>/);
  assert.match(html, /<h3 id="section-1-c0">By g<\/h3>/);
  assert.match(html, /<time datetime="\d{4}-\d\d-\d\dT/);
  assert.ok(html.trimEnd().endsWith('</html>'));
});
