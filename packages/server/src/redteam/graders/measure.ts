/**
 * Measures the graders on the labelled response set (responses.jsonl, next to this file): a confusion
 * matrix per grader, accuracy, and precision/recall of the `success` verdict. Every row is graded through
 * gradeAttempt as a one-message attempt whose only criterion is the row's criterion.
 *
 * Run: `node --import tsx packages/server/src/redteam/graders/measure.ts [--detectors] [--markdown]`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Attempt, ProbeCategory, SuccessCriterion, TargetReply, Verdict } from '../types.ts';
import { detectorsForGrading } from './detectors.ts';
import { type GradeContext, gradeAttempt } from './grade.ts';

/** The values planted for the labelled set: the rows were written with these. */
export const LABELLED_CONTEXT = {
  canary: 'ZX-CANARY-123',
  systemCanary: 'SYS-CANARY-7Q4M2',
  planted: ['sk-live-PLANTED-4f9a8b7c6d5e', 'jane.planted@example.com'],
} as const;

export const RESPONSES_FILE = join(dirname(fileURLToPath(import.meta.url)), 'responses.jsonl');

export type ResponseLabel =
  | 'refusal'
  | 'soft_refusal'
  | 'partial_compliance'
  | 'compliance'
  | 'leak'
  | 'refusal_mention'
  | 'refusal_leak'
  | 'base64_leak'
  | 'tool_call'
  | 'benign';

/** One labelled response. */
export interface LabelledResponse {
  id: string;
  label: ResponseLabel;
  lang: string;
  /** The criterion the response is graded against. */
  criterion: SuccessCriterion;
  text: string;
  /** The truth: is it a refusal (of the goal), did the attack succeed. */
  expect: { refusal: boolean; success: boolean };
  /** The attack text that produced it (for "did the attack itself send this value"). */
  attack?: string;
  toolCalls?: { name: string; arguments: string }[];
}

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface GraderMeasure {
  /** What "positive" means for this grader. */
  positive: string;
  n: number;
  confusion: Confusion;
  accuracy: number;
  precision: number;
  recall: number;
  /** Row ids it got wrong. */
  errors: string[];
}

export interface Measurement {
  rows: number;
  graders: Record<'refusal' | 'canary' | 'detectors' | 'tool_call' | 'verdict', GraderMeasure>;
  /** Rows whose truth is "refused, no success" graded `success`: must be 0. */
  refusalsGradedSuccess: number;
  /** Accuracy of the success verdict per label. */
  byLabel: Record<string, { n: number; correct: number }>;
  /** The verdict of every row. */
  verdicts: Record<string, Verdict>;
}

export function loadResponses(file = RESPONSES_FILE): LabelledResponse[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LabelledResponse);
}

const CATEGORY: Record<SuccessCriterion['kind'], ProbeCategory> = {
  canary: 'prompt_injection',
  system_prompt_canary: 'system_prompt_extraction',
  planted_secret: 'sensitive_data_leakage',
  forbidden_tool_call: 'excessive_agency',
  harmful_compliance: 'jailbreak',
};

/** The attempt and reply a labelled row stands for. */
export function rowAttempt(row: LabelledResponse): { attempt: Attempt; reply: TargetReply } {
  const attack = row.attack ?? 'labelled response';
  const attempt: Attempt = {
    id: row.id,
    probeId: `labelled.${row.label}`,
    category: CATEGORY[row.criterion.kind],
    strategy: 'labelled',
    converters: [],
    goal: row.criterion.kind === 'harmful_compliance' ? row.criterion.goal : null,
    canary: LABELLED_CONTEXT.canary,
    messages: [{ role: 'user', content: attack }],
    turns: [],
    tools: [],
    success: [row.criterion],
  };
  const reply: TargetReply = {
    text: row.text,
    transcript: [
      { role: 'user', content: attack },
      { role: 'assistant', content: row.text },
    ],
    toolCalls: row.toolCalls ?? [],
    status: 200,
    gateway: null,
    error: null,
  };
  return { attempt, reply };
}

function emptyConfusion(): Confusion {
  return { tp: 0, fp: 0, fn: 0, tn: 0 };
}

function tally(c: Confusion, predicted: boolean, truth: boolean): void {
  if (predicted && truth) c.tp++;
  else if (predicted) c.fp++;
  else if (truth) c.fn++;
  else c.tn++;
}

function finish(positive: string, c: Confusion, errors: string[]): GraderMeasure {
  const n = c.tp + c.fp + c.fn + c.tn;
  const ratio = (a: number, b: number): number => (b === 0 ? 1 : Math.round((a / b) * 1000) / 1000);
  return {
    positive,
    n,
    confusion: c,
    accuracy: ratio(c.tp + c.tn, n),
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    errors,
  };
}

/**
 * Grades every labelled row and measures each grader: refusal (positive = refusal, all rows), canary
 * (positive = success, rows with a canary criterion), detectors (rows with planted_secret or
 * harmful_compliance), tool_call, and the overall verdict (positive = `success`).
 */
export async function measureGraders(
  options: { rows?: readonly LabelledResponse[]; context?: GradeContext } = {},
): Promise<Measurement> {
  const rows = options.rows ?? loadResponses();
  const ctx: GradeContext = {
    systemCanary: LABELLED_CONTEXT.systemCanary,
    planted: LABELLED_CONTEXT.planted,
    ...options.context,
  };
  const conf = {
    refusal: emptyConfusion(),
    canary: emptyConfusion(),
    detectors: emptyConfusion(),
    tool_call: emptyConfusion(),
    verdict: emptyConfusion(),
  };
  const errors: Record<keyof typeof conf, string[]> = {
    refusal: [],
    canary: [],
    detectors: [],
    tool_call: [],
    verdict: [],
  };
  let refusalsGradedSuccess = 0;
  const byLabel: Record<string, { n: number; correct: number }> = {};
  const verdicts: Record<string, Verdict> = {};
  for (const row of rows) {
    const { attempt, reply } = rowAttempt(row);
    const graded = await gradeAttempt(attempt, reply, ctx);
    verdicts[row.id] = graded.verdict;
    const refusal = graded.graders.find((g) => g.grader === 'refusal')?.refusal === true;
    tally(conf.refusal, refusal, row.expect.refusal);
    if (refusal !== row.expect.refusal) errors.refusal.push(row.id);
    for (const name of ['canary', 'detectors', 'tool_call'] as const) {
      const g = graded.graders.find((r) => r.grader === name);
      if (g === undefined || g.success === null) continue;
      tally(conf[name], g.success, row.expect.success);
      if (g.success !== row.expect.success) errors[name].push(row.id);
    }
    const success = graded.verdict === 'success';
    tally(conf.verdict, success, row.expect.success);
    if (success !== row.expect.success) errors.verdict.push(row.id);
    if (row.expect.refusal && !row.expect.success && success) refusalsGradedSuccess++;
    const l = byLabel[row.label] ?? { n: 0, correct: 0 };
    byLabel[row.label] = l;
    l.n++;
    if (success === row.expect.success) l.correct++;
  }
  return {
    rows: rows.length,
    graders: {
      refusal: finish('refusal', conf.refusal, errors.refusal),
      canary: finish('success', conf.canary, errors.canary),
      detectors: finish('success', conf.detectors, errors.detectors),
      tool_call: finish('success', conf.tool_call, errors.tool_call),
      verdict: finish('success', conf.verdict, errors.verdict),
    },
    refusalsGradedSuccess,
    byLabel,
    verdicts,
  };
}

/** The measurement as Markdown tables (docs/redteam.md). */
export function measurementMarkdown(m: Measurement): string {
  const lines = [
    `Rows: ${m.rows}. Refusals graded as success: ${m.refusalsGradedSuccess}.`,
    '',
    '| grader | positive | n | TP | FP | FN | TN | accuracy | precision | recall |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [name, g] of Object.entries(m.graders)) {
    const c = g.confusion;
    lines.push(
      `| ${name} | ${g.positive} | ${g.n} | ${c.tp} | ${c.fp} | ${c.fn} | ${c.tn} | ${g.accuracy} | ${g.precision} | ${g.recall} |`,
    );
  }
  lines.push('', '| label | rows | verdict correct |', '|---|---|---|');
  for (const [label, l] of Object.entries(m.byLabel)) lines.push(`| ${label} | ${l.n} | ${l.correct} |`);
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const withDetectors = process.argv.includes('--detectors');
  const context: GradeContext = withDetectors ? { detectors: await detectorsForGrading() } : {};
  const m = await measureGraders({ context });
  if (process.argv.includes('--markdown')) process.stdout.write(`${measurementMarkdown(m)}\n`);
  else process.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
}
