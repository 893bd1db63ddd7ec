// The policy benchmark, `npm run bench:policy`: what one evaluation of a realistic 20-rule policy costs
// (the issue's target: ≤ 20 µs p50), and what validating and compiling it costs (once per policy
// version). Each evaluate() call is timed on its own with process.hrtime.bigint() after a warm-up; the
// process pins itself to CPU 0 with taskset when available. Prints a table (or JSON with --json) and
// prepends a dated section to bench/RESULTS.md after a full run.
//
//   npm run bench:policy                   # full run (200,000 timed evaluations per scenario), writes RESULTS.md
//   npm run bench:policy -- --quick        # smoke run, nothing written
//   npm run -s bench:policy -- --json      # machine-readable report on stdout

import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  compilePolicy,
  DEFAULT_TOPICS,
  type DecisionInput,
  type Finding,
  HAZARD_CODES,
  INPUT_ONLY_ACTIONS,
  PII_TYPES,
  type PolicyCatalogue,
  type PolicyDocumentInput,
  PROMPT_ATTACK_TYPES,
  TOXICITY_TYPES,
  validatePolicy,
} from '@parapet/core';
import { check, markdownTable, type TargetCheck } from './detectors-report.ts';
import { prependResultsSection } from './report.ts';
import { percentile } from './stats.ts';

const root = new URL('..', import.meta.url).pathname;

/** The issue's target: policy evaluation adds ≤ 20 µs p50 for a 20-rule policy. */
export const POLICY_TARGETS = { evaluateP50Us: 20 } as const;

/** A 20-rule policy of the kind an organisation writes: detections, groups, destinations, time, any/not. */
export const BENCH_POLICY: PolicyDocumentInput = {
  default: 'allow',
  on_error: { families: { topics: 'allow', toxicity: 'allow' } },
  global: { blocked_apps: ['shadow-*'], blocked_models: ['gpt-3.5*'] },
  groups: ['staff', 'engineering', 'contractors', 'interns', 'clinicians', 'legal-team'],
  rules: [
    { id: 'block-secrets', when: { direction: 'input', detections: { secrets: {} } }, action: 'block' },
    {
      id: 'direct-attacks',
      when: { detections: { prompt_attack: { min_score: 0.8, sources: ['user', 'system'] } } },
      action: 'block',
    },
    {
      id: 'indirect-attacks',
      when: {
        detections: { prompt_attack: { min_score: 0.5, sources: ['tool_result', 'retrieved_document'] } },
      },
      action: 'block',
    },
    {
      id: 'harmful',
      when: {
        detections: { harmful: { categories: ['S1', 'S2', 'S3', 'S4', 'S9', 'S11'], min_score: 0.7 } },
      },
      action: 'block',
    },
    {
      id: 'toxicity-watch',
      when: { detections: { toxicity: { min_score: 0.6 } } },
      action: 'monitor',
      tags: ['toxicity'],
    },
    {
      id: 'redact-pii-for-public-models',
      when: {
        direction: 'input',
        destination: { tags: ['public'] },
        detections: {
          pii: { types: ['EMAIL_ADDRESS', 'PHONE_NUMBER', 'PERSON', 'CREDIT_CARD', 'US_SSN', 'IBAN_CODE'] },
        },
      },
      action: 'redact',
    },
    {
      id: 'mask-identifiers',
      when: { detections: { pii: { types: ['US_SSN', 'CREDIT_CARD', 'IBAN_CODE', 'US_PASSPORT'] } } },
      action: 'redact',
      redact: { mode: 'mask' },
    },
    {
      id: 'legal-stays-private',
      when: {
        destination: { tags: ['public'] },
        detections: { topics: { labels: ['legal'], min_score: 0.6 } },
        not: { groups: ['legal-team'] },
      },
      action: 'route',
      route_to: 'private-llm',
    },
    {
      id: 'health-stays-private',
      when: { detections: { topics: { labels: ['medical', 'mental_health'], min_score: 0.6 } } },
      action: 'route',
      route_to: 'private-llm',
    },
    {
      id: 'contractors-finance-needs-approval',
      when: { groups: ['contractors'], detections: { topics: { labels: ['finance', 'investment'] } } },
      action: 'hold',
      hold: { timeout: '30m' },
    },
    {
      id: 'coach-on-source-code',
      when: { apps: ['chat-web', 'slack-bot'], detections: { code: {} }, not: { groups: ['engineering'] } },
      action: 'warn',
      message: 'Pasting source code into external AI tools needs a reason. Acknowledge to continue.',
    },
    {
      id: 'confidential-stays-inside',
      when: {
        destination: { providers: ['openai', 'anthropic'] },
        detections: { confidential: { types: ['CONFIDENTIAL', 'TRADE_SECRET', 'PRIVILEGED'] } },
      },
      action: 'block',
    },
    {
      id: 'after-hours',
      when: { time: { between: ['20:00', '07:00'], timezone: 'Europe/Berlin' } },
      action: 'monitor',
      tags: ['after-hours'],
    },
    {
      id: 'no-contractors-at-weekends',
      when: { groups: ['contractors'], time: { days: ['sat', 'sun'], timezone: 'Europe/Berlin' } },
      action: 'block',
    },
    { id: 'interns-no-agents', when: { groups: ['interns'], has_tools: true }, action: 'block' },
    { id: 'bulk-personal-data', when: { detections: { pii: { min_count: 12 } } }, action: 'hold' },
    {
      id: 'customer-data',
      when: {
        any: [{ detections: { topics: { labels: ['customer_data'] } } }, { detections: { dictionary: {} } }],
        not: { apps: ['crm-*'] },
      },
      action: 'monitor',
      tags: ['customer-data'],
    },
    {
      id: 'approved-models-only',
      when: { not: { destination: { models: ['gpt-4o*', 'claude-*', 'private-llm'] } } },
      action: 'block',
    },
    {
      id: 'eu-personal-data',
      when: { languages: ['de', 'fr', 'it'], detections: { pii: { min_score: 0.5 } } },
      action: 'monitor',
      tags: ['eu-pii'],
    },
    {
      id: 'leak-in-answers',
      when: { direction: 'output', detections: { pii: { types: ['CREDIT_CARD', 'US_SSN'] } } },
      action: 'redact',
    },
  ],
};

/** What a deployment with the built-in detectors and this model table knows. */
const CATALOGUE: PolicyCatalogue = {
  families: {
    pii: PII_TYPES,
    secrets: null,
    prompt_attack: PROMPT_ATTACK_TYPES,
    harmful: HAZARD_CODES,
    toxicity: TOXICITY_TYPES,
    topics: DEFAULT_TOPICS.map((t) => t.id),
    code: null,
    confidential: null,
    dictionary: null,
  },
  models: ['gpt-4o-mini', 'gpt-4o', 'claude-sonnet', 'private-llm'],
  providers: ['openai', 'anthropic', 'local-vllm'],
  tags: ['public', 'private'],
  groups: [],
};

function f(
  family: string,
  type: string,
  score: number,
  segment: number,
  start: number,
  end: number,
): Finding {
  return { family, type, score, segment, span: { start, end }, detector: `${family}.bench` };
}

/**
 * A German-speaking engineer on chat-web asks gpt-4o-mini about an HR matter with names, e-mail addresses
 * and a phone number in the prompt, on a Tuesday morning: ten findings, no rule decides, so every input
 * rule is evaluated (the slowest ordinary path) and the outcome is a redaction.
 */
export const BENCH_INPUT: DecisionInput = {
  direction: 'input',
  principal: {
    keyId: 'key_7f3a',
    user: 'jana.schmidt@example.com',
    groups: ['staff', 'engineering'],
    app: 'chat-web',
    models: null,
    via: 'key',
  },
  model: 'gpt-4o-mini',
  provider: 'openai',
  stream: true,
  modelTags: ['public'],
  hasTools: false,
  language: 'de',
  segmentSources: ['system', 'user', 'assistant', 'user'],
  findings: [
    f('pii', 'PERSON', 0.86, 1, 14, 27),
    f('pii', 'EMAIL_ADDRESS', 0.99, 1, 40, 64),
    f('pii', 'PHONE_NUMBER', 0.93, 1, 80, 96),
    f('pii', 'PERSON', 0.74, 3, 5, 16),
    f('pii', 'EMAIL_ADDRESS', 0.99, 3, 30, 52),
    f('pii', 'LOCATION', 0.62, 3, 60, 66),
    { family: 'topics', type: 'hr', score: 0.81, segment: null, span: null, detector: 'topics.bench' },
    { family: 'topics', type: 'legal', score: 0.41, segment: null, span: null, detector: 'topics.bench' },
    f('toxicity', 'TOXIC', 0.08, 3, 0, 120),
    f('prompt_attack', 'CLASSIFIER', 0.12, 3, 0, 120),
  ],
  failures: [],
  now: new Date('2026-03-03T09:30:00Z'),
};

/** The same interaction's answer: output direction, with a card number in it. */
const BENCH_OUTPUT: DecisionInput = {
  ...BENCH_INPUT,
  direction: 'output',
  segmentSources: ['completion'],
  findings: [
    f('pii', 'PERSON', 0.86, 0, 10, 23),
    f('pii', 'EMAIL_ADDRESS', 0.99, 0, 50, 74),
    f('pii', 'CREDIT_CARD', 0.97, 0, 90, 109),
    { family: 'topics', type: 'hr', score: 0.77, segment: null, span: null, detector: 'topics.bench' },
  ],
};

/** Percentiles of one series, in the unit its field name says (`evaluateUs`, `compileMs`). */
interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
}

interface Scenario {
  name: string;
  outcome: string;
  rulesEvaluated: number;
  evaluateUs: Summary;
}

interface PolicyReport {
  date: string;
  quick: boolean;
  machine: ReturnType<typeof machineInfo>;
  pinning: string;
  rules: number;
  findings: number;
  warmup: number;
  iterations: number;
  timerOverheadNs: number;
  firstCompileMs: number;
  validateMs: Summary;
  compileMs: Summary;
  scenarios: Scenario[];
  checks: TargetCheck[];
  notes: string[];
}

function summarize(samples: Float64Array, scale: number): Summary {
  const values = Array.from(samples, (v) => v * scale);
  let sum = 0;
  for (const v of values) sum += v;
  return {
    n: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    mean: sum / values.length,
  };
}

/** Times `run` once per sample, in nanoseconds. */
function timeEach(count: number, run: () => unknown): Float64Array {
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    run();
    samples[i] = Number(process.hrtime.bigint() - start);
  }
  return samples;
}

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

function machineInfo(loadStart: number) {
  // Read before pinning (under taskset, nproc counts the one CPU the process may use).
  const nproc =
    Number(process.env['PARAPET_BENCH_NPROC']) ||
    Number(spawnSync('nproc', { encoding: 'utf8' }).stdout?.trim()) ||
    availableParallelism();
  return {
    nproc,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${process.platform} ${release()}`,
    loadStart,
    loadEnd: loadavg()[0] ?? 0,
  };
}

function measure(quick: boolean, pinned: boolean): PolicyReport {
  const loadStart = loadavg()[0] ?? 0;
  const iterations = quick ? 20_000 : 200_000;
  const warmup = quick ? 5_000 : 50_000;
  const compileRuns = quick ? 50 : 500;

  progress('validate and compile');
  const checked = validatePolicy(BENCH_POLICY, CATALOGUE);
  const errors = checked.issues.filter((i) => i.severity === 'error');
  if (checked.policy === null || errors.length > 0) {
    throw new Error(
      `the benchmark policy is invalid: ${errors.map((e) => `${e.path.join('.')}: ${e.message}`).join('; ')}`,
    );
  }
  const document = checked.policy;
  const firstStart = process.hrtime.bigint();
  compilePolicy(document);
  const firstCompileMs = Number(process.hrtime.bigint() - firstStart) / 1e6;
  const validateNs = timeEach(compileRuns, () => validatePolicy(BENCH_POLICY, CATALOGUE));
  const compileNs = timeEach(compileRuns, () => compilePolicy(document));
  const compiled = compilePolicy(document);

  // The same policy without its two time-window rules: what the time windows cost (Intl formatting).
  const untimed = compilePolicy({
    ...document,
    rules: document.rules.filter((r) => r.when.time === undefined),
  });

  const timerNs = timeEach(100_000, () => 0);
  const scenarios: Scenario[] = [];
  for (const [name, input, policy] of [
    ['input: 10 findings, no rule decides', BENCH_INPUT, compiled],
    ['output: 4 findings', BENCH_OUTPUT, compiled],
    ['input, the 18 rules without time windows', BENCH_INPUT, untimed],
  ] as const) {
    const decision = policy.evaluate(input);
    progress(`[${name}] warm-up ${warmup}, then ${iterations} timed evaluations`);
    timeEach(warmup, () => policy.evaluate(input));
    const samples = timeEach(iterations, () => policy.evaluate(input));
    const redactions = decision.redactions?.map((r) => `${r.ruleId} (${r.mode})`).join(', ');
    scenarios.push({
      name,
      outcome: `${decision.action}${decision.ruleId === null ? '' : ` by ${decision.ruleId}`}${redactions ? `; redactions: ${redactions}` : ''}${decision.tags.length > 0 ? `; tags: ${decision.tags.join(', ')}` : ''}`,
      rulesEvaluated: policy.document.rules.filter((r) => {
        const d = r.when.direction;
        const inDirection =
          d === undefined || d === input.direction || (Array.isArray(d) && d.includes(input.direction));
        return inDirection && !(input.direction === 'output' && INPUT_ONLY_ACTIONS.has(r.action));
      }).length,
      evaluateUs: summarize(samples, 1e-3),
    });
  }

  const notes: string[] = [];
  if (quick) notes.push('Quick smoke run: few samples; numbers are indicative only.');
  const machine = machineInfo(loadStart);
  if (machine.loadStart > machine.nproc / 2)
    notes.push(
      `The machine was busy before the run (1-minute load average ${machine.loadStart.toFixed(2)}): expect noisy numbers.`,
    );
  const main = scenarios[0]!.evaluateUs;
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    quick,
    machine,
    pinning: pinned ? 'The benchmark process is pinned to CPU 0 (`taskset -c 0`)' : 'No CPU pinning',
    rules: document.rules.length,
    findings: BENCH_INPUT.findings.length,
    warmup,
    iterations,
    timerOverheadNs: percentile(Array.from(timerNs), 50),
    firstCompileMs,
    validateMs: summarize(validateNs, 1e-6),
    compileMs: summarize(compileNs, 1e-6),
    scenarios,
    checks: [
      check('evaluate(), 20-rule policy, 10 findings, p50', main.p50, POLICY_TARGETS.evaluateP50Us, 'µs'),
    ],
    notes,
  };
}

const fmt = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : '-');

/** The plain report (stdout without --json; the body of the RESULTS.md section). */
export function formatReport(r: PolicyReport): string {
  const m = r.machine;
  const lines = [
    `Machine: ${m.nproc} CPU (\`nproc\`), ${m.cpu}, node ${m.node}, ${m.os}; 1-minute load average ${m.loadStart.toFixed(2)} at start, ${m.loadEnd.toFixed(2)} at end. ${r.pinning}.`,
    '',
    `A ${r.rules}-rule policy (\`BENCH_POLICY\` in bench/policy.ts: secrets, direct and indirect attacks, harmful categories, toxicity, PII redaction for public models, identifier masking, routing by topic, a contractors hold, a coaching warn, confidential markers by provider, two time windows, groups, has_tools, min_count, any/not, a model allow-list, languages), validated against the built-in detector catalogue. Each \`evaluate()\` call is timed alone with \`process.hrtime.bigint()\` (timer overhead, included: ${fmt(r.timerOverheadNs, 0)} ns p50) over ${r.iterations.toLocaleString('en-US')} calls after ${r.warmup.toLocaleString('en-US')} warm-up calls.`,
    '',
    markdownTable(
      ['scenario', 'rules evaluated', 'outcome', 'p50 µs', 'p99 µs', 'mean µs'],
      r.scenarios.map((s) => [
        s.name,
        String(s.rulesEvaluated),
        s.outcome,
        fmt(s.evaluateUs.p50),
        fmt(s.evaluateUs.p99),
        fmt(s.evaluateUs.mean),
      ]),
      [1, 3, 4, 5],
    ),
    '',
    `Once per policy version: \`validatePolicy()\` p50 ${fmt(r.validateMs.p50, 3)} ms (p99 ${fmt(r.validateMs.p99, 3)} ms), \`compilePolicy()\` p50 ${fmt(r.compileMs.p50, 3)} ms (p99 ${fmt(r.compileMs.p99, 3)} ms), over ${r.compileMs.n} runs each; the first compilation of the process took ${fmt(r.firstCompileMs, 3)} ms.`,
    '',
    markdownTable(
      ['target', 'goal', 'measured', 'verdict'],
      r.checks.map((c) => [c.name, c.goal, c.measured, c.verdict]),
      [3],
    ),
  ];
  if (r.notes.length > 0) lines.push('', ...r.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

function main(): void {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      'no-pin': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('npm run bench:policy -- [--quick] [--json] [--write|--no-write] [--no-pin]\n');
    return;
  }
  const pinned = process.env['PARAPET_BENCH_PINNED'] === '1';
  if (!pinned && !values['no-pin'] && spawnSync('taskset', ['-c', '0', 'true']).status === 0) {
    // Run again pinned to CPU 0, so the measured process has one core to itself as in the other benchmarks.
    const child = spawnSync(
      'taskset',
      ['-c', '0', process.execPath, ...process.execArgv, process.argv[1]!, ...process.argv.slice(2)],
      {
        stdio: 'inherit',
        env: { ...process.env, PARAPET_BENCH_PINNED: '1', PARAPET_BENCH_NPROC: String(machineInfo(0).nproc) },
      },
    );
    process.exitCode = child.status ?? 1;
    return;
  }
  const report = measure(values.quick, pinned);
  const body = formatReport(report);
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${body}\n`);
  const write = values.write || (!values.quick && !values['no-write']);
  if (write) {
    const title = `## Policy evaluation — ${report.date}${report.quick ? ' (quick smoke run)' : ''}`;
    prependResultsSection(
      join(root, 'bench', 'RESULTS.md'),
      `${title}\n\nProduced by \`npm run bench:policy\`.\n\n${body}`,
    );
    progress('bench/RESULTS.md updated');
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
