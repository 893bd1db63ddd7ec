/**
 * Mitigation (issue 7): post-processing with group-specific thresholds (Hardt, Price & Srebro 2016, as
 * Fairlearn's ThresholdOptimizer) and pre-processing by reweighing (Kamiran & Calders 2012, as AIF360's
 * Reweighing). Both report the audit before and after and the change in accuracy.
 */
import { auditFairness, FairnessInputError } from './audit.ts';
import { seededRandom } from './random.ts';
import type { AuditOptions, AuditRow, FairnessAudit, MitigationResult, ThresholdRule } from './types.ts';

export interface ThresholdOptimizerOptions extends AuditOptions {
  constraint: 'demographic_parity' | 'equalized_odds';
  /** What the thresholds maximise subject to the constraint (only accuracy, as Fairlearn's default). */
  objective?: 'accuracy';
  /** Seed of the randomised decisions behind the `after` audit (default 0). */
  seed?: number;
}

/** The key of a row's group: `race=A`, or `race=A & sex=M` (as GroupStats.key of the intersection). */
function groupKey(sensitive: readonly string[], groups: readonly string[]): string {
  let key = '';
  for (let c = 0; c < sensitive.length; c++) key += `${c ? ' & ' : ''}${sensitive[c]}=${groups[c]}`;
  return key;
}

/** A point of a group's trade-off curve: predict positive iff score ≥ `score` (or nothing, score null). */
interface Vertex {
  x: number;
  y: number;
  /** Lowest score predicted positive; null for "predict nothing positive". */
  score: number | null;
}

interface GroupFit {
  key: string;
  values: string[];
  /** Weighted labelled positives and negatives. */
  pos: number;
  neg: number;
  maxScore: number;
  /** Cumulative weighted TP and FP of "score ≥ s" over the distinct scores s, descending. */
  cum: { score: number; tp: number; fp: number }[];
  hull: Vertex[];
}

function cross(o: Vertex, a: Vertex, b: Vertex): number {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

/** Upper (concave) or lower (convex) hull of points sorted by x, keeping the first and last point. */
function hull(points: Vertex[], upper: boolean): Vertex[] {
  const out: Vertex[] = [];
  for (const p of points) {
    // Points with equal x: keep the better one only.
    const last = out[out.length - 1];
    if (last && last.x === p.x) {
      if (upper ? p.y > last.y : p.y < last.y) out.pop();
      else continue;
    }
    while (out.length >= 2) {
      const c = cross(out[out.length - 2]!, out[out.length - 1]!, p);
      // Upper hull: drop the middle point unless the turn is strictly clockwise; lower: counter-clockwise.
      if (upper ? c >= 0 : c <= 0) out.pop();
      else break;
    }
    out.push(p);
  }
  return out;
}

/** Where x falls on a hull: the segment [a, b] and the weight t of b (0 at a vertex). */
function locate(h: readonly Vertex[], x: number): { a: Vertex; b: Vertex; t: number; y: number } {
  const first = h[0]!;
  if (x <= first.x) return { a: first, b: first, t: 0, y: first.y };
  for (let i = 1; i < h.length; i++) {
    const b = h[i]!;
    if (x <= b.x) {
      const a = h[i - 1]!;
      if (x === b.x) return { a: b, b, t: 0, y: b.y };
      const t = (x - a.x) / (b.x - a.x);
      return { a, b, t, y: a.y + t * (b.y - a.y) };
    }
  }
  const last = h[h.length - 1]!;
  return { a: last, b: last, t: 0, y: last.y };
}

function ruleFor(fit: GroupFit, x: number): ThresholdRule {
  const { a, b, t } = locate(fit.hull, x);
  // Vertex "score ≥ s": threshold s, ties positive. "Nothing positive": threshold at the top score, ties negative.
  const threshold = a.score === null ? fit.maxScore : a.score;
  const tieP = a.score === null ? 0 : 1;
  const mixed = t > 0 && b !== a;
  return {
    group: fit.key,
    threshold,
    tieP,
    threshold2: mixed ? (b.score ?? fit.maxScore) : null,
    mix: mixed ? t : 0,
    tieP2: 1,
    pConstant: 0,
    constantRate: 0,
    values: fit.values,
  };
}

function fitGroups(rows: readonly AuditRow[], sensitive: readonly string[]): GroupFit[] {
  const byKey = new Map<string, { values: string[]; items: { s: number; y: 0 | 1; w: number }[] }>();
  rows.forEach((row, r) => {
    if (row.score === null || row.score === undefined || !Number.isFinite(row.score)) {
      throw new FairnessInputError(
        `thresholdOptimizer: row ${r} has no score; group-specific thresholds need a score on every row`,
      );
    }
    const key = groupKey(sensitive, row.groups);
    let g = byKey.get(key);
    if (!g) {
      g = { values: [...row.groups], items: [] };
      byKey.set(key, g);
    }
    if (row.label !== null) g.items.push({ s: row.score, y: row.label, w: row.weight ?? 1 });
  });
  const fits: GroupFit[] = [];
  for (const [key, g] of [...byKey.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    let pos = 0;
    let neg = 0;
    for (const it of g.items) {
      if (it.y === 1) pos += it.w;
      else neg += it.w;
    }
    if (!(pos + neg > 0)) {
      throw new FairnessInputError(
        `thresholdOptimizer: group ${key} has no labelled rows (or only weight 0): no threshold can be fitted`,
      );
    }
    const items = g.items.sort((a, b) => b.s - a.s);
    const cum: GroupFit['cum'] = [];
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (it.y === 1) tp += it.w;
      else fp += it.w;
      if (i === items.length - 1 || items[i + 1]!.s !== it.s) cum.push({ score: it.s, tp, fp });
    }
    fits.push({ key, values: g.values, pos, neg, maxScore: items[0]!.s, cum, hull: [] });
  }
  return fits;
}

function demographicParity(fits: GroupFit[]): ThresholdRule[] {
  // Per group, error (weight units) as a convex function of the selection rate: the lower hull of the
  // points (selection rate, FP + FN) of every threshold.
  for (const f of fits) {
    const total = f.pos + f.neg;
    const pts: Vertex[] = [{ x: 0, y: f.pos, score: null }];
    for (const c of f.cum) pts.push({ x: (c.tp + c.fp) / total, y: c.fp + (f.pos - c.tp), score: c.score });
    f.hull = hull(pts, false);
  }
  // The sum of convex piecewise-linear functions is minimal at one of their breakpoints.
  const candidates = [...new Set(fits.flatMap((f) => f.hull.map((v) => v.x)))].sort((a, b) => a - b);
  let best = Number.POSITIVE_INFINITY;
  let bestX = 0;
  for (const x of candidates) {
    let err = 0;
    for (const f of fits) err += locate(f.hull, x).y;
    if (!(best < Number.POSITIVE_INFINITY) || err < best - 1e-9 * Math.max(1, Math.abs(best))) {
      best = err;
      bestX = x;
    }
  }
  return fits.map((f) => ruleFor(f, bestX));
}

function equalizedOdds(fits: GroupFit[]): ThresholdRule[] {
  let P = 0;
  let N = 0;
  for (const f of fits) {
    if (!(f.pos > 0) || !(f.neg > 0)) {
      throw new FairnessInputError(
        `thresholdOptimizer: group ${f.key} has no ${f.pos > 0 ? 'negative' : 'positive'} labels, so its ` +
          `${f.pos > 0 ? 'FPR' : 'TPR'} is undefined and equalized odds cannot be enforced; merge or drop the group`,
      );
    }
    P += f.pos;
    N += f.neg;
    const pts: Vertex[] = [{ x: 0, y: 0, score: null }];
    for (const c of f.cum) pts.push({ x: c.fp / f.neg, y: c.tp / f.pos, score: c.score });
    f.hull = hull(pts, true);
  }
  // The common operating point lies on y_min(x) = min over groups of the ROC hulls (concave), so the
  // error N·x + P·(1 − y_min(x)) is convex and minimal at a vertex or where two hulls cross.
  const xs = [...new Set(fits.flatMap((f) => f.hull.map((v) => v.x)))].sort((a, b) => a - b);
  const candidates = [...xs];
  for (let i = 0; i + 1 < xs.length; i++) {
    const x0 = xs[i]!;
    const x1 = xs[i + 1]!;
    const lines = fits.map((f) => {
      const y0 = locate(f.hull, x0).y;
      const y1 = locate(f.hull, x1).y;
      const slope = (y1 - y0) / (x1 - x0);
      return { slope, at0: y0 };
    });
    for (let g = 0; g < lines.length; g++) {
      for (let h = g + 1; h < lines.length; h++) {
        const a = lines[g]!;
        const b = lines[h]!;
        if (a.slope === b.slope) continue;
        const dx = (b.at0 - a.at0) / (a.slope - b.slope);
        if (dx > 0 && x0 + dx < x1) candidates.push(x0 + dx);
      }
    }
  }
  const yMin = (x: number): number => {
    let y = Number.POSITIVE_INFINITY;
    for (const f of fits) y = Math.min(y, locate(f.hull, x).y);
    return y;
  };
  candidates.sort((a, b) => a - b);
  let best = Number.POSITIVE_INFINITY;
  let bestX = 0;
  for (const x of candidates) {
    const err = N * x + P * (1 - yMin(x));
    if (!(best < Number.POSITIVE_INFINITY) || err < best - 1e-9 * Math.max(1, Math.abs(best))) {
      best = err;
      bestX = x;
    }
  }
  const bestY = yMin(bestX);
  return fits.map((f) => {
    const rule = ruleFor(f, bestX);
    const yg = locate(f.hull, bestX).y;
    // Above the common point: mix with the constant classifier at rate x (on the diagonal), as Fairlearn.
    if (yg - bestY > 1e-12 && yg - bestX > 0) {
      rule.pConstant = Math.min(1, (yg - bestY) / (yg - bestX));
      rule.constantRate = bestX;
    }
    return rule;
  });
}

function ruleKey(values: readonly string[]): string {
  return values.join('\u0000');
}

/** Values of a rule's group: `values` when present, else parsed from `race=A & sex=M`. */
function ruleValues(rule: ThresholdRule): readonly string[] {
  if (rule.values) return rule.values;
  return rule.group.split(' & ').map((part) => {
    const i = part.indexOf('=');
    return i < 0 ? part : part.slice(i + 1);
  });
}

/** P(predict positive) under a rule for a score. */
function positiveProbability(rule: ThresholdRule, score: number): number {
  const step = (t: number, tie: number): number => (score > t ? 1 : score === t ? tie : 0);
  const first = step(rule.threshold, rule.tieP);
  const mix = rule.threshold2 === null ? 0 : rule.mix;
  const second = rule.threshold2 === null ? 0 : step(rule.threshold2, rule.tieP2 ?? 1);
  const thresholded = (1 - mix) * first + mix * second;
  const pc = rule.pConstant ?? 0;
  return (1 - pc) * thresholded + pc * (rule.constantRate ?? 0);
}

/**
 * Apply group-specific threshold rules: each row's prediction becomes positive with the probability its
 * group's rule gives its score (one draw of `random` per row, in row order, so a seeded generator makes
 * the result reproducible).
 */
export function applyThresholds(
  rows: readonly AuditRow[],
  rules: readonly ThresholdRule[],
  random: () => number,
): AuditRow[] {
  const byValues = new Map<string, ThresholdRule>();
  for (const rule of rules) byValues.set(ruleKey(ruleValues(rule)), rule);
  return rows.map((row, r) => {
    const rule = byValues.get(ruleKey(row.groups));
    if (!rule) {
      throw new FairnessInputError(
        `applyThresholds: no rule for row ${r}'s group (${row.groups.join(', ')}); rules exist for ` +
          rules.map((x) => x.group).join('; '),
      );
    }
    if (row.score === null || !Number.isFinite(row.score)) {
      throw new FairnessInputError(`applyThresholds: row ${r} has no score`);
    }
    const u = random();
    const prediction: 0 | 1 = u < positiveProbability(rule, row.score) ? 1 : 0;
    return { ...row, prediction };
  });
}

function accuracyChange(before: FairnessAudit, after: FairnessAudit): number | null {
  const a = before.overall.accuracy.value;
  const b = after.overall.accuracy.value;
  return a === null || b === null ? null : b - a;
}

/**
 * Group-specific thresholds on `score` that satisfy demographic parity or equalized odds at the best
 * accuracy (Hardt et al. 2016; Fairlearn's ThresholdOptimizer). Groups are the combinations of all the
 * sensitive columns. Thresholds are fitted on the labelled rows; `after` audits the randomised decisions
 * on the same rows (seeded), so it is optimistic: evaluate the rules on held-out data as well.
 */
export function thresholdOptimizer(
  rows: readonly AuditRow[],
  options: ThresholdOptimizerOptions,
): MitigationResult {
  if (options.constraint !== 'demographic_parity' && options.constraint !== 'equalized_odds') {
    throw new FairnessInputError(
      `thresholdOptimizer: constraint must be demographic_parity or equalized_odds, got ${String(options.constraint)}`,
    );
  }
  if (options.objective !== undefined && options.objective !== 'accuracy') {
    throw new FairnessInputError(
      `thresholdOptimizer: the only objective is accuracy, got ${String(options.objective)}`,
    );
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed))
    throw new FairnessInputError(`thresholdOptimizer: seed must be an integer, got ${seed}`);
  const { constraint, objective: _objective, seed: _seed, ...auditOptions } = options;
  const before = auditFairness(rows, auditOptions);
  const fits = fitGroups(rows, options.sensitive);
  const thresholds = constraint === 'demographic_parity' ? demographicParity(fits) : equalizedOdds(fits);
  const adjusted = applyThresholds(rows, thresholds, seededRandom(seed));
  const after = auditFairness(adjusted, auditOptions);
  after.warnings.push(
    `decisions are randomised where a group's rule mixes thresholds (seed ${seed}); the thresholds were fitted ` +
      'on these same rows, so this audit is optimistic: check the rules on held-out data',
  );
  return {
    method: 'threshold_optimizer',
    constraint,
    before,
    after,
    accuracyCost: accuracyChange(before, after),
    thresholds,
    weights: null,
  };
}

/**
 * Reweighing (Kamiran & Calders; AIF360 Reweighing) on the intersection of the sensitive columns: each
 * labelled row's weight is multiplied by W(g, y) = P(g)·P(y) / P(g, y) (weighted probabilities over the
 * labelled rows), which makes label and group independent under the new weights. Predictions do not
 * change: `after` is the weighted audit of the same decisions, where the weighted base rates are equal.
 */
export function reweighing(rows: readonly AuditRow[], options: AuditOptions): MitigationResult {
  const before = auditFairness(rows, options);
  const sensitive = options.sensitive;
  const wG = new Map<string, number>();
  const wGY = new Map<string, number>();
  const wY = [0, 0];
  let total = 0;
  for (const row of rows) {
    if (row.label === null) continue;
    const w = row.weight ?? 1;
    const g = groupKey(sensitive, row.groups);
    wG.set(g, (wG.get(g) ?? 0) + w);
    const gy = `${g}|${row.label}`;
    wGY.set(gy, (wGY.get(gy) ?? 0) + w);
    wY[row.label]! += w;
    total += w;
  }
  if (!(total > 0)) throw new FairnessInputError('reweighing: no labelled rows with positive weight');
  const weights: Record<string, number> = {};
  for (const [gy, w] of [...wGY.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const bar = gy.lastIndexOf('|');
    const g = gy.slice(0, bar);
    const y = Number(gy.slice(bar + 1));
    if (w > 0) weights[gy] = (wG.get(g)! * wY[y]!) / (total * w);
  }
  const reweighted = rows.map((row) => {
    if (row.label === null) return row;
    const factor = weights[`${groupKey(sensitive, row.groups)}|${row.label}`] ?? 1;
    return { ...row, weight: (row.weight ?? 1) * factor };
  });
  const after = auditFairness(reweighted, options);
  after.warnings.push(
    'reweighing changes sample weights, not decisions: under the new weights every group has the same base ' +
      'rate; the rates of the unchanged decisions move only through the weighting. Retrain the model with ' +
      'these weights to change its decisions',
  );
  const unlabelled = rows.length - rows.filter((r) => r.label !== null).length;
  if (unlabelled > 0) {
    after.warnings.push(`${unlabelled} unlabelled row(s) keep their weight (W(g, y) needs a label)`);
  }
  return {
    method: 'reweighing',
    constraint: null,
    before,
    after,
    accuracyCost: accuracyChange(before, after),
    thresholds: null,
    weights,
  };
}
