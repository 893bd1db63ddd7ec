// The Protection II part of the detector benchmark (`npm run bench:detectors`): Parapet's prompt_attack,
// harmful, toxicity and topics detectors, alone and as the whole default stack, side by side with the
// offline attack checks of the local JavaScript peers (vard, llm_guardrail, hai-guardrails), on the same
// texts built at run time from ../shared/datasets. Each measurement runs in its own worker process
// (bench/detectors-worker.ts --suite attack); this module drives them and formats the report. The worker
// runner is passed in, so the formatting and scoring stay pure.

import { ATTACK_TARGET_IDS, PEERS_WITHOUT_OFFLINE_ATTACK_CHECK } from './detector-peers/index.ts';
import { peerVersion } from './detector-peers/load.ts';
import { ATTACK_SLICES, type AttackSlice } from './detectors-data.ts';
import {
  check,
  type LatencySummary,
  markdownTable,
  ms,
  pct,
  summarize,
  type TargetCheck,
  throughputMBps,
  verdictsAndNotes,
} from './detectors-report.ts';

/** The latency targets for the whole default detector stack on a 1 KB prompt (issue 4, "Speed"). */
export const STACK_TARGETS = { promptP50Ms: 0.5, promptP99Ms: 2 } as const;

/** The target whose speed the verdict rows check. */
export const STACK_TARGET_ID = 'parapet-default-stack';

/** A worker run: the last JSON line of a successful run, or why it failed (never throws). */
export type WorkerResult = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string };
/** Starts one worker process with these arguments (pinned, with `--expose-gc` when asked). */
export type WorkerRunner = (args: readonly string[], options: { gc?: boolean }) => Promise<WorkerResult>;

/** Report of one Protection II target. */
export interface AttackTargetReport {
  id: string;
  label: string;
  status: 'ok' | 'skipped';
  reason?: string;
  checks: string[];
  notes: string[];
  speed?: { prompt: LatencySummary; promptMBps: number; parts: Record<string, LatencySummary> };
  /** Per slice: records scored, and per verdict row how many were flagged. */
  quality?: { totals: Record<string, number>; flagged: Record<string, Record<string, number>> };
  memory?: { rssMB: number; deltaMB: number };
  /** Connections the target tried to open (each was blocked). */
  networkAttempts: string[];
}

/** The Protection II part of a benchmark report. */
export interface AttackSuiteReport {
  baselineRssMB: number | null;
  slices: readonly AttackSlice[];
  targets: AttackTargetReport[];
  /** Peers named by the issue with no offline check to run, and why. */
  notRun: { label: string; reason: string }[];
  checks: TargetCheck[];
  notes: string[];
}

const MB = 1024 * 1024;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** How each Protection II target is run (the settings a reader needs to trust the comparison). */
export const ATTACK_NOTES: readonly string[] = [
  'Parapet: one `scan()` per text with the default stack (every built-in detector but dictionary and fingerprint, which need data from the deployment: the set a deployment runs when its config names no detector), each family flagged at the default threshold 0.5 as in `npm run quality`; no content-hash cache (the gateway has one; it would turn repeated prompts into cache hits). Its quality rows come from the whole stack (the detectors are independent, so each family alone flags the same texts); the families-alone rows are speed only. `topics` labels texts and never flags.',
  'vard: `safeParse` with its default `moderate` preset (threshold 0.7): flagged = blocked. That preset only sanitizes delimiter injection and encoding (the text passes, changed) and blocks any input over 10,000 characters as an instruction override (some jailbreak-llms-wild prompts are that long). The `strict` row: threshold 0.5, every threat type blocks.',
  'llm_guardrail: `checkAll` runs its three TF-IDF + logistic-regression models shipped as JSON (injection, jailbreak, malicious; threshold 0.5 each, from the model files). `checkMalicious` is its nearest harmful-request check.',
  'hai-guardrails: `injectionGuard` and `leakageGuard` in `pattern` mode (regular-expression lists; score 1 on a match, threshold 0.5). Its `language-model` mode and its toxic, hate-speech, profanity, bias, adult-content and copyright guards need an LLM and are not run.',
  'Every worker process blocks network connections (node:net, so `fetch` too) and reports any attempt; a peer that needed the network would fail or show its attempts here.',
  "Quality is on the report split (ids ending in an odd digit) of each set, so notinject's rate here is on half of it (the quality gate scores that evaluation-only set whole).",
];

function toStderr(message: string): void {
  process.stderr.write(`${message}\n`);
}

function attempts(value: Record<string, unknown>): string[] {
  const a = value['networkAttempts'];
  return Array.isArray(a) ? a.map(String) : [];
}

async function measureAttackTarget(
  id: string,
  run: WorkerRunner,
  common: readonly string[],
  baselineRss: number | null,
  progress: (message: string) => void,
): Promise<AttackTargetReport> {
  const args = (phase: string) => ['--suite', 'attack', '--target', id, '--phase', phase, ...common];
  progress(`[${id}] speed`);
  const speed = await run(args('speed'), {});
  if (!speed.ok)
    return {
      id,
      label: id,
      status: 'skipped',
      reason: speed.reason,
      checks: [],
      notes: [],
      networkAttempts: [],
    };
  const s = speed.value as {
    label: string;
    checks: string[];
    notes: string[];
    hasQuality: boolean;
    promptMs: number[];
    promptBytes: number;
    partMs: Record<string, number[]>;
  };
  const report: AttackTargetReport = {
    id,
    label: s.label,
    status: 'ok',
    checks: s.checks,
    notes: s.notes,
    speed: {
      prompt: summarize(s.promptMs),
      promptMBps: throughputMBps(s.promptBytes, sum(s.promptMs)),
      parts: Object.fromEntries(Object.entries(s.partMs).map(([k, v]) => [k, summarize(v)])),
    },
    networkAttempts: attempts(speed.value),
  };
  if (s.hasQuality) {
    progress(`[${id}] quality`);
    const quality = await run(args('quality'), {});
    if (quality.ok) {
      const q = quality.value as {
        totals: Record<string, number>;
        flagged: Record<string, Record<string, number>>;
      };
      report.quality = { totals: q.totals, flagged: q.flagged };
      report.networkAttempts.push(...attempts(quality.value));
    } else report.reason = `quality phase failed: ${quality.reason}`;
  }
  progress(`[${id}] memory`);
  const memory = await run(args('memory'), { gc: true });
  if (memory.ok) {
    const rss = (memory.value as { rssBytes: number }).rssBytes;
    report.memory = {
      rssMB: rss / MB,
      deltaMB: baselineRss === null ? Number.NaN : (rss - baselineRss) / MB,
    };
    report.networkAttempts.push(...attempts(memory.value));
  }
  report.networkAttempts = [...new Set(report.networkAttempts)];
  return report;
}

/** The issue-4 latency targets, checked on the whole default stack's measurement. */
export function checkStackTargets(stack: AttackTargetReport | undefined): TargetCheck[] {
  const sp = stack?.status === 'ok' ? stack.speed : undefined;
  const name = 'whole default stack, 1 KB prompt';
  return [
    check(`${name}, p50`, sp?.prompt.p50 ?? Number.NaN, STACK_TARGETS.promptP50Ms, 'ms'),
    check(`${name}, p99`, sp?.prompt.p99 ?? Number.NaN, STACK_TARGETS.promptP99Ms, 'ms'),
  ];
}

/**
 * Runs the Protection II targets in `ids` (in report order), each phase in its own worker process;
 * progress lines go to `progress` (stderr by default).
 */
export async function measureAttackSuite(
  ids: readonly string[],
  run: WorkerRunner,
  common: readonly string[],
  quick: boolean,
  progress: (message: string) => void = toStderr,
): Promise<AttackSuiteReport> {
  progress('baseline memory (Protection II inputs)');
  const baseline = await run(['--suite', 'attack', '--phase', 'baseline', ...common], { gc: true });
  const baselineRss = baseline.ok ? (baseline.value as { rssBytes: number }).rssBytes : null;
  const targets: AttackTargetReport[] = [];
  for (const id of ATTACK_TARGET_IDS.filter((t) => ids.includes(t)))
    targets.push(await measureAttackTarget(id, run, common, baselineRss, progress));
  const notes: string[] = [];
  if (!baseline.ok)
    notes.push(`Protection II baseline process failed (${baseline.reason}): no memory deltas`);
  for (const t of targets) {
    notes.push(...t.notes);
    if (t.status === 'ok' && t.reason) notes.push(`${t.label}: ${t.reason}`);
    if (t.networkAttempts.length > 0)
      notes.push(
        `${t.label} tried to open network connections (blocked): ${t.networkAttempts.join(', ')}; its numbers are those of a run without them.`,
      );
  }
  if (quick)
    notes.push(
      'Quick smoke run: few samples, at most 40 report-split texts per set; numbers are indicative only.',
    );
  return {
    baselineRssMB: baselineRss === null ? null : baselineRss / MB,
    slices: ATTACK_SLICES,
    targets,
    notRun: PEERS_WITHOUT_OFFLINE_ATTACK_CHECK.map((p) => ({
      label: `${p.pkg} ${peerVersion(p.pkg)}`,
      reason: p.reason,
    })),
    checks: checkStackTargets(targets.find((t) => t.id === STACK_TARGET_ID)),
    notes,
  };
}

/** Share of `slice` flagged by `row` of `t`, `-` when not scored. */
export function rateCell(t: AttackTargetReport, row: string, slice: string): string {
  const total = t.quality?.totals[slice];
  const flagged = t.quality?.flagged[row]?.[slice];
  if (total === undefined || total === 0 || flagged === undefined) return '-';
  return pct(flagged / total);
}

/** The Protection II section of the report (Markdown). */
export function formatAttackReport(r: AttackSuiteReport): string {
  const ok = r.targets.filter((t) => t.status === 'ok');
  const lines: string[] = [];
  lines.push(
    '### Protection II: prompt attacks, harmful requests, toxicity, topics',
    '',
    "1 KB prompts concatenate benign, attack and harmful-request texts of the sets below in turn (seeded, both splits), cut to 1,024 UTF-8 bytes. Latency = one call of the target's whole offline check set on one prompt, awaited, after a warm-up. Memory = RSS after loading and warming, after two GCs, minus a process that built the same prompts and loaded no detector" +
      (r.baselineRssMB === null ? '' : ` (${r.baselineRssMB.toFixed(1)} MB)`) +
      '.',
    '',
  );
  lines.push(
    markdownTable(
      ['target', 'checks', '1 KB p50 ms', '1 KB p99 ms', 'MB/s', 'RSS delta MB'],
      [
        ...r.targets.map((t) =>
          t.status === 'skipped'
            ? [t.label, `SKIPPED: ${t.reason ?? ''}`, '-', '-', '-', '-']
            : [
                t.label,
                t.checks.join('; '),
                ms(t.speed?.prompt.p50),
                ms(t.speed?.prompt.p99),
                (t.speed?.promptMBps ?? Number.NaN).toFixed(1),
                (t.memory?.deltaMB ?? Number.NaN).toFixed(1),
              ],
        ),
        ...r.notRun.map((p) => [p.label, `NOT RUN: ${p.reason}`, '-', '-', '-', '-']),
      ],
      [2, 3, 4, 5],
    ),
    '',
  );
  const withParts = ok.filter((t) => Object.keys(t.speed?.parts ?? {}).length > 0);
  if (withParts.length > 0) {
    lines.push('Each part alone on the same 1 KB prompts (p50 / p99 ms):', '');
    lines.push(
      markdownTable(
        ['target', 'parts'],
        withParts.map((t) => [
          t.label,
          Object.entries(t.speed?.parts ?? {})
            .map(([k, v]) => `${k} ${ms(v.p50)} / ${ms(v.p99)}`)
            .join('; '),
        ]),
      ),
      '',
    );
  }
  const scored = ok.filter((t) => t.quality !== undefined);
  if (scored.length > 0) {
    const totals = scored[0]!.quality!.totals;
    lines.push(
      'Quality — share of texts flagged by each check at its default settings, on the report split: on `attack` and `harmful` sets a true-positive rate (for the check meant for them), on `benign` sets a false-positive rate. n = texts per set.',
      '',
    );
    const rows = scored.flatMap((t) => Object.keys(t.quality!.flagged).map((row) => ({ t, row })));
    lines.push(
      markdownTable(
        ['target: check', ...r.slices.map((s) => `${s.kind}: ${s.key} (n=${totals[s.key] ?? 0})`)],
        rows.map(({ t, row }) => [`${t.label}: ${row}`, ...r.slices.map((s) => rateCell(t, row, s.key))]),
        r.slices.map((_, i) => i + 1),
      ),
      '',
    );
  }
  lines.push(...verdictsAndNotes('target (Parapet, issue 4)', r.checks, [...ATTACK_NOTES, ...r.notes]));
  return lines.join('\n');
}
