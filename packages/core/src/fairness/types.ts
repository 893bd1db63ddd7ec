/**
 * The fairness audit's data model (issue 7): rows in, per-group statistics and parity summaries out.
 * Definitions follow Fairlearn and AIF360 exactly; docs/fairness.md gives every formula and the
 * equivalent function names.
 */

/** One row of an audit. */
export interface AuditRow {
  /** The true outcome (1 = the positive label), or null when unknown (then label-based rates skip it). */
  label: 0 | 1 | null;
  /** The decision (1 = predicted positive / selected / intervened). */
  prediction: 0 | 1;
  /** A score in [0, 1] (for calibration and threshold optimisation), or null. */
  score: number | null;
  /** Sample weight (reweighing); default 1. */
  weight?: number;
  /** The row's value of each sensitive column, in the order of `AuditOptions.sensitive`. */
  groups: readonly string[];
}

export interface AuditOptions {
  /** Names of the sensitive columns, in the order of `AuditRow.groups`. */
  sensitive: readonly string[];
  /** Also audit the intersection of all sensitive columns (default: true when there are 2 or more). */
  intersection?: boolean;
  /**
   * The privileged group per column for the ratio-to-reference metrics (disparate impact as AIF360
   * defines it: unprivileged / privileged). Absent: ratios are min / max over groups (Fairlearn).
   */
  privileged?: Readonly<Record<string, string>>;
  /** Bootstrap confidence intervals; null or absent: none. */
  bootstrap?: { samples: number; seed: number; level?: number } | null;
  /** Calibration bins when rows carry scores (default 10, equal width on [0, 1]). */
  calibrationBins?: number;
  /** Groups smaller than this get a warning that they cannot support a conclusion (default 30). */
  minGroupSize?: number;
  /** Generalized-entropy alpha (default 2; alpha = 1 is the Theil index, which is always reported). */
  entropyAlpha?: number;
}

/** A number with its bootstrap confidence interval (null bounds when no bootstrap ran or undefined). */
export interface Estimate {
  value: number | null;
  low: number | null;
  high: number | null;
}

export interface CalibrationBin {
  /** Bin bounds: [lower, upper) except the last, which includes 1. */
  lower: number;
  upper: number;
  count: number;
  /** Mean score in the bin. */
  meanScore: number | null;
  /** Share of positives (label 1) in the bin. */
  positiveRate: number | null;
}

/** Statistics of one group (or of everyone, for `overall`). Rates are null where undefined (0/0). */
export interface GroupStats {
  /** `race=African-American`, or `race=African-American & sex=Male` for an intersection, or `all`. */
  key: string;
  /** The group's value per sensitive column it is defined by. */
  values: Readonly<Record<string, string>>;
  /** Rows (unweighted) and total weight. */
  count: number;
  weight: number;
  /** Weighted confusion counts (rows with a null label count only towards selection rate). */
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** Weighted rows with a known label. */
  labelled: number;
  baseRate: Estimate;
  selectionRate: Estimate;
  tpr: Estimate;
  fpr: Estimate;
  fnr: Estimate;
  tnr: Estimate;
  ppv: Estimate;
  npv: Estimate;
  accuracy: Estimate;
  /** When rows carry scores. */
  calibration: CalibrationBin[] | null;
  /** E.g. "only 12 rows: too few to support a conclusion", "no positives: TPR undefined". */
  warnings: string[];
}

export type ParityMetric =
  | 'demographic_parity'
  | 'equalized_odds'
  | 'equal_opportunity'
  | 'predictive_parity'
  | 'average_odds'
  | 'disparate_impact'
  | 'theil_index'
  | 'generalized_entropy';

/** One summary over the groups of one column (or the intersection). */
export interface ParitySummary {
  metric: ParityMetric;
  /**
   * Difference form (max − min, or as the metric defines it); null when undefined. For `theil_index` and
   * `generalized_entropy` this slot carries the index itself over the whole population (not a difference).
   */
  difference: Estimate;
  /** Ratio form (min / max, or unprivileged / privileged); null where no ratio is defined. */
  ratio: Estimate;
  /** Disparate impact only: the four-fifths rule (ratio ≥ 0.8), or null when undefined. */
  fourFifths: 'pass' | 'fail' | null;
  /** The groups at the extremes (lowest and highest rate) where that applies. */
  lowest: string | null;
  highest: string | null;
  /** Equivalent library functions, e.g. fairlearn.metrics.demographic_parity_difference. */
  fairlearn: string | null;
  aif360: string | null;
  /**
   * `theil_index` and `generalized_entropy` only: the between-group component over this column's groups
   * (AIF360 between_all_groups_theil_index / between_all_groups_generalized_entropy_index with this
   * column as the only protected attribute).
   */
  betweenGroup?: Estimate;
  /** Groups left out of this summary because its rate is undefined (0/0) for them. */
  excluded?: string[];
}

/** The audit of one column (or of the intersection of all of them). */
export interface ColumnAudit {
  /** Column name, or the names joined with ` & ` for the intersection. */
  column: string;
  groups: GroupStats[];
  summaries: ParitySummary[];
}

export interface FairnessAudit {
  rows: number;
  /** Whether any row had a weight other than 1. */
  weighted: boolean;
  overall: GroupStats;
  columns: ColumnAudit[];
  /** The intersection of all sensitive columns, when audited. */
  intersection: ColumnAudit | null;
  bootstrap: { samples: number; seed: number; level: number } | null;
  warnings: string[];
  /** Rows without a label (they count towards selection rates only). */
  unlabelled?: number;
  /** The generalized-entropy alpha used (the `generalized_entropy` summaries). */
  entropyAlpha?: number;
}

/** Post-processing (Hardt et al. 2016 / Fairlearn ThresholdOptimizer). */
export interface ThresholdRule {
  /** Group key (values of the sensitive columns joined as in GroupStats.key). */
  group: string;
  /**
   * Predict positive when score > threshold; at score == threshold, positive with probability `tieP`
   * (randomisation between two thresholds, as equalized odds may need).
   */
  threshold: number;
  tieP: number;
  /** For equalized odds a mix of two thresholds: with probability `mix`, use `threshold2` instead. */
  threshold2: number | null;
  mix: number;
  /** Tie probability of the second threshold (at score == threshold2); default 1. */
  tieP2?: number;
  /**
   * With probability `pConstant`, ignore the score and predict positive with probability `constantRate`
   * (Fairlearn's p_ignore / prediction_constant, for equalized odds where a group's ROC hull lies above the
   * common operating point). Defaults 0 and 0.
   */
  pConstant?: number;
  constantRate?: number;
  /** The group's values in the order of `AuditOptions.sensitive` (how applyThresholds matches rows). */
  values?: readonly string[];
}

export interface MitigationResult {
  method: 'threshold_optimizer' | 'reweighing';
  constraint: 'demographic_parity' | 'equalized_odds' | null;
  before: FairnessAudit;
  after: FairnessAudit;
  /** after.overall.accuracy − before.overall.accuracy. */
  accuracyCost: number | null;
  /** Threshold optimizer: the rule per group. */
  thresholds: ThresholdRule[] | null;
  /** Reweighing: the weight per (group, label) cell, keyed `group|label`. */
  weights: Readonly<Record<string, number>> | null;
}
