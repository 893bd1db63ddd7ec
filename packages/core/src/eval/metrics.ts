/** Detection quality metrics, pure: binary classification, ROC-AUC, span matching per type, percentiles. */

export interface BinaryCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface BinaryMetrics extends BinaryCounts {
  precision: number | null;
  recall: number | null;
  f1: number | null;
  /** False-positive rate: fp / (fp + tn). */
  fpr: number | null;
  /** Area under the ROC curve from the scores, null when a class is missing or no scores were given. */
  rocAuc: number | null;
}

export interface LabelledPrediction {
  /** Ground truth: positive (attack, secret, PII present…). */
  label: boolean;
  predicted: boolean;
  /** The detector's score for the positive class, when it has one. */
  score?: number;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

export function binaryMetrics(items: readonly LabelledPrediction[]): BinaryMetrics {
  const c: BinaryCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const it of items) {
    if (it.label && it.predicted) c.tp++;
    else if (it.label) c.fn++;
    else if (it.predicted) c.fp++;
    else c.tn++;
  }
  const precision = ratio(c.tp, c.tp + c.fp);
  const recall = ratio(c.tp, c.tp + c.fn);
  const f1 =
    precision === null || recall === null || precision + recall === 0
      ? c.tp === 0 && c.fp + c.fn > 0
        ? 0
        : null
      : (2 * precision * recall) / (precision + recall);
  return { ...c, precision, recall, f1, fpr: ratio(c.fp, c.fp + c.tn), rocAuc: rocAuc(items) };
}

/** ROC-AUC by the rank statistic (ties count half); null without both classes or without scores. */
export function rocAuc(items: readonly LabelledPrediction[]): number | null {
  const scored = items.filter((i) => typeof i.score === 'number');
  const pos = scored.filter((i) => i.label).length;
  const neg = scored.length - pos;
  if (scored.length !== items.length || pos === 0 || neg === 0) return null;
  const sorted = [...scored].sort((a, b) => (a.score as number) - (b.score as number));
  let rankSum = 0;
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]!.score === sorted[i]!.score) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (sorted[k]!.label) rankSum += avgRank;
    i = j + 1;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

export interface LabelledSpan {
  start: number;
  end: number;
  type: string;
}

export interface SpanScores {
  tp: number;
  fp: number;
  fn: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface SpanMetrics {
  /** Micro-averaged over every type. */
  overall: SpanScores;
  byType: Record<string, SpanScores>;
}

/**
 * Span-level scores per document: `exact` needs the same start, end and type; `overlap` needs the same
 * type and any overlap. Each gold span matches at most one predicted span (greedy, in order).
 */
export function spanMetrics(
  docs: readonly { gold: readonly LabelledSpan[]; predicted: readonly LabelledSpan[] }[],
  mode: 'exact' | 'overlap',
): SpanMetrics {
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const bump = (type: string, key: 'tp' | 'fp' | 'fn'): void => {
    let c = counts.get(type);
    if (c === undefined) {
      c = { tp: 0, fp: 0, fn: 0 };
      counts.set(type, c);
    }
    c[key]++;
  };
  for (const doc of docs) {
    const used = new Set<number>();
    for (const g of doc.gold) {
      let hit = -1;
      doc.predicted.forEach((p, i) => {
        if (hit >= 0 || used.has(i) || p.type !== g.type) return;
        const ok =
          mode === 'exact' ? p.start === g.start && p.end === g.end : p.start < g.end && g.start < p.end;
        if (ok) hit = i;
      });
      if (hit >= 0) {
        used.add(hit);
        bump(g.type, 'tp');
      } else bump(g.type, 'fn');
    }
    doc.predicted.forEach((p, i) => {
      if (!used.has(i)) bump(p.type, 'fp');
    });
  }
  const score = (c: { tp: number; fp: number; fn: number }): SpanScores => {
    const precision = ratio(c.tp, c.tp + c.fp);
    const recall = ratio(c.tp, c.tp + c.fn);
    const f1 =
      precision !== null && recall !== null && precision + recall > 0
        ? (2 * precision * recall) / (precision + recall)
        : c.tp + c.fp + c.fn > 0
          ? 0
          : null;
    return { ...c, precision, recall, f1 };
  };
  const total = { tp: 0, fp: 0, fn: 0 };
  const byType: Record<string, SpanScores> = {};
  for (const [type, c] of [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    total.tp += c.tp;
    total.fp += c.fp;
    total.fn += c.fn;
    byType[type] = score(c);
  }
  return { overall: score(total), byType };
}

/** Nearest-rank percentiles of a list (e.g. latencies); null for an empty list. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
