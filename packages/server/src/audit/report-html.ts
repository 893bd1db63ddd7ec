/**
 * The self-contained HTML audit report: one file that opens offline, with the charts drawn by an
 * inlined Chart.js and every number also written in plain HTML tables (the report reads without
 * JavaScript, and prints). Used by `parapet audit fairness|guard|bbq|counterfactual --html FILE`.
 *
 * Safety: all text from the data (group names come from user CSVs, labels from stored events) is
 * HTML-escaped; the chart data travels as JSON in a `<script type="application/json">` with `<`, `>`
 * and `&` escaped, so no value can close the element; and a Content-Security-Policy allows only the
 * report's own two scripts (by hash), no inline event handlers and no network at all.
 */
import { createHash } from 'node:crypto';
import type {
  ColumnAudit,
  Estimate,
  FairnessAudit,
  GroupStats,
  MitigationResult,
  ParityMetric,
  ParitySummary,
  ThresholdRule,
} from '@parapet/core';
import {
  type BarChartSpec,
  type BarSeries,
  barChartHeight,
  type CalibrationChartSpec,
  CHART_SCRIPT,
  type ChartSpec,
  chartLibrary,
} from './report-chart.ts';

export interface AuditReport {
  title: string; // e.g. "Fairness audit of compas/data.csv"
  generatedAt: string; // ISO time
  /** Key facts shown at the top: command line, data file, rows read/kept/bad, seed, … */
  facts: readonly { label: string; value: string }[];
  /** Sections in order. */
  sections: readonly ReportSection[];
  warnings: readonly string[];
}

export type ReportSection =
  | { kind: 'fairness'; heading: string; audit: FairnessAudit }
  | { kind: 'mitigation'; heading: string; result: MitigationResult }
  | {
      kind: 'bars';
      heading: string;
      note?: string;
      groups: readonly {
        label: string;
        value: number | null;
        low: number | null;
        high: number | null;
        n: number;
      }[];
      valueLabel: string;
      percent: boolean;
    }
  | {
      kind: 'table';
      heading: string;
      columns: readonly string[];
      rows: readonly (string | number | null)[][];
      note?: string;
    };

/** A report of one fairness audit (the common case of `parapet audit fairness --html`). */
export function renderFairnessHtml(
  audit: FairnessAudit,
  meta: { title: string; facts: AuditReport['facts'] },
): string {
  return renderAuditHtml({
    title: meta.title,
    generatedAt: new Date().toISOString(),
    facts: meta.facts,
    sections: [{ kind: 'fairness', heading: 'Fairness by group', audit }],
    warnings: [],
  });
}

/** The whole report as one HTML document. */
export function renderAuditHtml(report: AuditReport): string {
  const r = new Renderer();
  const body: string[] = [];
  body.push(
    `<header><h1>${esc(report.title)}</h1>`,
    `<p class="generated">Generated <time datetime="${esc(report.generatedAt)}">${esc(report.generatedAt)}</time> by Parapet.</p></header>`,
  );
  if (report.facts.length > 0) {
    body.push(
      '<section class="facts" aria-label="Key facts"><dl>',
      ...report.facts.map((f) => `<div><dt>${esc(f.label)}</dt><dd>${esc(f.value)}</dd></div>`),
      '</dl></section>',
    );
  }
  body.push(renderWarnings(report));
  const ids = report.sections.map((_, i) => `section-${i + 1}`);
  if (report.sections.length > 1) {
    body.push(
      '<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>',
      ...report.sections.map((s, i) => `<li><a href="#${ids[i]}">${esc(s.heading)}</a></li>`),
      '</ol></nav>',
    );
  }
  report.sections.forEach((section, i) => {
    const id = ids[i]!;
    body.push(`<section class="report-section" id="${id}" aria-labelledby="${id}-h">`);
    body.push(`<h2 id="${id}-h">${esc(section.heading)}</h2>`);
    switch (section.kind) {
      case 'fairness':
        body.push(r.fairness(section.audit, id, true));
        break;
      case 'mitigation':
        body.push(r.mitigation(section.result, id));
        break;
      case 'bars':
        body.push(r.bars(section, id));
        break;
      case 'table':
        body.push(r.table(section));
        break;
    }
    body.push('</section>');
  });
  const lib = chartLibrary();
  body.push(
    '<footer><p>Every number in the charts is also in the tables. Metric definitions, with the equivalent',
    ' Fairlearn and AIF360 functions: <code>docs/fairness.md</code> in Parapet.',
    ` Charts drawn offline by Chart.js ${esc(lib.version)} (MIT licence), included in this file.</p></footer>`,
  );
  return page(report.title, body.join('\n'), r.charts, lib.source);
}

// ---------------------------------------------------------------------------------------------------
// Formatting and escaping

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and for double- or single-quoted attribute values. */
function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** JSON that is safe inside a `<script>` element: nothing in it can end the element or open a comment. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const UNDEFINED = '<span class="na" title="undefined (for example 0/0)">—</span>';

/** A rate or other real number: 3 decimals, or a percentage with 1 decimal. */
function num(v: number | null, percent = false): string {
  if (v === null || Number.isNaN(v)) return UNDEFINED;
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  return percent ? `${(v * 100).toFixed(1)}%` : v.toFixed(3);
}

/** A count: exact when whole (weighted counts may not be). */
function count(v: number): string {
  if (!Number.isFinite(v)) return UNDEFINED;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** A value of a generic table cell. */
function cell(v: string | number | null): string {
  if (v === null) return UNDEFINED;
  if (typeof v === 'string') return esc(v);
  if (Number.isNaN(v)) return UNDEFINED;
  if (Number.isInteger(v)) return String(v);
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  return Math.abs(v) >= 0.001 ? v.toFixed(3) : v.toPrecision(2);
}

function interval(low: number | null, high: number | null, percent = false): string {
  if (low === null || high === null) return '';
  return ` <span class="ci">[${num(low, percent)}, ${num(high, percent)}]</span>`;
}

function estimate(e: Estimate, percent = false): string {
  return num(e.value, percent) + (e.value === null ? '' : interval(e.low, e.high, percent));
}

function levelText(level: number): string {
  return `${Number((level * 100).toFixed(1))}%`;
}

function wrapTable(label: string, table: string): string {
  return `<div class="table-wrap" role="region" aria-label="${esc(label)}" tabindex="0">${table}</div>`;
}

// ---------------------------------------------------------------------------------------------------
// Metric vocabulary

type RateKey = 'baseRate' | 'selectionRate' | 'tpr' | 'fpr' | 'fnr' | 'tnr' | 'ppv' | 'npv' | 'accuracy';

const RATES: readonly { key: RateKey; short: string; long: string }[] = [
  { key: 'baseRate', short: 'Base rate', long: 'base rate: share of positive labels, P(y = 1)' },
  {
    key: 'selectionRate',
    short: 'Selection rate',
    long: 'selection rate: share predicted positive, P(ŷ = 1)',
  },
  { key: 'tpr', short: 'TPR', long: 'true-positive rate (recall): P(ŷ = 1 | y = 1)' },
  { key: 'fpr', short: 'FPR', long: 'false-positive rate: P(ŷ = 1 | y = 0)' },
  { key: 'fnr', short: 'FNR', long: 'false-negative rate: P(ŷ = 0 | y = 1)' },
  { key: 'tnr', short: 'TNR', long: 'true-negative rate (specificity): P(ŷ = 0 | y = 0)' },
  { key: 'ppv', short: 'PPV', long: 'positive predictive value (precision): P(y = 1 | ŷ = 1)' },
  { key: 'npv', short: 'NPV', long: 'negative predictive value: P(y = 0 | ŷ = 0)' },
  { key: 'accuracy', short: 'Accuracy', long: 'accuracy: P(ŷ = y)' },
];

/** The rates charted per group, in order (the ones the parity summaries compare, and the base rate). */
const CHARTED: readonly { key: RateKey; title: string }[] = [
  { key: 'selectionRate', title: 'Selection rate' },
  { key: 'baseRate', title: 'Base rate (share of positive labels)' },
  { key: 'tpr', title: 'True-positive rate (TPR)' },
  { key: 'fpr', title: 'False-positive rate (FPR)' },
  { key: 'fnr', title: 'False-negative rate (FNR)' },
  { key: 'ppv', title: 'Precision (PPV)' },
];

const METRICS: Readonly<Record<ParityMetric, { name: string; compares: string }>> = {
  demographic_parity: { name: 'Demographic parity', compares: 'selection rate' },
  equalized_odds: { name: 'Equalized odds', compares: 'the larger of the TPR and FPR differences' },
  equal_opportunity: { name: 'Equal opportunity', compares: 'true-positive rate' },
  predictive_parity: { name: 'Predictive parity', compares: 'precision (PPV)' },
  average_odds: { name: 'Average odds', compares: 'mean of the FPR and TPR differences' },
  disparate_impact: { name: 'Disparate impact', compares: 'selection-rate ratio (four-fifths rule)' },
  theil_index: { name: 'Theil index', compares: 'inequality of individual benefit (index value)' },
  generalized_entropy: {
    name: 'Generalized entropy index',
    compares: 'inequality of individual benefit (index value)',
  },
};

/** Metrics whose "difference" is an index over individuals, not a gap between groups. */
const INDEX_METRICS: ReadonlySet<ParityMetric> = new Set(['theil_index', 'generalized_entropy']);

function metricText(metric: ParityMetric, alpha: number | undefined): { name: string; compares: string } {
  const m = METRICS[metric] ?? { name: metric, compares: '' };
  return metric === 'generalized_entropy' && alpha !== undefined
    ? { ...m, name: `${m.name} (α = ${alpha})` }
    : m;
}

function groupLabel(g: GroupStats): string {
  const values = Object.values(g.values);
  return values.length > 0 ? values.join(' & ') : g.key;
}

function columnHeading(c: ColumnAudit, intersection: boolean): string {
  return intersection ? `Intersection: ${c.column}` : `By ${c.column}`;
}

function methodName(result: MitigationResult): string {
  if (result.method === 'reweighing') {
    return 'Reweighing (pre-processing; Kamiran & Calders 2012, AIF360 Reweighing)';
  }
  return 'Group-specific thresholds (post-processing; Hardt et al. 2016, Fairlearn ThresholdOptimizer)';
}

function constraintName(c: MitigationResult['constraint']): string | null {
  if (c === 'demographic_parity') return 'demographic parity';
  if (c === 'equalized_odds') return 'equalized odds';
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Sections

class Renderer {
  readonly charts: ChartSpec[] = [];

  private canvas(spec: ChartSpec, label: string, height: number): string {
    this.charts.push(spec);
    return (
      `<figure class="chart"><div class="chart-box" style="height:${Math.round(height)}px">` +
      `<canvas id="${spec.id}" role="img" aria-label="${esc(label)}">${esc(label)}; the numbers are in the table.</canvas>` +
      '</div></figure>'
    );
  }

  private nextId(prefix: string): string {
    return `${prefix}-chart-${this.charts.length + 1}`;
  }

  fairness(audit: FairnessAudit, id: string, charts: boolean): string {
    const out: string[] = [];
    const level = audit.bootstrap?.level ?? null;
    const parts = [`${audit.rows} rows`];
    if (audit.unlabelled !== undefined && audit.unlabelled > 0) {
      parts.push(`${audit.unlabelled} without a label (they count towards selection rates only)`);
    }
    if (audit.weighted) parts.push('weighted (counts and rates use the row weights)');
    parts.push(
      audit.bootstrap === null
        ? 'no bootstrap, so no confidence intervals'
        : `${levelText(audit.bootstrap.level)} bootstrap confidence intervals in brackets (${audit.bootstrap.samples} resamples, seed ${audit.bootstrap.seed})`,
    );
    out.push(`<p class="meta">${esc(parts.join(' · '))}.</p>`);
    const columns: [ColumnAudit, boolean][] = audit.columns.map((c) => [c, false]);
    if (audit.intersection !== null) columns.push([audit.intersection, true]);
    columns.forEach(([column, intersection], ci) => {
      const heading = columnHeading(column, intersection);
      out.push(`<section class="column" aria-labelledby="${id}-c${ci}">`);
      out.push(`<h3 id="${id}-c${ci}">${esc(heading)}</h3>`);
      out.push(this.paritySummary(column, level, heading, audit.entropyAlpha));
      if (charts) out.push(this.groupCharts(audit, column, heading, level, id));
      out.push(this.groupTables(audit, column, heading));
      const calibration = this.calibration(column, heading, id, charts);
      if (calibration !== '') out.push(calibration);
      out.push('</section>');
    });
    return out.join('\n');
  }

  private paritySummary(
    column: ColumnAudit,
    level: number | null,
    heading: string,
    alpha: number | undefined,
  ): string {
    if (column.summaries.length === 0) return '<p>No parity summaries for this column.</p>';
    const rows = column.summaries.map((s) => {
      const m = metricText(s.metric, alpha);
      let diff = estimate(s.difference);
      if (INDEX_METRICS.has(s.metric)) {
        diff += ' <span class="unit">(index, all rows)</span>';
        if (s.betweenGroup !== undefined) {
          diff += `<span class="sub">between groups: ${estimate(s.betweenGroup)}</span>`;
        }
      }
      const ratio =
        s.ratio.value === null && s.ratio.low === null ? '<span class="na">—</span>' : estimate(s.ratio);
      let extremes =
        s.lowest === null && s.highest === null ? '' : `${esc(s.lowest ?? '—')} → ${esc(s.highest ?? '—')}`;
      if (s.excluded !== undefined && s.excluded.length > 0) {
        extremes += `<span class="sub">left out (rate undefined): ${s.excluded.map(esc).join(', ')}</span>`;
      }
      const verdict =
        s.metric === 'disparate_impact' ? fourFifthsBadge(s.fourFifths) : '<span class="na">—</span>';
      const refs = [
        s.fairlearn === null ? '' : `<code>${esc(s.fairlearn)}</code>`,
        s.aif360 === null ? '' : `<code>${esc(s.aif360)}</code>`,
      ]
        .filter((x) => x !== '')
        .join('<br>');
      return (
        `<tr><th scope="row">${esc(m.name)}<span class="sub">${esc(m.compares)}</span></th>` +
        `<td class="num">${diff}</td><td class="num">${ratio}</td><td>${extremes}</td>` +
        `<td>${verdict}</td><td class="refs">${refs}</td></tr>`
      );
    });
    const table =
      `<table class="summary"><caption>Parity summary, ${esc(heading.toLowerCase())}</caption>` +
      '<thead><tr><th scope="col">Metric</th><th scope="col">Difference</th><th scope="col">Ratio</th>' +
      '<th scope="col">Lowest → highest group</th><th scope="col">Four-fifths rule</th>' +
      '<th scope="col">Fairlearn / AIF360</th></tr></thead>' +
      `<tbody>${rows.join('')}</tbody></table>`;
    const verdicts = column.summaries
      .filter((s) => s.metric === 'disparate_impact')
      .map(
        (s) => `<p class="verdict verdict-${s.fourFifths ?? 'undefined'}">${fourFifthsWords(s, level)}</p>`,
      );
    return verdicts.join('') + wrapTable(`Parity summary, ${heading}`, table);
  }

  private groupCharts(
    audit: FairnessAudit,
    column: ColumnAudit,
    heading: string,
    level: number | null,
    id: string,
  ): string {
    const figures: string[] = [];
    const labels = column.groups.map(groupLabel);
    for (const { key, title } of CHARTED) {
      const values = column.groups.map((g) => g[key].value);
      if (values.every((v) => v === null)) continue;
      const reference = audit.overall[key].value;
      const notes: string[] = [];
      if (reference !== null) notes.push(`dashed line: all rows (${reference.toFixed(3)})`);
      notes.push(
        level === null ? 'no confidence intervals (no bootstrap)' : `whiskers: ${levelText(level)} CI`,
      );
      if (values.some((v) => v === null)) notes.push('missing bar: undefined');
      const spec: BarChartSpec = {
        type: 'bars',
        id: this.nextId(id),
        title: `${title}, ${heading.replace(/^By /, 'by ')}`,
        subtitle: notes.join(' · '),
        labels,
        counts: column.groups.map((g) => g.count),
        series: [
          {
            label: title,
            color: 0,
            values,
            low: column.groups.map((g) => g[key].low),
            high: column.groups.map((g) => g[key].high),
          },
        ],
        percent: false,
        axisLabel: '',
        min: 0,
        max: 1,
        suggestedMin: null,
        suggestedMax: null,
        reference,
      };
      figures.push(this.canvas(spec, spec.title, barChartHeight(spec)));
    }
    return figures.length === 0 ? '' : `<div class="chart-grid">${figures.join('')}</div>`;
  }

  private groupTables(audit: FairnessAudit, column: ColumnAudit, heading: string): string {
    const groups: [GroupStats, boolean][] = [
      [audit.overall, true],
      ...column.groups.map((g): [GroupStats, boolean] => [g, false]),
    ];
    const name = (g: GroupStats, overall: boolean): string =>
      `<th scope="row">${overall ? 'All rows' : esc(groupLabel(g))}</th>`;
    const rowClass = (g: GroupStats, overall: boolean): string =>
      overall ? ' class="overall"' : g.warnings.length > 0 ? ' class="warn"' : '';
    const rateHead = RATES.map(
      (r) => `<th scope="col"><abbr title="${esc(r.long)}">${esc(r.short)}</abbr></th>`,
    ).join('');
    const rateRows = groups.map(
      ([g, overall]) =>
        `<tr${rowClass(g, overall)}>${name(g, overall)}<td class="num">${count(g.count)}</td>` +
        RATES.map((r) => `<td class="num">${estimate(g[r.key])}</td>`).join('') +
        '</tr>',
    );
    const rates =
      `<table class="groups"><caption>Rates per group, ${esc(heading.toLowerCase())}</caption>` +
      `<thead><tr><th scope="col">Group</th><th scope="col">Rows</th>${rateHead}</tr></thead>` +
      `<tbody>${rateRows.join('')}</tbody></table>`;
    const weightHead = audit.weighted ? '<th scope="col">Weight</th>' : '';
    const countRows = groups.map(
      ([g, overall]) =>
        `<tr${rowClass(g, overall)}>${name(g, overall)}<td class="num">${count(g.count)}</td>` +
        (audit.weighted ? `<td class="num">${count(g.weight)}</td>` : '') +
        `<td class="num">${count(g.labelled)}</td><td class="num">${count(g.tp)}</td>` +
        `<td class="num">${count(g.fp)}</td><td class="num">${count(g.tn)}</td>` +
        `<td class="num">${count(g.fn)}</td>` +
        `<td class="notes">${g.warnings.map(esc).join('<br>')}</td></tr>`,
    );
    const counts =
      `<table class="groups"><caption>Confusion counts per group, ${esc(heading.toLowerCase())}` +
      (audit.weighted ? ' (weighted)' : '') +
      '</caption><thead><tr><th scope="col">Group</th><th scope="col">Rows</th>' +
      weightHead +
      '<th scope="col"><abbr title="rows with a known label">Labelled</abbr></th>' +
      '<th scope="col"><abbr title="true positives">TP</abbr></th>' +
      '<th scope="col"><abbr title="false positives">FP</abbr></th>' +
      '<th scope="col"><abbr title="true negatives">TN</abbr></th>' +
      '<th scope="col"><abbr title="false negatives">FN</abbr></th>' +
      '<th scope="col">Notes</th></tr></thead>' +
      `<tbody>${countRows.join('')}</tbody></table>`;
    return (
      wrapTable(`Rates per group, ${heading}`, rates) + wrapTable(`Confusion counts, ${heading}`, counts)
    );
  }

  private calibration(column: ColumnAudit, heading: string, id: string, charts: boolean): string {
    const withBins = column.groups.filter((g) => g.calibration !== null && g.calibration.length > 0);
    if (withBins.length === 0) return '';
    const out: string[] = [];
    if (charts) {
      const spec: CalibrationChartSpec = {
        type: 'calibration',
        id: this.nextId(id),
        title: `Calibration ${heading.replace(/^By /, 'by ')}`,
        subtitle: 'observed positive rate against mean score, per score bin with rows',
        series: withBins.map((g, i) => ({
          label: groupLabel(g),
          color: i,
          points: (g.calibration ?? []).flatMap((b) =>
            b.count > 0 && b.meanScore !== null && b.positiveRate !== null
              ? [{ x: b.meanScore, y: b.positiveRate, n: b.count }]
              : [],
          ),
        })),
      };
      out.push(`<div class="chart-grid single">${this.canvas(spec, spec.title, 360)}</div>`);
    }
    const rows = withBins.flatMap((g) =>
      (g.calibration ?? [])
        .filter((b) => b.count > 0)
        .map(
          (b, i, bins) =>
            `<tr>${i === 0 ? `<th scope="rowgroup" rowspan="${bins.length}">${esc(groupLabel(g))}</th>` : ''}` +
            `<td>${esc(binText(b.lower, b.upper, b.upper >= 1))}</td><td class="num">${count(b.count)}</td>` +
            `<td class="num">${num(b.meanScore)}</td><td class="num">${num(b.positiveRate)}</td></tr>`,
        ),
    );
    const table =
      `<table class="calibration"><caption>Calibration by score bin, ${esc(heading.toLowerCase())} (empty bins left out)</caption>` +
      '<thead><tr><th scope="col">Group</th><th scope="col">Score bin</th><th scope="col">Rows</th>' +
      '<th scope="col">Mean score</th><th scope="col">Positive rate</th></tr></thead>' +
      `<tbody>${rows.join('')}</tbody></table>`;
    out.push(wrapTable(`Calibration, ${heading}`, table));
    return out.join('');
  }

  mitigation(result: MitigationResult, id: string): string {
    const out: string[] = [];
    const constraint = constraintName(result.constraint);
    out.push(
      `<p class="meta">${esc(methodName(result))}${constraint === null ? '' : `, constraint: ${esc(constraint)}`}.</p>`,
    );
    const before = result.before.overall.accuracy.value;
    const after = result.after.overall.accuracy.value;
    out.push(`<p class="cost">${esc(costWords(before, after, result.accuracyCost))}</p>`);
    const accuracy =
      '<table class="accuracy"><caption>Accuracy over all rows</caption>' +
      '<thead><tr><th scope="col">Before</th><th scope="col">After</th><th scope="col">Change (after − before)</th></tr></thead>' +
      `<tbody><tr><td class="num">${estimate(result.before.overall.accuracy)}</td>` +
      `<td class="num">${estimate(result.after.overall.accuracy)}</td>` +
      `<td class="num">${num(result.accuracyCost)}</td></tr></tbody></table>`;
    out.push(wrapTable('Accuracy before and after', accuracy));

    const pairs: [ColumnAudit, ColumnAudit | undefined, boolean][] = result.before.columns.map((c) => [
      c,
      result.after.columns.find((a) => a.column === c.column),
      false,
    ]);
    if (result.before.intersection !== null) {
      pairs.push([result.before.intersection, result.after.intersection ?? undefined, true]);
    }
    const charted: readonly { key: RateKey; title: string }[] =
      result.constraint === 'equalized_odds'
        ? [
            { key: 'tpr', title: 'True-positive rate (TPR)' },
            { key: 'fpr', title: 'False-positive rate (FPR)' },
          ]
        : [{ key: 'selectionRate', title: 'Selection rate' }];
    const level = result.before.bootstrap?.level ?? null;
    pairs.forEach(([b, a, intersection], ci) => {
      const heading = columnHeading(b, intersection);
      out.push(`<section class="column" aria-labelledby="${id}-m${ci}">`);
      out.push(`<h3 id="${id}-m${ci}">${esc(heading)}</h3>`);
      out.push(beforeAfterTable(b, a, heading, result.before.entropyAlpha));
      if (a !== undefined) {
        const figures = charted.flatMap(({ key, title }) => {
          const spec = this.beforeAfterSpec(b, a, key, title, heading, level, id);
          return spec === null ? [] : [this.canvas(spec, spec.title, barChartHeight(spec))];
        });
        if (figures.length > 0) out.push(`<div class="chart-grid">${figures.join('')}</div>`);
      }
      out.push('</section>');
    });
    if (result.thresholds !== null && result.thresholds.length > 0)
      out.push(thresholdTable(result.thresholds));
    if (result.weights !== null) out.push(weightTable(result.weights));
    out.push(
      `<details><summary>Full audit before mitigation</summary>${this.fairness(result.before, `${id}-before`, false)}</details>`,
      `<details><summary>Full audit after mitigation</summary>${this.fairness(result.after, `${id}-after`, false)}</details>`,
    );
    return out.join('\n');
  }

  private beforeAfterSpec(
    before: ColumnAudit,
    after: ColumnAudit,
    key: RateKey,
    title: string,
    heading: string,
    level: number | null,
    id: string,
  ): BarChartSpec | null {
    const labels = before.groups.map(groupLabel);
    const afterByKey = new Map(after.groups.map((g) => [g.key, g]));
    const series: BarSeries[] = [
      {
        label: 'Before',
        color: 7,
        values: before.groups.map((g) => g[key].value),
        low: before.groups.map((g) => g[key].low),
        high: before.groups.map((g) => g[key].high),
      },
      {
        label: 'After',
        color: 0,
        values: before.groups.map((g) => afterByKey.get(g.key)?.[key].value ?? null),
        low: before.groups.map((g) => afterByKey.get(g.key)?.[key].low ?? null),
        high: before.groups.map((g) => afterByKey.get(g.key)?.[key].high ?? null),
      },
    ];
    if (series.every((s) => s.values.every((v) => v === null))) return null;
    return {
      type: 'bars',
      id: this.nextId(id),
      title: `${title} before and after, ${heading.replace(/^By /, 'by ')}`,
      subtitle:
        level === null ? 'no confidence intervals (no bootstrap)' : `whiskers: ${levelText(level)} CI`,
      labels,
      counts: before.groups.map((g) => g.count),
      series,
      percent: false,
      axisLabel: '',
      min: 0,
      max: 1,
      suggestedMin: null,
      suggestedMax: null,
      reference: null,
    };
  }

  bars(section: Extract<ReportSection, { kind: 'bars' }>, id: string): string {
    const out: string[] = [];
    if (section.note !== undefined) out.push(`<p class="note">${esc(section.note)}</p>`);
    const { groups, percent } = section;
    const hasCi = groups.some((g) => g.low !== null && g.high !== null);
    const defined = groups
      .flatMap((g) => [g.value, g.low, g.high])
      .filter((v): v is number => v !== null && Number.isFinite(v));
    if (defined.length > 0) {
      const lo = Math.min(0, ...defined);
      const hi = Math.max(0, ...defined);
      const spec: BarChartSpec = {
        type: 'bars',
        id: this.nextId(id),
        title: section.valueLabel,
        subtitle: [
          hasCi ? 'whiskers: confidence intervals' : '',
          groups.some((g) => g.value === null) ? 'missing bar: undefined' : '',
        ]
          .filter((s) => s !== '')
          .join(' · '),
        labels: groups.map((g) => g.label),
        counts: groups.map((g) => g.n),
        series: [
          {
            label: section.valueLabel,
            color: 0,
            values: groups.map((g) => g.value),
            low: groups.map((g) => g.low),
            high: groups.map((g) => g.high),
          },
        ],
        percent,
        axisLabel: '',
        min: percent && lo >= 0 ? 0 : null,
        max: percent && hi > 0.8 && hi <= 1 ? 1 : null,
        suggestedMin: lo,
        suggestedMax: hi,
        reference: null,
      };
      out.push(
        `<div class="chart-grid single">${this.canvas(spec, `${section.heading}: ${section.valueLabel}`, barChartHeight(spec))}</div>`,
      );
    }
    const rows = groups.map(
      (g) =>
        `<tr><th scope="row">${esc(g.label)}</th><td class="num">${count(g.n)}</td>` +
        `<td class="num">${num(g.value, percent)}</td>` +
        (hasCi
          ? `<td class="num">${g.low === null || g.high === null ? UNDEFINED : `[${num(g.low, percent)}, ${num(g.high, percent)}]`}</td>`
          : '') +
        '</tr>',
    );
    const table =
      `<table class="bars"><caption>${esc(section.valueLabel)} per group</caption>` +
      `<thead><tr><th scope="col">Group</th><th scope="col">n</th><th scope="col">${esc(section.valueLabel)}</th>` +
      (hasCi ? '<th scope="col">Confidence interval</th>' : '') +
      `</tr></thead><tbody>${rows.join('')}</tbody></table>`;
    out.push(wrapTable(section.heading, table));
    return out.join('\n');
  }

  table(section: Extract<ReportSection, { kind: 'table' }>): string {
    const width = Math.max(section.columns.length, ...section.rows.map((r) => r.length));
    const head = Array.from(
      { length: width },
      (_, i) => `<th scope="col">${esc(section.columns[i] ?? '')}</th>`,
    );
    const rows = section.rows.map(
      (row) =>
        '<tr>' +
        Array.from({ length: width }, (_, i) => {
          const v = i < row.length ? (row[i] ?? null) : '';
          // The first column names the row (a group, an attribute value): a row header.
          if (i === 0) return `<th scope="row">${cell(v)}</th>`;
          return `<td${typeof v === 'number' ? ' class="num"' : ''}>${cell(v)}</td>`;
        }).join('') +
        '</tr>',
    );
    const out: string[] = [];
    if (section.note !== undefined) out.push(`<p class="note">${esc(section.note)}</p>`);
    out.push(
      wrapTable(
        section.heading,
        `<table class="generic"><thead><tr>${head.join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`,
      ),
    );
    return out.join('\n');
  }
}

function renderWarnings(report: AuditReport): string {
  const all: string[] = [...report.warnings];
  const prefix = report.sections.length > 1;
  for (const s of report.sections) {
    const audits =
      s.kind === 'fairness' ? [s.audit] : s.kind === 'mitigation' ? [s.result.before, s.result.after] : [];
    for (const a of audits) for (const w of a.warnings) all.push(prefix ? `${s.heading}: ${w}` : w);
  }
  const unique = [...new Set(all)];
  if (unique.length === 0) {
    return '<section class="warnings none" aria-label="Warnings"><p>No warnings.</p></section>';
  }
  return (
    '<section class="warnings" aria-labelledby="warnings-h">' +
    `<h2 id="warnings-h">Warnings (${unique.length})</h2><ul>` +
    unique.map((w) => `<li>${esc(w)}</li>`).join('') +
    '</ul></section>'
  );
}

function fourFifthsBadge(v: ParitySummary['fourFifths']): string {
  if (v === 'pass') return '<span class="badge pass">Pass</span>';
  if (v === 'fail') return '<span class="badge fail">Fail</span>';
  return '<span class="badge undefined">Undefined</span>';
}

/** The four-fifths verdict as a sentence, with what the confidence interval says about it. */
function fourFifthsWords(s: ParitySummary, level: number | null): string {
  const r = s.ratio;
  const groups =
    s.lowest !== null && s.highest !== null
      ? ` (lowest selection rate: ${esc(s.lowest)}; highest: ${esc(s.highest)})`
      : '';
  if (s.fourFifths === null || r.value === null) {
    return `<strong>Four-fifths rule: cannot be applied.</strong> The disparate-impact ratio is undefined here${groups}.`;
  }
  const verdict =
    s.fourFifths === 'pass'
      ? `<strong>Passes the four-fifths rule:</strong> the disparate-impact ratio is ${num(r.value)}, at or above 0.8`
      : `<strong>Fails the four-fifths rule:</strong> the disparate-impact ratio is ${num(r.value)}, below 0.8`;
  let ci = '';
  if (r.low !== null && r.high !== null) {
    const pct = level === null ? '' : `${levelText(level)} `;
    const range = `[${num(r.low)}, ${num(r.high)}]`;
    ci =
      r.low < 0.8 && r.high >= 0.8
        ? ` Its ${pct}confidence interval ${range} includes 0.8, so the data do not settle the verdict.`
        : ` Its whole ${pct}confidence interval ${range} is ${r.high < 0.8 ? 'below' : 'at or above'} 0.8.`;
  }
  return `${verdict}${groups}.${ci}`;
}

function costWords(before: number | null, after: number | null, cost: number | null): string {
  if (before === null || after === null || cost === null) return 'Accuracy before or after is undefined.';
  const b = before.toFixed(3);
  const a = after.toFixed(3);
  if (cost < 0) return `Cost in accuracy: ${Math.abs(cost).toFixed(3)} (from ${b} to ${a}).`;
  if (cost > 0) return `No cost in accuracy: it rose by ${cost.toFixed(3)} (from ${b} to ${a}).`;
  return `No change in accuracy (${b}).`;
}

function beforeAfterTable(
  before: ColumnAudit,
  after: ColumnAudit | undefined,
  heading: string,
  alpha: number | undefined,
): string {
  const rows = before.summaries.map((s) => {
    const a = after?.summaries.find((x) => x.metric === s.metric);
    const m = metricText(s.metric, alpha);
    const ratio = (x: ParitySummary | undefined): string =>
      x === undefined
        ? UNDEFINED
        : x.ratio.value === null && x.ratio.low === null
          ? '<span class="na">—</span>'
          : estimate(x.ratio);
    const verdict =
      s.metric === 'disparate_impact'
        ? `${fourFifthsBadge(s.fourFifths)} → ${a === undefined ? UNDEFINED : fourFifthsBadge(a.fourFifths)}`
        : '';
    return (
      `<tr><th scope="row">${esc(m.name)}</th>` +
      `<td class="num">${estimate(s.difference)}</td><td class="num">${a === undefined ? UNDEFINED : estimate(a.difference)}</td>` +
      `<td class="num">${ratio(s)}</td><td class="num">${ratio(a)}</td><td>${verdict}</td></tr>`
    );
  });
  const table =
    `<table class="summary"><caption>Parity before and after, ${esc(heading.toLowerCase())}</caption>` +
    '<thead><tr><th scope="col">Metric</th><th scope="col">Difference before</th><th scope="col">Difference after</th>' +
    '<th scope="col">Ratio before</th><th scope="col">Ratio after</th><th scope="col">Four-fifths rule</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`;
  return wrapTable(`Parity before and after, ${heading}`, table);
}

function thresholdTable(rules: readonly ThresholdRule[]): string {
  const NA = '<span class="na">—</span>';
  const second = rules.some((t) => t.threshold2 !== null);
  const constant = rules.some((t) => (t.pConstant ?? 0) > 0);
  const rows = rules.map(
    (t) =>
      `<tr><th scope="row">${esc(t.group)}</th><td class="num">${num(t.threshold)}</td>` +
      `<td class="num">${num(t.tieP)}</td>` +
      (second
        ? t.threshold2 === null
          ? `<td class="num">${NA}</td><td class="num">${NA}</td><td class="num">${num(t.mix)}</td>`
          : `<td class="num">${num(t.threshold2)}</td><td class="num">${num(t.tieP2 ?? 1)}</td>` +
            `<td class="num">${num(t.mix)}</td>`
        : '') +
      (constant
        ? `<td class="num">${num(t.pConstant ?? 0)}</td><td class="num">${num(t.constantRate ?? 0)}</td>`
        : '') +
      '</tr>',
  );
  const table =
    '<table class="thresholds"><caption>Decision rule per group</caption>' +
    '<thead><tr><th scope="col">Group</th><th scope="col">Threshold t</th>' +
    '<th scope="col">P(positive | score = t)</th>' +
    (second
      ? '<th scope="col">Second threshold t₂</th><th scope="col">P(positive | score = t₂)</th>' +
        '<th scope="col">P(use t₂)</th>'
      : '') +
    (constant ? '<th scope="col">P(ignore the score)</th><th scope="col">Positive rate then</th>' : '') +
    `</tr></thead><tbody>${rows.join('')}</tbody></table>`;
  const notes = [
    'A row is predicted positive when its score is above the threshold; at exactly the threshold, positive' +
      ' with the probability given.',
  ];
  if (second) {
    notes.push(
      'Where a second threshold is given, it is used instead with the probability in its column (the' +
        ' randomised rule equalized odds may need).',
    );
  }
  if (constant) {
    notes.push(
      'With the probability under “P(ignore the score)” the score is not used and the row is predicted' +
        ' positive at the rate given (Fairlearn’s p_ignore / prediction_constant).',
    );
  }
  return (
    `<h3>Thresholds</h3><p class="note">${esc(notes.join(' '))}</p>` +
    wrapTable('Decision rule per group', table)
  );
}

function weightTable(weights: Readonly<Record<string, number>>): string {
  const rows = Object.entries(weights).map(([key, w]) => {
    const at = key.lastIndexOf('|');
    const group = at < 0 ? key : key.slice(0, at);
    const label = at < 0 ? '' : key.slice(at + 1);
    return `<tr><th scope="row">${esc(group)}</th><td>${esc(label)}</td><td class="num">${num(w)}</td></tr>`;
  });
  const table =
    '<table class="weights"><caption>Weight per group and label</caption>' +
    '<thead><tr><th scope="col">Group</th><th scope="col">Label</th><th scope="col">Weight</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`;
  return (
    '<h3>Weights</h3><p class="note">Each (group, label) cell is weighted by P(group) · P(label) / P(group, label),' +
    ' so that in the weighted data the label is independent of the group.</p>' +
    wrapTable('Weight per group and label', table)
  );
}

function binText(lower: number, upper: number, last: boolean): string {
  return `[${lower.toFixed(2)}, ${upper.toFixed(2)}${last ? ']' : ')'}`;
}

// ---------------------------------------------------------------------------------------------------
// The document

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

function page(title: string, body: string, charts: readonly ChartSpec[], library: string): string {
  const data = scriptJson({ charts });
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(library)} ${sha256(CHART_SCRIPT)}`,
    "style-src 'unsafe-inline'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return [
    '<!doctype html>',
    '<html lang="en" class="no-js">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    '<meta name="generator" content="Parapet">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    '<p class="no-js-note">The charts need JavaScript; every number they show is in the tables below.</p>',
    body,
    '</main>',
    `<script type="application/json" id="report-data">${data}</script>`,
    `<script>${library}</script>`,
    `<script>${CHART_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const STYLE = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --grid: rgba(31, 35, 40, 0.12);
  --head: #f6f8fa; --overall: #eef4fb; --warn-bg: #fff8c5; --warn-border: #d4a72c;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #b42318; --fail-bg: #ffebe9; --link: #0969da;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d; --grid: rgba(230, 237, 243, 0.14);
    --head: #151b23; --overall: #13233a; --warn-bg: #2e2611; --warn-border: #9e6a03;
    --pass: #56d364; --pass-bg: #12261e; --fail: #ff7b72; --fail-bg: #2d1214; --link: #4493f8;
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--fg); }
body {
  margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  background: var(--bg); color: var(--fg);
}
main { max-width: 1200px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.7rem; margin: 0 0 4px; line-height: 1.25; overflow-wrap: anywhere; }
h2 { font-size: 1.35rem; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--border); }
h3 { font-size: 1.1rem; margin: 28px 0 8px; }
a { color: var(--link); }
code { font: 0.85em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.generated, .meta, .note, .sub, .ci, .unit, footer { color: var(--muted); }
.facts dl { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 8px 24px; margin: 16px 0; }
.facts dl div { border-left: 3px solid var(--border); padding-left: 10px; min-width: 0; }
.facts dt { font-size: 0.8rem; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.warnings { background: var(--warn-bg); border: 1px solid var(--warn-border); border-radius: 6px; padding: 4px 16px; margin: 16px 0; }
.warnings h2 { border: 0; margin: 8px 0 0; font-size: 1.05rem; }
.warnings ul { margin: 6px 0 10px; padding-left: 20px; }
.warnings li { overflow-wrap: anywhere; }
.warnings.none { background: transparent; border-color: var(--border); }
.toc ol { margin: 0; padding-left: 22px; }
.table-wrap { overflow-x: auto; margin: 12px 0 16px; }
table { border-collapse: collapse; font-size: 0.88rem; min-width: 50%; }
caption { text-align: left; font-weight: 600; padding: 4px 0 6px; caption-side: top; }
th, td { border: 1px solid var(--border); padding: 4px 8px; vertical-align: top; text-align: left; }
thead th { background: var(--head); font-weight: 600; }
tbody th { font-weight: 600; overflow-wrap: anywhere; max-width: 28em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.ci { display: block; font-size: 0.8em; }
.sub { display: block; font-weight: 400; font-size: 0.8em; }
td.notes { color: var(--fg); font-size: 0.85em; min-width: 14em; }
td.refs { font-size: 0.85em; }
tr.overall th, tr.overall td { background: var(--overall); }
tr.warn th { box-shadow: inset 3px 0 0 var(--warn-border); }
abbr[title] { text-decoration: underline dotted; cursor: help; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-weight: 600; font-size: 0.85em; white-space: nowrap; }
.badge.pass { color: var(--pass); background: var(--pass-bg); }
.badge.fail { color: var(--fail); background: var(--fail-bg); }
.badge.undefined { color: var(--muted); border: 1px solid var(--border); }
.verdict { border-left: 4px solid var(--border); padding: 6px 12px; margin: 8px 0; }
.verdict-pass { border-color: var(--pass); }
.verdict-fail { border-color: var(--fail); }
.cost { font-weight: 600; }
.chart-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 16px; margin: 12px 0; }
.chart-grid.single { grid-template-columns: minmax(0, 860px); }
.chart { margin: 0; border: 1px solid var(--border); border-radius: 6px; padding: 8px; min-width: 0; }
.chart-box { position: relative; width: 100%; }
.no-js .chart-grid { display: none; }
.no-js-note { display: none; color: var(--muted); }
.no-js .no-js-note { display: block; }
details { margin: 16px 0; border: 1px solid var(--border); border-radius: 6px; padding: 4px 12px; }
summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
footer { margin-top: 40px; padding-top: 8px; border-top: 1px solid var(--border); font-size: 0.85rem; }
@media (max-width: 520px) { .chart-grid { grid-template-columns: minmax(0, 1fr); } }
@media print {
  :root {
    --bg: #ffffff; --fg: #000000; --muted: #333333; --border: #999999; --grid: rgba(0, 0, 0, 0.18);
    --head: #eeeeee; --overall: #f3f3f3; --warn-bg: #ffffff; --warn-border: #000000; --link: #000000;
    --pass: #000000; --pass-bg: #ffffff; --fail: #000000; --fail-bg: #ffffff;
  }
  @page { margin: 14mm; }
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  .toc, .no-js-note { display: none; }
  .table-wrap { overflow: visible; }
  table { font-size: 8.5pt; }
  thead { display: table-header-group; }
  tr, .chart, .verdict, .warnings li { break-inside: avoid; }
  h2, h3, caption { break-after: avoid; }
  .chart-grid { grid-template-columns: 1fr 1fr; }
  .badge { border: 1px solid #000000; }
  details { border: 0; padding: 0; }
}
`;
