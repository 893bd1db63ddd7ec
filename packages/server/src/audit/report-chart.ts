/**
 * The charts of the HTML audit report: the chart specifications the server computes, the Chart.js
 * library read from the installed package (inlined, so the report draws offline), and the small script
 * that turns the specifications into charts in the browser.
 *
 * The browser script is plain ES2017 kept as a string: it runs in the report, not in Node, and it must
 * not depend on a bundler's helpers. Everything it draws is also written out in the report's tables.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** One series of bars: one value (and interval) per category of the chart. */
export interface BarSeries {
  label: string;
  /** Index into the report's colour-blind-safe palette. */
  color: number;
  values: (number | null)[];
  low: (number | null)[];
  high: (number | null)[];
}

/** Horizontal bars per group, with confidence-interval whiskers and an optional reference line. */
export interface BarChartSpec {
  type: 'bars';
  /** The id of the canvas the chart draws into. */
  id: string;
  title: string;
  subtitle: string;
  /** Category (group) labels, in order. */
  labels: string[];
  /** Rows per category (shown in tooltips), or null. */
  counts: (number | null)[];
  series: BarSeries[];
  /** Values are fractions shown as percentages. */
  percent: boolean;
  axisLabel: string;
  /** Hard value-axis bounds, or null to let the axis fit the data. */
  min: number | null;
  max: number | null;
  /** Soft bounds: the axis reaches at least this far (so whiskers are never cut off). */
  suggestedMin: number | null;
  suggestedMax: number | null;
  /** A dashed line across the chart at this value (the rate over everyone), or null. */
  reference: number | null;
}

/** A reliability diagram: observed positive rate against mean score per bin, one line per group. */
export interface CalibrationChartSpec {
  type: 'calibration';
  id: string;
  title: string;
  subtitle: string;
  series: { label: string; color: number; points: { x: number; y: number; n: number }[] }[];
}

export type ChartSpec = BarChartSpec | CalibrationChartSpec;

/** Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), minus the yellow. */
export const PALETTE: readonly string[] = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#D55E00',
  '#CC79A7',
  '#56B4E9',
  '#8C6D1F',
  '#7F7F7F',
];

/** Canvas height for a bar chart: room for the titles and axis, plus a band per category. */
export function barChartHeight(spec: BarChartSpec): number {
  const band = Math.max(28, 14 * spec.series.length + 10);
  return (spec.axisLabel === '' ? 76 : 96) + band * Math.max(1, spec.labels.length);
}

let library: { source: string; version: string } | null = null;

/**
 * Chart.js's UMD bundle from the installed package, ready to inline in a `<script>`: the source-map
 * comment is dropped (the report must never ask for another file), line endings are normalised (the
 * HTML parser would, and the Content-Security-Policy hash must match what the browser sees), and any
 * sequence that could end the script element early is neutralised.
 */
export function chartLibrary(): { source: string; version: string } {
  if (library !== null) return library;
  const require = createRequire(import.meta.url);
  // The package's exports map does not list dist/chart.umd.min.js; resolve the package, then its folder.
  const dist = dirname(require.resolve('chart.js'));
  const raw = readFileSync(join(dist, 'chart.umd.min.js'), 'utf8');
  const pkg = JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')) as { version?: unknown };
  const source = raw
    .replace(/\r\n?/g, '\n')
    .replace(/\n\/\/# sourceMappingURL=[^\n]*\s*$/, '\n')
    .replace(/<\/(script)/gi, '<\\/$1')
    .replace(/<!--/g, '<\\!--');
  library = { source, version: typeof pkg.version === 'string' ? pkg.version : 'unknown' };
  return library;
}

/**
 * The browser script: reads the chart specifications from `#report-data`, draws them with Chart.js,
 * follows the colour scheme (light/dark) and switches to print colours around printing. It marks the
 * document `js` (so the charts show) and records the number drawn in `data-charts-drawn`.
 */
export const CHART_SCRIPT = `(function () {
  'use strict';
  var root = document.documentElement;
  root.classList.remove('no-js');
  root.classList.add('js');
  var holder = document.getElementById('report-data');
  var Chart = window.Chart;
  if (!holder || !Chart) return;
  var data = JSON.parse(holder.textContent || '{}');
  var PALETTE = ${JSON.stringify(PALETTE)};
  var PRINT = { fg: '#000000', muted: '#333333', grid: 'rgba(0, 0, 0, 0.18)' };
  function readTheme() {
    var s = getComputedStyle(root);
    return {
      fg: s.getPropertyValue('--fg').trim() || '#1f2328',
      muted: s.getPropertyValue('--muted').trim() || '#59636e',
      grid: s.getPropertyValue('--grid').trim() || 'rgba(0, 0, 0, 0.12)'
    };
  }
  var theme = readTheme();
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  function fmt(v, percent) {
    if (v === null || v === undefined || !isFinite(v)) return 'undefined';
    return percent ? (v * 100).toFixed(1) + '%' : v.toFixed(3);
  }
  function colour(i) { return PALETTE[i % PALETTE.length]; }
  function shorten(label) { return label.length > 32 ? label.slice(0, 31) + '\\u2026' : label; }

  // Whiskers for the confidence intervals and the dashed reference line, drawn over the bars.
  // One plugin object per chart, so the first (synchronous) draw already has its specification.
  function overlay(spec) {
    return {
      id: 'parapetOverlay',
      afterDatasetsDraw: function (chart) {
        var ctx = chart.ctx;
        var scale = chart.scales.x;
        var area = chart.chartArea;
        ctx.save();
        ctx.strokeStyle = theme.fg;
        ctx.lineWidth = 1.5;
        spec.series.forEach(function (s, di) {
          var meta = chart.getDatasetMeta(di);
          if (meta.hidden) return;
          meta.data.forEach(function (bar, i) {
            var v = s.values[i], lo = s.low[i], hi = s.high[i];
            if (v === null || lo === null || hi === null) return;
            var p = bar.getProps(['y', 'height'], true);
            var a = scale.getPixelForValue(lo), b = scale.getPixelForValue(hi);
            var cap = Math.max(3, Math.min(7, p.height * 0.35));
            ctx.beginPath();
            ctx.moveTo(a, p.y); ctx.lineTo(b, p.y);
            ctx.moveTo(a, p.y - cap); ctx.lineTo(a, p.y + cap);
            ctx.moveTo(b, p.y - cap); ctx.lineTo(b, p.y + cap);
            ctx.stroke();
          });
        });
        if (spec.reference !== null && isFinite(spec.reference)) {
          var x = scale.getPixelForValue(spec.reference);
          ctx.strokeStyle = theme.muted;
          ctx.lineWidth = 1.25;
          ctx.setLineDash([5, 4]);
          ctx.beginPath();
          ctx.moveTo(x, area.top); ctx.lineTo(x, area.bottom);
          ctx.stroke();
        }
        ctx.restore();
      }
    };
  }

  function axis(extra) {
    var a = { ticks: { color: theme.muted }, grid: { color: theme.grid }, border: { color: theme.grid },
      title: { display: false, text: '', color: theme.muted } };
    Object.keys(extra).forEach(function (k) { a[k] = extra[k]; });
    return a;
  }
  function common(spec, legend) {
    return {
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: {
        title: { display: true, text: spec.title, color: theme.fg, font: { size: 14, weight: 'bold' } },
        subtitle: { display: !!spec.subtitle, text: spec.subtitle, color: theme.muted, padding: { bottom: 8 } },
        legend: { display: legend, labels: { color: theme.fg } }
      }
    };
  }

  function barConfig(spec) {
    var options = common(spec, spec.series.length > 1);
    var value = axis({ type: 'linear' });
    value.ticks.color = theme.muted;
    if (spec.percent) value.ticks.callback = function (v) { return Math.round(v * 1000) / 10 + '%'; };
    if (spec.min !== null) value.min = spec.min;
    if (spec.max !== null) value.max = spec.max;
    if (spec.suggestedMin !== null) value.suggestedMin = spec.suggestedMin;
    if (spec.suggestedMax !== null) value.suggestedMax = spec.suggestedMax;
    value.title = { display: !!spec.axisLabel, text: spec.axisLabel, color: theme.muted };
    var category = axis({ type: 'category' });
    category.grid = { display: false };
    category.ticks.autoSkip = false;
    category.ticks.callback = function (v) {
      var n = spec.counts[v];
      return shorten(String(this.getLabelForValue(v))) + (n === null || n === undefined ? '' : ' (n=' + n + ')');
    };
    options.indexAxis = 'y';
    options.scales = { x: value, y: category };
    options.plugins.tooltip = {
      callbacks: {
        label: function (item) {
          var s = spec.series[item.datasetIndex];
          var i = item.dataIndex;
          var text = s.label + ': ' + fmt(s.values[i], spec.percent);
          if (s.low[i] !== null && s.high[i] !== null) {
            text += ' [' + fmt(s.low[i], spec.percent) + ', ' + fmt(s.high[i], spec.percent) + ']';
          }
          if (spec.counts[i] !== null) text += ', n = ' + spec.counts[i];
          return text;
        }
      }
    };
    return {
      type: 'bar',
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s) {
          return { label: s.label, data: s.values, backgroundColor: colour(s.color) + '99',
            borderColor: colour(s.color), borderWidth: 1, barPercentage: 0.85, categoryPercentage: 0.8 };
        })
      },
      options: options,
      plugins: [overlay(spec)]
    };
  }

  function calibrationConfig(spec) {
    var options = common(spec, true);
    options.scales = {
      x: axis({ type: 'linear', min: 0, max: 1, title: { display: true, text: 'Mean score in bin', color: theme.muted } }),
      y: axis({ type: 'linear', min: 0, max: 1, title: { display: true, text: 'Observed positive rate', color: theme.muted } })
    };
    options.plugins.tooltip = {
      callbacks: {
        label: function (item) {
          var p = item.raw;
          var text = item.dataset.label + ': score ' + fmt(p.x, false) + ', positive ' + fmt(p.y, false);
          return p.n === undefined ? text : text + ', n = ' + p.n;
        }
      }
    };
    var datasets = [{ label: 'Perfect calibration', data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], showLine: true,
      borderColor: '#8c959f', borderDash: [4, 4], borderWidth: 1, pointRadius: 0 }];
    spec.series.forEach(function (s) {
      datasets.push({ label: s.label, data: s.points, showLine: true, borderColor: colour(s.color),
        backgroundColor: colour(s.color), borderWidth: 2, pointRadius: 3 });
    });
    return { type: 'scatter', data: { datasets: datasets }, options: options };
  }

  function retheme(chart) {
    var o = chart.options;
    Object.keys(o.scales).forEach(function (k) {
      var sc = o.scales[k];
      sc.ticks.color = theme.muted;
      if (sc.grid.display !== false) sc.grid.color = theme.grid;
      sc.border.color = theme.grid;
      sc.title.color = theme.muted;
    });
    o.plugins.title.color = theme.fg;
    o.plugins.subtitle.color = theme.muted;
    o.plugins.legend.labels.color = theme.fg;
    chart.update('none');
  }

  var charts = [];
  (data.charts || []).forEach(function (spec) {
    var canvas = document.getElementById(spec.id);
    if (!canvas) return;
    var chart = new Chart(canvas, spec.type === 'calibration' ? calibrationConfig(spec) : barConfig(spec));
    chart.$parapet = spec;
    charts.push(chart);
  });
  function setTheme(t) { theme = t; charts.forEach(retheme); }
  if (window.matchMedia) {
    var scheme = window.matchMedia('(prefers-color-scheme: dark)');
    if (scheme.addEventListener) scheme.addEventListener('change', function () { setTheme(readTheme()); });
  }
  var opened = [];
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details:not([open])').forEach(function (d) { d.open = true; opened.push(d); });
    setTheme(PRINT);
    charts.forEach(function (c) { c.resize(); });
  });
  window.addEventListener('afterprint', function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
    setTheme(readTheme());
    charts.forEach(function (c) { c.resize(); });
  });
  root.setAttribute('data-charts-drawn', String(charts.length));
})();
`;
