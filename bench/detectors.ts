// The detector benchmark, `npm run bench:detectors`: Parapet's data-security detectors (pii, secrets,
// code, confidential) side by side with local peers (hai-guardrails, @arcjet/redact, @openai/guardrails'
// non-LLM checks), and its Protection II detectors (prompt_attack, harmful, toxicity, topics, alone and
// as the whole default stack) side by side with the peers' offline attack checks (vard, llm_guardrail,
// hai-guardrails; bench/detectors-attack.ts), on the same texts built at run time from ../shared/datasets.
// Every measurement runs in its own process (bench/detectors-worker.ts), pinned to CPU 0 with taskset
// when available. Prints a table (or JSON with --json) and prepends a dated section to bench/RESULTS.md
// after a full run.
//
//   npm run bench:detectors                 # full run (several minutes), writes bench/RESULTS.md
//   npm run bench:detectors -- --quick      # smoke run, nothing written
//   npm run bench:detectors -- --targets parapet-default-stack,vard   # some targets only
//   npm run -s bench:detectors -- --json    # machine-readable report on stdout

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ATTACK_TARGET_IDS, TARGET_IDS } from './detector-peers/index.ts';
import type { TypedSpan } from './detector-peers/spans.ts';
import {
  type AttackSuiteReport,
  formatAttackReport,
  measureAttackSuite,
  type WorkerRunner,
} from './detectors-attack.ts';
import { datasetsDir, ONE_MB } from './detectors-data.ts';
import {
  check,
  type LatencySummary,
  markdownTable,
  ms,
  type PiiQuality,
  type Prf,
  pct,
  scorePii,
  scoreSecrets,
  summarize,
  type TargetCheck,
  throughputMBps,
  verdictsAndNotes,
} from './detectors-report.ts';
import { prependResultsSection } from './report.ts';

const root = new URL('..', import.meta.url).pathname;
const WORKER = join(root, 'bench', 'detectors-worker.ts');
const CHILD_TIMEOUT_MS = 15 * 60 * 1000;

/** The issue's targets for the four data-security detectors together (and each on pathological input). */
export const DETECTOR_TARGETS = {
  promptP50Ms: 0.2,
  promptP99Ms: 1,
  documentMs: 15,
  throughputMBps: 50,
  memoryMB: 100,
  pathologicalMs: 200,
} as const;

interface ChildOk {
  ok: true;
  value: Record<string, unknown>;
}
interface ChildFailed {
  ok: false;
  reason: string;
}

/** Runs one worker measurement in its own process; never throws. */
function runWorker(
  args: readonly string[],
  options: { pin: boolean; gc?: boolean },
): Promise<ChildOk | ChildFailed> {
  const nodeArgs = [...(options.gc ? ['--expose-gc'] : []), '--import', 'tsx', WORKER, ...args];
  const [cmd, cmdArgs] = options.pin
    ? ['taskset', ['-c', '0', process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs as string[], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) {
        resolve({ ok: true, value: JSON.parse(line) as Record<string, unknown> });
        return;
      }
      const lines = err.split('\n').filter((l) => l.trim() !== '' && !l.includes('EBADENGINE'));
      const first = lines.find((l) => /^\w*Error\b/.test(l.trim())) ?? lines[0] ?? '';
      resolve({ ok: false, reason: first.trim() || `worker exited with ${signal ?? `code ${code}`}` });
    });
  });
}

/** Report of one target. */
interface TargetReport {
  id: string;
  label: string;
  status: 'ok' | 'skipped';
  reason?: string;
  checks: string[];
  typeMap: Record<string, string>;
  speed?: {
    prompt: LatencySummary;
    promptMBps: number;
    document: LatencySummary;
    documentMBps: number;
    parts: Record<string, LatencySummary>;
  };
  quality?: {
    pii: PiiQuality | null;
    secrets: (Prf & { records: number }) | null;
    benign: Record<string, { total: number; all: number; pii: number; secrets: number }>;
  };
  memory?: { rssMB: number; deltaMB: number };
  /** Connections the target tried to open in any phase (each was blocked by the worker). */
  networkAttempts?: string[];
}

interface DetectorsReport {
  date: string;
  quick: boolean;
  machine: { nproc: number; cpu: string; node: string; os: string; loadStart: number; loadEnd: number };
  pinning: string;
  datasets: string;
  baselineRssMB: number | null;
  targets: TargetReport[];
  pathological: { length: number; ms: Record<string, Record<string, number>> } | null;
  checks: TargetCheck[];
  notes: string[];
  /** Protection II (prompt attacks, harmful requests, toxicity, topics); null when none of its targets ran. */
  protection2: AttackSuiteReport | null;
}

/** `1 MB` for 2^20 code units, else the size in K code units. */
function sizeLabel(length: number): string {
  return length === ONE_MB ? '1 MB (2^20 UTF-16 code units)' : `${Math.round(length / 1024)} K code units`;
}

/** How each peer is run, for the report (the facts a reader needs to trust a comparison). */
export const PEER_NOTES: readonly string[] = [
  'Peers run offline only, each in its own process, on the same texts: hai-guardrails `piiGuard` + `secretGuard` (regex; its LLM guards are out); @arcjet/redact `redact()` (WebAssembly inlined in the package, built-in entities only; it instantiates the WebAssembly component on every call, which its public API offers no way to avoid); @openai/guardrails `pii`, `secretKeysCheck` and `urls` imported from their own modules (client, agents and LLM checks never loaded).',
  'Spans: Parapet reports offsets; hai-guardrails spans are recovered by aligning its redacted text with the input; Arcjet and OpenAI Guardrails report values, located in the text (every occurrence). PII F1 "all types" counts every presidio-synth-pii type (PERSON, GPE, ORGANIZATION, TITLE, NRP…) as missed when not found, so peers that only match formats score low there by design; "own types" is the fairer comparison.',
  'hai-guardrails starts two piscina worker pools on import whose worker path was fixed at its build; the workers fail to start (errors swallowed by the benchmark, counted in its checks column) and the pools then stay idle.',
  'The OpenAI URL filter flags every URL by default (empty allow list), so its benign rate includes prompts with a link.',
];

/** Row of the pathological table that is ordinary text (shown for scale, not a pathological kind). */
const ORDINARY_KIND = 'ordinary text (dataset mix)';
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const MB = 1024 * 1024;

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function measureTarget(
  id: string,
  common: string[],
  pin: boolean,
  baselineRss: number | null,
): Promise<TargetReport> {
  progress(`[${id}] speed`);
  const speed = await runWorker(['--target', id, '--phase', 'speed', ...common], { pin });
  if (!speed.ok) return { id, label: id, status: 'skipped', reason: speed.reason, checks: [], typeMap: {} };
  const s = speed.value as {
    label: string;
    checks: string[];
    typeMap: Record<string, string>;
    promptMs: number[];
    promptBytes: number;
    documentMs: number[];
    documentBytes: number;
    partMs: Record<string, number[]>;
  };
  const report: TargetReport = {
    id,
    label: s.label,
    status: 'ok',
    checks: s.checks,
    typeMap: s.typeMap,
    speed: {
      prompt: summarize(s.promptMs),
      promptMBps: throughputMBps(s.promptBytes, sum(s.promptMs)),
      document: summarize(s.documentMs),
      documentMBps: throughputMBps(s.documentBytes * s.documentMs.length, sum(s.documentMs)),
      parts: Object.fromEntries(Object.entries(s.partMs).map(([k, v]) => [k, summarize(v)])),
    },
  };
  progress(`[${id}] quality`);
  const quality = await runWorker(['--target', id, '--phase', 'quality', ...common], { pin });
  if (quality.ok) {
    const q = quality.value as {
      piiTypes: string[];
      pii: { gold: TypedSpan[]; predicted: TypedSpan[] }[];
      secrets: { label: boolean; predicted: boolean }[];
      benign: Record<string, { total: number; all: number; pii: number; secrets: number }>;
    };
    report.quality = {
      pii: q.pii.length > 0 ? scorePii(q.pii, q.piiTypes) : null,
      secrets: q.secrets.length > 0 ? { ...scoreSecrets(q.secrets), records: q.secrets.length } : null,
      benign: q.benign,
    };
  } else report.reason = `quality phase failed: ${quality.reason}`;
  progress(`[${id}] memory`);
  const memory = await runWorker(['--target', id, '--phase', 'memory', ...common], { pin, gc: true });
  if (memory.ok) {
    const rss = (memory.value as { rssBytes: number }).rssBytes;
    report.memory = {
      rssMB: rss / MB,
      deltaMB: baselineRss === null ? Number.NaN : (rss - baselineRss) / MB,
    };
  }
  const tried = [speed, quality, memory].flatMap((r) =>
    r.ok && Array.isArray(r.value['networkAttempts'])
      ? (r.value['networkAttempts'] as unknown[]).map(String)
      : [],
  );
  if (tried.length > 0) report.networkAttempts = [...new Set(tried)];
  return report;
}

function machineInfo(loadStart: number) {
  const nproc = Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()) || availableParallelism();
  return {
    nproc,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${process.platform} ${release()}`,
    loadStart,
    loadEnd: loadavg()[0] ?? 0,
  };
}

function hasTaskset(): boolean {
  return spawnSync('taskset', ['-c', '0', 'true']).status === 0;
}

/** The issue's targets, checked on Parapet's measurements. */
function checkTargets(
  parapet: TargetReport | undefined,
  pathological: DetectorsReport['pathological'],
): TargetCheck[] {
  const t = DETECTOR_TARGETS;
  const sp = parapet?.speed;
  const checks = [
    check('all four detectors, 1 KB prompt, p50', sp?.prompt.p50 ?? Number.NaN, t.promptP50Ms, 'ms'),
    check('all four detectors, 1 KB prompt, p99', sp?.prompt.p99 ?? Number.NaN, t.promptP99Ms, 'ms'),
    check('all four detectors, 100 KB document (p50)', sp?.document.p50 ?? Number.NaN, t.documentMs, 'ms'),
    check(
      'throughput, all four detectors (100 KB documents)',
      sp?.documentMBps ?? Number.NaN,
      t.throughputMBps,
      'MB/s',
      {
        atLeast: true,
        digits: 1,
      },
    ),
    check(
      'memory of loaded, warmed detectors (RSS delta)',
      parapet?.memory?.deltaMB ?? Number.NaN,
      t.memoryMB,
      'MB',
      {
        digits: 1,
      },
    ),
  ];
  const size = sizeLabel(pathological?.length ?? ONE_MB);
  for (const [detector, byKind] of Object.entries(pathological?.ms ?? {})) {
    let worst = ['', Number.NaN] as [string, number];
    for (const [kind, value] of Object.entries(byKind)) {
      if (kind === ORDINARY_KIND) continue;
      if (!(value <= worst[1])) worst = [kind, value];
    }
    const c = check(
      `${detector} on ${size} of pathological input (worst kind)`,
      worst[1],
      t.pathologicalMs,
      'ms',
      {
        digits: 1,
      },
    );
    const kinds = Object.entries(byKind).filter(([kind]) => kind !== ORDINARY_KIND);
    const over = kinds.filter(([, value]) => value > t.pathologicalMs).length;
    const detail = over > 0 ? `; ${over} of ${kinds.length} kinds over` : '';
    checks.push({ ...c, measured: `${c.measured} (${worst[0]}${detail})` });
  }
  return checks;
}

/** The plain report (stdout without --json; the body of the RESULTS.md section). */
export function formatReport(r: DetectorsReport): string {
  const busy =
    r.machine.loadStart > r.machine.nproc / 2
      ? ` The machine was busy before the run (1-minute load average above half the CPU count): expect noisy numbers.`
      : '';
  const lines = [
    `Machine: ${r.machine.nproc} CPU (\`nproc\`), ${r.machine.cpu}, node ${r.machine.node}, ${r.machine.os}; 1-minute load average ${r.machine.loadStart.toFixed(2)} at start, ${r.machine.loadEnd.toFixed(2)} at end. ${r.pinning}.${busy}`,
    '',
  ];
  if (r.targets.length > 0) lines.push(formatDataReport(r));
  if (r.protection2 !== null) lines.push(formatAttackReport(r.protection2));
  return lines.join('\n');
}

/** The data-security part of the report (pii, secrets, code, confidential and their peers). */
function formatDataReport(r: DetectorsReport): string {
  const ok = r.targets.filter((t) => t.status === 'ok');
  const lines: string[] = ['### Data security: pii, secrets, code, confidential', ''];
  lines.push(
    "Texts are built at run time from `../shared/datasets` (seeded): 1 KB prompts concatenate oasst1-prompts and presidio-synth-pii texts in turn (cut to 1,024 UTF-8 bytes); the 100 KB document is built the same way. Latency = one call of the target's whole local check set on one text, awaited, after a warm-up; MB/s = bytes of text scanned per second (10^6 bytes) over the 100 KB document runs. Memory = RSS after loading and warming, after two GCs, minus a process that built the same inputs and loaded no detector" +
      (r.baselineRssMB === null ? '' : ` (${r.baselineRssMB.toFixed(1)} MB)`) +
      '. Quality on the report split (ids ending in an odd digit).',
    '',
  );
  lines.push('Speed — whole local check set per text:', '');
  lines.push(
    markdownTable(
      [
        'target',
        'checks',
        '1 KB p50 ms',
        '1 KB p99 ms',
        '100 KB p50 ms',
        '100 KB p99 ms',
        'MB/s',
        'RSS delta MB',
      ],
      r.targets.map((t) =>
        t.status === 'skipped'
          ? [t.label, `SKIPPED: ${t.reason ?? ''}`, '-', '-', '-', '-', '-', '-']
          : [
              t.label,
              t.checks.join('; '),
              ms(t.speed?.prompt.p50),
              ms(t.speed?.prompt.p99),
              ms(t.speed?.document.p50),
              ms(t.speed?.document.p99),
              (t.speed?.documentMBps ?? Number.NaN).toFixed(1),
              (t.memory?.deltaMB ?? Number.NaN).toFixed(1),
            ],
      ),
      [2, 3, 4, 5, 6, 7],
    ),
    '',
  );
  lines.push('Each part alone on the same 1 KB prompts (p50 / p99 ms):', '');
  lines.push(
    markdownTable(
      ['target', 'parts'],
      ok.map((t) => [
        t.label,
        Object.entries(t.speed?.parts ?? {})
          .map(([k, v]) => `${k} ${ms(v.p50)} / ${ms(v.p99)}`)
          .join('; '),
      ]),
    ),
    '',
  );
  lines.push(
    'Quality — PII on presidio-synth-pii (span overlap with the same Presidio type; "own types" = only the dataset types the target can report), secrets on credsweeper-secrets (line level), share of benign prompts flagged by the whole check set (PII check alone in brackets):',
    '',
  );
  const prfCell = (p: Prf | null | undefined) =>
    p === null || p === undefined ? 'n/a' : `${pct(p.precision)} / ${pct(p.recall)} / ${pct(p.f1)}`;
  const benignCell = (t: TargetReport, set: string) => {
    const b = t.quality?.benign[set];
    if (b === undefined || b.total === 0) return '-';
    return `${pct(b.all / b.total)} (${pct(b.pii / b.total)}) of ${b.total}`;
  };
  lines.push(
    markdownTable(
      [
        'target',
        'PII span P / R / F1, all types',
        'PII span F1, own types',
        'PII text P / R / F1',
        'secrets P / R / F1',
        'benign oasst1',
        'benign self-instruct',
      ],
      ok.map((t) => [
        t.label,
        prfCell(t.quality?.pii?.spanAll),
        pct(t.quality?.pii?.spanOwn.f1),
        prfCell(t.quality?.pii?.text),
        prfCell(t.quality?.secrets),
        benignCell(t, 'oasst1-prompts'),
        benignCell(t, 'self-instruct-prompts'),
      ]),
    ),
    '',
  );
  lines.push('Entity names mapped to Presidio names (others kept as they are):', '');
  for (const t of ok) {
    const entries = Object.entries(t.typeMap).map(([k, v]) => `${k} → ${v}`);
    lines.push(`- ${t.label}: ${entries.length === 0 ? 'none' : entries.join(', ')}`);
  }
  lines.push('');
  if (r.pathological !== null) {
    const detectors = Object.keys(r.pathological.ms);
    const kinds = Object.keys(r.pathological.ms[detectors[0] ?? ''] ?? {});
    lines.push(
      `Parapet, each detector alone on ${sizeLabel(r.pathological.length)} of each input (ms, median of repeats; the first row is ordinary text for scale, not part of the verdict):`,
      '',
    );
    lines.push(
      markdownTable(
        ['input', ...detectors],
        kinds.map((k) => [k, ...detectors.map((d) => (r.pathological!.ms[d]?.[k] ?? Number.NaN).toFixed(1))]),
        detectors.map((_, i) => i + 1),
      ),
      '',
    );
  }
  lines.push(...verdictsAndNotes('target (Parapet)', r.checks, [...PEER_NOTES, ...r.notes]));
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      'no-pin': { type: 'boolean', default: false },
      targets: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'npm run bench:detectors -- [--quick] [--json] [--write|--no-write] [--no-pin] [--targets parapet,vard,…]\n' +
        `data-security targets: ${TARGET_IDS.join(', ')}\n` +
        `Protection II targets: ${ATTACK_TARGET_IDS.join(', ')}\n` +
        'default: every target; datasets from PARAPET_DATASETS or ../shared/datasets\n',
    );
    return;
  }
  const dir = datasetsDir(root);
  if (!existsSync(join(dir, 'oasst1-prompts', 'data.jsonl'))) {
    process.stderr.write(`detector benchmark skipped: no datasets at ${dir} (set PARAPET_DATASETS)\n`);
    return;
  }
  const loadStart = loadavg()[0] ?? 0;
  const pin = !values['no-pin'] && hasTaskset();
  const common = ['--datasets', dir, ...(values.quick ? ['--quick'] : [])];
  const known = [...TARGET_IDS, ...ATTACK_TARGET_IDS];
  const wanted = values.targets?.split(',').map((t) => t.trim()) ?? known;
  for (const t of wanted)
    if (!known.includes(t)) throw new Error(`unknown target \`${t}\`; use ${known.join(', ')}`);
  const dataIds = TARGET_IDS.filter((t) => wanted.includes(t));
  const attackIds = ATTACK_TARGET_IDS.filter((t) => wanted.includes(t));

  const targets: TargetReport[] = [];
  let baselineRss: number | null = null;
  let pathological: DetectorsReport['pathological'] = null;
  const notes: string[] = [];
  if (dataIds.length > 0) {
    progress('baseline memory');
    const baseline = await runWorker(['--phase', 'baseline', ...common], { pin, gc: true });
    baselineRss = baseline.ok ? (baseline.value as { rssBytes: number }).rssBytes : null;
    for (const id of dataIds) targets.push(await measureTarget(id, common, pin, baselineRss));
    if (dataIds.includes('parapet')) {
      progress('[parapet] pathological inputs');
      const p = await runWorker(['--target', 'parapet', '--phase', 'pathological', ...common], { pin });
      if (p.ok) pathological = p.value as unknown as NonNullable<DetectorsReport['pathological']>;
      else notes.push(`pathological phase failed: ${p.reason}`);
    }
    if (!baseline.ok) notes.push(`baseline process failed (${baseline.reason}): no memory deltas`);
    for (const t of targets) {
      if (t.status === 'ok' && t.reason) notes.push(`${t.label}: ${t.reason}`);
      if (t.networkAttempts !== undefined)
        notes.push(
          `${t.label} tried to open network connections (blocked): ${t.networkAttempts.join(', ')}.`,
        );
    }
    if (values.quick)
      notes.push('Quick smoke run: few samples, 64 K pathological inputs; numbers are indicative only.');
  }
  const run: WorkerRunner = (args, options) => runWorker(args, { pin, ...options });
  const protection2 =
    attackIds.length > 0 ? await measureAttackSuite(attackIds, run, common, values.quick) : null;
  const machine = machineInfo(loadStart);
  const report: DetectorsReport = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    quick: values.quick,
    machine,
    pinning: pin
      ? 'Every measurement in its own process pinned to CPU 0 (`taskset -c 0`), all its threads included'
      : 'No CPU pinning',
    datasets: dir,
    baselineRssMB: baselineRss === null ? null : baselineRss / MB,
    targets,
    pathological,
    checks: checkTargets(
      targets.find((t) => t.id === 'parapet' && t.status === 'ok'),
      pathological,
    ),
    notes,
    protection2,
  };
  const body = formatReport(report);
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${body}\n`);
  const write = values.write || (!values.quick && !values['no-write']);
  if (write) {
    const title = `## Detectors — ${report.date}${report.quick ? ' (quick smoke run)' : ''}`;
    prependResultsSection(
      join(root, 'bench', 'RESULTS.md'),
      `${title}\n\nProduced by \`npm run bench:detectors\`.\n\n${body}`,
    );
    progress('bench/RESULTS.md updated');
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
