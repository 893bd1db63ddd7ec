/**
 * The guard fairness audit before there is traffic (docs/fairness.md, "The guard's own fairness",
 * offline mode): the gateway's detectors — and, given a policy, its decisions — run over a labelled JSONL
 * dataset (`{"text", "label", …}` per line, the layout of ../shared/datasets) whose records carry a group
 * or language field, and the same parity table as for stored events comes out. For example the
 * per-language false-positive rate of `prompt_attack` on a multilingual benign set.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  type CompiledPolicy,
  type Decision,
  type Detector,
  detectLanguage,
  type FairnessAudit,
  type Finding,
} from '@parapet/core';
import { runDetectors } from '../pipeline/inspect.ts';
import {
  type BootstrapSpec,
  buildGuardTable,
  type DatasetSource,
  type GuardAction,
  type GuardObservation,
  type GuardReport,
  guardActions,
  type LabelCounts,
} from './guard.ts';

/** Label values (case ignored) that mean "nothing to intervene on", as `parapet eval` reads them. */
export const DEFAULT_BENIGN_LABELS: readonly string[] = Object.freeze([
  'benign',
  'no_pii',
  'no_secret',
  'non_toxic',
  'safe',
  'no',
  'negative',
  '0',
  'false',
]);

/** The fields `by: language` reads before falling back to the language detector. */
export const LANGUAGE_FIELDS: readonly string[] = Object.freeze(['language', 'lang']);

/** How records are grouped. */
export type OfflineGrouping =
  /** The value of a field (an array value counts in each of its elements). */
  | { kind: 'field'; field: string }
  /** The record's `language`/`lang` field when it has one, else the core's language detector on the text. */
  | { kind: 'language' };

/** The policy that decides, as the gateway would (optional). */
export interface OfflinePolicy {
  /** Its file, for the report. */
  name: string;
  compiled: CompiledPolicy;
  /** What the policy sees as the destination: a model-table name, its provider and tags ('' / [] when none). */
  model: string;
  provider: string;
  modelTags: readonly string[];
}

export interface OfflineGuardOptions {
  datasets: readonly string[];
  grouping: OfflineGrouping;
  /** Default `text`. */
  textField?: string;
  /** Default `label`; a record without it is unlabelled. */
  labelField?: string;
  /** Label values meaning "should not intervene"; every other value means "should". Default DEFAULT_BENIGN_LABELS. */
  benignLabels?: readonly string[];
  /**
   * Without a policy: the detector family whose findings (score ≥ threshold) count as an intervention
   * (required). With a policy: count only interventions caused by findings of this family (optional).
   */
  family: string | null;
  /** Default 0.5 (no policy only). */
  threshold?: number;
  detectors: readonly Detector[];
  /** Time budget per detector call (`inspection.detector_budget_ms`). */
  budgetMs: number;
  policy?: OfflinePolicy | null;
  /** Stop after this many usable records (over all files). */
  limit?: number;
  bootstrap?: BootstrapSpec | null;
  minGroupSize?: number;
  minEvents?: number;
  /** Fixed evaluation time for the policy (default a fixed Monday noon, so runs repeat). */
  now?: Date;
}

const DEFAULT_NOW = new Date('2025-01-06T12:00:00.000Z');

/** Runs the detectors (and the policy) over the datasets and audits the result. */
export async function auditGuardDataset(
  options: OfflineGuardOptions,
): Promise<{ report: GuardReport; audit: FairnessAudit | null }> {
  const policy = options.policy ?? null;
  if (policy === null && options.family === null) {
    throw new RangeError(
      'without a policy, name the detector family whose findings count as an intervention (e.g. prompt_attack)',
    );
  }
  if (policy === null && !options.detectors.some((d) => d.family === options.family)) {
    throw new RangeError(`no detector of family \`${options.family}\` is configured`);
  }
  const threshold = options.threshold ?? 0.5;
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError('the threshold must be between 0 and 1');
  const textField = options.textField ?? 'text';
  const labelField = options.labelField ?? 'label';
  const benign = new Set((options.benignLabels ?? DEFAULT_BENIGN_LABELS).map((l) => l.toLowerCase()));
  const now = options.now ?? DEFAULT_NOW;

  const observations: GuardObservation[] = [];
  const labels: LabelCounts = {
    // Every value not in `negative` means "should intervene".
    positive: [],
    negative: [...benign],
    positives: 0,
    negatives: 0,
    conflicting: 0,
    unlabelled: 0,
  };
  const language = options.grouping.kind === 'language' ? { field: 0, detected: 0 } : null;
  let errors = 0;
  let failures = 0;
  let missingGroup = 0;
  let records = 0;

  outer: for (const file of options.datasets) {
    const lines = createInterface({
      input: createReadStream(file, 'utf8'),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    for await (const line of lines) {
      if (line.trim().length === 0) continue;
      if (options.limit !== undefined && records >= options.limit) {
        lines.close();
        break outer;
      }
      let record: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(line);
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
          throw new Error('not an object');
        record = parsed as Record<string, unknown>;
      } catch {
        errors++;
        continue;
      }
      const text = record[textField];
      if (typeof text !== 'string') {
        errors++;
        continue;
      }
      records++;

      let values: string[];
      if (options.grouping.kind === 'field') {
        values = fieldValues(record[options.grouping.field]);
        if (values.length === 0) missingGroup++;
      } else {
        const given = LANGUAGE_FIELDS.map((f) => record[f]).find(
          (v): v is string => typeof v === 'string' && v.trim() !== '',
        );
        if (given !== undefined) {
          values = [given.trim().toLowerCase()];
          language!.field++;
        } else {
          values = [detectLanguage(text).language];
          language!.detected++;
        }
      }

      const label = labelOf(record[labelField], benign);
      if (label === 1) labels.positives++;
      else if (label === 0) labels.negatives++;
      else labels.unlabelled++;

      const segments = [{ index: 0, source: 'user' as const, path: textField, text }];
      const found = await runDetectors(options.detectors, segments, 'input', options.budgetMs);
      if (found.failures.length > 0) failures++;
      let actions: GuardAction[] = [];
      let intervened: boolean;
      if (policy === null) {
        intervened = found.findings.some((f) => f.family === options.family && f.score >= threshold);
      } else {
        const decision = decide(policy, found.findings, found.failures, text, now);
        actions = guardActions(
          { input: decision, output: null },
          { input: found.findings, output: [] },
          options.family,
        );
        intervened = actions.length > 0;
      }
      observations.push({ values, intervened, actions, label });
    }
  }

  const attribute = options.grouping.kind === 'field' ? options.grouping.field : 'language';
  const { table, audit } = await buildGuardTable(observations, {
    attribute,
    measures: policy === null ? ['intervened'] : undefined,
    bootstrap: options.bootstrap ?? null,
    ...(options.minGroupSize === undefined ? {} : { minGroupSize: options.minGroupSize }),
    ...(options.minEvents === undefined ? {} : { minEvents: options.minEvents }),
  });
  const warnings = [...table.warnings];
  const some = (n: number) => `${n} ${n === 1 ? 'record' : 'records'}`;
  if (errors > 0) {
    warnings.push(
      `${errors} ${errors === 1 ? 'line' : 'lines'} could not be used (not a JSON object, or no \`${textField}\` text)`,
    );
  }
  if (failures > 0) {
    warnings.push(
      `a detector failed or timed out on ${some(failures)}${policy === null ? ' (counted as not flagged)' : ' (the policy decided what that means)'}`,
    );
  }
  if (missingGroup > 0) {
    warnings.push(`${some(missingGroup)} without a \`${attribute}\` value: the \`(none)\` group`);
  }
  if (language !== null && language.detected > 0) {
    warnings.push(
      `the language of ${some(language.detected)} was detected from the text (no \`language\` or \`lang\` field); short texts are often \`und\``,
    );
  }
  const dataset: DatasetSource = {
    files: [...options.datasets],
    records,
    errors,
    textField,
    labelField,
    groupFields: options.grouping.kind === 'field' ? [options.grouping.field] : [...LANGUAGE_FIELDS],
    detectedLanguage: language !== null && language.detected > 0,
    detectors: [...new Set(options.detectors.map((d) => d.id))],
    threshold: policy === null ? threshold : null,
    policy: policy?.name ?? null,
  };
  return {
    report: {
      source: 'dataset',
      by: attribute,
      family: options.family,
      window: null,
      dataset,
      skipped: 0,
      labels,
      language: null,
      ...table,
      warnings,
    },
    audit,
  };
}

/** A field's group values: a string, number or boolean as text; an array's elements; nothing else. */
function fieldValues(value: unknown): string[] {
  const one = (v: unknown): string | null =>
    typeof v === 'string'
      ? v.trim() === ''
        ? null
        : v
      : typeof v === 'number' || typeof v === 'boolean'
        ? String(v)
        : null;
  if (Array.isArray(value)) return value.map(one).filter((v): v is string => v !== null);
  const v = one(value);
  return v === null ? [] : [v];
}

/** Ground truth of a record: absent → unknown; a benign value → 0; any other → 1. */
function labelOf(value: unknown, benign: ReadonlySet<string>): 0 | 1 | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return benign.has(String(value).trim().toLowerCase()) ? 0 : 1;
}

/** The policy's decision on one record, as the gateway would take it for a prompt from an anonymous caller. */
function decide(
  policy: OfflinePolicy,
  findings: readonly Finding[],
  failures: Parameters<CompiledPolicy['evaluate']>[0]['failures'],
  text: string,
  now: Date,
): Decision {
  return policy.compiled.evaluate({
    direction: 'input',
    principal: { keyId: null, user: null, groups: [], app: null, models: null, via: 'anonymous' },
    model: policy.model,
    provider: policy.provider,
    stream: false,
    modelTags: policy.modelTags,
    hasTools: false,
    language: detectLanguage(text).language,
    segmentSources: ['user'],
    findings,
    failures,
    now,
  });
}
