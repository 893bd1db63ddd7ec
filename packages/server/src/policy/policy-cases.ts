/**
 * Policy unit tests (`parapet policy test FILE --cases CASES.yaml`): each case gives an identity, a
 * destination, findings (explicit, or found by the configured detectors in an `input` text) and the
 * expected action and rule. The cases file is validated like a policy: every problem with its line and
 * column.
 */
import {
  type CompiledPolicy,
  closest,
  type Decision,
  type DecisionInput,
  type Detector,
  type DetectorFailure,
  type Finding,
  type PolicyCatalogue,
  RULE_ACTIONS,
  SEGMENT_SOURCES,
  type Segment,
  type SegmentSource,
} from '@parapet/core';
import { z } from 'zod';
import { type Config, resolveModel } from '../config/index.ts';
import { runDetectors } from '../pipeline/inspect.ts';
import { type LocatedProblem, PolicyFileError, parseYamlText } from './policy-file.ts';
import { yamlPosition } from './yaml-positions.ts';

/** The evaluation time of a case without `now`: a fixed Monday noon (UTC), so results never depend on the clock. */
export const DEFAULT_CASE_TIME = '2025-01-06T12:00:00.000Z';

const text = z.string().min(1);
const SOURCES = SEGMENT_SOURCES;

const CaseFinding = z.strictObject({
  family: text,
  type: text,
  score: z.number().min(0).max(1).default(1),
  /** Segment source of the finding; default `user` on input, `completion` on output. */
  source: z.enum(SOURCES).optional(),
});

/** One policy test case, as written in the cases file. */
export const PolicyCase = z.strictObject({
  name: text,
  direction: z.enum(['input', 'output']).default('input'),
  user: text.optional(),
  groups: z.array(text).default(() => []),
  app: text.optional(),
  key: text.optional(),
  model: text.optional(),
  provider: text.optional(),
  stream: z.boolean().default(false),
  has_tools: z.boolean().default(false),
  language: text.optional(),
  now: text.default(DEFAULT_CASE_TIME),
  /** A text run through the configured detectors; their findings are added to `findings`. */
  input: z.string().optional(),
  findings: z.array(CaseFinding).default(() => []),
  /** Families whose detector failed. */
  failed: z.array(text).default(() => []),
  acknowledged: z.array(text).default(() => []),
  approved: z.array(text).default(() => []),
  expect: z.strictObject({
    action: z.enum(RULE_ACTIONS),
    /** The deciding rule id; `null` for the policy default; absent: not checked. */
    rule: text.nullable().optional(),
  }),
});
export type PolicyCase = z.infer<typeof PolicyCase>;

const CASE_KEYS = Object.keys(PolicyCase.shape);
const FINDING_KEYS = Object.keys(CaseFinding.shape);

/** A parsed cases file: the cases and where each one starts. */
export interface PolicyCases {
  cases: PolicyCase[];
  /** Line and column of each case, same order. */
  positions: { line: number; column: number }[];
  /** Problems that do not stop the run (duplicate names). */
  warnings: LocatedProblem[];
}

/**
 * Parses and checks a cases file: a list of cases (or `cases:` holding one). Names are checked against the
 * deployment (models, providers, detector families and types) and the policy (expected rule ids). Throws
 * PolicyFileError listing every error with its line and column.
 */
export function parsePolicyCases(
  textContent: string,
  name: string,
  catalogue: PolicyCatalogue,
  ruleIds: readonly string[],
): PolicyCases {
  const source = parseYamlText(textContent, name);
  const root: unknown = source.document.toJS({ maxAliasCount: 100 });
  let prefix: (string | number)[] = [];
  let list: unknown = root;
  if (list !== null && typeof list === 'object' && !Array.isArray(list) && 'cases' in list) {
    prefix = ['cases'];
    list = (list as { cases: unknown }).cases;
  }
  const problems: LocatedProblem[] = [];
  const at = (
    path: (string | number)[],
    message: string,
    target: 'key' | 'value' = 'value',
    severity: LocatedProblem['severity'] = 'error',
  ) => {
    const pos = yamlPosition(source, [...prefix, ...path], { target });
    problems.push({ ...pos, severity, message, path: [...prefix, ...path] });
  };
  if (!Array.isArray(list) || list.length === 0) {
    at([], 'a cases file is a non-empty list of cases (`- name: … expect: {action: …}`)');
    throw new PolicyFileError(name, problems);
  }
  const cases: PolicyCase[] = [];
  const positions: { line: number; column: number }[] = [];
  const names = new Map<string, number>();
  list.forEach((item, index) => {
    positions.push(yamlPosition(source, [...prefix, index]));
    const parsed = PolicyCase.safeParse(item, { reportInput: true });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = [index, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
        if (issue.code === 'unrecognized_keys') {
          const key = issue.keys[0] ?? '';
          const known =
            issue.path.length === 0
              ? CASE_KEYS
              : issue.path.includes('findings')
                ? FINDING_KEYS
                : ['action', 'rule'];
          at([...path, key], `unknown key \`${issue.keys.join('`, `')}\`${hint(closest(key, known))}`, 'key');
        } else if (issue.code === 'invalid_value') {
          const values = issue.values.map(String);
          const input = (issue as { input?: unknown }).input;
          const suggestion = typeof input === 'string' ? closest(input, values) : null;
          at(path, `must be one of ${values.map((v) => `\`${v}\``).join(', ')}${hint(suggestion)}`);
        } else if (issue.code === 'invalid_type') {
          const missing = (issue as { input?: unknown }).input === undefined;
          const key = issue.path[issue.path.length - 1];
          const name = typeof key === 'string' ? `\`${key}\` ` : '';
          at(path, missing ? `${name}is required (${issue.expected})` : `expected ${issue.expected}`);
        } else {
          at(
            path,
            issue.message.length > 0 ? issue.message[0]!.toLowerCase() + issue.message.slice(1) : 'invalid',
          );
        }
      }
      return;
    }
    const c = parsed.data;
    const first = names.get(c.name);
    if (first !== undefined)
      at([index, 'name'], `duplicate case name \`${c.name}\` (also case ${first + 1})`, 'value', 'warning');
    else names.set(c.name, index);
    if (!isIsoTime(c.now)) at([index, 'now'], `\`${c.now}\` is not an ISO time such as 2025-01-06T09:30:00Z`);
    if (c.model !== undefined && !catalogue.models.includes(c.model)) {
      at([index, 'model'], `unknown model \`${c.model}\`${hint(closest(c.model, catalogue.models))}`);
    }
    if (c.provider !== undefined && !catalogue.providers.includes(c.provider)) {
      at(
        [index, 'provider'],
        `unknown provider \`${c.provider}\`${hint(closest(c.provider, catalogue.providers))}`,
      );
    }
    const families = Object.keys(catalogue.families);
    c.findings.forEach((f, i) => {
      const types = catalogue.families[f.family];
      if (types === undefined) {
        at(
          [index, 'findings', i, 'family'],
          `unknown or disabled detector family \`${f.family}\`${hint(closest(f.family, families))}`,
        );
      } else if (types !== null && !types.includes(f.type)) {
        at(
          [index, 'findings', i, 'type'],
          `\`${f.type}\` is not a ${f.family} type${hint(closest(f.type, types))}`,
        );
      }
    });
    c.failed.forEach((family, i) => {
      if (catalogue.families[family] === undefined) {
        at(
          [index, 'failed', i],
          `unknown or disabled detector family \`${family}\`${hint(closest(family, families))}`,
        );
      }
    });
    const rule = c.expect.rule;
    if (rule !== undefined && rule !== null && !ruleIds.includes(rule)) {
      at([index, 'expect', 'rule'], `the policy has no rule \`${rule}\`${hint(closest(rule, ruleIds))}`);
    }
    cases.push(c);
  });
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new PolicyFileError(name, sortProblems(problems));
  return { cases, positions, warnings: problems };
}

/** Rule ids a case may expect: the policy's rules and the `global.*` ids of the kill switch and block lists. */
export function expectableRuleIds(policy: CompiledPolicy): string[] {
  return [
    ...policy.document.rules.map((r) => r.id),
    'global.block_all',
    'global.blocked_apps',
    'global.blocked_users',
    'global.blocked_groups',
    'global.blocked_keys',
    'global.blocked_models',
    'global.blocked_providers',
  ];
}

/** The outcome of one case. */
export interface CaseResult {
  name: string;
  line: number;
  column: number;
  passed: boolean;
  expected: { action: string; rule?: string | null };
  actual: Decision;
}

export interface RunCasesOptions {
  policy: CompiledPolicy;
  config: Config;
  /** The configured detectors, for cases with an `input` text (built only when a case needs them). */
  detectors: () => Promise<readonly Detector[]>;
}

/** Evaluates every case against the policy. */
export async function runPolicyCases(parsed: PolicyCases, options: RunCasesOptions): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  let detectors: readonly Detector[] | null = null;
  for (const [index, c] of parsed.cases.entries()) {
    const natural: SegmentSource = c.direction === 'input' ? 'user' : 'completion';
    const segments: Segment[] = [];
    const findings: Finding[] = [];
    const failures: DetectorFailure[] = [];
    if (c.input !== undefined && c.input !== '') {
      detectors ??= await options.detectors();
      segments.push({ index: 0, source: natural, path: 'input', text: c.input });
      const found = await runDetectors(
        detectors,
        segments,
        c.direction,
        options.config.inspection.detector_budget_ms,
      );
      findings.push(...found.findings);
      failures.push(...found.failures);
    }
    for (const f of c.findings) {
      // Each explicit finding gets a segment of its own (its source) and a span, so `redact` rules apply.
      const segment = segments.length;
      segments.push({
        index: segment,
        source: f.source ?? natural,
        path: `findings[${segment}]`,
        text: f.type,
      });
      findings.push({
        family: f.family,
        type: f.type,
        score: f.score,
        segment,
        span: { start: 0, end: f.type.length },
        detector: 'policy-test',
      });
    }
    for (const family of c.failed) {
      failures.push({
        detector: family,
        family,
        reason: 'error',
        message: 'marked as failed by the test case',
      });
    }
    const resolved = c.model === undefined ? null : resolveModel(options.config, c.model);
    const input: DecisionInput = {
      direction: c.direction,
      principal: {
        keyId: c.key ?? null,
        user: c.user ?? null,
        groups: c.groups,
        app: c.app ?? null,
        models: null,
        via: c.key === undefined ? 'trusted-header' : 'key',
      },
      model: c.model ?? '',
      provider: c.provider ?? resolved?.provider ?? '',
      stream: c.stream,
      modelTags: resolved?.tags ?? [],
      hasTools: c.has_tools,
      language: c.language?.toLowerCase() ?? null,
      segmentSources: segments.map((s) => s.source),
      acknowledged: c.acknowledged,
      approved: c.approved,
      findings,
      failures,
      now: new Date(c.now),
    };
    const actual = options.policy.evaluate(input);
    const expectRule = c.expect.rule;
    const passed =
      actual.action === c.expect.action &&
      (expectRule === undefined || (actual.ruleId ?? null) === expectRule);
    const pos = parsed.positions[index]!;
    results.push({
      name: c.name,
      line: pos.line,
      column: pos.column,
      passed,
      expected: { action: c.expect.action, ...(expectRule === undefined ? {} : { rule: expectRule }) },
      actual,
    });
  }
  return results;
}

/** `block by rule \`x\``, `allow (policy default)`. */
export function describeOutcome(action: string, rule: string | null | undefined): string {
  if (rule === undefined) return action;
  return rule === null ? `${action} (policy default)` : `${action} by rule \`${rule}\``;
}

function hint(suggestion: string | null): string {
  return suggestion === null ? '' : `; did you mean \`${suggestion}\`?`;
}

function isIsoTime(value: string): boolean {
  if (value.length < 10 || value[4] !== '-' || value[7] !== '-') return false;
  return !Number.isNaN(Date.parse(value));
}

function sortProblems(problems: LocatedProblem[]): LocatedProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}
