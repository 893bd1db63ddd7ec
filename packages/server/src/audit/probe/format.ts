/**
 * Reports of the bias probes: the JSON documents `--json` prints, terminal tables, and the sections of
 * the HTML report (rendered by report-html.ts).
 */
import type { Estimate } from '@parapet/core';
import type { AuditReport, ReportSection } from '../report-html.ts';
import type { BbqCell, BbqContext, BbqScore } from './bbq.ts';
import type { CounterfactualScore, DimensionReport } from './counterfactual.ts';

/** What every probe report says about the run. */
export interface ProbeRunInfo {
  model: string;
  /** The Chat Completions URL asked. */
  endpoint: string;
  /** The results file, when one was used. */
  out: string | null;
  limit: number | null;
  seed: number;
  /** Items answered from the results file rather than asked. */
  resumed: number;
  requests: number;
  retries: number;
  tokens: number;
  /** Every selected item has an answer (parsed or not). False when the run stopped or requests failed. */
  complete: boolean;
  /** Why the run stopped early (budget, interruption), or null. */
  stopped: string | null;
}

export interface BbqReport extends BbqScore {
  probe: 'bbq';
  generatedAt: string;
  data: string[];
  /** Lines of the data files that are not BBQ items. */
  badLines: { count: number; examples: string[] };
  run: ProbeRunInfo;
  warnings: string[];
}

export interface CounterfactualReport extends CounterfactualScore {
  probe: 'counterfactual';
  generatedAt: string;
  template: { file: string; name: string; prompts: number; attributes: string[] };
  run: ProbeRunInfo;
  warnings: string[];
}

// ── Text ────────────────────────────────────────────────────────────────────────────────────────────

type Align = 'left' | 'right';

/** A plain table: header, rule, rows; columns padded to their widest cell. */
export function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[],
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (align[i] === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function fixed(value: number | null, digits = 3, signed = false): string {
  if (value === null || !Number.isFinite(value)) return '—';
  const text = value.toFixed(digits);
  return signed && value >= 0 ? `+${text}` : text;
}

/** `0.612 [0.540, 0.680]`, or the value alone when there is no interval. */
export function withInterval(e: Estimate, signed = false, digits = 3): string {
  if (e.value === null) return '—';
  if (e.low === null || e.high === null) return fixed(e.value, digits, signed);
  return `${fixed(e.value, digits, signed)} [${fixed(e.low, digits, signed)}, ${fixed(e.high, digits, signed)}]`;
}

function runLine(run: ProbeRunInfo): string {
  const parts = [`model ${run.model}`, run.endpoint];
  if (run.out !== null) parts.push(`results ${run.out}`);
  return parts.join(' · ');
}

const CONTEXT_TITLE: Record<BbqContext, string> = {
  ambiguous: 'Ambiguous contexts (the correct answer is UNKNOWN) — bias score s_AMB = (1 − accuracy) · s_DIS',
  disambiguated: 'Disambiguated contexts — bias score s_DIS = 2 · biased / non-UNKNOWN − 1',
};

export function formatBbqText(report: BbqReport): string {
  const out: string[] = [];
  const i = report.items;
  out.push(`BBQ bias probe · ${runLine(report.run)}`);
  out.push(
    `${i.selected} items${report.run.limit !== null ? ` (seeded sample, seed ${report.run.seed})` : ''}: ${i.answered} answered, ${i.unparseable} unparseable, ${i.failed} failed, ${i.notRun} not asked`,
  );
  out.push(
    report.bootstrap === null
      ? 'Scores in [−1, 1] (the paper prints them ×100); no intervals (--bootstrap 0)'
      : `Scores in [−1, 1] (the paper prints them ×100); 95% bootstrap intervals (${report.bootstrap.samples} resamples, seed ${report.bootstrap.seed})`,
  );
  for (const context of ['ambiguous', 'disambiguated'] as const) {
    const cells = report.cells.filter((c) => c.context === context);
    if (cells.length === 0) continue;
    const scoreName = context === 'ambiguous' ? 's_AMB' : 's_DIS';
    out.push('', CONTEXT_TITLE[context]);
    out.push(
      table(
        [
          'category',
          'items',
          'answered',
          'unparsed',
          'accuracy [95% CI]',
          `${scoreName} [95% CI]`,
          'biased/non-UNK',
        ],
        cells.map((c) => [
          c.category,
          String(c.items),
          String(c.answered),
          String(c.unparseable),
          withInterval(c.accuracy),
          withInterval(c.bias, true),
          `${c.biased}/${c.nonUnknown}`,
        ]),
        ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
      ),
    );
  }
  if (report.unparseableExamples.length > 0) {
    out.push('', 'Replies that could not be parsed (first few):');
    for (const e of report.unparseableExamples.slice(0, 5)) out.push(`  ${e.id}: ${JSON.stringify(e.reply)}`);
  }
  for (const warning of report.warnings) out.push(`warning: ${warning}`);
  if (report.run.stopped !== null) out.push(`incomplete: ${report.run.stopped}`);
  return `${out.join('\n')}\n`;
}

export function formatCounterfactualText(report: CounterfactualReport): string {
  const out: string[] = [];
  const i = report.items;
  out.push(`Counterfactual probe "${report.template.name}" · ${runLine(report.run)}`);
  out.push(
    `${i.selected} of ${report.combinations} combinations${report.run.limit !== null && i.selected < report.combinations ? ` (seeded sample, seed ${report.run.seed})` : ''}: ${i.answered} answered (${report.decisions.yes} yes, ${report.decisions.no} no), ${i.unparseable} unparseable, ${i.failed} failed, ${i.notRun} not asked`,
  );
  out.push(
    `Favourable outcome: "${report.favourable}"; overall favourable rate ${withInterval(report.favourableRate)}; 95% intervals (Wilson; differences: Newcombe)`,
  );
  for (const dim of report.dimensions) {
    out.push('', dimensionTitle(dim));
    const differences = new Map(dim.differences.map((d) => [d.value, d]));
    out.push(
      table(
        [
          'value',
          'n',
          'favourable',
          'rate [95% CI]',
          `difference vs ${dim.reference} [95% CI]`,
          'log-OR [95% CI]',
          'pairs ±',
          'McNemar p',
        ],
        dim.values.map((v) => {
          const d = differences.get(v.value);
          return [
            v.value === dim.reference ? `${v.value} (ref)` : v.value,
            String(v.n),
            String(v.favourable),
            withInterval(v.rate),
            d === undefined ? '—' : `${withInterval(d.difference, true)}${d.significant ? ' *' : ''}`,
            d === undefined ? '—' : withInterval(d.logOddsRatio, true, 2),
            d === undefined || d.pairs === null ? '—' : `${d.pairs} +${d.valueOnly}/−${d.referenceOnly}`,
            d === undefined || d.mcnemarP === null ? '—' : pValue(d.mcnemarP),
          ];
        }),
        ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
      ),
    );
    if (dim.gap.difference !== null)
      out.push(`gap: ${fixed(dim.gap.difference)} (lowest ${dim.gap.lowest}, highest ${dim.gap.highest})`);
  }
  out.push('', '* the 95% interval of the difference excludes 0 (no correction for multiple comparisons)');
  if (report.unparseableExamples.length > 0) {
    out.push('', 'Replies that could not be parsed (first few):');
    for (const e of report.unparseableExamples.slice(0, 5)) out.push(`  ${e.id}: ${JSON.stringify(e.reply)}`);
  }
  for (const warning of report.warnings) out.push(`warning: ${warning}`);
  if (report.run.stopped !== null) out.push(`incomplete: ${report.run.stopped}`);
  return `${out.join('\n')}\n`;
}

function dimensionTitle(dim: DimensionReport): string {
  return dim.derivedFrom === null
    ? `${dim.dimension} (reference: ${dim.reference})`
    : `${dim.dimension}, from the groups of ${dim.derivedFrom}'s values (reference: ${dim.reference})`;
}

function pValue(p: number): string {
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

// ── HTML ────────────────────────────────────────────────────────────────────────────────────────────

function runFacts(run: ProbeRunInfo): { label: string; value: string }[] {
  const facts = [
    { label: 'Model', value: run.model },
    { label: 'Endpoint', value: run.endpoint },
    {
      label: 'Requests',
      value: `${run.requests} (${run.retries} retries), ${run.tokens.toLocaleString('en-US')} tokens`,
    },
  ];
  if (run.out !== null)
    facts.push({ label: 'Results file', value: `${run.out} (${run.resumed} answers resumed)` });
  if (run.limit !== null) facts.push({ label: 'Sample', value: `${run.limit} items, seed ${run.seed}` });
  facts.push({
    label: 'Complete',
    value: run.complete ? 'yes' : `no${run.stopped ? ` — ${run.stopped}` : ''}`,
  });
  return facts;
}

function cellRow(c: BbqCell): (string | number | null)[] {
  return [
    c.category,
    c.items,
    c.answered,
    c.unparseable,
    withInterval(c.accuracy),
    withInterval(c.bias, true),
    c.biased,
    c.nonUnknown,
  ];
}

/** The HTML report of a BBQ run. */
export function bbqHtmlReport(report: BbqReport): AuditReport {
  const sections: ReportSection[] = [];
  for (const context of ['ambiguous', 'disambiguated'] as const) {
    const cells = report.cells.filter((c) => c.context === context);
    if (cells.length === 0) continue;
    const score = context === 'ambiguous' ? 's_AMB' : 's_DIS';
    const title = context === 'ambiguous' ? 'Ambiguous contexts' : 'Disambiguated contexts';
    sections.push({
      kind: 'bars',
      heading: `${title}: bias score ${score} per category`,
      note:
        context === 'ambiguous'
          ? 's_AMB = (1 − accuracy) · s_DIS over ambiguous items (Parrish et al. 2022): 0 = no measured bias, +1 = every answer follows the stereotype. Intervals: 95% percentile bootstrap.'
          : 's_DIS = 2 · biased / non-UNKNOWN answers − 1 over disambiguated items (Parrish et al. 2022). Intervals: 95% percentile bootstrap.',
      groups: cells.map((c) => ({
        label: c.category,
        value: c.bias.value,
        low: c.bias.low,
        high: c.bias.high,
        n: c.answered,
      })),
      valueLabel: score,
      percent: false,
    });
    sections.push({
      kind: 'bars',
      heading: `${title}: accuracy per category`,
      groups: cells.map((c) => ({
        label: c.category,
        value: c.accuracy.value,
        low: c.accuracy.low,
        high: c.accuracy.high,
        n: c.answered,
      })),
      valueLabel: 'accuracy',
      percent: true,
    });
    sections.push({
      kind: 'table',
      heading: `${title}: counts`,
      columns: [
        'category',
        'items',
        'answered',
        'unparseable',
        'accuracy [95% CI]',
        `${score} [95% CI]`,
        'biased',
        'non-UNKNOWN',
      ],
      rows: cells.map(cellRow),
    });
  }
  if (report.unparseableExamples.length > 0)
    sections.push({
      kind: 'table',
      heading: 'Replies that could not be parsed',
      columns: ['item', 'reply'],
      rows: report.unparseableExamples.map((e) => [e.id, e.reply]),
    });
  const i = report.items;
  return {
    title: `BBQ bias probe of ${report.run.model}`,
    generatedAt: report.generatedAt,
    facts: [
      { label: 'Data', value: report.data.join(', ') },
      {
        label: 'Items',
        value: `${i.selected} selected: ${i.answered} answered, ${i.unparseable} unparseable, ${i.failed} failed, ${i.notRun} not asked`,
      },
      ...runFacts(report.run),
    ],
    sections,
    warnings: report.warnings,
  };
}

/** The HTML report of a counterfactual run. */
export function counterfactualHtmlReport(report: CounterfactualReport): AuditReport {
  const sections: ReportSection[] = [];
  for (const dim of report.dimensions) {
    sections.push({
      kind: 'bars',
      heading: `Favourable-outcome rate by ${dim.dimension}`,
      note: `Share of "${report.favourable}" decisions per value, 95% Wilson intervals.${dim.derivedFrom === null ? '' : ` Groups carried by the values of ${dim.derivedFrom}.`}`,
      groups: dim.values.map((v) => ({
        label: v.value,
        value: v.rate.value,
        low: v.rate.low,
        high: v.rate.high,
        n: v.n,
      })),
      valueLabel: 'favourable rate',
      percent: true,
    });
    const compared = dim.differences.filter((d) => d.difference.value !== null);
    if (compared.length > 0)
      sections.push({
        kind: 'bars',
        heading: `Difference in favourable-outcome rate by ${dim.dimension}, against ${dim.reference}`,
        note: `rate(value) − rate(${dim.reference}); 95% Newcombe hybrid score intervals. An interval that excludes 0 is a difference at the 5% level (no correction for multiple comparisons).`,
        groups: compared.map((d) => ({
          label: d.value,
          value: d.difference.value,
          low: d.difference.low,
          high: d.difference.high,
          n: dim.values.find((v) => v.value === d.value)?.n ?? 0,
        })),
        valueLabel: `difference vs ${dim.reference}`,
        percent: true,
      });
    sections.push({
      kind: 'table',
      heading: `Differences by ${dim.dimension} against ${dim.reference}`,
      note: 'Difference of rates with Newcombe’s hybrid score interval; log odds ratio with Woolf’s interval; matched pairs (same case, only this attribute changed) with the exact McNemar test. No correction for multiple comparisons.',
      columns: [
        'value',
        'n',
        'rate [95% CI]',
        'difference [95% CI]',
        'log odds ratio [95% CI]',
        'pairs',
        'only value',
        'only reference',
        'McNemar p',
      ],
      rows: dim.values.map((v) => {
        const d = dim.differences.find((x) => x.value === v.value);
        return [
          v.value === dim.reference ? `${v.value} (reference)` : v.value,
          v.n,
          withInterval(v.rate),
          d === undefined ? null : withInterval(d.difference, true),
          d === undefined ? null : withInterval(d.logOddsRatio, true, 2),
          d?.pairs ?? null,
          d?.valueOnly ?? null,
          d?.referenceOnly ?? null,
          d === undefined || d.mcnemarP === null ? null : pValue(d.mcnemarP),
        ];
      }),
    });
  }
  const i = report.items;
  return {
    title: `Counterfactual probe "${report.template.name}" of ${report.run.model}`,
    generatedAt: report.generatedAt,
    facts: [
      { label: 'Template', value: `${report.template.file} (${report.template.prompts} prompt texts)` },
      { label: 'Attributes', value: report.template.attributes.join(', ') },
      {
        label: 'Combinations',
        value: `${i.selected} of ${report.combinations}: ${i.answered} answered, ${i.unparseable} unparseable, ${i.failed} failed, ${i.notRun} not asked`,
      },
      { label: 'Favourable rate', value: `${withInterval(report.favourableRate)} ("${report.favourable}")` },
      ...runFacts(report.run),
    ],
    sections,
    warnings: report.warnings,
  };
}
