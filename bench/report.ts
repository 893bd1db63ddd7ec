// Turns the raw measurements of a benchmark run into a report: medians per cell, overhead over the
// direct call, target checks, a plain-text table for stdout and a dated Markdown section for RESULTS.md.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { LoadResult, LoadTool } from './load-generator.ts';
import { lastHalf, median, percentile, slope, slopeStandardError } from './stats.ts';
import type { TargetName } from './targets.ts';

/** Non-streaming (`json`) or streaming (`stream`, SSE) chat completions. */
export type Mode = 'json' | 'stream';

/** One load run as measured. */
export interface LoadRun {
  readonly target: TargetName;
  readonly mode: Mode;
  readonly connections: number;
  readonly repeat: number;
  readonly result: LoadResult;
}

/** Medians over the repeats of one (target, mode, concurrency) cell. */
export interface LoadCell {
  readonly target: TargetName;
  readonly mode: Mode;
  readonly connections: number;
  readonly runs: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Added latency over the direct call (this cell minus the direct cell); 0 for direct itself. */
  readonly overheadP50Ms: number;
  readonly overheadP99Ms: number;
  /** Non-2xx responses plus socket errors, summed over the repeats. */
  readonly errors: number;
}

/** Time to first token of one target at concurrency 1. */
export interface TtftCell {
  readonly target: TargetName;
  readonly requests: number;
  readonly errors: number;
  readonly medianMs: number;
  readonly p99Ms: number;
  /** Median of the whole stream (first byte of the request to `[DONE]`). */
  readonly streamMedianMs: number;
  /** Median minus the direct median. */
  readonly addedMs: number;
}

/** One RSS sample of the gateway during the memory run. */
export interface RssSample {
  readonly requests: number;
  readonly rssMb: number;
}

/** The memory run through Parapet. */
export interface MemoryReport {
  readonly target: TargetName;
  readonly connections: number;
  readonly requests: number;
  readonly samples: readonly RssSample[];
  /** Least-squares slope of RSS over the last half of the samples, in MB per 10,000 requests. */
  readonly lastHalfSlopeMbPer10k: number;
  /** Standard error of that slope (same unit); `NaN` with fewer than three samples in the last half. */
  readonly lastHalfSlopeStdErrMbPer10k: number;
  /**
   * Whether RSS grows: the slope exceeds {@link GROWTH_THRESHOLD_MB_PER_10K} and is more than twice its
   * standard error (so GC noise in flat memory is not called a leak).
   */
  readonly growing: boolean;
  readonly finalRssMb: number;
}

/** A last-half RSS slope above this (MB per 10,000 requests, i.e. ~50 bytes per request) counts as growth. */
export const GROWTH_THRESHOLD_MB_PER_10K = 0.5;

/** A target from the brief, checked against this run. `pass` is `undefined` when it could not be measured. */
export interface TargetCheck {
  readonly name: string;
  readonly goal: string;
  readonly measured: string;
  readonly pass: boolean | undefined;
}

/** Where the run happened. */
export interface MachineInfo {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly platform: string;
  readonly date: string;
  /** 1-minute load average when the run started and when it ended (other work on the machine adds noise). */
  readonly loadAverageStart: number;
  readonly loadAverageEnd: number;
}

/** Settings the run used. */
export interface RunSettings {
  readonly quick: boolean;
  readonly tool: LoadTool;
  readonly pinning: string;
  readonly durationSeconds: number;
  readonly repeats: number;
  readonly concurrencies: readonly number[];
  readonly ttftRequests: number;
  readonly memoryRequests: number;
  readonly memoryEvery: number;
}

/** Everything one benchmark run produced; this is also the `--json` output. */
export interface BenchReport {
  readonly machine: MachineInfo;
  readonly settings: RunSettings;
  readonly skipped: readonly { readonly name: TargetName; readonly reason: string }[];
  readonly load: readonly LoadCell[];
  /** Parapet req/s divided by Portkey req/s at the highest concurrency, per mode (absent if either is missing). */
  readonly throughputRatio: { readonly json?: number; readonly stream?: number };
  readonly ttft: readonly TtftCell[];
  readonly memory?: MemoryReport;
  readonly targets: readonly TargetCheck[];
  readonly notes: readonly string[];
  readonly runs: readonly LoadRun[];
}

/** Groups load runs into cells (medians over repeats) with the overhead over the direct cell. */
export function summariseLoad(runs: readonly LoadRun[]): LoadCell[] {
  const groups = new Map<string, LoadRun[]>();
  for (const run of runs) {
    const key = `${run.mode}|${run.connections}|${run.target}`;
    const list = groups.get(key) ?? [];
    list.push(run);
    groups.set(key, list);
  }
  const base = new Map<string, { p50: number; p99: number }>();
  const cells: Omit<LoadCell, 'overheadP50Ms' | 'overheadP99Ms'>[] = [];
  for (const list of groups.values()) {
    const first = list[0]!;
    const cell = {
      target: first.target,
      mode: first.mode,
      connections: first.connections,
      runs: list.length,
      requestsPerSecond: median(list.map((r) => r.result.requestsPerSecond)),
      p50Ms: median(list.map((r) => r.result.p50Ms)),
      p99Ms: median(list.map((r) => r.result.p99Ms)),
      errors: list.reduce((sum, r) => sum + r.result.non2xx + r.result.socketErrors, 0),
    };
    cells.push(cell);
    if (cell.target === 'direct')
      base.set(`${cell.mode}|${cell.connections}`, { p50: cell.p50Ms, p99: cell.p99Ms });
  }
  const order: Record<TargetName, number> = { direct: 0, parapet: 1, portkey: 2 };
  return cells
    .map((cell) => {
      const direct = base.get(`${cell.mode}|${cell.connections}`);
      return {
        ...cell,
        overheadP50Ms: direct ? cell.p50Ms - direct.p50 : Number.NaN,
        overheadP99Ms: direct ? cell.p99Ms - direct.p99 : Number.NaN,
      };
    })
    .sort(
      (a, b) =>
        (a.mode === b.mode ? 0 : a.mode === 'json' ? -1 : 1) ||
        a.connections - b.connections ||
        order[a.target] - order[b.target],
    );
}

/** Summarises pooled TTFT samples per target; `addedMs` is relative to the direct median. */
export function summariseTtft(
  pooled: ReadonlyMap<TargetName, { ttftMs: number[]; totalMs: number[]; errors: number }>,
): TtftCell[] {
  const direct = pooled.get('direct');
  const directMedian = direct ? median(direct.ttftMs) : Number.NaN;
  const cells: TtftCell[] = [];
  for (const [target, data] of pooled) {
    const medianMs = median(data.ttftMs);
    cells.push({
      target,
      requests: data.ttftMs.length,
      errors: data.errors,
      medianMs,
      p99Ms: percentile(data.ttftMs, 99),
      streamMedianMs: median(data.totalMs),
      addedMs: medianMs - directMedian,
    });
  }
  return cells;
}

/** Builds the memory report from RSS samples (the first sample is taken before any request). */
export function summariseMemory(
  target: TargetName,
  connections: number,
  samples: readonly RssSample[],
): MemoryReport {
  const half = lastHalf(samples);
  const perRequest = slope(half.map((s) => ({ x: s.requests, y: s.rssMb })));
  const perTenThousand = perRequest * 10_000;
  const stdErr = slopeStandardError(half.map((s) => ({ x: s.requests, y: s.rssMb }))) * 10_000;
  const significant = Number.isNaN(stdErr) || perTenThousand > 2 * stdErr;
  const last = samples[samples.length - 1];
  return {
    target,
    connections,
    requests: last?.requests ?? 0,
    samples,
    lastHalfSlopeMbPer10k: perTenThousand,
    lastHalfSlopeStdErrMbPer10k: stdErr,
    growing: Number.isFinite(perTenThousand) && perTenThousand > GROWTH_THRESHOLD_MB_PER_10K && significant,
    finalRssMb: last?.rssMb ?? Number.NaN,
  };
}

function findCell(cells: readonly LoadCell[], target: TargetName, mode: Mode, connections: number) {
  return cells.find((c) => c.target === target && c.mode === mode && c.connections === connections);
}

/** Parapet/Portkey throughput ratio at concurrency `connections` for `mode`; `undefined` if unmeasured. */
export function throughputRatio(
  cells: readonly LoadCell[],
  mode: Mode,
  connections: number,
): number | undefined {
  const parapet = findCell(cells, 'parapet', mode, connections);
  const portkey = findCell(cells, 'portkey', mode, connections);
  if (!parapet || !portkey || portkey.requestsPerSecond <= 0) return undefined;
  return parapet.requestsPerSecond / portkey.requestsPerSecond;
}

const fmt = (value: number | undefined, digits = 2): string =>
  value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);

/** Checks the run against the brief's targets (non-streaming load, c=1 latency and c=50 throughput). */
export function checkTargets(
  cells: readonly LoadCell[],
  ttft: readonly TtftCell[],
  memory: MemoryReport | undefined,
  concurrencies: readonly number[],
): TargetCheck[] {
  const low = Math.min(...concurrencies);
  const high = Math.max(...concurrencies);
  const parapetLow = findCell(cells, 'parapet', 'json', low);
  const ratio = throughputRatio(cells, 'json', high);
  const parapetTtft = ttft.find((t) => t.target === 'parapet');
  // The memory targets are Parapet's; a run sampling another process does not count.
  const rss = memory?.target === 'parapet' ? memory : undefined;
  const maybe = (value: number | undefined, ok: (v: number) => boolean) =>
    value === undefined || !Number.isFinite(value) ? undefined : ok(value);
  return [
    {
      name: `added latency p50, c=${low}`,
      goal: '≤ 0.5 ms',
      measured: `${fmt(parapetLow?.overheadP50Ms, 3)} ms`,
      pass: maybe(parapetLow?.overheadP50Ms, (v) => v <= 0.5),
    },
    {
      name: `added latency p99, c=${low}`,
      goal: '≤ 2 ms',
      measured: `${fmt(parapetLow?.overheadP99Ms, 3)} ms`,
      pass: maybe(parapetLow?.overheadP99Ms, (v) => v <= 2),
    },
    {
      name: `throughput vs Portkey, c=${high}`,
      goal: '≥ 3×',
      measured: `${fmt(ratio)}×`,
      pass: maybe(ratio, (v) => v >= 3),
    },
    {
      name: 'TTFT added (median, c=1)',
      goal: '≤ 1 ms',
      measured: `${fmt(parapetTtft?.addedMs, 3)} ms`,
      pass: maybe(parapetTtft?.addedMs, (v) => v <= 1),
    },
    {
      name: `RSS after ${rss ? rss.requests.toLocaleString('en-US') : 'n/a'} requests`,
      goal: '≤ 150 MB',
      measured: `${fmt(rss?.finalRssMb, 1)} MB`,
      pass: maybe(rss?.finalRssMb, (v) => v <= 150),
    },
    {
      name: 'RSS growth trend (last-half slope)',
      goal: `none (slope ≤ ${GROWTH_THRESHOLD_MB_PER_10K} MB / 10k req or ≤ 2 SE)`,
      measured: `${fmt(rss?.lastHalfSlopeMbPer10k, 3)} ± ${fmt(rss?.lastHalfSlopeStdErrMbPer10k, 3)} MB / 10k req`,
      pass: rss ? maybe(rss.lastHalfSlopeMbPer10k, () => !rss.growing) : undefined,
    },
  ];
}

const verdict = (pass: boolean | undefined): string =>
  pass === undefined ? 'not measured' : pass ? 'PASS' : 'FAIL';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [row(header), row(header.map((_, i) => (i < 3 ? '---' : '---:'))), ...rows.map(row)].join('\n');
}

const LOAD_HEADER = ['mode', 'c', 'target', 'req/s', 'p50 ms', 'p99 ms', '+p50 ms', '+p99 ms', 'errors'];
const loadRows = (cells: readonly LoadCell[]) =>
  cells.map((c) => [
    c.mode,
    String(c.connections),
    c.target,
    fmt(c.requestsPerSecond, 0),
    fmt(c.p50Ms, 3),
    fmt(c.p99Ms, 3),
    c.target === 'direct' ? '-' : fmt(c.overheadP50Ms, 3),
    c.target === 'direct' ? '-' : fmt(c.overheadP99Ms, 3),
    String(c.errors),
  ]);
const TTFT_HEADER = ['target', 'n', 'errors', 'median ms', 'p99 ms', '+median ms', 'stream median ms'];
const ttftRows = (cells: readonly TtftCell[]) =>
  cells.map((t) => [
    t.target,
    String(t.requests),
    String(t.errors),
    fmt(t.medianMs, 3),
    fmt(t.p99Ms, 3),
    t.target === 'direct' ? '-' : fmt(t.addedMs, 3),
    fmt(t.streamMedianMs, 3),
  ]);
const TARGET_HEADER = ['target', 'goal', 'measured', 'verdict'];
const targetRows = (checks: readonly TargetCheck[]) =>
  checks.map((t) => [t.name, t.goal, t.measured, verdict(t.pass)]);

const TARGET_LABEL: Record<TargetName, string> = {
  direct: 'Mock upstream',
  parapet: 'Parapet',
  portkey: 'Portkey',
};

function memoryLine(memory: MemoryReport): string {
  const samples = memory.samples.map((s) => `${s.requests / 1000}k: ${s.rssMb.toFixed(1)}`).join(', ');
  return (
    `${TARGET_LABEL[memory.target]} RSS (MB) at c=${memory.connections}, by requests sent: ${samples}. ` +
    `Last-half slope ${fmt(memory.lastHalfSlopeMbPer10k, 3)} ± ${fmt(memory.lastHalfSlopeStdErrMbPer10k, 3)} ` +
    `(standard error) MB per 10k requests: ` +
    `${memory.growing ? 'growing' : 'no growth trend'}.`
  );
}

function settingsLine(report: BenchReport): string {
  const s = report.settings;
  return (
    `${s.quick ? 'Quick smoke run: load' : 'Load'} with ${s.tool}, ${s.durationSeconds} s per run, ` +
    `${s.repeats} interleaved repeat(s), concurrency ${s.concurrencies.join('/')}, medians over repeats; ` +
    `TTFT over ${s.ttftRequests} requests per target; memory over ${s.memoryRequests.toLocaleString('en-US')} ` +
    `requests sampled every ${s.memoryEvery.toLocaleString('en-US')}. CPU pinning: ${s.pinning}.`
  );
}

/** The human-readable report printed to stdout. */
export function formatText(report: BenchReport): string {
  const m = report.machine;
  const parts = [
    `Gateway benchmark — ${m.date} — ${m.nproc} CPU (${m.cpuModel}), node ${m.node}, ` +
      `load average ${fmt(m.loadAverageStart)} at start, ${fmt(m.loadAverageEnd)} at end`,
    settingsLine(report),
    '',
    'Load (latency is per complete response; for streams, the whole stream). +p50/+p99 = minus direct.',
    table(LOAD_HEADER, loadRows(report.load)),
    '',
    `Throughput Parapet/Portkey at c=${Math.max(...report.settings.concurrencies)}: ` +
      `json ${fmt(report.throughputRatio.json)}×, stream ${fmt(report.throughputRatio.stream)}×`,
    '',
    'Time to first token (streaming, c=1):',
    table(TTFT_HEADER, ttftRows(report.ttft)),
    '',
    report.memory ? memoryLine(report.memory) : 'Memory: not measured.',
    '',
    'Targets:',
    table(TARGET_HEADER, targetRows(report.targets)),
  ];
  for (const s of report.skipped) parts.push('', `SKIPPED ${s.name}: ${s.reason}`);
  if (report.notes.length > 0) parts.push('', 'Notes:', ...report.notes.map((n) => `- ${n}`));
  return `${parts.join('\n')}\n`;
}

/** The dated Markdown section appended (newest first) to RESULTS.md. */
export function formatMarkdownSection(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `## ${m.date}${report.settings.quick ? ' (quick smoke run)' : ''}`,
    '',
    `Machine: ${m.nproc} CPU (\`nproc\`), ${m.cpuModel}, node ${m.node}, ${m.platform}; ` +
      `1-minute load average ${fmt(m.loadAverageStart)} at start, ${fmt(m.loadAverageEnd)} at end.`,
    settingsLine(report),
    '',
  ];
  for (const s of report.skipped) lines.push(`**Skipped ${s.name}:** ${s.reason}`, '');
  lines.push(
    'Load — medians over repeats; latency per complete response (whole stream when streaming); ' +
      '+p50/+p99 = minus direct:',
    '',
    markdownTable(LOAD_HEADER, loadRows(report.load)),
    '',
    `Throughput Parapet/Portkey at c=${Math.max(...report.settings.concurrencies)}: ` +
      `json ${fmt(report.throughputRatio.json)}×, stream ${fmt(report.throughputRatio.stream)}×.`,
    '',
    'Time to first token (streaming, concurrency 1):',
    '',
    markdownTable(TTFT_HEADER, ttftRows(report.ttft)),
    '',
    report.memory ? memoryLine(report.memory) : 'Memory: not measured.',
    '',
    markdownTable(TARGET_HEADER, targetRows(report.targets)),
    '',
  );
  if (report.notes.length > 0) lines.push(...report.notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}

/** Header kept at the top of RESULTS.md. */
export const RESULTS_HEADER =
  '# Gateway benchmark results\n\n' +
  'Produced by `npm run bench:gateway` (see README.md for what each number means). Newest run first; ' +
  'numbers are only comparable within one section (same machine, same run).\n';

/** Inserts `section` after the header of the RESULTS.md at `path` (creating the file when missing). */
export function prependResultsSection(path: string, section: string): void {
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : RESULTS_HEADER;
  const firstSection = existing.search(/^## /m);
  const head = firstSection >= 0 ? existing.slice(0, firstSection) : existing;
  const rest = firstSection >= 0 ? existing.slice(firstSection) : '';
  writeFileSync(path, `${head.trimEnd()}\n\n${section.trimEnd()}\n${rest ? `\n${rest}` : ''}`);
}
