/**
 * The fairness audit for people: terminal tables (`parapet audit fairness`) and the same content as
 * Markdown (`--md FILE`). Rates are fractions with three decimals, as Fairlearn's MetricFrame prints
 * them; with a bootstrap each number carries its interval `[low, high]`; undefined values (0/0) are `—`.
 */
import type {
  ColumnAudit,
  Estimate,
  FairnessAudit,
  GroupStats,
  MitigationResult,
  ParityMetric,
  ParitySummary,
} from '@parapet/core';
import type { InputStats } from './table-input.ts';

/** Everything the text and Markdown reports show. */
export interface AuditTextReport {
  title: string;
  /** Key facts shown first: data file, label, prediction, filter, bootstrap, … */
  facts: readonly { label: string; value: string }[];
  input: InputStats;
  audit: FairnessAudit;
  mitigation: MitigationResult | null;
}

type Align = 'left' | 'right';

interface Table {
  headers: string[];
  align: Align[];
  rows: string[][];
}

type Block =
  | { kind: 'heading'; text: string; level: 1 | 2 | 3 }
  | { kind: 'facts'; facts: readonly { label: string; value: string }[] }
  | { kind: 'table'; table: Table }
  | { kind: 'lines'; lines: string[] }
  | { kind: 'list'; items: string[] };

export const METRIC_NAMES: Readonly<Record<ParityMetric, string>> = {
  demographic_parity: 'demographic parity (selection rate)',
  equalized_odds: 'equalized odds (TPR and FPR)',
  equal_opportunity: 'equal opportunity (TPR)',
  predictive_parity: 'predictive parity (PPV)',
  average_odds: 'average odds (TPR and FPR)',
  disparate_impact: 'disparate impact (selection rate)',
  theil_index: 'Theil index',
  generalized_entropy: 'generalized entropy',
};

const INDEX_METRICS: ReadonlySet<ParityMetric> = new Set(['theil_index', 'generalized_entropy']);

/** A number with three decimals, `—` when undefined. */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const text = value.toFixed(digits);
  return text.startsWith('-') && Number(text) === 0 ? text.slice(1) : text;
}

/** `0.423` or, with an interval, `0.423 [0.401, 0.446]`. */
export function formatEstimate(estimate: Estimate | undefined, intervals: boolean): string {
  if (estimate === undefined) return '—';
  const value = formatNumber(estimate.value);
  if (!intervals || estimate.value === null || estimate.low === null || estimate.high === null) return value;
  return `${value} [${formatNumber(estimate.low)}, ${formatNumber(estimate.high)}]`;
}

/** Whole numbers with thousands separators; weights with up to two decimals. */
function formatCount(value: number): string {
  return Number.isInteger(value)
    ? value.toLocaleString('en-US')
    : value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** The report as terminal text. */
export function formatAuditText(report: AuditTextReport): string {
  return renderText(auditBlocks(report, 'text'));
}

/** The report as Markdown. */
export function formatAuditMarkdown(report: AuditTextReport): string {
  return renderMarkdown(auditBlocks(report, 'markdown'));
}

function auditBlocks(report: AuditTextReport, target: 'text' | 'markdown'): Block[] {
  const { audit, input, mitigation } = report;
  const intervals = audit.bootstrap !== null;
  const blocks: Block[] = [{ kind: 'heading', text: report.title, level: 1 }];
  blocks.push({ kind: 'facts', facts: report.facts });
  const bad = inputLines(input);
  if (bad.length > 0) blocks.push({ kind: 'lines', lines: bad });

  blocks.push({ kind: 'heading', text: 'Overall', level: 2 });
  blocks.push(...groupTables([audit.overall], audit, target, intervals));

  const columns = audit.intersection === null ? audit.columns : [...audit.columns, audit.intersection];
  for (const column of columns) blocks.push(...columnBlocks(column, audit, target, intervals));

  if (mitigation !== null) blocks.push(...mitigationBlocks(mitigation));

  const warnings = collectWarnings(report);
  if (warnings.length > 0) {
    blocks.push({ kind: 'heading', text: 'Warnings', level: 2 });
    blocks.push({ kind: 'list', items: warnings });
  }
  return blocks;
}

function inputLines(input: InputStats): string[] {
  if (input.badRowReasons.length === 0) return [];
  const lines = [`Bad rows (left out of the audit): ${formatCount(input.badRows)}`];
  for (const reason of input.badRowReasons) {
    const values =
      reason.values.length === 0 ? '' : `; values ${reason.values.map((v) => `"${v}"`).join(', ')}`;
    const more = reason.count > reason.lines.length ? ', …' : '';
    lines.push(
      `  ${reason.reason}: ${formatCount(reason.count)} (line${reason.lines.length === 1 ? '' : 's'} ${reason.lines.join(', ')}${more}${values})`,
    );
  }
  return lines;
}

function columnBlocks(
  column: ColumnAudit,
  audit: FairnessAudit,
  target: 'text' | 'markdown',
  intervals: boolean,
): Block[] {
  const blocks: Block[] = [
    {
      kind: 'heading',
      text: `By ${column.column} (${column.groups.length} group${column.groups.length === 1 ? '' : 's'})`,
      level: 2,
    },
  ];
  blocks.push(...groupTables(column.groups, audit, target, intervals));
  blocks.push({ kind: 'heading', text: 'Parity', level: 3 });
  const labels = new Map(column.groups.map((g) => [g.key, groupLabel(g)]));
  blocks.push({ kind: 'table', table: summaryTable(column.summaries, labels, target, intervals) });
  const indices = column.summaries.filter((s) => INDEX_METRICS.has(s.metric));
  if (indices.length > 0) blocks.push({ kind: 'table', table: indexTable(indices, audit, intervals) });
  const calibration = calibrationTable(column.groups, target);
  if (calibration !== null) {
    blocks.push({ kind: 'heading', text: 'Calibration (share of positive labels per score bin)', level: 3 });
    blocks.push({ kind: 'table', table: calibration });
  }
  return blocks;
}

const RATE_COLUMNS: readonly [string, (g: GroupStats) => Estimate][] = [
  ['base rate', (g) => g.baseRate],
  ['selection', (g) => g.selectionRate],
  ['TPR', (g) => g.tpr],
  ['FPR', (g) => g.fpr],
  ['FNR', (g) => g.fnr],
  ['TNR', (g) => g.tnr],
  ['PPV', (g) => g.ppv],
  ['NPV', (g) => g.npv],
  ['accuracy', (g) => g.accuracy],
];

/**
 * Groups × rates. With intervals, the terminal gets three narrower tables (counts and base rates,
 * error rates, predictive values) so lines stay readable; Markdown keeps one table.
 */
function groupTables(
  groups: readonly GroupStats[],
  audit: FairnessAudit,
  target: 'text' | 'markdown',
  intervals: boolean,
): Block[] {
  const counts: [string, (g: GroupStats) => string][] = [['n', (g) => formatCount(g.count)]];
  if (audit.weighted) counts.push(['weight', (g) => formatCount(g.weight)]);
  const rate = (name: string) => RATE_COLUMNS.find(([n]) => n === name)!;
  const splits: (readonly [string, (g: GroupStats) => Estimate][])[] =
    intervals && target === 'text'
      ? [
          [rate('base rate'), rate('selection'), rate('accuracy')],
          [rate('TPR'), rate('FPR'), rate('FNR'), rate('TNR')],
          [rate('PPV'), rate('NPV')],
        ]
      : [RATE_COLUMNS];
  return splits.map((rates, index) => {
    const withCounts = index === 0;
    const headers = ['group', ...(withCounts ? counts.map(([n]) => n) : []), ...rates.map(([n]) => n)];
    const rows = groups.map((g) => [
      groupLabel(g),
      ...(withCounts ? counts.map(([, f]) => f(g)) : []),
      ...rates.map(([, f]) => formatEstimate(f(g), intervals)),
    ]);
    return {
      kind: 'table',
      table: { headers, align: headers.map((_, i) => (i === 0 ? 'left' : 'right')), rows },
    };
  });
}

/** A group's label: its values without the column names (`African-American & Male`), or `all`. */
function groupLabel(group: GroupStats): string {
  const values = Object.values(group.values);
  return values.length === 0 ? group.key : values.join(' & ');
}

function summaryTable(
  summaries: readonly ParitySummary[],
  labels: ReadonlyMap<string, string>,
  target: 'text' | 'markdown',
  intervals: boolean,
): Table {
  const label = (key: string) => labels.get(key) ?? key;
  const headers = ['metric', 'difference', 'ratio', 'lowest → highest', 'note'];
  if (target === 'markdown') headers.push('Fairlearn / AIF360');
  const rows = summaries
    .filter((s) => !INDEX_METRICS.has(s.metric))
    .map((s) => {
      const row = [
        METRIC_NAMES[s.metric],
        formatEstimate(s.difference, intervals),
        formatEstimate(s.ratio, intervals),
        s.lowest !== null && s.highest !== null ? `${label(s.lowest)} → ${label(s.highest)}` : '—',
        summaryNote(s, label),
      ];
      if (target === 'markdown') {
        row.push([s.fairlearn, s.aif360].filter((name) => name !== null && name !== undefined).join('; '));
      }
      return row;
    });
  return { headers, align: headers.map((_, i) => (i === 1 || i === 2 ? 'right' : 'left')), rows };
}

function summaryNote(summary: ParitySummary, label: (key: string) => string): string {
  const notes: string[] = [];
  if (summary.metric === 'disparate_impact') {
    if (summary.fourFifths === 'pass') notes.push('passes the four-fifths rule (ratio ≥ 0.8)');
    else if (summary.fourFifths === 'fail') notes.push('FAILS the four-fifths rule (ratio < 0.8)');
    else notes.push('four-fifths rule undefined');
  }
  if (summary.excluded !== undefined && summary.excluded.length > 0) {
    notes.push(`left out (rate undefined): ${summary.excluded.map(label).join(', ')}`);
  }
  return notes.join('; ');
}

function indexTable(indices: readonly ParitySummary[], audit: FairnessAudit, intervals: boolean): Table {
  const rows = indices.map((s) => [
    s.metric === 'generalized_entropy'
      ? `generalized entropy (α = ${audit.entropyAlpha ?? 2})`
      : 'Theil index',
    formatEstimate(s.difference, intervals),
    formatEstimate(s.betweenGroup, intervals),
  ]);
  return {
    headers: ['inequality of benefit b = ŷ − y + 1', 'whole population', 'between these groups'],
    align: ['left', 'right', 'right'],
    rows,
  };
}

function calibrationTable(groups: readonly GroupStats[], target: 'text' | 'markdown'): Table | null {
  const first = groups.find((g) => g.calibration !== null && g.calibration.length > 0);
  if (first === undefined || first.calibration === null) return null;
  const bins = first.calibration;
  const headers = [
    'group',
    ...bins.map((bin) => `${formatNumber(bin.lower, 1)}–${formatNumber(bin.upper, 1)}`),
  ];
  const rows = groups.map((g) => [
    groupLabel(g),
    ...bins.map((_, i) => {
      const bin = g.calibration?.[i];
      if (bin === undefined || bin.count === 0) return '—';
      const share = formatNumber(bin.positiveRate, 2);
      return target === 'markdown' ? `${share} (${bin.count})` : share;
    }),
  ]);
  return { headers, align: headers.map((_, i) => (i === 0 ? 'left' : 'right')), rows };
}

function mitigationBlocks(result: MitigationResult): Block[] {
  const title =
    result.method === 'reweighing'
      ? 'Mitigation: reweighing (Kamiran & Calders; AIF360 Reweighing)'
      : `Mitigation: threshold optimizer for ${result.constraint === 'equalized_odds' ? 'equalized odds' : 'demographic parity'} (Hardt et al. 2016; Fairlearn ThresholdOptimizer)`;
  const blocks: Block[] = [{ kind: 'heading', text: title, level: 2 }];
  const before = result.before.overall.accuracy.value;
  const after = result.after.overall.accuracy.value;
  const lines = [
    `Accuracy: ${formatNumber(before)} before, ${formatNumber(after)} after` +
      (before !== null && after !== null ? ` (cost ${formatNumber(before - after)})` : '') +
      '.',
  ];
  if (result.method === 'threshold_optimizer') {
    lines.push(
      'The thresholds are fitted and evaluated on the same rows (in-sample); check them on held-out data before use.',
    );
  } else {
    lines.push(
      'Reweighing changes sample weights, not decisions: "after" is the weighted audit (base rates equalise; a model must be retrained on the weights to change its predictions).',
    );
  }
  blocks.push({ kind: 'lines', lines });

  const rows: string[][] = [
    [
      'overall',
      'accuracy',
      formatNumber(result.before.overall.accuracy.value),
      formatNumber(result.after.overall.accuracy.value),
    ],
    [
      'overall',
      'selection rate',
      formatNumber(result.before.overall.selectionRate.value),
      formatNumber(result.after.overall.selectionRate.value),
    ],
  ];
  const shown: [ParityMetric, 'difference' | 'ratio', string][] = [
    ['demographic_parity', 'difference', 'demographic parity difference'],
    ['disparate_impact', 'ratio', 'disparate impact ratio'],
    ['equalized_odds', 'difference', 'equalized odds difference'],
    ['equal_opportunity', 'difference', 'equal opportunity difference'],
  ];
  const afterColumns = new Map(columnsOf(result.after).map((c) => [c.column, c]));
  for (const column of columnsOf(result.before)) {
    const afterColumn = afterColumns.get(column.column);
    for (const [metric, form, label] of shown) {
      const b = column.summaries.find((s) => s.metric === metric)?.[form].value ?? null;
      const a = afterColumn?.summaries.find((s) => s.metric === metric)?.[form].value ?? null;
      rows.push([column.column, label, formatNumber(b), formatNumber(a)]);
    }
  }
  blocks.push({
    kind: 'table',
    table: {
      headers: ['column', 'metric', 'before', 'after'],
      align: ['left', 'left', 'right', 'right'],
      rows,
    },
  });

  if (result.thresholds !== null && result.thresholds.length > 0) {
    blocks.push({ kind: 'heading', text: 'Thresholds per group', level: 3 });
    blocks.push({
      kind: 'lines',
      lines: [
        'Positive when score > threshold; at score = threshold, positive with P(tie). With P(2nd) the second threshold is used instead; with P(const) the score is ignored and the decision is positive with the constant rate.',
      ],
    });
    blocks.push({
      kind: 'table',
      table: {
        headers: [
          'group',
          'threshold',
          'P(tie)',
          '2nd threshold',
          'P(2nd)',
          'P(tie, 2nd)',
          'P(const)',
          'const rate',
        ],
        align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
        rows: result.thresholds.map((rule) => [
          rule.group,
          formatNumber(rule.threshold, 4),
          formatNumber(rule.tieP),
          rule.threshold2 === null ? '—' : formatNumber(rule.threshold2, 4),
          formatNumber(rule.mix),
          rule.threshold2 === null ? '—' : formatNumber(rule.tieP2 ?? 1),
          formatNumber(rule.pConstant ?? 0),
          formatNumber(rule.constantRate ?? 0),
        ]),
      },
    });
  }
  if (result.weights !== null) {
    const entries = Object.entries(result.weights);
    if (entries.length > 0) {
      blocks.push({ kind: 'heading', text: 'Weights per group and label', level: 3 });
      blocks.push({
        kind: 'table',
        table: {
          headers: ['group', 'label', 'weight'],
          align: ['left', 'right', 'right'],
          rows: entries.map(([key, weight]) => {
            const cut = key.lastIndexOf('|');
            return [key.slice(0, cut), key.slice(cut + 1), formatNumber(weight, 4)];
          }),
        },
      });
    }
  }
  return blocks;
}

function columnsOf(audit: FairnessAudit): ColumnAudit[] {
  return audit.intersection === null ? audit.columns : [...audit.columns, audit.intersection];
}

/**
 * The input's warnings, then the audit's (which already sum up small groups and undefined rates per
 * column, so per-group warnings are not repeated), then the overall group's.
 */
function collectWarnings(report: AuditTextReport): string[] {
  const overall = report.audit.overall.warnings.map((w) => `overall: ${w}`);
  return [...new Set([...report.input.warnings, ...report.audit.warnings, ...overall])];
}

// Rendering.

/** Control characters (a CSV can carry terminal escape sequences) shown as `?`. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function width(text: string): number {
  return [...text].length;
}

function pad(text: string, size: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, size - width(text)));
  return align === 'right' ? fill + text : text + fill;
}

function renderText(blocks: readonly Block[]): string {
  const out: string[] = [];
  for (const block of blocks) {
    switch (block.kind) {
      case 'heading':
        if (out.length > 0) out.push('');
        out.push(printable(block.text));
        if (block.level === 1) out.push('='.repeat(width(printable(block.text))));
        else if (block.level === 2) out.push('-'.repeat(width(printable(block.text))));
        break;
      case 'facts': {
        const labelWidth = Math.max(0, ...block.facts.map((f) => width(f.label)));
        for (const fact of block.facts)
          out.push(`${pad(`${fact.label}:`, labelWidth + 1, 'left')} ${printable(fact.value)}`);
        break;
      }
      case 'lines':
        out.push(...block.lines.map(printable));
        break;
      case 'list':
        out.push(...block.items.map((item) => `- ${printable(item)}`));
        break;
      case 'table': {
        const { headers, align } = block.table;
        const rows = block.table.rows.map((row) => row.map(printable));
        const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((row) => width(row[i] ?? ''))));
        const line = (cells: readonly string[]) =>
          cells
            .map((cell, i) => pad(cell, widths[i]!, align[i] ?? 'left'))
            .join('  ')
            .trimEnd();
        out.push('');
        out.push(line(headers));
        out.push(widths.map((w) => '-'.repeat(w)).join('  '));
        for (const row of rows) out.push(line(row));
        break;
      }
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * Escapes text for Markdown: a backslash before the characters that could start markup (HTML, links,
 * emphasis, code, table cells); `_` only where it could emphasise (not inside a word: `two_year_recid`).
 */
export function escapeMarkdown(text: string): string {
  return printable(text)
    .replace(/[\\`*[\]<>|]/g, (char) => `\\${char}`)
    .replace(/_/g, (char, at: number, whole: string) =>
      /[\p{L}\p{N}]/u.test(whole[at - 1] ?? '') && /[\p{L}\p{N}]/u.test(whole[at + 1] ?? '')
        ? char
        : `\\${char}`,
    )
    .replace(/\r?\n/g, ' ');
}

function renderMarkdown(blocks: readonly Block[]): string {
  const out: string[] = [];
  for (const block of blocks) {
    if (out.length > 0) out.push('');
    switch (block.kind) {
      case 'heading':
        out.push(`${'#'.repeat(block.level)} ${escapeMarkdown(block.text)}`);
        break;
      case 'facts':
        out.push(...block.facts.map((f) => `- **${escapeMarkdown(f.label)}:** ${escapeMarkdown(f.value)}`));
        break;
      case 'lines':
        out.push(block.lines.map((line) => escapeMarkdown(line.trim())).join('  \n'));
        break;
      case 'list':
        out.push(...block.items.map((item) => `- ${escapeMarkdown(item)}`));
        break;
      case 'table': {
        const { headers, align } = block.table;
        out.push(`| ${headers.map(escapeMarkdown).join(' | ')} |`);
        out.push(`|${align.map((a) => (a === 'right' ? ' ---: ' : ' --- ')).join('|')}|`);
        for (const row of block.table.rows) out.push(`| ${row.map(escapeMarkdown).join(' | ')} |`);
        break;
      }
    }
  }
  return `${out.join('\n')}\n`;
}
