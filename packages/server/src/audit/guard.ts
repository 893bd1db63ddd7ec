/**
 * The fairness of the guard itself (issue 7; docs/fairness.md, "The guard's own fairness"): how often the
 * gateway intervenes — blocks, holds, warns, redacts — per group, app or detected language, as the core
 * fairness audit computes it (auditFairness with prediction = intervened), with demographic-parity
 * differences and ratios and seeded bootstrap intervals; and, where reviewers labelled events as true or
 * false positives, TPR and FPR per group and their parity (equal opportunity for the guard).
 *
 * The table is built from observations (one per event or dataset record) by buildGuardTable; stored
 * events become observations here (readGuardEvents: keyset pages over the `events` table, only the
 * columns needed), dataset records in guard-offline.ts.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  type AuditRow,
  auditFairness,
  type ColumnAudit,
  type Decision,
  detectLanguage,
  type Estimate,
  type FairnessAudit,
  type Finding,
  type ParityMetric,
  type ParitySummary,
} from '@parapet/core';
import { eventOutcome } from '../store/analytics-rollup.ts';
import type { SqlAccess } from '../store/ports.ts';

// ---------------------------------------------------------------------------------------------------
// Vocabulary

/** The guard's interventions, most severe first (the analytics outcomes that interrupt or change a request). */
export const GUARD_ACTIONS = ['blocked', 'held', 'warned', 'redacted'] as const;
export type GuardAction = (typeof GUARD_ACTIONS)[number];

/** What a rate is computed of: any intervention, or one action. */
export const GUARD_MEASURES = ['intervened', 'blocked', 'held', 'warned', 'redacted'] as const;
export type GuardMeasure = (typeof GUARD_MEASURES)[number];

/** The attributes stored events are audited by. */
export const GUARD_BY = ['group', 'app', 'language'] as const;
export type GuardBy = (typeof GUARD_BY)[number];

/** The value of an event with no group (or no app): its own row, so nobody drops out of the audit. */
export const UNASSIGNED = '(none)';
/** The language of an event whose language could not be told (ISO 639 `und`, as the detector says). */
export const UNKNOWN_LANGUAGE = 'und';

/** Reviewer labels that say "the guard should have intervened" (ground truth 1). */
export const DEFAULT_POSITIVE_LABELS: readonly string[] = Object.freeze([
  'true_positive',
  'confirmed',
  'false_negative',
]);
/** Reviewer labels that say "the guard should not have intervened" (ground truth 0). */
export const DEFAULT_NEGATIVE_LABELS: readonly string[] = Object.freeze(['false_positive', 'true_negative']);

/** Groups smaller than this get a warning that they cannot support a conclusion. */
export const DEFAULT_GUARD_MIN_GROUP_SIZE = 30;
/** Most events one audit reads (a larger window is refused: narrow it). */
export const MAX_GUARD_EVENTS = 2_000_000;
/** Most bootstrap samples. */
export const MAX_GUARD_BOOTSTRAP = 10_000;
/** Events read per page. */
const PAGE_SIZE = 5000;

const INTERVENTIONS: ReadonlySet<string> = new Set(GUARD_ACTIONS);

// ---------------------------------------------------------------------------------------------------
// Observations

/** One event (or dataset record) as the guard audit sees it. */
export interface GuardObservation {
  /** Its values of the audited attribute: several groups count in each; none counts as UNASSIGNED. */
  values: readonly string[];
  /** The guard intervened (any of `actions`; offline without a policy: the detector flagged it). */
  intervened: boolean;
  /** The interventions, in GUARD_ACTIONS order. */
  actions: readonly GuardAction[];
  /** Ground truth: 1 should have been intervened on, 0 should not, null unknown. */
  label: 0 | 1 | null;
}

/**
 * The interventions of one event's decisions (input and output; each direction's outcome as the
 * analytics count it: a held-then-approved request was held, an acknowledged warning was warned). With a
 * `family`, a direction counts only when its intervention cites a finding of that family: the findings
 * that made the deciding rule fire for blocked, held and warned; the redacted findings for redacted.
 */
export function guardActions(
  decision: { input: Decision | null; output: Decision | null },
  findings: { input: readonly Finding[]; output: readonly Finding[] } | null,
  family: string | null,
): GuardAction[] {
  const found = new Set<GuardAction>();
  for (const direction of ['input', 'output'] as const) {
    const d = decision[direction];
    if (d === null || d === undefined) continue;
    const outcome = eventOutcome({ input: d, output: null });
    if (!INTERVENTIONS.has(outcome)) continue;
    const action = outcome as GuardAction;
    if (family !== null) {
      const list = findings?.[direction] ?? [];
      const cited =
        action === 'redacted'
          ? [...(d.action === 'redact' ? d.findings : []), ...(d.redactions ?? []).flatMap((r) => r.findings)]
          : d.findings;
      if (!cited.some((i) => list[i]?.family === family)) continue;
    }
    found.add(action);
  }
  return GUARD_ACTIONS.filter((a) => found.has(a));
}

/** The label sets, as given or the defaults; a label in both is refused. */
export interface LabelSets {
  positive: ReadonlySet<string>;
  negative: ReadonlySet<string>;
}

export function labelSets(
  positive: readonly string[] = DEFAULT_POSITIVE_LABELS,
  negative: readonly string[] = DEFAULT_NEGATIVE_LABELS,
): LabelSets {
  const both = positive.filter((l) => negative.includes(l));
  if (both.length > 0) {
    throw new RangeError(`label \`${both[0]}\` cannot mean both "should intervene" and "should not"`);
  }
  return { positive: new Set(positive), negative: new Set(negative) };
}

/** The ground truth of an event's labels: 1, 0, null (none of the sets), or `conflict` (both). */
export function truthOf(labels: Iterable<string>, sets: LabelSets): 0 | 1 | null | 'conflict' {
  let pos = false;
  let neg = false;
  for (const l of labels) {
    if (sets.positive.has(l)) pos = true;
    else if (sets.negative.has(l)) neg = true;
  }
  if (pos && neg) return 'conflict';
  return pos ? 1 : neg ? 0 : null;
}

// ---------------------------------------------------------------------------------------------------
// The parity table

export interface BootstrapSpec {
  samples: number;
  seed: number;
  /** Confidence level; default 0.95. */
  level?: number;
}

export interface GuardTableOptions {
  /** The attribute's name (`group`, `app`, `language`, a dataset field). */
  attribute: string;
  /** Rates to compute; default all of GUARD_MEASURES. `intervened` is always computed. */
  measures?: readonly GuardMeasure[];
  bootstrap?: BootstrapSpec | null;
  /** Default DEFAULT_GUARD_MIN_GROUP_SIZE. */
  minGroupSize?: number;
  /** Groups with fewer events are left out of the table and the parity summaries (listed in `excluded`); default 1. */
  minEvents?: number;
  /**
   * Most resampled rows per audit (rows × samples): beyond it the samples are reduced to fit, with a
   * warning, and below MIN_BUDGET_SAMPLES the intervals are dropped. Bounds the time the admin API
   * spends on one answer; default none (the command line).
   */
  bootstrapBudget?: number;
}

/** Fewer bootstrap samples than this are not worth reporting as an interval. */
export const MIN_BUDGET_SAMPLES = 100;

/** A rate with its bootstrap interval and the events behind its numerator. */
export interface MeasureRate extends Estimate {
  measure: GuardMeasure;
  /** Events of the group with this intervention. */
  events: number;
}

export interface GuardGroupRow {
  /** The attribute's value. */
  group: string;
  events: number;
  /** One per measure, in the table's `measures` order. */
  rates: MeasureRate[];
  /** Events labelled "should have intervened" / "should not have". */
  positives: number;
  negatives: number;
  /** Share of positives the guard intervened on; share of negatives it intervened on. */
  tpr: Estimate;
  fpr: Estimate;
  warnings: string[];
}

/** One parity summary over the groups. */
export interface GuardParity {
  /** An intervention rate (demographic parity), `tpr` (equal opportunity) or `fpr` (false-positive-rate parity). */
  metric: GuardMeasure | 'tpr' | 'fpr';
  /** Highest rate − lowest rate. */
  difference: Estimate;
  /** Lowest rate / highest rate (Fairlearn's ratio form); null when the highest is 0. */
  ratio: Estimate;
  /** Intervention rates only: the four-fifths rule on the ratio (pass when ≥ 0.8); null otherwise. */
  fourFifths: 'pass' | 'fail' | null;
  /** The groups with the lowest and the highest rate. */
  lowest: string | null;
  highest: string | null;
}

/** The four-fifths rule on the favourable outcome (not intervened on), as EEOC and AIF360 state it. */
export interface FavourableParity {
  /** Lowest / highest share of events let through untouched; point estimate. */
  ratio: number | null;
  fourFifths: 'pass' | 'fail' | null;
  lowest: string | null;
  highest: string | null;
}

export interface GuardTable {
  attribute: string;
  /** Observations (events or records) audited. */
  events: number;
  /** (observation, value) pairs: an event in two groups is two rows. */
  rows: number;
  measures: GuardMeasure[];
  groups: GuardGroupRow[];
  excluded: { group: string; events: number }[];
  /** One per measure, then `tpr` and `fpr` when labels exist. */
  parity: GuardParity[];
  favourable: FavourableParity;
  /** Equalized odds difference (max of the TPR and FPR differences), when labels exist. */
  equalizedOdds: Estimate | null;
  bootstrap: { samples: number; seed: number; level: number } | null;
  warnings: string[];
}

const NO_ESTIMATE: Estimate = Object.freeze({ value: null, low: null, high: null });

interface BaseRow {
  group: string;
  /** Bit i set: GUARD_MEASURES[i]. */
  flags: number;
  label: 0 | 1 | null;
}

const bit = (m: GuardMeasure) => 1 << GUARD_MEASURES.indexOf(m);

function checkOptions(options: GuardTableOptions): void {
  const b = options.bootstrap;
  if (b !== null && b !== undefined) {
    if (!Number.isInteger(b.samples) || b.samples < 1 || b.samples > MAX_GUARD_BOOTSTRAP) {
      throw new RangeError(`bootstrap samples must be an integer from 1 to ${MAX_GUARD_BOOTSTRAP}`);
    }
    if (!Number.isInteger(b.seed)) throw new RangeError('the bootstrap seed must be an integer');
    if (b.level !== undefined && !(b.level > 0 && b.level < 1)) {
      throw new RangeError('the confidence level must be between 0 and 1, e.g. 0.95');
    }
  }
  if (options.minEvents !== undefined && !(Number.isInteger(options.minEvents) && options.minEvents >= 1)) {
    throw new RangeError('the minimum events per group must be a whole number of at least 1');
  }
}

/**
 * The parity table of a list of observations. Each (observation, value) pair is one row of the core
 * audit, so an event in several groups counts in each. Every measure is audited over the same rows in
 * the same order with the same seed, so their bootstrap resamples are the same draws.
 */
export async function buildGuardTable(
  observations: readonly GuardObservation[],
  options: GuardTableOptions,
): Promise<{ table: GuardTable; audit: FairnessAudit | null }> {
  checkOptions(options);
  const measures: GuardMeasure[] = GUARD_MEASURES.filter(
    (m) => m === 'intervened' || options.measures === undefined || options.measures.includes(m),
  );
  const attribute = options.attribute;
  const all: BaseRow[] = [];
  for (const o of observations) {
    let flags = o.intervened ? bit('intervened') : 0;
    for (const a of o.actions) flags |= bit(a);
    const values = o.values.length === 0 ? [UNASSIGNED] : [...new Set(o.values)];
    for (const group of values) all.push({ group, flags, label: o.label });
  }
  const sizes = new Map<string, number>();
  for (const r of all) sizes.set(r.group, (sizes.get(r.group) ?? 0) + 1);
  const minEvents = options.minEvents ?? 1;
  const excluded = [...sizes]
    .filter(([, n]) => n < minEvents)
    .map(([group, events]) => ({ group, events }))
    .sort((a, b) => a.group.localeCompare(b.group));
  const base = minEvents <= 1 ? all : all.filter((r) => (sizes.get(r.group) ?? 0) >= minEvents);
  if (base.length === 0)
    return { table: emptyTable(attribute, observations.length, measures, excluded), audit: null };

  const warnings: string[] = [];
  let bootstrap =
    options.bootstrap === null || options.bootstrap === undefined
      ? null
      : {
          samples: options.bootstrap.samples,
          seed: options.bootstrap.seed,
          level: options.bootstrap.level ?? 0.95,
        };
  if (bootstrap !== null && options.bootstrapBudget !== undefined) {
    const fit = Math.floor(options.bootstrapBudget / base.length);
    if (fit < MIN_BUDGET_SAMPLES) {
      warnings.push(
        `no intervals: ${base.length} rows are too many to resample here; run \`parapet audit guard\` for them`,
      );
      bootstrap = null;
    } else if (fit < bootstrap.samples) {
      warnings.push(
        `bootstrap reduced from ${bootstrap.samples} to ${fit} samples to bound the time of the answer (${base.length} rows)`,
      );
      bootstrap = { ...bootstrap, samples: fit };
    }
  }
  const common = {
    sensitive: [attribute],
    intersection: false,
    bootstrap,
    minGroupSize: options.minGroupSize ?? DEFAULT_GUARD_MIN_GROUP_SIZE,
  };
  const rowsFor = (m: GuardMeasure, withLabels: boolean): AuditRow[] =>
    base.map((r) => ({
      label: withLabels ? r.label : null,
      prediction: r.flags & bit(m) ? 1 : 0,
      score: null,
      groups: [r.group],
    }));

  const labelled = base.some((r) => r.label !== null);
  let seen = 0;
  for (const r of base) seen |= r.flags;
  // A measure no row has (no holds configured, say) is 0 in every group and every resample: nothing to
  // audit. Each audit is one synchronous run; the event loop gets a turn between them.
  const audits = new Map<GuardMeasure, FairnessAudit>();
  for (const m of measures) {
    if (m !== 'intervened' && (seen & bit(m)) === 0) continue;
    audits.set(m, auditFairness(rowsFor(m, m === 'intervened'), common));
    await nextTurn();
  }
  const main = audits.get('intervened')!;
  // FPR parity as the core computes equal opportunity: on the labelled rows with the label flipped, the
  // "TPR" of each group is P(intervened | should not have been) — its false-positive rate.
  const flipped = labelled
    ? auditFairness(
        base
          .filter((r) => r.label !== null)
          .map((r) => ({
            label: r.label === 1 ? (0 as const) : (1 as const),
            prediction: r.flags & bit('intervened') ? (1 as const) : (0 as const),
            score: null,
            groups: [r.group],
          })),
        common,
      )
    : null;

  const column = (audit: FairnessAudit | null | undefined): ColumnAudit | null => audit?.columns[0] ?? null;
  const namesOf = (audit: FairnessAudit | null | undefined): Map<string, string> =>
    new Map((column(audit)?.groups ?? []).map((g) => [g.key, g.values[attribute] ?? g.key]));
  const byValue = (audit: FairnessAudit | null | undefined) =>
    new Map((column(audit)?.groups ?? []).map((g) => [g.values[attribute] ?? g.key, g]));

  const counts = new Map<string, { events: number; hits: number[]; positives: number; negatives: number }>();
  for (const r of base) {
    let c = counts.get(r.group);
    if (c === undefined) {
      c = { events: 0, hits: GUARD_MEASURES.map(() => 0), positives: 0, negatives: 0 };
      counts.set(r.group, c);
    }
    c.events++;
    for (let i = 0; i < GUARD_MEASURES.length; i++) if (r.flags & (1 << i)) c.hits[i]!++;
    if (r.label === 1) c.positives++;
    else if (r.label === 0) c.negatives++;
  }

  const stats = new Map([...audits].map(([m, a]) => [m, byValue(a)]));
  const fprStats = byValue(flipped);
  const groups: GuardGroupRow[] = [...counts.keys()]
    .sort((a, b) => a.localeCompare(b))
    .map((group) => {
      const c = counts.get(group)!;
      const mainStats = stats.get('intervened')?.get(group);
      return {
        group,
        events: c.events,
        rates: measures.map((m) => {
          const s = stats.get(m)?.get(group);
          const never =
            bootstrap === null ? { value: 0, low: null, high: null } : { value: 0, low: 0, high: 0 };
          return {
            measure: m,
            events: c.hits[GUARD_MEASURES.indexOf(m)]!,
            ...(audits.has(m) ? (s?.selectionRate ?? NO_ESTIMATE) : never),
          };
        }),
        positives: c.positives,
        negatives: c.negatives,
        tpr: mainStats?.tpr ?? NO_ESTIMATE,
        fpr: fprStats.get(group)?.tpr ?? NO_ESTIMATE,
        warnings: (mainStats?.warnings ?? []).filter(relevant),
      };
    });

  const parity: GuardParity[] = measures.map((m) => {
    const audit = audits.get(m);
    if (audit === undefined) return neverParity(m, bootstrap !== null);
    const names = namesOf(audit);
    const dp = summary(audit, 'demographic_parity');
    const di = summary(audit, 'disparate_impact');
    return paritySummary(m, dp, di?.fourFifths ?? null, names);
  });
  let equalizedOdds: Estimate | null = null;
  if (labelled) {
    parity.push(paritySummary('tpr', summary(main, 'equal_opportunity'), null, namesOf(main)));
    parity.push(paritySummary('fpr', summary(flipped!, 'equal_opportunity'), null, namesOf(flipped)));
    equalizedOdds = summary(main, 'equalized_odds')?.difference ?? NO_ESTIMATE;
  }

  warnings.push(...main.warnings.filter(relevant));
  if (excluded.length > 0) {
    warnings.push(
      `${excluded.length} ${excluded.length === 1 ? 'group has' : 'groups have'} fewer than ${minEvents} events and ${excluded.length === 1 ? 'is' : 'are'} left out: ${excluded
        .slice(0, 10)
        .map((e) => `${e.group} (${e.events})`)
        .join(', ')}${excluded.length > 10 ? ', …' : ''}`,
    );
  }
  if (labelled) warnings.push(...labelWarnings(base));

  return {
    table: {
      attribute,
      events: observations.length,
      rows: base.length,
      measures,
      groups,
      excluded,
      parity,
      favourable: favourableParity(groups),
      equalizedOdds,
      bootstrap: main.bootstrap,
      warnings: [...new Set(warnings)],
    },
    audit: main,
  };
}

/** The core audit's warnings about what the guard table does not show (PPV, NPV, predictive parity) are left out. */
function relevant(warning: string): boolean {
  return !/PPV|NPV|predictive_parity/.test(warning);
}

/** The table of an audit with nothing to compare (no events, or every group left out). */
function emptyTable(
  attribute: string,
  events: number,
  measures: GuardMeasure[],
  excluded: { group: string; events: number }[],
): GuardTable {
  return {
    attribute,
    events,
    rows: 0,
    measures,
    groups: [],
    excluded,
    parity: [],
    favourable: { ratio: null, fourFifths: null, lowest: null, highest: null },
    equalizedOdds: null,
    bootstrap: null,
    warnings: [
      events === 0
        ? 'nothing to audit: no event with a decision (or no usable record)'
        : 'nothing to audit: every group has fewer events than the minimum',
    ],
  };
}

/** The parity of a measure no event has: a difference of 0, no ratio (0 / 0). */
function neverParity(metric: GuardMeasure, intervals: boolean): GuardParity {
  const zero = intervals ? { value: 0, low: 0, high: 0 } : { value: 0, low: null, high: null };
  return { metric, difference: zero, ratio: NO_ESTIMATE, fourFifths: null, lowest: null, highest: null };
}

function summary(audit: FairnessAudit, metric: ParityMetric): ParitySummary | null {
  return audit.columns[0]?.summaries.find((s) => s.metric === metric) ?? null;
}

function paritySummary(
  metric: GuardParity['metric'],
  s: ParitySummary | null,
  fourFifths: 'pass' | 'fail' | null,
  names: ReadonlyMap<string, string>,
): GuardParity {
  const name = (key: string | null | undefined) =>
    key === null || key === undefined ? null : (names.get(key) ?? key);
  return {
    metric,
    difference: s?.difference ?? NO_ESTIMATE,
    ratio: s?.ratio ?? NO_ESTIMATE,
    fourFifths: metric === 'tpr' || metric === 'fpr' ? null : fourFifths,
    lowest: name(s?.lowest),
    highest: name(s?.highest),
  };
}

/** The four-fifths rule on the share of events let through untouched (1 − intervention rate). */
function favourableParity(groups: readonly GuardGroupRow[]): FavourableParity {
  const pass = groups
    .filter((g) => g.events > 0)
    .map((g) => ({ group: g.group, rate: 1 - g.rates[0]!.events / g.events }));
  if (pass.length < 2) return { ratio: null, fourFifths: null, lowest: null, highest: null };
  let lo = pass[0]!;
  let hi = pass[0]!;
  for (const p of pass) {
    if (p.rate < lo.rate) lo = p;
    if (p.rate > hi.rate) hi = p;
  }
  if (hi.rate === 0) return { ratio: null, fourFifths: null, lowest: lo.group, highest: hi.group };
  const ratio = lo.rate / hi.rate;
  return { ratio, fourFifths: ratio >= 0.8 ? 'pass' : 'fail', lowest: lo.group, highest: hi.group };
}

/** Verification bias: labels only on one side of the decision make TPR or FPR meaningless. */
function labelWarnings(rows: readonly BaseRow[]): string[] {
  const flagged = bit('intervened');
  let labelledHit = 0;
  let labelledMiss = 0;
  let positives = 0;
  let negatives = 0;
  for (const r of rows) {
    if (r.label === null) continue;
    if (r.flags & flagged) labelledHit++;
    else labelledMiss++;
    if (r.label === 1) positives++;
    else negatives++;
  }
  const out: string[] = [];
  if (labelledMiss === 0) {
    out.push(
      'only events the guard intervened on are labelled: FPR is 1 and TPR is 1 wherever defined; label a sample of events it let through too',
    );
  } else if (labelledHit === 0) {
    out.push(
      'only events the guard let through are labelled: TPR and FPR are 0 wherever defined; label a sample of interventions too',
    );
  }
  if (positives === 0)
    out.push('no event is labelled as one the guard should have intervened on: TPR is undefined');
  if (negatives === 0)
    out.push('no event is labelled as one the guard should have let through: FPR is undefined');
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Stored events

export interface GuardEventsQuery {
  /** ISO times: since inclusive, until exclusive. */
  since: string;
  until: string;
  by: GuardBy;
  /** Count only interventions caused by findings of this detector family. */
  family?: string | null;
  positiveLabels?: readonly string[];
  negativeLabels?: readonly string[];
  /** Default MAX_GUARD_EVENTS. */
  maxEvents?: number;
}

/** Where each event's language came from (by = language). */
export interface LanguageSources {
  /** Recorded by the policy (`decision.facts.language`, when a rule reads `languages`). */
  policy: number;
  /** Detected from the stored redacted preview of the input. */
  preview: number;
  /** Neither: counted as `und`. */
  unknown: number;
}

export interface LabelCounts {
  positive: string[];
  negative: string[];
  /** Events labelled with a positive label, a negative one, both (left unlabelled), none. */
  positives: number;
  negatives: number;
  conflicting: number;
  unlabelled: number;
}

export interface GuardEventsRead {
  observations: GuardObservation[];
  /** Events of the window with no decision (refused before the policy ran), left out. */
  skipped: number;
  labels: LabelCounts;
  language: LanguageSources | null;
}

/** Thrown when a window holds more events than an audit reads. */
export class GuardWindowTooLargeError extends RangeError {
  constructor(
    readonly events: number,
    readonly max: number,
  ) {
    super(
      `the window holds ${events} events, more than the ${max} an audit reads; narrow it with since/until`,
    );
    this.name = 'GuardWindowTooLargeError';
  }
}

interface EventSlice {
  cursor: string;
  rid: number | string;
  groups: string;
  app: string | null;
  decision: string;
  findings: string | null;
  preview: string | null;
  labels: string | null;
}

/**
 * Reads the window's events as observations: keyset pages in time order over only the columns needed
 * (principal groups and app, the decision, the findings when a family is named, the preview when the
 * language must be detected, the labels as one aggregated column), yielding to the event loop between
 * pages. Counts the window first and refuses it beyond `maxEvents`.
 */
export async function readGuardEvents(sql: SqlAccess, q: GuardEventsQuery): Promise<GuardEventsRead> {
  const sets = labelSets(q.positiveLabels, q.negativeLabels);
  if (!Number.isFinite(Date.parse(q.since)) || !Number.isFinite(Date.parse(q.until))) {
    throw new RangeError('since and until must be ISO-8601 times');
  }
  const since = new Date(Date.parse(q.since)).toISOString();
  const until = new Date(Date.parse(q.until)).toISOString();
  const family = q.family ?? null;
  const max = q.maxEvents ?? MAX_GUARD_EVENTS;
  const reader = sql.dialect === 'sqlite' ? sqliteReader(sql.db) : postgresReader(sql);
  const total = await reader.count(since, until);
  if (total > max) throw new GuardWindowTooLargeError(total, max);
  const columns = { findings: family !== null, preview: q.by === 'language' };

  const observations: GuardObservation[] = [];
  const labels: LabelCounts = {
    positive: [...sets.positive],
    negative: [...sets.negative],
    positives: 0,
    negatives: 0,
    conflicting: 0,
    unlabelled: 0,
  };
  const language: LanguageSources | null = q.by === 'language' ? { policy: 0, preview: 0, unknown: 0 } : null;
  let skipped = 0;
  let after: { cursor: string; rid: number | string } | null = null;
  for (;;) {
    const page: EventSlice[] = await reader.page(since, until, after, PAGE_SIZE, columns);
    for (const row of page) {
      const decision = JSON.parse(row.decision) as { input: Decision | null; output: Decision | null };
      if (decision.input === null && decision.output === null) {
        skipped++;
        continue;
      }
      const findings =
        row.findings === null
          ? null
          : (JSON.parse(row.findings) as { input: readonly Finding[]; output: readonly Finding[] });
      const actions = guardActions(decision, findings, family);
      const truth = truthOf(row.labels === null ? [] : row.labels.split(' '), sets);
      if (truth === 1) labels.positives++;
      else if (truth === 0) labels.negatives++;
      else if (truth === 'conflict') labels.conflicting++;
      else labels.unlabelled++;
      let values: string[];
      if (q.by === 'group') values = JSON.parse(row.groups) as string[];
      else if (q.by === 'app') values = row.app === null || row.app === '' ? [] : [row.app];
      else {
        const found = eventLanguage(decision, row.preview);
        language![found.source]++;
        values = [found.language];
      }
      observations.push({
        values,
        intervened: actions.length > 0,
        actions,
        label: truth === 'conflict' ? null : truth,
      });
    }
    if (page.length < PAGE_SIZE) break;
    const last = page[page.length - 1]!;
    after = { cursor: last.cursor, rid: last.rid };
    await nextTurn();
  }
  return { observations, skipped, labels, language };
}

/** Masks such as `[EMAIL_ADDRESS]` in a redacted preview: left out before detecting the language. */
const MASK = /\[[A-Z0-9_]{1,64}\]/g;

/** An event's language: what the policy recorded, else detected from its redacted input preview. */
export function eventLanguage(
  decision: { input: Decision | null; output: Decision | null },
  preview: string | null,
): { language: string; source: keyof LanguageSources } {
  const recorded = decision.input?.facts?.language ?? decision.output?.facts?.language ?? null;
  if (recorded !== null && recorded !== '') return { language: recorded, source: 'policy' };
  if (preview !== null && preview !== '') {
    const guess = detectLanguage(preview.replace(MASK, ' '));
    if (guess.language !== UNKNOWN_LANGUAGE) return { language: guess.language, source: 'preview' };
  }
  return { language: UNKNOWN_LANGUAGE, source: 'unknown' };
}

interface Reader {
  count(since: string, until: string): Promise<number>;
  page(
    since: string,
    until: string,
    after: { cursor: string; rid: number | string } | null,
    limit: number,
    columns: { findings: boolean; preview: boolean },
  ): Promise<EventSlice[]>;
}

/**
 * SQLite: `events_time_idx` is (time, rowid), so `(time, rowid) > (?, ?) ORDER BY time, rowid` seeks the
 * index at the cursor and walks it without sorting.
 */
function sqliteReader(db: import('better-sqlite3').Database): Reader {
  const cache = new Map<string, import('better-sqlite3').Statement>();
  const prepared = (text: string) => {
    let s = cache.get(text);
    if (s === undefined) {
      s = db.prepare(text);
      cache.set(text, s);
    }
    return s;
  };
  return {
    async count(since, until) {
      return prepared('SELECT count(*) FROM events WHERE time >= ? AND time < ?')
        .pluck()
        .get(since, until) as number;
    },
    async page(since, until, after, limit, columns) {
      const text = `SELECT e.time AS cursor, e.rowid AS rid, e.groups AS groups, e.app AS app, e.decision AS decision,
          ${columns.findings ? 'e.findings' : 'NULL'} AS findings,
          ${columns.preview ? '(SELECT s.preview_input FROM event_search s WHERE s.event_id = e.id)' : 'NULL'} AS preview,
          (SELECT group_concat(l.label, ' ') FROM event_labels l WHERE l.event_id = e.id) AS labels
        FROM events e
        WHERE ${after === null ? 'e.time >= ?' : '(e.time, e.rowid) > (?, ?)'} AND e.time < ?
        ORDER BY e.time, e.rowid LIMIT ?`;
      const params: unknown[] = after === null ? [since] : [after.cursor, after.rid];
      params.push(until, limit);
      return prepared(text).all(...params) as EventSlice[];
    },
  };
}

/** PostgreSQL: keyset on (time, id); the cursor time is the column's own text, so it round-trips exactly. */
function postgresReader(sql: Extract<SqlAccess, { dialect: 'postgres' }>): Reader {
  return {
    async count(since, until) {
      const rows = await sql.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM events WHERE time >= $1::timestamptz AND time < $2::timestamptz',
        [since, until],
      );
      return Number(rows[0]?.n ?? 0);
    },
    async page(since, until, after, limit, columns) {
      // After the first page the range starts at the cursor, so the time index is read from there.
      const params: unknown[] = [after === null ? since : after.cursor, until];
      let keyset = '';
      if (after !== null) {
        params.push(after.cursor, after.rid);
        keyset = ' AND (e.time, e.id) > ($3::timestamptz, $4::text)';
      }
      params.push(limit);
      return sql.query<EventSlice & Record<string, unknown>>(
        `SELECT e.time::text AS cursor, e.id AS rid, e.groups::text AS groups, e.app AS app, e.decision::text AS decision,
            ${columns.findings ? 'e.findings::text' : 'NULL::text'} AS findings,
            ${columns.preview ? '(SELECT s.preview_input FROM event_search s WHERE s.event_id = e.id)' : 'NULL::text'} AS preview,
            (SELECT string_agg(l.label, ' ') FROM event_labels l WHERE l.event_id = e.id) AS labels
          FROM events e
          WHERE e.time >= $1::timestamptz AND e.time < $2::timestamptz${keyset}
          ORDER BY e.time, e.id LIMIT $${params.length}`,
        params,
      );
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// The report

/** How an offline run was made (guard-offline.ts); null for stored events. */
export interface DatasetSource {
  files: string[];
  /** Records read, and lines that could not be used (bad JSON, no text). */
  records: number;
  errors: number;
  textField: string;
  labelField: string;
  /** The dataset fields grouped by; empty when only the detected language is. */
  groupFields: string[];
  /** The language detector gave the groups (no language field in the data). */
  detectedLanguage: boolean;
  /** Detectors run (ids). */
  detectors: string[];
  /** Without a policy: the finding score from which the family counts as flagging a record. */
  threshold: number | null;
  /** With a policy: its file. */
  policy: string | null;
}

/** The audit of the guard's fairness: what was read and the parity table. */
export interface GuardReport extends GuardTable {
  source: 'events' | 'dataset';
  /** `group`, `app`, `language`, or the dataset field(s). */
  by: string;
  family: string | null;
  window: { since: string; until: string } | null;
  dataset: DatasetSource | null;
  /** Events left out because nothing decided on them (refused before the policy ran). */
  skipped: number;
  labels: LabelCounts;
  language: LanguageSources | null;
}

export interface GuardEventsAuditOptions extends GuardEventsQuery {
  bootstrap?: BootstrapSpec | null;
  minGroupSize?: number;
  minEvents?: number;
  /** See GuardTableOptions.bootstrapBudget. */
  bootstrapBudget?: number;
}

/** The guard fairness audit of a window of stored events. */
export async function auditGuardEvents(
  sql: SqlAccess,
  options: GuardEventsAuditOptions,
): Promise<{ report: GuardReport; audit: FairnessAudit | null }> {
  const read = await readGuardEvents(sql, options);
  const { table, audit } = await buildGuardTable(read.observations, {
    attribute: options.by,
    bootstrap: options.bootstrap ?? null,
    ...(options.minGroupSize === undefined ? {} : { minGroupSize: options.minGroupSize }),
    ...(options.minEvents === undefined ? {} : { minEvents: options.minEvents }),
    ...(options.bootstrapBudget === undefined ? {} : { bootstrapBudget: options.bootstrapBudget }),
  });
  const warnings = [...table.warnings];
  if (read.labels.conflicting > 0) {
    warnings.push(
      `${read.labels.conflicting} ${read.labels.conflicting === 1 ? 'event carries' : 'events carry'} both a positive and a negative label and ${read.labels.conflicting === 1 ? 'counts' : 'count'} as unlabelled`,
    );
  }
  if (read.language !== null && table.events > 0 && read.language.unknown / table.events > 0.2) {
    warnings.push(
      `the language of ${read.language.unknown} of ${table.events} events is unknown (no policy reads \`languages\` and no content is kept): they are the \`und\` group`,
    );
  }
  return {
    report: {
      source: 'events',
      by: options.by,
      family: options.family ?? null,
      window: {
        since: new Date(Date.parse(options.since)).toISOString(),
        until: new Date(Date.parse(options.until)).toISOString(),
      },
      dataset: null,
      skipped: read.skipped,
      labels: read.labels,
      language: read.language,
      ...table,
      warnings,
    },
    audit,
  };
}

// ---------------------------------------------------------------------------------------------------
// Text

const pct = (v: number | null): string => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
const num = (v: number | null, digits = 2): string => (v === null ? '–' : v.toFixed(digits));

function interval(e: Estimate, format: (v: number | null) => string): string {
  if (e.value === null) return '–';
  if (e.low === null || e.high === null) return format(e.value);
  return `${format(e.value)} [${format(e.low)}–${format(e.high)}]`;
}

const METRIC_WORDS: Readonly<Record<GuardParity['metric'], string>> = {
  intervened: 'any intervention',
  blocked: 'blocked',
  held: 'held',
  warned: 'warned',
  redacted: 'redacted',
  tpr: 'TPR (equal opportunity)',
  fpr: 'FPR (false-positive parity)',
};

/** The four-fifths verdict of a parity summary in words, with what its interval says. */
export function fourFifthsWords(p: GuardParity): string {
  if (p.fourFifths === null || p.ratio.value === null) return 'four-fifths rule: not applicable';
  const times = p.ratio.value > 0 ? ` (${num(1 / p.ratio.value)}× as often)` : '';
  if (p.fourFifths === 'pass') {
    const unsure =
      p.ratio.low !== null && p.ratio.low < 0.8
        ? '; the interval reaches below 0.8, so a disparity is not ruled out'
        : '';
    return `passes the four-fifths rule: ${p.lowest} is intervened on at least 0.8 times as often as ${p.highest}${unsure}`;
  }
  const unsure =
    p.ratio.high !== null && p.ratio.high >= 0.8
      ? '; the interval reaches 0.8, so the sample cannot rule out parity'
      : '';
  return `fails the four-fifths rule: ${p.highest} is intervened on more than 1.25 times as often as ${p.lowest}${times}${unsure}`;
}

/** What counted as an intervention, in words. */
function decidedBy(r: GuardReport): string {
  if (r.dataset !== null && r.dataset.policy === null) {
    return `intervened = a \`${r.family}\` finding with score ≥ ${r.dataset.threshold}`;
  }
  const who = r.dataset === null ? 'the stored decisions' : `the policy ${r.dataset.policy}`;
  return r.family === null
    ? `every intervention of ${who}`
    : `interventions of ${who} caused by \`${r.family}\` findings only`;
}

/** The report as terminal text: the table, the parity summaries in words, the warnings. */
export function formatGuardReport(r: GuardReport): string {
  const out: string[] = [];
  const what =
    r.source === 'events'
      ? `stored events ${r.window?.since} – ${r.window?.until}`
      : `dataset ${r.dataset?.files.join(', ')} (${r.dataset?.records} records, ${r.dataset?.errors} unusable)`;
  out.push(`Guard fairness by ${r.by} — ${what}`);
  out.push(
    `${r.events} ${r.source === 'events' ? 'events' : 'records'} in ${r.groups.length} ${r.groups.length === 1 ? 'group' : 'groups'}; ${decidedBy(r)}${r.skipped > 0 ? `; ${r.skipped} without a decision left out` : ''}`,
  );
  out.push(
    r.bootstrap === null
      ? 'no bootstrap: no intervals'
      : `${Math.round(r.bootstrap.level * 100)}% bootstrap intervals, ${r.bootstrap.samples} samples, seed ${r.bootstrap.seed}`,
  );
  out.push('');
  const labelled = r.parity.some((p) => p.metric === 'tpr');
  const header = [
    r.by,
    'events',
    ...r.measures.map((m) => (m === 'intervened' ? 'intervened' : m)),
    ...(labelled ? ['TPR', 'FPR'] : []),
  ];
  const rows = r.groups.map((g) => [
    g.group,
    String(g.events),
    ...g.rates.map((rate) => interval(rate, pct)),
    ...(labelled
      ? [`${interval(g.tpr, pct)} n=${g.positives}`, `${interval(g.fpr, pct)} n=${g.negatives}`]
      : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  out.push(line(header));
  for (const row of rows) out.push(line(row));
  out.push('');
  out.push('Parity (lowest / highest rate, highest − lowest):');
  for (const p of r.parity) {
    out.push(
      `  ${METRIC_WORDS[p.metric].padEnd(28)} ratio ${interval(p.ratio, (v) => num(v))}  difference ${interval(p.difference, (v) => num(v, 3))}${p.difference.value === 0 ? '' : `  lowest ${p.lowest ?? '–'}, highest ${p.highest ?? '–'}`}`,
    );
    if (p.fourFifths !== null) out.push(`  ${''.padEnd(28)} ${fourFifthsWords(p)}`);
  }
  if (r.equalizedOdds !== null)
    out.push(`  ${'equalized odds difference'.padEnd(28)} ${interval(r.equalizedOdds, (v) => num(v, 3))}`);
  if (r.favourable.ratio !== null) {
    out.push(
      `  ${'let through untouched'.padEnd(28)} ratio ${num(r.favourable.ratio)} (${r.favourable.lowest} / ${r.favourable.highest}): ${r.favourable.fourFifths === 'pass' ? 'passes' : 'fails'} the four-fifths rule on the favourable outcome`,
    );
  }
  if (r.labels.positives + r.labels.negatives > 0 || r.source === 'events') {
    out.push('');
    out.push(
      `Labels: ${r.labels.positives} should-intervene (${r.labels.positive.length === 0 ? 'any other value' : r.labels.positive.join(', ')}), ${r.labels.negatives} should-not (${r.labels.negative.join(', ')}), ${r.labels.conflicting} conflicting, ${r.labels.unlabelled} unlabelled`,
    );
  }
  if (r.language !== null) {
    out.push(
      `Language: ${r.language.policy} recorded by the policy, ${r.language.preview} detected from the redacted preview, ${r.language.unknown} unknown`,
    );
  }
  const warnings = [...r.warnings, ...r.groups.flatMap((g) => g.warnings.map((w) => `${g.group}: ${w}`))];
  if (warnings.length > 0) {
    out.push('');
    out.push('Warnings:');
    for (const w of warnings) out.push(`  - ${w}`);
  }
  return `${out.join('\n')}\n`;
}
