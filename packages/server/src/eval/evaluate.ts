import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  type BinaryMetrics,
  binaryMetrics,
  type Detector,
  type LabelledPrediction,
  type LabelledSpan,
  percentile,
  type SpanMetrics,
  spanMetrics,
} from '@parapet/core';
import { runDetectors } from '../pipeline/inspect.ts';

/** Labels that mean "nothing to find" in the datasets' JSONL layout. */
const NEGATIVE_LABELS = new Set([
  'benign',
  'no_pii',
  'no_secret',
  'non_toxic',
  'safe',
  'no',
  'negative',
  '0',
]);

export interface EvaluateOptions {
  /** A JSONL file: `{id, text, label, spans?: [{start, end, type}]}` per line. */
  dataset: string;
  /** The detector family under test: pii, secrets, code, … */
  task: string;
  detectors: readonly Detector[];
  budgetMs: number;
  /** `even`/`odd`: only records whose id ends in an even/odd digit (the tuning and report splits). */
  split?: 'all' | 'even' | 'odd';
  limit?: number;
  /** Minimum score for a finding to count; default 0.5. */
  threshold?: number;
  /** Predicted type → dataset type (e.g. LOCATION → GPE). */
  typeMap?: Readonly<Record<string, string>>;
  /** Compare span types (default true); false scores spans whatever their type (e.g. secrets). */
  typedSpans?: boolean;
  /** Count only findings of these types as a positive prediction (e.g. what a default policy acts on). */
  countTypes?: ReadonlySet<string>;
  /** Only records with one of these labels (e.g. one half of a two-class set). */
  labels?: readonly string[];
}

export interface EvaluationReport {
  dataset: string;
  task: string;
  split: string;
  records: number;
  positives: number;
  /** Records that could not be read or scanned. */
  errors: number;
  binary: BinaryMetrics;
  /** Present when the dataset has spans. */
  spans: { exact: SpanMetrics; overlap: SpanMetrics } | null;
  latencyMs: { p50: number | null; p99: number | null };
  /** Share of records flagged per predicted type (for false-positive analysis). */
  flaggedByType: Record<string, number>;
}

/**
 * Runs the detectors over a labelled JSONL dataset, streaming (constant memory apart from the per-record
 * results), and computes text-level precision, recall, F1, false-positive rate and ROC-AUC, span-level
 * scores (exact and overlapping, per type) when the records carry spans, and latency percentiles.
 */
export async function evaluateDataset(options: EvaluateOptions): Promise<EvaluationReport> {
  const threshold = options.threshold ?? 0.5;
  const typed = options.typedSpans ?? true;
  const split = options.split ?? 'all';
  const items: LabelledPrediction[] = [];
  const docs: { gold: LabelledSpan[]; predicted: LabelledSpan[] }[] = [];
  const latencies: number[] = [];
  const flaggedByType = new Map<string, number>();
  let sawSpans = false;
  let errors = 0;
  const lines = createInterface({
    input: createReadStream(options.dataset, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) {
    if (line.trim().length === 0) continue;
    if (options.limit !== undefined && items.length >= options.limit) break;
    let record: { id?: unknown; text?: unknown; label?: unknown; spans?: unknown };
    try {
      record = JSON.parse(line);
    } catch {
      errors++;
      continue;
    }
    if (typeof record.text !== 'string') {
      errors++;
      continue;
    }
    if (options.labels !== undefined && !options.labels.includes(String(record.label ?? ''))) continue;
    if (split !== 'all') {
      const digit = /(\d)\D*$/.exec(String(record.id ?? ''))?.[1];
      if (digit === undefined || (Number(digit) % 2 === 0) !== (split === 'even')) continue;
    }
    const start = performance.now();
    const { findings, failures } = await runDetectors(
      options.detectors,
      [{ index: 0, source: 'user', path: 'text', text: record.text }],
      'input',
      options.budgetMs,
    );
    latencies.push(performance.now() - start);
    if (failures.length > 0) errors++;
    const own = findings.filter(
      (f) =>
        f.family === options.task &&
        f.score >= threshold &&
        (options.countTypes === undefined || options.countTypes.has(f.type)),
    );
    const label = !NEGATIVE_LABELS.has(String(record.label ?? '').toLowerCase());
    const score = own.reduce((m, f) => Math.max(m, f.score), 0);
    items.push({ label, predicted: own.length > 0, score });
    for (const type of new Set(own.map((f) => f.type)))
      flaggedByType.set(type, (flaggedByType.get(type) ?? 0) + 1);
    if (Array.isArray(record.spans)) {
      sawSpans = true;
      const gold: LabelledSpan[] = [];
      for (const s of record.spans as { start?: unknown; end?: unknown; type?: unknown }[]) {
        if (typeof s.start === 'number' && typeof s.end === 'number') {
          gold.push({
            start: s.start,
            end: s.end,
            type: typed ? String(s.type ?? options.task) : options.task,
          });
        }
      }
      const predicted: LabelledSpan[] = [];
      for (const f of findings) {
        if (f.family !== options.task || f.score < threshold || f.span === null) continue;
        const type = typed ? (options.typeMap?.[f.type] ?? f.type) : options.task;
        predicted.push({ start: f.span.start, end: f.span.end, type });
      }
      docs.push({ gold, predicted });
    }
  }
  const n = items.length;
  return {
    dataset: options.dataset,
    task: options.task,
    split,
    records: n,
    positives: items.filter((i) => i.label).length,
    errors,
    binary: binaryMetrics(items),
    spans: sawSpans ? { exact: spanMetrics(docs, 'exact'), overlap: spanMetrics(docs, 'overlap') } : null,
    latencyMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) },
    flaggedByType: Object.fromEntries(
      [...flaggedByType.entries()].sort().map(([t, c]) => [t, n === 0 ? 0 : c / n]),
    ),
  };
}

function round(v: number | null): number | null {
  return v === null ? null : Math.round(v * 1000) / 1000;
}

/** The report as aligned text lines. */
export function formatReport(r: EvaluationReport): string {
  const pct = (v: number | null): string => (v === null ? '   -  ' : `${(v * 100).toFixed(1).padStart(5)}%`);
  const out: string[] = [];
  out.push(
    `${r.dataset} — task ${r.task}, split ${r.split}: ${r.records} records (${r.positives} positive), ${r.errors} errors`,
  );
  const b = r.binary;
  out.push(
    `  text level: precision ${pct(b.precision)}  recall ${pct(b.recall)}  F1 ${pct(b.f1)}  FPR ${pct(b.fpr)}  ROC-AUC ${b.rocAuc === null ? '-' : b.rocAuc.toFixed(3)}  (tp ${b.tp} fp ${b.fp} tn ${b.tn} fn ${b.fn})`,
  );
  out.push(`  latency per record: p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms`);
  if (r.spans !== null) {
    for (const mode of ['exact', 'overlap'] as const) {
      const m = r.spans[mode];
      out.push(
        `  spans (${mode}): precision ${pct(m.overall.precision)}  recall ${pct(m.overall.recall)}  F1 ${pct(m.overall.f1)}`,
      );
    }
    out.push('  per type (overlap / exact F1, support):');
    for (const [type, s] of Object.entries(r.spans.overlap.byType)) {
      const e = r.spans.exact.byType[type];
      out.push(
        `    ${type.padEnd(24)} P ${pct(s.precision)} R ${pct(s.recall)} F1 ${pct(s.f1)} / ${pct(e?.f1 ?? null)}  gold ${s.tp + s.fn}`,
      );
    }
  }
  return out.join('\n');
}
