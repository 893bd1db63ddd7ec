// Pure reporting for the detector benchmark: latency summaries, quality scores from raw predictions, the
// issue's targets as PASS/FAIL, a plain table for stdout and the dated Markdown section for RESULTS.md.

import { binaryMetrics, spanMetrics } from '@parapet/core';
import type { TypedSpan } from './detector-peers/spans.ts';
import { percentile } from './stats.ts';

/** Percentiles of a list of latencies (milliseconds). */
export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** p50 / p99 / max of `ms` (linear interpolation, like the gateway benchmark); NaN when empty. */
export function summarize(ms: readonly number[]): LatencySummary {
  return {
    n: ms.length,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    max: ms.length === 0 ? Number.NaN : Math.max(...ms),
  };
}

/** Bytes per second, in MB/s (10^6 bytes), of scanning `bytes` bytes in `ms` milliseconds in total. */
export function throughputMBps(bytes: number, ms: number): number {
  return ms <= 0 ? Number.NaN : bytes / 1e6 / (ms / 1000);
}

/** Precision / recall / F1 triple; null where undefined (no predictions or no positives). */
export interface Prf {
  precision: number | null;
  recall: number | null;
  f1: number | null;
  tp: number;
  fp: number;
  fn: number;
}

/** PII quality of one target on presidio-synth-pii (report split). */
export interface PiiQuality {
  records: number;
  /** Span overlap, same (Presidio) type, micro-averaged over every gold type. */
  spanAll: Prf;
  /** The same over the gold types the target can report (its own types after mapping). */
  spanOwn: Prf;
  /** Text level: a record with any predicted span is flagged; label `pii` when it has gold spans. */
  text: Prf;
}

const prf = (tp: number, fp: number, fn: number): Prf => {
  const precision = tp + fp === 0 ? null : tp / (tp + fp);
  const recall = tp + fn === 0 ? null : tp / (tp + fn);
  const f1 = tp + fp + fn === 0 ? null : (2 * tp) / (2 * tp + fp + fn);
  return { precision, recall, f1, tp, fp, fn };
};

/**
 * Scores PII predictions: span overlap with the same type (each gold span matches at most one prediction),
 * over every gold type and over `ownTypes` only (predictions of types outside the dataset count as false
 * positives in both), and text-level detection.
 */
export function scorePii(
  docs: readonly { gold: readonly TypedSpan[]; predicted: readonly TypedSpan[] }[],
  ownTypes: readonly string[],
): PiiQuality {
  const spans = spanMetrics(docs, 'overlap');
  const all = spans.overall;
  const own = new Set(ownTypes);
  const gold = new Set(docs.flatMap((d) => d.gold.map((g) => g.type)));
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [type, s] of Object.entries(spans.byType)) {
    if (gold.has(type) && !own.has(type)) continue; // a dataset type the target cannot report
    tp += s.tp;
    fp += s.fp;
    fn += s.fn;
  }
  const text = binaryMetrics(
    docs.map((d) => ({ label: d.gold.length > 0, predicted: d.predicted.length > 0 })),
  );
  return {
    records: docs.length,
    spanAll: prf(all.tp, all.fp, all.fn),
    spanOwn: prf(tp, fp, fn),
    text: prf(text.tp, text.fp, text.fn),
  };
}

/** Text-level precision / recall / F1 of secrets predictions. */
export function scoreSecrets(items: readonly { label: boolean; predicted: boolean }[]): Prf {
  const m = binaryMetrics(items);
  return prf(m.tp, m.fp, m.fn);
}

/** One of the targets, checked. */
export interface TargetCheck {
  name: string;
  goal: string;
  measured: string;
  verdict: 'PASS' | 'FAIL' | 'not measured';
}

/** Checks `value` against `limit` (at most, or at least with `atLeast`); "not measured" for NaN. */
export function check(
  name: string,
  value: number,
  limit: number,
  unit: string,
  options: { atLeast?: boolean; digits?: number } = {},
): TargetCheck {
  const digits = options.digits ?? 3;
  const goal = `${options.atLeast ? '≥' : '≤'} ${limit} ${unit}`;
  if (!Number.isFinite(value)) return { name, goal, measured: '-', verdict: 'not measured' };
  const ok = options.atLeast ? value >= limit : value <= limit;
  return { name, goal, measured: `${value.toFixed(digits)} ${unit}`, verdict: ok ? 'PASS' : 'FAIL' };
}

/** Formats a ratio as a percentage with one decimal, `-` when null. */
export function pct(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '-'
    : `${(value * 100).toFixed(1)}%`;
}

/** Formats milliseconds with three decimals, `-` when not finite. */
export function ms(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(3);
}

/** A Markdown table from a header row and data rows; columns listed in `right` are right-aligned. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly number[] = [],
): string {
  const align = header.map((_, i) => (right.includes(i) ? '---:' : '---'));
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), `| ${align.join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** The verdict table of a report section (first column titled `title`) followed by its notes as bullets. */
export function verdictsAndNotes(
  title: string,
  checks: readonly TargetCheck[],
  notes: readonly string[],
): string[] {
  return [
    markdownTable(
      [title, 'goal', 'measured', 'verdict'],
      checks.map((c) => [c.name, c.goal, c.measured, c.verdict]),
      [3],
    ),
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ];
}
