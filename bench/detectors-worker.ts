// One measurement of the detector benchmark, in its own process (started, and pinned, by
// bench/detectors.ts): `--target <id> --phase speed|quality|memory|pathological`, or `--phase baseline`
// (loads no detector). `--suite attack` measures a Protection II target (prompt attacks, harmful
// requests, toxicity, topics) instead of a data-security one. Builds its inputs from the datasets, prints
// one JSON object on stdout and exits.
// Usage: node --import tsx [--expose-gc] bench/detectors-worker.ts --target parapet --phase speed [--quick]
//        node --import tsx bench/detectors-worker.ts --suite attack --target vard --phase quality [--quick]

import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ATTACK_TARGETS, BENCH_TARGETS } from './detector-peers/index.ts';
import { blockNetwork } from './detector-peers/offline.ts';
import type { TypedSpan } from './detector-peers/spans.ts';
import type { AttackBenchTarget, BenchTarget, TimedTarget } from './detector-peers/types.ts';
import {
  ATTACK_SLICES,
  type AttackSliceKind,
  buildTexts,
  type DatasetRecord,
  datasetsDir,
  isReportSplit,
  loadDataset,
  ONE_MB,
  PATHOLOGICAL_KINDS,
  sliceRecords,
  utf8Bytes,
} from './detectors-data.ts';

/** Sizes of one run (full or quick). */
export interface WorkerSizes {
  prompts: number;
  warmupScans: number;
  measuredScans: number;
  documentWarmups: number;
  documentRuns: number;
  pathologicalLength: number;
  pathologicalRepeats: number;
  /** Protection II quality: at most this many report-split records per slice (quick runs only). */
  attackSliceLimit?: number;
}

/** Full-run and quick-run sizes. */
export const SIZES: Readonly<Record<'full' | 'quick', WorkerSizes>> = {
  full: {
    prompts: 256,
    warmupScans: 3000,
    measuredScans: 10000,
    documentWarmups: 5,
    documentRuns: 40,
    pathologicalLength: ONE_MB,
    pathologicalRepeats: 3,
  },
  quick: {
    prompts: 64,
    warmupScans: 200,
    measuredScans: 500,
    documentWarmups: 1,
    documentRuns: 5,
    pathologicalLength: 64 * 1024,
    pathologicalRepeats: 1,
    attackSliceLimit: 40,
  },
};

const PROMPT_BYTES = 1024;
const DOCUMENT_BYTES = 100 * 1024;
const SEED = 20261127;

/** The inputs every target sees: built the same way (same seed) in every process. */
export interface BenchInputs {
  prompts: string[];
  /** The 100 KB document (data-security suite only). */
  document: string | null;
}

function need(dir: string, name: string): DatasetRecord[] {
  const records = loadDataset(dir, name);
  if (records === null) throw new Error(`dataset \`${name}\` not found under \`${dir}\``);
  return records;
}

/** 1 KB prompts (oasst1-prompts and presidio-synth-pii texts in turn) and a 100 KB document. */
export function buildInputs(dir: string, sizes: WorkerSizes): BenchInputs {
  const oasst = need(dir, 'oasst1-prompts').map((r) => r.text);
  const presidio = need(dir, 'presidio-synth-pii').map((r) => r.text);
  const prompts = buildTexts({
    pools: [oasst, presidio],
    count: sizes.prompts,
    bytes: PROMPT_BYTES,
    seed: SEED,
  });
  const [document] = buildTexts({
    pools: [oasst, presidio],
    count: 1,
    bytes: DOCUMENT_BYTES,
    seed: SEED + 1,
  });
  return { prompts, document: document! };
}

/**
 * 1 KB prompts for the Protection II suite: benign, attack and harmful texts of the Protection II sets
 * (both splits: speed does not score) in turn, concatenated and cut as {@link buildInputs} does.
 */
export function buildAttackInputs(dir: string, sizes: WorkerSizes): BenchInputs {
  const pools: Record<AttackSliceKind, string[]> = { benign: [], attack: [], harmful: [] };
  const cache = new Map<string, DatasetRecord[]>();
  for (const slice of ATTACK_SLICES) {
    const records = cache.get(slice.dataset) ?? need(dir, slice.dataset);
    cache.set(slice.dataset, records);
    for (const r of sliceRecords(records, slice, { reportSplit: false })) pools[slice.kind].push(r.text);
  }
  const prompts = buildTexts({
    pools: [pools.benign, pools.attack, pools.harmful],
    count: sizes.prompts,
    bytes: PROMPT_BYTES,
    seed: SEED,
  });
  return { prompts, document: null };
}

async function timeOnce(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** Latencies of `all` on 1 KB prompts and on the 100 KB document (if any), and per part on the prompts. */
async function speedPhase(target: TimedTarget, inputs: BenchInputs, sizes: WorkerSizes) {
  const { prompts, document } = inputs;
  for (let i = 0; i < sizes.warmupScans; i++) await target.all(prompts[i % prompts.length]!);
  const promptMs: number[] = [];
  let promptBytes = 0;
  for (let i = 0; i < sizes.measuredScans; i++) {
    const text = prompts[i % prompts.length]!;
    promptMs.push(await timeOnce(() => target.all(text)));
    promptBytes += utf8Bytes(text);
  }
  const documentMs: number[] = [];
  if (document !== null) {
    for (let i = 0; i < sizes.documentWarmups; i++) await target.all(document);
    for (let i = 0; i < sizes.documentRuns; i++) documentMs.push(await timeOnce(() => target.all(document)));
  }
  const parts: Record<string, number[]> = {};
  const partRuns = Math.min(sizes.measuredScans, 2000);
  for (const [name, run] of Object.entries(target.parts?.() ?? {})) {
    for (let i = 0; i < Math.min(sizes.warmupScans, 500); i++) await run(prompts[i % prompts.length]!);
    const ms: number[] = [];
    for (let i = 0; i < partRuns; i++) {
      const text = prompts[i % prompts.length]!;
      ms.push(await timeOnce(() => run(text)));
    }
    parts[name] = ms;
  }
  return {
    promptMs,
    promptBytes,
    documentMs,
    documentBytes: document === null ? 0 : utf8Bytes(document),
    partMs: parts,
  };
}

/** Raw predictions on the report split of the quality datasets (the parent scores them). */
async function qualityPhase(target: BenchTarget, dir: string) {
  const pii: { id: string; gold: TypedSpan[]; predicted: TypedSpan[] }[] = [];
  if (target.pii !== undefined) {
    for (const r of need(dir, 'presidio-synth-pii')) {
      if (!isReportSplit(r.id)) continue;
      const gold = (r.spans ?? []).map((s) => ({ start: s.start, end: s.end, type: s.type }));
      pii.push({ id: r.id, gold, predicted: await target.pii(r.text) });
    }
  }
  const secrets: { id: string; label: boolean; predicted: boolean }[] = [];
  if (target.secrets !== undefined) {
    for (const r of need(dir, 'credsweeper-secrets')) {
      if (!isReportSplit(r.id)) continue;
      secrets.push({ id: r.id, label: r.label === 'secret', predicted: await target.secrets(r.text) });
    }
  }
  const benign: Record<string, { total: number; all: number; pii: number; secrets: number }> = {};
  for (const name of ['oasst1-prompts', 'self-instruct-prompts']) {
    const counts = { total: 0, all: 0, pii: 0, secrets: 0 };
    for (const r of need(dir, name)) {
      if (!isReportSplit(r.id)) continue;
      counts.total++;
      if (await target.all(r.text)) counts.all++;
      if (target.pii !== undefined && (await target.pii(r.text)).length > 0) counts.pii++;
      if (target.secrets !== undefined && (await target.secrets(r.text))) counts.secrets++;
    }
    benign[name] = counts;
  }
  return { pii, secrets, benign };
}

/**
 * Protection II quality: for each slice (report split), how many records each of the target's verdict rows
 * flagged. The parent turns the counts into rates (true-positive on attack and harmful sets, false-positive
 * on benign ones).
 */
async function attackQualityPhase(target: AttackBenchTarget, dir: string, sizes: WorkerSizes) {
  const verdicts = target.verdicts;
  if (verdicts === undefined) throw new Error(`target \`${target.id}\` has no quality rows`);
  const totals: Record<string, number> = {};
  const flagged: Record<string, Record<string, number>> = {};
  const cache = new Map<string, DatasetRecord[]>();
  for (const slice of ATTACK_SLICES) {
    const records = cache.get(slice.dataset) ?? need(dir, slice.dataset);
    cache.set(slice.dataset, records);
    const chosen = sliceRecords(records, slice, {
      reportSplit: true,
      ...(sizes.attackSliceLimit === undefined ? {} : { limit: sizes.attackSliceLimit }),
    });
    totals[slice.key] = chosen.length;
    for (const r of chosen) {
      for (const [row, hit] of Object.entries(await verdicts.call(target, r.text))) {
        const byRow = flagged[row] ?? {};
        flagged[row] = byRow;
        byRow[slice.key] = (byRow[slice.key] ?? 0) + (hit ? 1 : 0);
      }
    }
  }
  return { totals, flagged };
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect !== undefined) {
    collect();
    collect();
  }
}

function memory() {
  gc();
  const m = process.memoryUsage();
  return {
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    externalBytes: m.external,
    gcExposed: 'gc' in globalThis,
  };
}

/** Per part, milliseconds of one call on each pathological input (median of the repeats). */
async function pathologicalPhase(target: BenchTarget, inputs: BenchInputs, sizes: WorkerSizes) {
  const parts = target.parts?.() ?? { all: (text: string) => target.all(text) };
  const document = inputs.document ?? inputs.prompts.join('\n\n');
  const ordinary = document.repeat(Math.ceil(sizes.pathologicalLength / document.length));
  const warm = ordinary.slice(0, sizes.pathologicalLength);
  const out: Record<string, Record<string, number>> = {};
  for (const [name, run] of Object.entries(parts)) {
    await run(warm);
    const byKind: Record<string, number> = { 'ordinary text (dataset mix)': await timeOnce(() => run(warm)) };
    for (const [kind, build] of PATHOLOGICAL_KINDS) {
      const text = build(sizes.pathologicalLength);
      const ms: number[] = [];
      for (let i = 0; i < sizes.pathologicalRepeats; i++) ms.push(await timeOnce(() => run(text)));
      ms.sort((a, b) => a - b);
      byKind[kind] = ms[Math.floor(ms.length / 2)]!;
    }
    out[name] = byKind;
  }
  return { length: sizes.pathologicalLength, ms: out };
}

/** Warms the target the way the speed phase does (fewer scans), then reads memory. */
async function memoryPhase(target: TimedTarget, inputs: BenchInputs, sizes: WorkerSizes) {
  for (let i = 0; i < Math.min(sizes.warmupScans, 1000); i++)
    await target.all(inputs.prompts[i % inputs.prompts.length]!);
  if (inputs.document !== null) await target.all(inputs.document);
  return memory();
}

/** One phase of a data-security target. */
async function dataSuite(id: string, phase: string | undefined, dir: string, sizes: WorkerSizes) {
  const factory = BENCH_TARGETS[id];
  if (factory === undefined) throw new Error(`unknown target \`${id}\``);
  const inputs = buildInputs(dir, sizes);
  const target = await factory();
  const info = { target: target.id, label: target.label, checks: target.checks, typeMap: target.typeMap };
  if (phase === 'speed') return { ...info, ...(await speedPhase(target, inputs, sizes)) };
  if (phase === 'quality')
    return { ...info, piiTypes: target.piiTypes, ...(await qualityPhase(target, dir)) };
  if (phase === 'memory') return { ...info, ...(await memoryPhase(target, inputs, sizes)) };
  if (phase === 'pathological') return { ...info, ...(await pathologicalPhase(target, inputs, sizes)) };
  throw new Error(`unknown phase \`${phase}\`; use speed, quality, memory, pathological or baseline`);
}

/** One phase of a Protection II target. */
async function attackSuite(id: string, phase: string | undefined, dir: string, sizes: WorkerSizes) {
  const factory = ATTACK_TARGETS[id];
  if (factory === undefined) throw new Error(`unknown Protection II target \`${id}\``);
  const inputs = buildAttackInputs(dir, sizes);
  const target = await factory();
  const info = {
    target: target.id,
    label: target.label,
    checks: target.checks,
    notes: target.notes ?? [],
    hasQuality: target.verdicts !== undefined,
  };
  if (phase === 'speed') return { ...info, ...(await speedPhase(target, inputs, sizes)) };
  if (phase === 'quality') return { ...info, ...(await attackQualityPhase(target, dir, sizes)) };
  if (phase === 'memory') return { ...info, ...(await memoryPhase(target, inputs, sizes)) };
  throw new Error(`unknown Protection II phase \`${phase}\`; use speed, quality, memory or baseline`);
}

async function main(): Promise<void> {
  // Every measurement runs offline: a peer that tries the network fails here and is reported.
  const network = blockNetwork();
  const { values } = parseArgs({
    options: {
      suite: { type: 'string', default: 'data' },
      target: { type: 'string', default: 'parapet' },
      phase: { type: 'string' },
      quick: { type: 'boolean', default: false },
      datasets: { type: 'string' },
    },
  });
  const root = new URL('..', import.meta.url).pathname;
  const dir = values.datasets ?? datasetsDir(root);
  const sizes = SIZES[values.quick ? 'quick' : 'full'];
  const phase = values.phase;
  if (values.suite !== 'data' && values.suite !== 'attack')
    throw new Error(`unknown suite \`${values.suite}\`; use data or attack`);
  let result: unknown;
  if (phase === 'baseline') {
    // Same inputs in memory as the measured process, no detector loaded.
    const inputs = values.suite === 'attack' ? buildAttackInputs(dir, sizes) : buildInputs(dir, sizes);
    result = { ...memory(), inputs: inputs.prompts.length };
  } else if (values.suite === 'attack') result = await attackSuite(values.target, phase, dir, sizes);
  else result = await dataSuite(values.target, phase, dir, sizes);
  const out = { ...(result as Record<string, unknown>), networkAttempts: [...network] };
  process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0));
}

if (process.argv[1]?.endsWith('detectors-worker.ts'))
  main().catch((err: unknown) => {
    // One line: the parent reports the first line of stderr (a schema error's message is multi-line JSON).
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${message.replace(/\s+/g, ' ').trim().slice(0, 400)}\n`);
    process.exit(1);
  });
