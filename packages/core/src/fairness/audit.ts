/**
 * The fairness audit (issue 7): per-group confusion statistics and parity summaries, exact to the
 * definitions of Fairlearn and AIF360 (docs/fairness.md gives every formula).
 *
 * Everything is computed from weighted confusion counts per group, so the same code serves the point
 * estimate and every bootstrap resample: rows are mapped once to dense group ids (typed arrays), and a
 * resample only re-accumulates a flat Float64Array of counts.
 */
import type {
  AuditOptions,
  AuditRow,
  CalibrationBin,
  ColumnAudit,
  Estimate,
  FairnessAudit,
  GroupStats,
  ParityMetric,
  ParitySummary,
} from './types.ts';

/** Bad input to the fairness functions (a clear message naming what is wrong). */
export class FairnessInputError extends Error {
  override name = 'FairnessInputError';
}

// Confusion cells per row: labelled TP/FP/TN/FN, and unlabelled rows selected / not selected.
const C_TP = 0;
const C_FP = 1;
const C_TN = 2;
const C_FN = 3;
const C_US = 4;
const C_UN = 5;
const CELLS = 6;

// Rates per group, in this order in the flat estimate vector.
const RATE_KEYS = [
  'baseRate',
  'selectionRate',
  'tpr',
  'fpr',
  'fnr',
  'tnr',
  'ppv',
  'npv',
  'accuracy',
] as const;
type RateKey = (typeof RATE_KEYS)[number];
const NR = RATE_KEYS.length;
const R_BASE = 0;
const R_SEL = 1;
const R_TPR = 2;
const R_FPR = 3;
const R_FNR = 4;
const R_TNR = 5;
const R_PPV = 6;
const R_NPV = 7;
const R_ACC = 8;

const METRICS: readonly ParityMetric[] = [
  'demographic_parity',
  'equalized_odds',
  'equal_opportunity',
  'predictive_parity',
  'average_odds',
  'disparate_impact',
  'theil_index',
  'generalized_entropy',
];
const NM = METRICS.length;
const M_DP = 0;
const M_EO = 1;
const M_EOP = 2;
const M_PP = 3;
const M_AOD = 4;
const M_DI = 5;
const M_THEIL = 6;
const M_GE = 7;
/** Values per summary in the flat vector: difference, ratio, between-group component. */
const SV = 3;

const LIBRARY_NAMES: Readonly<Record<ParityMetric, { fairlearn: string | null; aif360: string | null }>> = {
  demographic_parity: {
    fairlearn: 'fairlearn.metrics.demographic_parity_difference, demographic_parity_ratio',
    aif360: 'ClassificationMetric.statistical_parity_difference (signed, unprivileged − privileged)',
  },
  equalized_odds: {
    fairlearn: 'fairlearn.metrics.equalized_odds_difference, equalized_odds_ratio',
    aif360: null,
  },
  equal_opportunity: {
    fairlearn: 'fairlearn.metrics.equal_opportunity_difference, equal_opportunity_ratio',
    aif360: 'ClassificationMetric.equal_opportunity_difference (signed, unprivileged − privileged)',
  },
  predictive_parity: {
    fairlearn: 'fairlearn.metrics.MetricFrame(metrics=precision_score).difference(), .ratio()',
    aif360: 'ClassificationMetric.difference(positive_predictive_value)',
  },
  average_odds: {
    fairlearn: null,
    aif360: 'ClassificationMetric.average_odds_difference',
  },
  disparate_impact: {
    fairlearn: 'fairlearn.metrics.demographic_parity_ratio (without a privileged group)',
    aif360: 'ClassificationMetric.disparate_impact, statistical_parity_difference',
  },
  theil_index: {
    fairlearn: null,
    aif360: 'ClassificationMetric.theil_index, between_all_groups_theil_index',
  },
  generalized_entropy: {
    fairlearn: null,
    aif360: 'ClassificationMetric.generalized_entropy_index, between_all_groups_generalized_entropy_index',
  },
};

/** One partition of the rows into groups: a sensitive column, or the intersection of all of them. */
interface Partition {
  column: string;
  /** Indices (into `sensitive`) of the columns that define it. */
  columns: readonly number[];
  /** Its groups are slots first … first + size − 1. */
  first: number;
  size: number;
  /** Slot of the privileged group, or −1. */
  privileged: number;
}

interface Prepared {
  n: number;
  sensitive: readonly string[];
  weights: Float64Array;
  cells: Uint8Array;
  scores: Float64Array;
  anyScore: boolean;
  weighted: boolean;
  /** Per row, the slot of its group in each partition: rowSlots[r * partitions.length + p]. */
  rowSlots: Int32Array;
  partitions: Partition[];
  nSlots: number;
  slotKeys: string[];
  slotValues: Record<string, string>[];
  /** Rows per slot. */
  slotRows: Float64Array;
  unlabelled: number;
}

const collator = new Intl.Collator('en', { numeric: true });

function fail(message: string): never {
  throw new FairnessInputError(message);
}

function checkOptions(options: AuditOptions): void {
  if (!options || !Array.isArray(options.sensitive) || options.sensitive.length === 0) {
    fail('auditFairness: options.sensitive must name at least one sensitive column');
  }
  const seen = new Set<string>();
  for (const c of options.sensitive) {
    if (typeof c !== 'string' || c === '') fail('auditFairness: sensitive column names must be non-empty');
    if (seen.has(c)) fail(`auditFairness: sensitive column "${c}" is listed twice`);
    seen.add(c);
  }
  if (options.minGroupSize !== undefined) {
    const m = options.minGroupSize;
    if (!Number.isInteger(m) || m < 0) fail(`auditFairness: minGroupSize must be an integer ≥ 0, got ${m}`);
  }
  if (options.calibrationBins !== undefined) {
    const b = options.calibrationBins;
    if (!Number.isInteger(b) || b < 1 || b > 1000) {
      fail(`auditFairness: calibrationBins must be an integer from 1 to 1000, got ${b}`);
    }
  }
  if (options.entropyAlpha !== undefined && !Number.isFinite(options.entropyAlpha)) {
    fail(`auditFairness: entropyAlpha must be a finite number, got ${options.entropyAlpha}`);
  }
  const b = options.bootstrap;
  if (b) {
    if (!Number.isInteger(b.samples) || b.samples < 1 || b.samples > 1_000_000) {
      fail(`auditFairness: bootstrap.samples must be an integer from 1 to 1000000, got ${b.samples}`);
    }
    if (!Number.isInteger(b.seed)) fail(`auditFairness: bootstrap.seed must be an integer, got ${b.seed}`);
    if (b.level !== undefined && !(b.level > 0 && b.level < 1)) {
      fail(`auditFairness: bootstrap.level must be strictly between 0 and 1, got ${b.level}`);
    }
  }
  if (options.privileged) {
    for (const col of Object.keys(options.privileged)) {
      if (!seen.has(col)) {
        fail(
          `auditFairness: privileged group given for "${col}", which is not a sensitive column ` +
            `(sensitive: ${options.sensitive.join(', ')})`,
        );
      }
    }
  }
}

function prepare(rows: readonly AuditRow[], options: AuditOptions): Prepared {
  const sensitive = options.sensitive;
  const k = sensitive.length;
  const n = rows.length;
  if (n === 0) fail('auditFairness: no rows to audit');
  const weights = new Float64Array(n);
  const cells = new Uint8Array(n);
  const scores = new Float64Array(n);
  const raw = new Int32Array(n * k);
  const seen: Map<string, number>[] = sensitive.map(() => new Map());
  let anyScore = false;
  let weighted = false;
  let unlabelled = 0;
  for (let r = 0; r < n; r++) {
    const row = rows[r]!;
    const g = row.groups;
    if (!g || g.length !== k) {
      fail(
        `auditFairness: row ${r} has ${g ? g.length : 0} group values, expected ${k} (${sensitive.join(', ')})`,
      );
    }
    for (let c = 0; c < k; c++) {
      const v = g[c];
      if (typeof v !== 'string')
        fail(`auditFairness: row ${r}: the value of "${sensitive[c]}" is not a string`);
      const m = seen[c]!;
      let id = m.get(v);
      if (id === undefined) {
        id = m.size;
        m.set(v, id);
      }
      raw[r * k + c] = id;
    }
    const p = row.prediction;
    if (p !== 0 && p !== 1) fail(`auditFairness: row ${r}: prediction must be 0 or 1, got ${String(p)}`);
    const y = row.label;
    if (y !== 0 && y !== 1 && y !== null) {
      fail(`auditFairness: row ${r}: label must be 0, 1 or null, got ${String(y)}`);
    }
    const w = row.weight ?? 1;
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      fail(`auditFairness: row ${r}: weight must be a finite number ≥ 0, got ${String(w)}`);
    }
    if (w !== 1) weighted = true;
    weights[r] = w;
    if (y === null) {
      unlabelled++;
      cells[r] = p === 1 ? C_US : C_UN;
    } else if (y === 1) {
      cells[r] = p === 1 ? C_TP : C_FN;
    } else {
      cells[r] = p === 1 ? C_FP : C_TN;
    }
    const s = row.score;
    if (s === null || s === undefined) {
      scores[r] = Number.NaN;
    } else {
      if (typeof s !== 'number' || !Number.isFinite(s)) {
        fail(`auditFairness: row ${r}: score must be a finite number or null, got ${String(s)}`);
      }
      scores[r] = s;
      anyScore = true;
    }
  }

  // Sort each column's values and remap the provisional ids.
  const sortedValues: string[][] = [];
  const remap: Int32Array[] = [];
  for (let c = 0; c < k; c++) {
    const values = [...seen[c]!.keys()];
    const order = values.map((_, i) => i).sort((a, b) => collator.compare(values[a]!, values[b]!));
    const map = new Int32Array(values.length);
    order.forEach((old, i) => {
      map[old] = i;
    });
    remap.push(map);
    sortedValues.push(order.map((i) => values[i]!));
  }
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < k; c++) raw[r * k + c] = remap[c]![raw[r * k + c]!]!;
  }

  const doIntersection = k >= 2 && options.intersection !== false;
  const partitions: Partition[] = [];
  const slotKeys: string[] = ['all'];
  const slotValues: Record<string, string>[] = [{}];
  let nSlots = 1;
  const privileged = options.privileged ?? {};
  for (let c = 0; c < k; c++) {
    const col = sensitive[c]!;
    const values = sortedValues[c]!;
    let priv = -1;
    const pv = privileged[col];
    if (pv !== undefined) {
      const i = values.indexOf(pv);
      if (i < 0) {
        fail(
          `auditFairness: privileged group ${col}=${pv} does not occur in the data; ` +
            `values of ${col}: ${values.join(', ')}`,
        );
      }
      priv = nSlots + i;
    }
    partitions.push({ column: col, columns: [c], first: nSlots, size: values.length, privileged: priv });
    for (const v of values) {
      slotKeys.push(`${col}=${v}`);
      slotValues.push({ [col]: v });
    }
    nSlots += values.length;
  }
  let interIds: Int32Array | null = null;
  if (doIntersection) {
    const tupleIds = new Map<string, number>();
    const tuples: number[][] = [];
    interIds = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      let key = '';
      for (let c = 0; c < k; c++) key += (c ? ',' : '') + raw[r * k + c];
      let id = tupleIds.get(key);
      if (id === undefined) {
        id = tuples.length;
        tupleIds.set(key, id);
        const t: number[] = [];
        for (let c = 0; c < k; c++) t.push(raw[r * k + c]!);
        tuples.push(t);
      }
      interIds[r] = id;
    }
    const order = tuples.map((_, i) => i);
    order.sort((a, b) => {
      const ta = tuples[a]!;
      const tb = tuples[b]!;
      for (let c = 0; c < k; c++) if (ta[c] !== tb[c]) return ta[c]! - tb[c]!;
      return 0;
    });
    const map = new Int32Array(tuples.length);
    order.forEach((old, i) => {
      map[old] = i;
    });
    for (let r = 0; r < n; r++) interIds[r] = map[interIds[r]!]!;
    let priv = -1;
    const allPriv = sensitive.every((col) => privileged[col] !== undefined);
    const first = nSlots;
    order.forEach((old, i) => {
      const t = tuples[old]!;
      const values: Record<string, string> = {};
      const parts: string[] = [];
      let isPriv = allPriv;
      for (let c = 0; c < k; c++) {
        const col = sensitive[c]!;
        const v = sortedValues[c]![t[c]!]!;
        values[col] = v;
        parts.push(`${col}=${v}`);
        if (privileged[col] !== v) isPriv = false;
      }
      if (isPriv) priv = first + i;
      slotKeys.push(parts.join(' & '));
      slotValues.push(values);
    });
    partitions.push({
      column: sensitive.join(' & '),
      columns: sensitive.map((_, c) => c),
      first,
      size: tuples.length,
      privileged: priv,
    });
    nSlots += tuples.length;
  }

  const P = partitions.length;
  const rowSlots = new Int32Array(n * P);
  const slotRows = new Float64Array(nSlots);
  slotRows[0] = n;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < k; c++) {
      const slot = partitions[c]!.first + raw[r * k + c]!;
      rowSlots[r * P + c] = slot;
      slotRows[slot]!++;
    }
    if (interIds) {
      const slot = partitions[k]!.first + interIds[r]!;
      rowSlots[r * P + k] = slot;
      slotRows[slot]!++;
    }
  }
  return {
    n,
    sensitive,
    weights,
    cells,
    scores,
    anyScore,
    weighted,
    rowSlots,
    partitions,
    nSlots,
    slotKeys,
    slotValues,
    slotRows,
    unlabelled,
  };
}

function accumulate(prep: Prepared, counts: Float64Array): void {
  const { n, weights, cells, rowSlots } = prep;
  const P = prep.partitions.length;
  counts.fill(0);
  for (let r = 0; r < n; r++) {
    const w = weights[r]!;
    const c = cells[r]!;
    counts[c] = counts[c]! + w;
    const base = r * P;
    for (let p = 0; p < P; p++) {
      const j = rowSlots[base + p]! * CELLS + c;
      counts[j] = counts[j]! + w;
    }
  }
}

function div(a: number, b: number): number {
  return b > 0 ? a / b : Number.NaN;
}

/** One term of the generalized entropy sum, f_alpha(x) with x = b_i / mu. */
function geTerm(x: number, alpha: number): number {
  if (alpha === 1) return x > 0 ? x * Math.log(x) : 0;
  if (alpha === 0) return x > 0 ? -Math.log(x) : Number.POSITIVE_INFINITY;
  return (x ** alpha - 1) / (alpha * (alpha - 1));
}

/** Generalized entropy over benefits b = ŷ − y + 1 (FN → 0, TP/TN → 1, FP → 2), weighted. */
function entropyFromCells(tp: number, fp: number, tn: number, fn: number, alpha: number): number {
  const W = tp + fp + tn + fn;
  if (!(W > 0)) return Number.NaN;
  const mu = (tp + tn + 2 * fp) / W;
  if (!(mu > 0)) return Number.NaN;
  let s = 0;
  if (fn > 0) s += fn * geTerm(0, alpha);
  if (tp + tn > 0) s += (tp + tn) * geTerm(1 / mu, alpha);
  if (fp > 0) s += fp * geTerm(2 / mu, alpha);
  const v = s / W;
  return Number.isFinite(v) ? v : Number.NaN;
}

/** Between-group generalized entropy: every b_i replaced by its group's mean benefit. */
function betweenEntropy(counts: Float64Array, first: number, size: number, alpha: number): number {
  const tot = counts[C_TP]! + counts[C_FP]! + counts[C_TN]! + counts[C_FN]!;
  if (!(tot > 0)) return Number.NaN;
  const mu = (counts[C_TP]! + counts[C_TN]! + 2 * counts[C_FP]!) / tot;
  if (!(mu > 0)) return Number.NaN;
  let s = 0;
  for (let g = first; g < first + size; g++) {
    const o = g * CELLS;
    const tp = counts[o + C_TP]!;
    const fp = counts[o + C_FP]!;
    const tn = counts[o + C_TN]!;
    const fn = counts[o + C_FN]!;
    const W = tp + fp + tn + fn;
    if (!(W > 0)) continue;
    const mg = (tp + tn + 2 * fp) / W;
    s += W * geTerm(mg / mu, alpha);
  }
  const v = s / tot;
  return Number.isFinite(v) ? v : Number.NaN;
}

// Scratch results of `spread` (no allocation per call).
let spreadLo = 0;
let spreadHi = 0;
let spreadLoSlot = -1;
let spreadHiSlot = -1;

/** Min and max of one rate over a partition's groups where it is defined; returns how many were. */
function spread(v: Float64Array, first: number, size: number, r: number): number {
  let defined = 0;
  spreadLo = Number.POSITIVE_INFINITY;
  spreadHi = Number.NEGATIVE_INFINITY;
  spreadLoSlot = -1;
  spreadHiSlot = -1;
  for (let g = first; g < first + size; g++) {
    const x = v[g * NR + r]!;
    if (Number.isNaN(x)) continue;
    defined++;
    if (x < spreadLo) {
      spreadLo = x;
      spreadLoSlot = g;
    }
    if (x > spreadHi) {
      spreadHi = x;
      spreadHiSlot = g;
    }
  }
  return defined;
}

interface Layout {
  nSlots: number;
  partitions: readonly Partition[];
  alpha: number;
  /** Offset of the summaries in the estimate vector. */
  summaryBase: number;
  /** Length of the estimate vector. */
  size: number;
}

function layoutOf(prep: Prepared, alpha: number): Layout {
  const summaryBase = prep.nSlots * NR;
  return {
    nSlots: prep.nSlots,
    partitions: prep.partitions,
    alpha,
    summaryBase,
    size: summaryBase + prep.partitions.length * NM * SV,
  };
}

/**
 * Every estimate (group rates, then summaries) from confusion counts, into `out` (NaN = undefined).
 * `ext`, when given, receives the lowest/highest group slot per summary.
 */
function evaluate(counts: Float64Array, L: Layout, out: Float64Array, ext: Int32Array | null): void {
  for (let s = 0; s < L.nSlots; s++) {
    const o = s * CELLS;
    const tp = counts[o + C_TP]!;
    const fp = counts[o + C_FP]!;
    const tn = counts[o + C_TN]!;
    const fn = counts[o + C_FN]!;
    const us = counts[o + C_US]!;
    const un = counts[o + C_UN]!;
    const labelled = tp + fp + tn + fn;
    const q = s * NR;
    out[q + R_BASE] = div(tp + fn, labelled);
    out[q + R_SEL] = div(tp + fp + us, labelled + us + un);
    out[q + R_TPR] = div(tp, tp + fn);
    out[q + R_FPR] = div(fp, fp + tn);
    out[q + R_FNR] = div(fn, tp + fn);
    out[q + R_TNR] = div(tn, fp + tn);
    out[q + R_PPV] = div(tp, tp + fp);
    out[q + R_NPV] = div(tn, tn + fn);
    out[q + R_ACC] = div(tp + tn, labelled);
  }
  const theil = entropyFromCells(counts[C_TP]!, counts[C_FP]!, counts[C_TN]!, counts[C_FN]!, 1);
  const ge = entropyFromCells(counts[C_TP]!, counts[C_FP]!, counts[C_TN]!, counts[C_FN]!, L.alpha);
  const U = Number.NaN;
  L.partitions.forEach((part, p) => {
    const { first, size } = part;
    const base = L.summaryBase + p * NM * SV;
    const set = (m: number, d: number, r: number, lo: number, hi: number, between = U): void => {
      out[base + m * SV] = d;
      out[base + m * SV + 1] = r;
      out[base + m * SV + 2] = between;
      if (ext) {
        ext[(p * NM + m) * 2] = lo;
        ext[(p * NM + m) * 2 + 1] = hi;
      }
    };
    // Max − min and min / max over the groups (Fairlearn's between_groups difference and ratio).
    const range = (m: number, r: number): void => {
      if (spread(out, first, size, r) < 2) set(m, U, U, -1, -1);
      else set(m, spreadHi - spreadLo, div(spreadLo, spreadHi), spreadLoSlot, spreadHiSlot);
    };
    range(M_DP, R_SEL);
    range(M_EOP, R_TPR);
    range(M_PP, R_PPV);
    // Equalized odds: the larger of the TPR and FPR differences, the smaller of their ratios.
    const nT = spread(out, first, size, R_TPR);
    const [tLo, tHi, tLoS, tHiS] = [spreadLo, spreadHi, spreadLoSlot, spreadHiSlot];
    const nF = spread(out, first, size, R_FPR);
    if (nT < 2 || nF < 2) {
      set(M_EO, U, U, -1, -1);
    } else {
      const dT = tHi - tLo;
      const dF = spreadHi - spreadLo;
      const rT = div(tLo, tHi);
      const rF = div(spreadLo, spreadHi);
      const ratio = Number.isNaN(rT) || Number.isNaN(rF) ? U : Math.min(rT, rF);
      if (dT >= dF) set(M_EO, dT, ratio, tLoS, tHiS);
      else set(M_EO, dF, ratio, spreadLoSlot, spreadHiSlot);
    }
    const priv = part.privileged;
    // Average odds difference.
    if (priv >= 0) {
      const tp0 = out[priv * NR + R_TPR]!;
      const fp0 = out[priv * NR + R_FPR]!;
      let best = U;
      let bestSlot = -1;
      if (!Number.isNaN(tp0) && !Number.isNaN(fp0)) {
        for (let g = first; g < first + size; g++) {
          if (g === priv) continue;
          const t = out[g * NR + R_TPR]!;
          const f = out[g * NR + R_FPR]!;
          if (Number.isNaN(t) || Number.isNaN(f)) continue;
          const d = (f - fp0 + (t - tp0)) / 2;
          if (bestSlot < 0 || Math.abs(d) > Math.abs(best)) {
            best = d;
            bestSlot = g;
          }
        }
      }
      if (bestSlot < 0) set(M_AOD, U, U, -1, -1);
      else if (best < 0) set(M_AOD, best, U, bestSlot, priv);
      else set(M_AOD, best, U, priv, bestSlot);
    } else {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      let loS = -1;
      let hiS = -1;
      let defined = 0;
      for (let g = first; g < first + size; g++) {
        const t = out[g * NR + R_TPR]!;
        const f = out[g * NR + R_FPR]!;
        if (Number.isNaN(t) || Number.isNaN(f)) continue;
        const m = (t + f) / 2;
        defined++;
        if (m < lo) {
          lo = m;
          loS = g;
        }
        if (m > hi) {
          hi = m;
          hiS = g;
        }
      }
      if (defined < 2) set(M_AOD, U, U, -1, -1);
      else set(M_AOD, hi - lo, U, loS, hiS);
    }
    // Disparate impact (AIF360: unprivileged / privileged selection rate; the worst unprivileged group).
    if (priv >= 0) {
      const s0 = out[priv * NR + R_SEL]!;
      let worst = U;
      let worstSlot = -1;
      if (!Number.isNaN(s0)) {
        for (let g = first; g < first + size; g++) {
          if (g === priv) continue;
          const x = out[g * NR + R_SEL]!;
          if (Number.isNaN(x)) continue;
          if (worstSlot < 0 || x < worst) {
            worst = x;
            worstSlot = g;
          }
        }
      }
      if (worstSlot < 0) set(M_DI, U, U, -1, -1);
      else if (worst <= s0) set(M_DI, worst - s0, div(worst, s0), worstSlot, priv);
      else set(M_DI, worst - s0, div(worst, s0), priv, worstSlot);
    } else if (spread(out, first, size, R_SEL) < 2) {
      set(M_DI, U, U, -1, -1);
    } else {
      set(M_DI, spreadLo - spreadHi, div(spreadLo, spreadHi), spreadLoSlot, spreadHiSlot);
    }
    set(M_THEIL, theil, U, -1, -1, betweenEntropy(counts, first, size, 1));
    set(M_GE, ge, U, -1, -1, betweenEntropy(counts, first, size, L.alpha));
  });
}

/** Percentile (linear interpolation between order statistics, as numpy's default). */
function quantileSorted(v: Float64Array, q: number): number {
  const pos = q * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = v[lo]!;
  return a + (v[hi]! - a) * (pos - lo);
}

interface Intervals {
  low: Float64Array;
  high: Float64Array;
  /** Estimates undefined in more than 10% of the resamples where the point estimate is defined. */
  unstable: number;
}

function bootstrapIntervals(
  prep: Prepared,
  L: Layout,
  point: Float64Array,
  samples: number,
  seed: number,
  level: number,
): Intervals {
  const { n, weights, cells, rowSlots } = prep;
  const P = prep.partitions.length;
  const E = L.size;
  // Rows with the same groups, confusion cell and weight are interchangeable: resample row indices as
  // usual, but only count draws per such "atom", then add the atoms' counts into the group cells.
  const atomIds = new Map<string, number>();
  const atomOfRow = new Int32Array(n);
  const atomRow: number[] = [];
  for (let r = 0; r < n; r++) {
    let key = `${cells[r]}|${weights[r]}`;
    for (let p = 0; p < P; p++) key += `|${rowSlots[r * P + p]}`;
    let id = atomIds.get(key);
    if (id === undefined) {
      id = atomRow.length;
      atomIds.set(key, id);
      atomRow.push(r);
    }
    atomOfRow[r] = id;
  }
  const A = atomRow.length;
  const atomCell = new Uint8Array(A);
  const atomWeight = new Float64Array(A);
  const atomSlots = new Int32Array(A * P);
  for (let a = 0; a < A; a++) {
    const r = atomRow[a]!;
    atomCell[a] = cells[r]!;
    atomWeight[a] = weights[r]!;
    for (let p = 0; p < P; p++) atomSlots[a * P + p] = rowSlots[r * P + p]!;
  }
  const drawn = new Int32Array(A);
  const reps = new Float64Array(E * samples);
  const counts = new Float64Array(L.nSlots * CELLS);
  const vals = new Float64Array(E);
  // The stream of seededRandom(seed) (mulberry32), inlined here: this loop runs samples × n times.
  let state = seed | 0;
  for (let s = 0; s < samples; s++) {
    drawn.fill(0);
    for (let i = 0; i < n; i++) {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), state | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const a = atomOfRow[Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n)]!;
      drawn[a] = drawn[a]! + 1;
    }
    counts.fill(0);
    for (let a = 0; a < A; a++) {
      const k = drawn[a]!;
      if (k === 0) continue;
      const w = k * atomWeight[a]!;
      const c = atomCell[a]!;
      counts[c] = counts[c]! + w;
      for (let p = 0; p < P; p++) {
        const j = atomSlots[a * P + p]! * CELLS + c;
        counts[j] = counts[j]! + w;
      }
    }
    evaluate(counts, L, vals, null);
    for (let e = 0; e < E; e++) reps[e * samples + s] = vals[e]!;
  }
  const low = new Float64Array(E).fill(Number.NaN);
  const high = new Float64Array(E).fill(Number.NaN);
  const buf = new Float64Array(samples);
  const qLo = (1 - level) / 2;
  const qHi = 1 - qLo;
  let unstable = 0;
  for (let e = 0; e < E; e++) {
    if (Number.isNaN(point[e]!)) continue;
    let m = 0;
    for (let s = 0; s < samples; s++) {
      const x = reps[e * samples + s]!;
      if (!Number.isNaN(x)) buf[m++] = x;
    }
    if (m < samples * 0.9) unstable++;
    if (m === 0) continue;
    const v = buf.subarray(0, m).sort();
    low[e] = quantileSorted(v, qLo);
    high[e] = quantileSorted(v, qHi);
  }
  return { low, high, unstable };
}

function nullable(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}

function calibration(prep: Prepared, bins: number): { perSlot: CalibrationBin[][] | null; outside: number } {
  if (!prep.anyScore) return { perSlot: null, outside: 0 };
  const { n, scores, weights, cells, rowSlots, nSlots } = prep;
  const P = prep.partitions.length;
  // Per slot and bin: rows, weight, weighted score sum, labelled weight, positive weight.
  const F = 5;
  const acc = new Float64Array(nSlots * bins * F);
  let outside = 0;
  const add = (slot: number, bin: number, w: number, s: number, c: number): void => {
    const o = (slot * bins + bin) * F;
    acc[o]!++;
    acc[o + 1] = acc[o + 1]! + w;
    acc[o + 2] = acc[o + 2]! + w * s;
    if (c <= C_FN) {
      acc[o + 3] = acc[o + 3]! + w;
      if (c === C_TP || c === C_FN) acc[o + 4] = acc[o + 4]! + w;
    }
  };
  for (let r = 0; r < n; r++) {
    const s = scores[r]!;
    if (Number.isNaN(s)) continue;
    if (s < 0 || s > 1) {
      outside++;
      continue;
    }
    const bin = Math.min(bins - 1, Math.floor(s * bins));
    const w = weights[r]!;
    const c = cells[r]!;
    add(0, bin, w, s, c);
    for (let p = 0; p < P; p++) add(rowSlots[r * P + p]!, bin, w, s, c);
  }
  const perSlot: CalibrationBin[][] = [];
  for (let slot = 0; slot < nSlots; slot++) {
    const list: CalibrationBin[] = [];
    for (let b = 0; b < bins; b++) {
      const o = (slot * bins + b) * F;
      list.push({
        lower: b / bins,
        upper: (b + 1) / bins,
        count: acc[o]!,
        meanScore: nullable(div(acc[o + 2]!, acc[o + 1]!)),
        positiveRate: nullable(div(acc[o + 4]!, acc[o + 3]!)),
      });
    }
    perSlot.push(list);
  }
  return { perSlot, outside };
}

const RATE_LABEL: Readonly<Record<RateKey, string>> = {
  baseRate: 'base rate',
  selectionRate: 'selection rate',
  tpr: 'TPR',
  fpr: 'FPR',
  fnr: 'FNR',
  tnr: 'TNR',
  ppv: 'PPV',
  npv: 'NPV',
  accuracy: 'accuracy',
};

/** The group rates each summary compares (a group where one is undefined is left out). */
const RATES_OF: Partial<Record<ParityMetric, readonly RateKey[]>> = {
  demographic_parity: ['selectionRate'],
  disparate_impact: ['selectionRate'],
  equal_opportunity: ['tpr'],
  predictive_parity: ['ppv'],
  equalized_odds: ['tpr', 'fpr'],
  average_odds: ['tpr', 'fpr'],
};

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Audit a table of decisions for group fairness: per group of each sensitive column (and of their
 * intersection) the confusion rates, and per column the parity summaries. See docs/fairness.md.
 */
export function auditFairness(rows: readonly AuditRow[], options: AuditOptions): FairnessAudit {
  checkOptions(options);
  const prep = prepare(rows, options);
  const alpha = options.entropyAlpha ?? 2;
  const minGroupSize = options.minGroupSize ?? 30;
  const bins = options.calibrationBins ?? 10;
  const L = layoutOf(prep, alpha);
  const counts = new Float64Array(prep.nSlots * CELLS);
  accumulate(prep, counts);
  const point = new Float64Array(L.size);
  const ext = new Int32Array(prep.partitions.length * NM * 2);
  evaluate(counts, L, point, ext);

  const warnings: string[] = [];
  let bootstrap: FairnessAudit['bootstrap'] = null;
  let intervals: Intervals | null = null;
  if (options.bootstrap) {
    const level = options.bootstrap.level ?? 0.95;
    bootstrap = { samples: options.bootstrap.samples, seed: options.bootstrap.seed, level };
    intervals = bootstrapIntervals(prep, L, point, bootstrap.samples, bootstrap.seed, level);
    if (intervals.unstable > 0) {
      warnings.push(
        `bootstrap: ${plural(intervals.unstable, 'estimate was', 'estimates were')} undefined in more than ` +
          '10% of the resamples (small groups); their intervals come from the resamples where they were defined',
      );
    }
  }
  const est = (e: number): Estimate => ({
    value: nullable(point[e]!),
    low: intervals ? nullable(intervals.low[e]!) : null,
    high: intervals ? nullable(intervals.high[e]!) : null,
  });

  const cal = calibration(prep, bins);
  if (cal.outside > 0) {
    warnings.push(
      `${plural(cal.outside, 'score lies', 'scores lie')} outside [0, 1] and ` +
        `${cal.outside === 1 ? 'is' : 'are'} left out of the calibration bins`,
    );
  }

  const groupStats = (slot: number): GroupStats => {
    const o = slot * CELLS;
    const tp = counts[o + C_TP]!;
    const fp = counts[o + C_FP]!;
    const tn = counts[o + C_TN]!;
    const fn = counts[o + C_FN]!;
    const labelled = tp + fp + tn + fn;
    const rowsIn = prep.slotRows[slot]!;
    const gw: string[] = [];
    if (rowsIn < minGroupSize) {
      gw.push(
        `only ${plural(rowsIn, 'row', 'rows')}: too few to support a conclusion (minimum ${minGroupSize})`,
      );
    }
    if (!(labelled > 0)) {
      gw.push('no labelled rows: only the selection rate is defined');
    } else {
      if (!(tp + fn > 0)) gw.push('no positives (label 1): TPR and FNR undefined');
      if (!(fp + tn > 0)) gw.push('no negatives (label 0): FPR and TNR undefined');
      if (!(tp + fp > 0)) gw.push('no predicted positives: PPV undefined');
      if (!(tn + fn > 0)) gw.push('no predicted negatives: NPV undefined');
    }
    const q = slot * NR;
    const rates = {} as Record<RateKey, Estimate>;
    RATE_KEYS.forEach((key, i) => {
      rates[key] = est(q + i);
    });
    return {
      key: prep.slotKeys[slot]!,
      values: prep.slotValues[slot]!,
      count: rowsIn,
      weight: labelled + counts[o + C_US]! + counts[o + C_UN]!,
      tp,
      fp,
      tn,
      fn,
      labelled,
      ...rates,
      calibration: cal.perSlot ? cal.perSlot[slot]! : null,
      warnings: gw,
    };
  };

  const overall = groupStats(0);
  const audits: ColumnAudit[] = prep.partitions.map((part, p) => {
    const groups: GroupStats[] = [];
    for (let g = part.first; g < part.first + part.size; g++) groups.push(groupStats(g));
    const summaries: ParitySummary[] = METRICS.map((metric, m) => {
      const e = L.summaryBase + (p * NM + m) * SV;
      const lo = ext[(p * NM + m) * 2]!;
      const hi = ext[(p * NM + m) * 2 + 1]!;
      const ratio = est(e + 1);
      const summary: ParitySummary = {
        metric,
        difference: est(e),
        ratio,
        fourFifths:
          metric === 'disparate_impact' && ratio.value !== null
            ? ratio.value >= 0.8 - 1e-12
              ? 'pass'
              : 'fail'
            : null,
        lowest: lo >= 0 ? prep.slotKeys[lo]! : null,
        highest: hi >= 0 ? prep.slotKeys[hi]! : null,
        fairlearn: LIBRARY_NAMES[metric].fairlearn,
        aif360: LIBRARY_NAMES[metric].aif360,
      };
      if (metric === 'theil_index' || metric === 'generalized_entropy') summary.betweenGroup = est(e + 2);
      const needs = RATES_OF[metric];
      if (needs) {
        const excluded = groups.filter((g) => needs.some((k) => g[k].value === null)).map((g) => g.key);
        if (excluded.length > 0) summary.excluded = excluded;
      }
      return summary;
    });
    return { column: part.column, groups, summaries };
  });

  // Audit-level warnings.
  const predicted = counts[C_TP]! + counts[C_FP]! + counts[C_US]!;
  const allWeight = predicted + counts[C_TN]! + counts[C_FN]! + counts[C_UN]!;
  let ones = 0;
  for (const r of rows) ones += r.prediction;
  if (ones === 0 || ones === rows.length) {
    const v = ones === 0 ? 0 : 1;
    warnings.push(
      `all predictions are ${v}: every group's selection rate is ${v}, so demographic parity holds trivially; ` +
        (v === 1
          ? 'TPR and FPR are 1 wherever defined, and PPV equals the base rate'
          : 'TPR and FPR are 0 wherever defined, and PPV is undefined'),
    );
  }
  if (!(allWeight > 0)) warnings.push('every row has weight 0: all rates are undefined');
  if (prep.unlabelled > 0) {
    warnings.push(
      `${plural(prep.unlabelled, 'row has', 'rows have')} no label: ${prep.unlabelled === 1 ? 'it counts' : 'they count'} ` +
        'towards selection rates only',
    );
  }
  if (alpha <= 0 && counts[C_FN]! > 0) {
    warnings.push(
      `generalized entropy with alpha = ${alpha} is infinite when any benefit is 0 (a false negative): reported as null`,
    );
  }
  for (const audit of audits) {
    if (audit.groups.length < 2) {
      warnings.push(`${audit.column}: only one group (${audit.groups[0]?.key}): nothing to compare`);
      continue;
    }
    const small = audit.groups.filter((g) => g.count < minGroupSize);
    if (small.length > 0) {
      warnings.push(
        `${audit.column}: ${plural(small.length, 'group has', 'groups have')} fewer than ${minGroupSize} rows ` +
          `(${small.map((g) => `${g.key}: ${g.count}`).join(', ')}); their rates cannot support a conclusion`,
      );
    }
    const undefinedFor = (key: RateKey, metrics: string): void => {
      const missing = audit.groups.filter((g) => g[key].value === null).map((g) => g.key);
      if (missing.length > 0) {
        warnings.push(
          `${audit.column}: ${RATE_LABEL[key]} undefined for ${missing.join(', ')}: left out of ${metrics}`,
        );
      }
    };
    undefinedFor('tpr', 'equalized_odds, equal_opportunity and average_odds');
    undefinedFor('fpr', 'equalized_odds and average_odds');
    undefinedFor('ppv', 'predictive_parity');
  }

  const columns = audits.slice(0, prep.sensitive.length);
  const intersection = audits.length > prep.sensitive.length ? audits[prep.sensitive.length]! : null;
  return {
    rows: prep.n,
    weighted: prep.weighted,
    overall,
    columns,
    intersection,
    bootstrap,
    warnings,
    unlabelled: prep.unlabelled,
    entropyAlpha: alpha,
  };
}
