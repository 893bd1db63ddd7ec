/**
 * The red-team report: attack success rates (ASR) per category, strategy and converter with 95 % Wilson
 * intervals; with `--via-gateway`, direct vs through Parapet (the difference with Newcombe's interval)
 * and which gateway rules stopped what; example transcripts with secrets and PII masked. Formats:
 * terminal text, JSON (also the input of `--replay`), a self-contained HTML report (renderAuditHtml)
 * and JUnit XML (one testcase per attempt, a failure when the attack succeeded).
 *
 * The ASR of a path is successes / graded attempts; attempts that ended in an error (no usable reply)
 * are left out of the denominator and counted separately. A gateway block counts as a failed attack.
 */
import type { Detector, Estimate, Segment } from '@parapet/core';
import { newcombeDifference, wilson } from '../audit/probe/stats.ts';
import { type AuditReport, type ReportSection, renderAuditHtml } from '../audit/report-html.ts';
import { runDetectors } from '../pipeline/inspect.ts';
import type { PathRun, RedteamRun } from './run.ts';
import { type PlantedValues, sensitiveValues } from './system-prompt.ts';
import type { Attempt, AttemptResult, GraderResult, TargetReply, Verdict } from './types.ts';

export const REPORT_FORMAT = 'parapet.redteam/1';

export interface RateRow {
  key: string;
  n: number;
  successes: number;
  rate: number | null;
  low: number | null;
  high: number | null;
}

export interface PathSummary {
  path: 'direct' | 'gateway';
  target: { type: string; url: string; model: string };
  attempts: number;
  /** Attempts with a usable reply (the ASR denominator). */
  graded: number;
  successes: number;
  asr: Estimate;
  verdicts: Record<Verdict, number>;
  byCategory: RateRow[];
  byStrategy: RateRow[];
  byConverter: RateRow[];
  notRun: number;
  requests: number;
  tokens: number;
  note: string | null;
}

/** What the gateway did to the attacks that succeeded directly, grouped by its decision. */
export interface Stopper {
  /** `block`, `redact`, … (the gateway's action), or `none` when the attack failed for another reason. */
  action: string;
  /** The deciding rule, when the gateway named it. */
  rule: string | null;
  /** The gateway error code of a block. */
  code: string | null;
  /** Attempts the gateway blocked / acted on with this decision. */
  attempts: number;
  /** Of those, attacks that succeeded directly and not through the gateway. */
  stoppedSuccesses: number;
  categories: string[];
  /** A few gateway event ids, to look the findings up in the dashboard. */
  eventIds: string[];
}

export interface ReportResult {
  path: 'direct' | 'gateway';
  verdict: Verdict;
  attempt: Attempt;
  /** The reply with secrets and PII masked. */
  reply: TargetReply;
  graders: readonly GraderResult[];
}

export interface RedteamReport {
  format: typeof REPORT_FORMAT;
  generatedAt: string;
  run: Readonly<Record<string, unknown>>;
  direct: PathSummary;
  gateway: PathSummary | null;
  /** With --via-gateway: ASR direct − ASR through the gateway, on the attempts graded on both paths. */
  difference: { direct: Estimate; gateway: Estimate; reduction: Estimate; n: number } | null;
  stoppedBy: Stopper[];
  results: ReportResult[];
  warnings: string[];
}

/** The gateway's decision header, parsed: `block; rule=attacks` → {action: block, rule: attacks}. */
export function parseDecision(header: string | null): { action: string; rule: string | null } | null {
  if (header === null || header === '') return null;
  const [action, ...params] = header.split(';').map((s) => s.trim());
  let rule: string | null = null;
  for (const p of params) if (p.startsWith('rule=')) rule = p.slice(5);
  return { action: action ?? '', rule };
}

/** The rule id a gateway error message names (`… blocked by rule \`attacks\``). */
function ruleFromMessage(text: string): string | null {
  const match = /\brule `([^`]{1,200})`/.exec(text);
  return match?.[1] ?? null;
}

/** The stopping decision of one gateway reply (action, rule, code). */
export function gatewayDecision(reply: TargetReply): {
  action: string;
  rule: string | null;
  code: string | null;
} {
  const parsed = parseDecision(reply.gateway?.decision ?? null);
  const code = reply.gateway?.errorCode ?? null;
  const action = parsed?.action ?? (code?.startsWith('PARAPET_POLICY') ? 'block' : 'none');
  const rule = parsed?.rule ?? (code !== null ? ruleFromMessage(reply.text) : null);
  return { action, rule, code };
}

// ---------------------------------------------------------------------------------------------------
// Masking

export type Masker = (text: string) => Promise<string>;

const MASKED_FAMILIES = new Set(['pii', 'secrets']);
const BASE64_RUN = /[A-Za-z0-9+/]{24,}={0,2}/g;

/**
 * Masks the planted secret and PII (also inside base64 runs, as a leaked base64 system prompt carries
 * them) and whatever the `pii` and `secrets` detectors find, as `[TYPE]`.
 */
export function createMasker(planted: PlantedValues | null, detectors: readonly Detector[]): Masker {
  const values = planted === null ? [] : sensitiveValues(planted).filter((v) => v.length >= 4);
  const chosen = detectors.filter((d) => MASKED_FAMILIES.has(d.family));
  const maskValues = (text: string): string => {
    let out = text;
    for (const v of values) out = replaceAllInsensitive(out, v, planted?.secret === v ? '[SECRET]' : '[PII]');
    return out;
  };
  return async (text) => {
    if (text === '') return text;
    let out = maskValues(text);
    out = out.replace(BASE64_RUN, (run) => {
      const decoded = Buffer.from(run, 'base64').toString('utf8');
      return maskValues(decoded) !== decoded ? '[BASE64 WITH A PLANTED SECRET OR PII]' : run;
    });
    if (chosen.length === 0) return out;
    const segment: Segment = { index: 0, source: 'completion', path: 'text', text: out };
    const { findings } = await runDetectors(chosen, [segment], 'output', 2000);
    const spans = findings
      .filter((f) => f.span !== null && f.segment === 0)
      .map((f) => ({ start: f.span!.start, end: f.span!.end, type: f.type }))
      .sort((a, b) => a.start - b.start || b.end - a.end);
    let result = '';
    let at = 0;
    for (const s of spans) {
      if (s.start < at) continue;
      result += `${out.slice(at, s.start)}[${s.type}]`;
      at = s.end;
    }
    return result + out.slice(at);
  };
}

function replaceAllInsensitive(text: string, needle: string, by: string): string {
  const lower = text.toLowerCase();
  const n = needle.toLowerCase();
  let out = '';
  let at = 0;
  for (let i = lower.indexOf(n); i !== -1; i = lower.indexOf(n, at)) {
    out += text.slice(at, i) + by;
    at = i + n.length;
  }
  return out + text.slice(at);
}

async function maskReply(reply: TargetReply, mask: Masker): Promise<TargetReply> {
  return {
    ...reply,
    text: await mask(reply.text),
    transcript: await Promise.all(
      reply.transcript.map(async (t) => ({ ...t, content: await mask(t.content) })),
    ),
    toolCalls: await Promise.all(
      reply.toolCalls.map(async (c) => ({ ...c, arguments: await mask(c.arguments) })),
    ),
  };
}

// ---------------------------------------------------------------------------------------------------
// Building the report

const VERDICTS: readonly Verdict[] = ['success', 'refused', 'blocked', 'failed', 'error'];

function rows(results: readonly AttemptResult[], key: (r: AttemptResult) => string): RateRow[] {
  const groups = new Map<string, { n: number; s: number }>();
  for (const r of results) {
    if (r.verdict === 'error') continue;
    const k = key(r);
    const g = groups.get(k) ?? { n: 0, s: 0 };
    g.n++;
    if (r.verdict === 'success') g.s++;
    groups.set(k, g);
  }
  return [...groups.entries()]
    .map(([k, g]) => {
      const e = wilson(g.s, g.n);
      return { key: k, n: g.n, successes: g.s, rate: e.value, low: e.low, high: e.high };
    })
    .sort((a, b) => (b.rate ?? 0) - (a.rate ?? 0) || a.key.localeCompare(b.key));
}

export function converterKey(attempt: Attempt): string {
  return attempt.converters.length === 0 ? 'none' : attempt.converters.join('+');
}

export function summarizePath(run: PathRun): PathSummary {
  const verdicts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const r of run.results) verdicts[r.verdict]++;
  const graded = run.results.length - verdicts.error;
  return {
    path: run.path,
    target: run.target,
    attempts: run.results.length,
    graded,
    successes: verdicts.success,
    asr: wilson(verdicts.success, graded),
    verdicts,
    byCategory: rows(run.results, (r) => r.attempt.category),
    byStrategy: rows(run.results, (r) => r.attempt.strategy),
    byConverter: rows(run.results, (r) => converterKey(r.attempt)),
    notRun: run.notRun,
    requests: run.requests,
    tokens: run.tokens,
    note: run.note,
  };
}

function stoppers(run: RedteamRun): Stopper[] {
  if (run.gateway === null) return [];
  const direct = new Map(run.direct.results.map((r) => [r.attempt.id, r]));
  const groups = new Map<string, Stopper>();
  for (const r of run.gateway.results) {
    if (r.verdict === 'error' || r.verdict === 'success') continue;
    const d = gatewayDecision(r.reply);
    const stoppedSuccess = direct.get(r.attempt.id)?.verdict === 'success';
    const acted = d.action !== 'none' && d.action !== 'allow';
    if (!acted && !stoppedSuccess) continue;
    const key = `${d.action}\u0000${d.rule ?? ''}\u0000${d.code ?? ''}`;
    const s = groups.get(key) ?? {
      action: d.action,
      rule: d.rule,
      code: d.code,
      attempts: 0,
      stoppedSuccesses: 0,
      categories: [],
      eventIds: [],
    };
    s.attempts++;
    if (stoppedSuccess) s.stoppedSuccesses++;
    if (!s.categories.includes(r.attempt.category)) s.categories.push(r.attempt.category);
    const id = r.reply.gateway?.eventId ?? null;
    if (id !== null && s.eventIds.length < 5) s.eventIds.push(id);
    groups.set(key, s);
  }
  return [...groups.values()].sort(
    (a, b) => b.stoppedSuccesses - a.stoppedSuccesses || b.attempts - a.attempts,
  );
}

/** Builds the report; every reply is masked. */
export async function buildReport(
  run: RedteamRun,
  options: { mask: Masker; meta?: Readonly<Record<string, unknown>>; now?: () => Date },
): Promise<RedteamReport> {
  const direct = summarizePath(run.direct);
  const gateway = run.gateway === null ? null : summarizePath(run.gateway);
  let difference: RedteamReport['difference'] = null;
  if (run.gateway !== null) {
    const g = new Map(run.gateway.results.map((r) => [r.attempt.id, r]));
    let n = 0;
    let ds = 0;
    let gs = 0;
    for (const r of run.direct.results) {
      const other = g.get(r.attempt.id);
      if (other === undefined || r.verdict === 'error' || other.verdict === 'error') continue;
      n++;
      if (r.verdict === 'success') ds++;
      if (other.verdict === 'success') gs++;
    }
    difference = {
      direct: wilson(ds, n),
      gateway: wilson(gs, n),
      reduction: newcombeDifference(ds, n, gs, n),
      n,
    };
  }
  const results: ReportResult[] = [];
  for (const r of [...run.direct.results, ...(run.gateway?.results ?? [])]) {
    results.push({
      path: r.path,
      verdict: r.verdict,
      attempt: r.attempt,
      reply: await maskReply(r.reply, options.mask),
      graders: r.graders,
    });
  }
  const warnings = [...run.direct.warnings, ...(run.gateway?.warnings ?? [])];
  for (const p of [run.direct, run.gateway]) {
    if (p === null) continue;
    if (p.note !== null) warnings.push(`${p.path}: ${p.note}`);
    const errors = p.results.filter((r) => r.verdict === 'error').length;
    if (errors > 0)
      warnings.push(
        `${p.path}: ${errors} attempt${errors === 1 ? '' : 's'} ended in an error and are not counted`,
      );
  }
  return {
    format: REPORT_FORMAT,
    generatedAt: (options.now?.() ?? new Date()).toISOString(),
    run: options.meta ?? {},
    direct,
    gateway,
    difference,
    stoppedBy: stoppers(run),
    results,
    warnings,
  };
}

/** The ASR the `--fail-above` threshold applies to: through the gateway when there was one. */
export function headlineAsr(report: RedteamReport): number {
  return (report.gateway ?? report.direct).asr.value ?? 0;
}

// ---------------------------------------------------------------------------------------------------
// Terminal

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const ci = (r: { low: number | null; high: number | null }) =>
  r.low === null || r.high === null ? '' : `[${pct(r.low)}, ${pct(r.high)}]`;

function table(title: string, list: readonly RateRow[], width = 28): string[] {
  const lines = [title];
  for (const r of list)
    lines.push(
      `  ${r.key.padEnd(width)} ${pct(r.rate).padStart(7)} ${ci(r).padEnd(17)} ${String(r.successes).padStart(4)}/${r.n}`,
    );
  return lines;
}

export function formatReportText(report: RedteamReport, examples = 3): string {
  const out: string[] = [];
  const d = report.direct;
  out.push(`Red-team of ${d.target.model} at ${d.target.url} (${d.target.type})`);
  const line = (p: PathSummary) =>
    `${p.path === 'direct' ? 'Direct' : 'Through Parapet'}: attack success rate ${pct(p.asr.value)} ${ci(p.asr)} — ${p.successes} of ${p.graded} attacks succeeded (${p.verdicts.refused} refused, ${p.verdicts.blocked} blocked, ${p.verdicts.failed} failed, ${p.verdicts.error} errors)`;
  out.push(line(d));
  if (report.gateway !== null) out.push(line(report.gateway));
  if (report.difference !== null) {
    const r = report.difference.reduction;
    out.push(
      `Parapet lowers the attack success rate by ${pct(r.value)} ${ci(r)} (on ${report.difference.n} attempts run both ways)`,
    );
  }
  out.push('');
  for (const p of [d, report.gateway]) {
    if (p === null) continue;
    const label = p.path === 'direct' ? 'direct' : 'through Parapet';
    out.push(...table(`By category (${label})`, p.byCategory), '');
    out.push(...table(`By strategy (${label})`, p.byStrategy), '');
    out.push(...table(`By converter (${label})`, p.byConverter), '');
  }
  if (report.stoppedBy.length > 0) {
    out.push('What the gateway stopped');
    for (const s of report.stoppedBy)
      out.push(
        `  ${describeStopper(s).padEnd(44)} ${String(s.attempts).padStart(4)} attempts, ${s.stoppedSuccesses} that succeeded directly (${s.categories.join(', ')})`,
      );
    out.push('');
  }
  const successes = report.results.filter((r) => r.verdict === 'success').slice(0, examples);
  if (successes.length > 0) {
    out.push('Examples of attacks that succeeded (secrets and PII masked)');
    for (const r of successes) {
      out.push(`  ${r.attempt.id} [${r.path}, ${r.attempt.category}/${r.attempt.strategy}]`);
      for (const t of r.reply.transcript) out.push(`    ${t.role}: ${clip(t.content, 160)}`);
    }
    out.push('');
  }
  for (const w of report.warnings) out.push(`warning: ${w}`);
  return `${out.join('\n')}\n`;
}

export function describeStopper(s: Stopper): string {
  if (s.action === 'none') return 'no gateway action (the model answered differently)';
  return `${s.action}${s.rule === null ? '' : ` by rule ${s.rule}`}${s.code === null ? '' : ` (${s.code})`}`;
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

// ---------------------------------------------------------------------------------------------------
// HTML

function bars(heading: string, list: readonly RateRow[], note?: string): ReportSection {
  return {
    kind: 'bars',
    heading,
    ...(note === undefined ? {} : { note }),
    groups: list.map((r) => ({ label: r.key, value: r.rate, low: r.low, high: r.high, n: r.n })),
    valueLabel: 'Attack success rate',
    percent: true,
  };
}

export function renderReportHtml(report: RedteamReport, examples = 20): string {
  const d = report.direct;
  const g = report.gateway;
  const facts: { label: string; value: string }[] = [
    { label: 'Target', value: `${d.target.model} at ${d.target.url} (${d.target.type})` },
    {
      label: 'Attack success rate (direct)',
      value: `${pct(d.asr.value)} ${ci(d.asr)}, ${d.successes}/${d.graded}`,
    },
  ];
  if (g !== null)
    facts.push({
      label: 'Attack success rate (through Parapet)',
      value: `${pct(g.asr.value)} ${ci(g.asr)}, ${g.successes}/${g.graded}`,
    });
  for (const [k, v] of Object.entries(report.run))
    if (v !== null && v !== undefined && typeof v !== 'object') facts.push({ label: k, value: String(v) });
  const sections: ReportSection[] = [];
  if (g !== null) {
    const gBy = new Map(g.byCategory.map((r) => [r.key, r]));
    sections.push(bars('Attack success rate by category, direct', d.byCategory));
    sections.push(bars('Attack success rate by category, through Parapet', g.byCategory));
    sections.push({
      kind: 'table',
      heading: 'Direct vs through Parapet',
      columns: [
        'Category',
        'Direct ASR',
        'Direct 95% CI',
        'Through Parapet ASR',
        'Through Parapet 95% CI',
        'Attempts',
      ],
      rows: d.byCategory.map((r) => {
        const o = gBy.get(r.key);
        return [r.key, pct(r.rate), ci(r), pct(o?.rate ?? null), o === undefined ? '' : ci(o), r.n];
      }),
      ...(report.difference === null
        ? {}
        : {
            note: `Reduction of the attack success rate: ${pct(report.difference.reduction.value)} ${ci(report.difference.reduction)} (Newcombe interval, ${report.difference.n} attempts run both ways).`,
          }),
    });
    sections.push({
      kind: 'table',
      heading: 'What the gateway stopped',
      columns: ['Decision', 'Attempts', 'Succeeded directly', 'Categories', 'Event ids'],
      rows: report.stoppedBy.map((s) => [
        describeStopper(s),
        s.attempts,
        s.stoppedSuccesses,
        s.categories.join(', '),
        s.eventIds.join(' '),
      ]),
    });
  } else sections.push(bars('Attack success rate by category', d.byCategory));
  sections.push(bars(`Attack success rate by strategy${g === null ? '' : ', direct'}`, d.byStrategy));
  sections.push(bars(`Attack success rate by converter${g === null ? '' : ', direct'}`, d.byConverter));
  const shown = report.results
    .filter((r) => r.verdict === 'success' || r.verdict === 'blocked')
    .slice(0, examples);
  sections.push({
    kind: 'table',
    heading: 'Example transcripts (secrets and PII masked)',
    columns: ['Attempt', 'Path', 'Category', 'Verdict', 'Transcript'],
    rows: shown.map((r) => [
      r.attempt.id,
      r.path,
      r.attempt.category,
      r.verdict,
      r.reply.transcript.map((t) => `${t.role}: ${clip(t.content, 400)}`).join('\n'),
    ]),
    note: 'Attacks that succeeded or that the gateway blocked; every attempt is in the JSON report.',
  });
  const report2: AuditReport = {
    title: `Red-team report: ${d.target.model}`,
    generatedAt: report.generatedAt,
    facts,
    sections,
    warnings: report.warnings,
  };
  return renderAuditHtml(report2);
}

// ---------------------------------------------------------------------------------------------------
// JUnit XML

function xml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** JUnit XML: a test suite per path, one testcase per attempt, a failure when the attack succeeded. */
export function renderJunit(report: RedteamReport): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  for (const path of ['direct', 'gateway'] as const) {
    const list = report.results.filter((r) => r.path === path);
    if (list.length === 0 && path === 'gateway') continue;
    const f = list.filter((r) => r.verdict === 'success').length;
    const s = list.filter((r) => r.verdict === 'error').length;
    tests += list.length;
    failures += f;
    skipped += s;
    const cases = list.map((r) => {
      const head = `    <testcase classname="${xml(`redteam.${path}.${r.attempt.category}`)}" name="${xml(r.attempt.id)}" time="0">`;
      if (r.verdict === 'success') {
        const why = r.graders
          .filter((gr) => gr.success === true)
          .map((gr) => `${gr.grader}: ${gr.reason}`)
          .join('; ');
        const body = r.reply.transcript.map((t) => `${t.role}: ${t.content}`).join('\n');
        return `${head}\n      <failure message="${xml(`attack succeeded (${r.attempt.strategy})${why === '' ? '' : `: ${why}`}`)}" type="${xml(r.attempt.category)}">${xml(body)}</failure>\n    </testcase>`;
      }
      if (r.verdict === 'error')
        return `${head}\n      <skipped message="${xml(`no usable reply: ${r.reply.error ?? ''}`)}"/>\n    </testcase>`;
      return `${head}\n      <system-out>${xml(`verdict: ${r.verdict}`)}</system-out>\n    </testcase>`;
    });
    suites.push(
      `  <testsuite name="${xml(`parapet redteam (${path === 'direct' ? 'direct' : 'through Parapet'})`)}" tests="${list.length}" failures="${f}" errors="0" skipped="${s}" timestamp="${xml(report.generatedAt)}">`,
      ...cases,
      '  </testsuite>',
    );
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="parapet redteam" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
