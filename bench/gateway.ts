// `npm run bench:gateway`: the gateway overhead benchmark. Starts the mock upstream, Parapet (no
// detectors) and Portkey's open-source gateway as separate processes, drives them with wrk (or autocannon)
// from another process, measures time to first token and Parapet's memory, prints a table (or JSON with
// --json) and prepends a dated section to bench/RESULTS.md. See bench/README.md.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { detectLoadTool, hasCommand, type LoadTool, pinPrefix, startLoad } from './load-generator.ts';
import { SERVED_PATH } from './mock-upstream.ts';
import { planCpus, readRssMb } from './processes.ts';
import {
  type BenchReport,
  checkTargets,
  formatMarkdownSection,
  formatText,
  type LoadRun,
  type MachineInfo,
  type Mode,
  prependResultsSection,
  type RssSample,
  type RunSettings,
  summariseLoad,
  summariseMemory,
  summariseTtft,
  throughputRatio,
} from './report.ts';
import {
  type BenchPorts,
  DEFAULT_PORTS,
  isTarget,
  type SkippedTarget,
  startDirect,
  startParapet,
  startPortkey,
  type Target,
  type TargetName,
} from './targets.ts';
import type { TtftResult } from './ttft-client.ts';
import { buildChatBody } from './workload.ts';

const BENCH_DIR = import.meta.dirname;
const WORK_DIR = join(BENCH_DIR, '.work');
const RESULTS_PATH = join(BENCH_DIR, 'RESULTS.md');

/** Command-line options, as data (see `--help`). */
const OPTIONS = {
  duration: { type: 'string', default: '8', description: 'seconds per load run' },
  repeats: { type: 'string', default: '3', description: 'interleaved repeats per cell' },
  concurrency: { type: 'string', default: '1,10,50', description: 'comma-separated connection counts' },
  'ttft-requests': { type: 'string', default: '600', description: 'measured streams per target for TTFT' },
  'memory-requests': { type: 'string', default: '100000', description: 'requests sent through Parapet' },
  'memory-every': { type: 'string', default: '10000', description: 'RSS sampling interval in requests' },
  'memory-target': {
    type: 'string',
    default: 'parapet',
    description: 'process whose RSS is sampled: parapet, portkey or direct',
  },
  tool: { type: 'string', default: 'auto', description: 'wrk, autocannon or auto (wrk when installed)' },
  quick: { type: 'boolean', default: false, description: 'smoke run: 1 s runs, 1 repeat, small TTFT/memory' },
  json: { type: 'boolean', default: false, description: 'print the report as JSON instead of a table' },
  'no-pin': { type: 'boolean', default: false, description: 'do not pin processes to CPUs' },
  write: { type: 'boolean', default: false, description: 'write RESULTS.md even with --quick' },
  'no-write': { type: 'boolean', default: false, description: 'do not write RESULTS.md' },
  'skip-parapet': { type: 'boolean', default: false, description: 'measure direct and Portkey only' },
  'skip-portkey': { type: 'boolean', default: false, description: 'measure direct and Parapet only' },
  'mock-port': { type: 'string', default: String(DEFAULT_PORTS.mock), description: 'mock upstream port' },
  'parapet-port': { type: 'string', default: String(DEFAULT_PORTS.parapet), description: 'Parapet port' },
  'portkey-port': { type: 'string', default: String(DEFAULT_PORTS.portkey), description: 'Portkey port' },
  help: { type: 'boolean', default: false, description: 'show this help' },
} as const;

interface Settings extends RunSettings {
  readonly json: boolean;
  readonly write: boolean;
  readonly skipParapet: boolean;
  readonly skipPortkey: boolean;
  readonly pin: boolean;
  readonly ports: BenchPorts;
  readonly memoryTarget: TargetName;
}

function positiveInt(name: string, raw: string, min = 1): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`option --${name} must be an integer ≥ ${min}, got \`${raw}\``);
  return value;
}

function usage(): string {
  const lines = ['Usage: npm run bench:gateway -- [options]', ''];
  for (const [name, spec] of Object.entries(OPTIONS)) {
    const value = spec.type === 'string' ? ` <${spec.default}>` : '';
    lines.push(`  --${name}${value}`.padEnd(30) + spec.description);
  }
  return lines.join('\n');
}

function parseSettings(argv: string[]): Settings | undefined {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    console.log(usage());
    return undefined;
  }
  const quick = values.quick;
  const given = (name: string) => argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  const pick = (name: keyof typeof OPTIONS, quickValue: string): string =>
    quick && !given(name) ? quickValue : (values[name] as string);
  const tool = values.tool;
  if (tool !== 'auto' && tool !== 'wrk' && tool !== 'autocannon') {
    throw new Error(`option --tool must be wrk, autocannon or auto, got \`${tool}\``);
  }
  const resolvedTool: LoadTool = detectLoadTool(tool === 'auto' ? undefined : tool);
  if (tool === 'wrk' && resolvedTool !== 'wrk')
    throw new Error('`wrk` is not installed, install it or pass --tool autocannon');
  const memoryTarget = values['memory-target'];
  if (memoryTarget !== 'parapet' && memoryTarget !== 'portkey' && memoryTarget !== 'direct') {
    throw new Error(`option --memory-target must be parapet, portkey or direct, got \`${memoryTarget}\``);
  }
  const concurrencies = values.concurrency.split(',').map((c) => positiveInt('concurrency', c.trim()));
  const pin = !values['no-pin'];
  return {
    quick,
    tool: resolvedTool,
    pin,
    pinning: planCpus(pin).description,
    durationSeconds: positiveInt('duration', pick('duration', '1')),
    repeats: positiveInt('repeats', pick('repeats', '1')),
    concurrencies,
    ttftRequests: positiveInt('ttft-requests', pick('ttft-requests', '50')),
    memoryRequests: positiveInt('memory-requests', pick('memory-requests', '10000')),
    memoryEvery: positiveInt('memory-every', pick('memory-every', '1000')),
    json: values.json,
    write: !values['no-write'] && (!quick || values.write),
    memoryTarget,
    skipParapet: values['skip-parapet'],
    skipPortkey: values['skip-portkey'],
    ports: {
      mock: positiveInt('mock-port', values['mock-port']),
      parapet: positiveInt('parapet-port', values['parapet-port']),
      portkey: positiveInt('portkey-port', values['portkey-port']),
    },
  };
}

function machineInfo(): MachineInfo {
  let cpuModel = 'unknown CPU';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) cpuModel = match[1].trim();
  } catch {
    // not Linux
  }
  return {
    nproc: availableParallelism(),
    cpuModel,
    node: process.version,
    platform: `${process.platform} ${release()}`,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    loadAverageStart: loadavg()[0]!,
    loadAverageEnd: Number.NaN,
  };
}

const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function runTtftClient(
  target: Target,
  count: number,
  warmup: number,
  cpus: readonly number[],
): Promise<TtftResult> {
  const command = [
    ...pinPrefix(cpus),
    process.execPath,
    '--import',
    'tsx',
    join(BENCH_DIR, 'ttft-client.ts'),
    '--url',
    target.url,
    '--count',
    String(count),
    '--warmup',
    String(warmup),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BENCH_TTFT_HEADERS: JSON.stringify(target.headers) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (part: string) => {
      stdout += part;
    });
    child.stderr.setEncoding('utf8').on('data', (part: string) => {
      stderr += part;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      try {
        resolve(JSON.parse(stdout) as TtftResult);
      } catch {
        reject(new Error(`the TTFT client exited with code ${code}: ${stderr.trim().slice(-300)}`));
      }
    });
  });
}

async function servedCount(mockPort: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${mockPort}${SERVED_PATH}`);
  return Number(await response.text());
}

/** Sends `settings.memoryRequests` requests through `target`, sampling its RSS every `settings.memoryEvery`. */
async function measureMemory(
  target: Target,
  settings: Settings,
  loadCpus: readonly number[],
  connections: number,
): Promise<RssSample[]> {
  const samples: RssSample[] = [{ requests: 0, rssMb: readRssMb(target.process.pid) }];
  const base = await servedCount(settings.ports.mock);
  // Long enough for any realistic rate; stopped as soon as the last sample is taken.
  const load = startLoad({
    tool: settings.tool,
    request: {
      url: target.url,
      headers: { 'content-type': 'application/json', ...target.headers },
      body: buildChatBody(false),
    },
    connections,
    durationSeconds: 3600,
    cpus: loadCpus,
    workDir: WORK_DIR,
  });
  load.result.catch(() => undefined);
  let next = settings.memoryEvery;
  let lastProgress = Date.now();
  let lastServed = 0;
  try {
    while (next <= settings.memoryRequests) {
      await sleep(10);
      const served = (await servedCount(settings.ports.mock)) - base;
      if (served !== lastServed) {
        lastServed = served;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress > 30_000) {
        throw new Error(`no progress for 30 s after ${served} requests through ${target.name}`);
      }
      while (served >= next && next <= settings.memoryRequests) {
        samples.push({ requests: next, rssMb: readRssMb(target.process.pid) });
        log(`  memory: ${next} requests, RSS ${samples[samples.length - 1]!.rssMb.toFixed(1)} MB`);
        next += settings.memoryEvery;
      }
    }
  } finally {
    load.stop();
    await load.result.catch(() => undefined);
  }
  return samples;
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  if (!settings) return;
  mkdirSync(WORK_DIR, { recursive: true });
  const machine = machineInfo();
  const cpus = planCpus(settings.pin, machine.nproc);
  if (cpus.load.length > 0) {
    // This process polls the mock during the memory run: keep it off the gateway's CPU too.
    spawnSync('taskset', ['-a', '-p', '-c', cpus.load.join(','), String(process.pid)], { stdio: 'ignore' });
  }
  log(`gateway benchmark: load generator ${settings.tool}; CPU pinning: ${cpus.description}`);
  const toolWhy = hasCommand('wrk') ? 'selected with --tool autocannon' : 'wrk not found, falling back to it';
  if (settings.tool === 'autocannon') log(`  autocannon ${toolWhy}: latencies have 1 ms resolution`);

  const started: Target[] = [];
  const skipped: SkippedTarget[] = [];
  const notes: string[] = [];
  const stopAll = async () => {
    await Promise.all(started.map((t) => t.process.stop()));
    for (const t of started) t.cleanup?.();
    started.length = 0;
  };
  process.once('SIGINT', () => {
    void stopAll().then(() => process.exit(130));
  });

  try {
    const direct = await startDirect(settings.ports.mock, cpus.load);
    started.push(direct);
    log(`  direct: mock upstream pid ${direct.process.pid} on ${direct.url}`);
    for (const start of [
      settings.skipParapet
        ? async (): Promise<SkippedTarget> => ({ name: 'parapet', reason: 'skipped with --skip-parapet' })
        : () => startParapet(settings.ports, cpus.gateway, WORK_DIR),
      settings.skipPortkey
        ? async (): Promise<SkippedTarget> => ({ name: 'portkey', reason: 'skipped with --skip-portkey' })
        : () => startPortkey(settings.ports, cpus.gateway),
    ]) {
      const result = await start();
      if (isTarget(result)) {
        started.push(result);
        log(`  ${result.name}: pid ${result.process.pid} on ${result.url}`);
      } else {
        skipped.push(result);
        log(`  SKIPPED ${result.name}: ${result.reason}`);
      }
    }
    // Both gateways share CPU 0 when pinned, so only the one being measured may be busy: runs are sequential.

    const byName = (name: TargetName) => started.find((t) => t.name === name);
    let memory: ReturnType<typeof summariseMemory> | undefined;
    const memoryTarget = byName(settings.memoryTarget);
    const memoryConnections = Math.max(...settings.concurrencies);
    if (memoryTarget) {
      log(
        `memory: ${settings.memoryRequests} requests through ${memoryTarget.name} at c=${memoryConnections}`,
      );
      try {
        const samples = await measureMemory(memoryTarget, settings, cpus.load, memoryConnections);
        memory = summariseMemory(memoryTarget.name, memoryConnections, samples);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        notes.push(`Memory run failed: ${why}.`);
        log(`  memory run failed: ${why}`);
      }
    } else {
      notes.push(`Memory not measured: ${settings.memoryTarget} is not running.`);
    }

    const modes: Mode[] = ['json', 'stream'];
    const bodies: Record<Mode, string> = { json: buildChatBody(false), stream: buildChatBody(true) };
    const runOne = (target: Target, mode: Mode, connections: number, durationSeconds: number) =>
      startLoad({
        tool: settings.tool,
        request: {
          url: target.url,
          headers: { 'content-type': 'application/json', ...target.headers },
          body: bodies[mode],
        },
        connections,
        durationSeconds,
        cpus: cpus.load,
        workDir: WORK_DIR,
      }).result;

    log('warm-up');
    for (const mode of modes) {
      for (const target of started) await runOne(target, mode, 10, Math.min(2, settings.durationSeconds));
    }

    const runs: LoadRun[] = [];
    for (const mode of modes) {
      for (const connections of settings.concurrencies) {
        for (let repeat = 1; repeat <= settings.repeats; repeat++) {
          for (const target of started) {
            const result = await runOne(target, mode, connections, settings.durationSeconds);
            runs.push({ target: target.name, mode, connections, repeat, result });
            const errors = result.non2xx + result.socketErrors;
            log(
              `  ${mode} c=${connections} #${repeat} ${target.name}: ${result.requestsPerSecond.toFixed(0)} req/s, ` +
                `p50 ${result.p50Ms.toFixed(3)} ms, p99 ${result.p99Ms.toFixed(3)} ms` +
                (errors > 0 ? `, ${errors} errors` : ''),
            );
          }
        }
      }
    }

    log(`time to first token: ${settings.ttftRequests} streams per target at c=1`);
    const rounds = settings.quick ? 1 : 3;
    const perRound = Math.ceil(settings.ttftRequests / rounds);
    const pooled = new Map<TargetName, { ttftMs: number[]; totalMs: number[]; errors: number }>();
    for (let round = 0; round < rounds; round++) {
      for (const target of started) {
        const result = await runTtftClient(target, perRound, settings.quick ? 5 : 20, cpus.load);
        const pool = pooled.get(target.name) ?? { ttftMs: [], totalMs: [], errors: 0 };
        pool.ttftMs.push(...result.ttftMs);
        pool.totalMs.push(...result.totalMs);
        pool.errors += result.errors;
        pooled.set(target.name, pool);
      }
    }

    const load = summariseLoad(runs);
    const ttft = summariseTtft(pooled);
    const highest = Math.max(...settings.concurrencies);
    if (byName('portkey')) {
      notes.push(
        'Portkey waits 25 ms before forwarding the first chunk of every stream (by design, in its stream ' +
          'reader); its streaming latencies and TTFT include that delay.',
      );
    }
    const errorCells = load.filter((c) => c.errors > 0);
    if (errorCells.length > 0) {
      notes.push(
        `Errors (non-2xx or socket) in: ${errorCells.map((c) => `${c.target} ${c.mode} c=${c.connections} (${c.errors})`).join(', ')}.`,
      );
    }
    if (settings.tool === 'autocannon')
      notes.push(`autocannon was used (${toolWhy}): latencies have 1 ms resolution.`);
    const loadAverageEnd = loadavg()[0]!;
    if (machine.loadAverageStart > machine.nproc / 2) {
      notes.push(
        `The machine was busy with other work before the run started (1-minute load average ` +
          `${machine.loadAverageStart.toFixed(2)} on ${machine.nproc} CPUs): expect noisy numbers.`,
      );
    }
    const report: BenchReport = {
      machine: { ...machine, loadAverageEnd },
      settings: {
        quick: settings.quick,
        tool: settings.tool,
        pinning: settings.pinning,
        durationSeconds: settings.durationSeconds,
        repeats: settings.repeats,
        concurrencies: settings.concurrencies,
        ttftRequests: rounds * perRound,
        memoryRequests: settings.memoryRequests,
        memoryEvery: settings.memoryEvery,
      },
      skipped,
      load,
      throughputRatio: {
        json: throughputRatio(load, 'json', highest),
        stream: throughputRatio(load, 'stream', highest),
      },
      ttft,
      ...(memory ? { memory } : {}),
      targets: checkTargets(load, ttft, memory, settings.concurrencies),
      notes,
      runs,
    };
    writeFileSync(join(WORK_DIR, 'last-run.json'), `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(settings.json ? `${JSON.stringify(report, null, 2)}\n` : formatText(report));
    if (settings.write) {
      prependResultsSection(RESULTS_PATH, formatMarkdownSection(report));
      log(`wrote a section to ${RESULTS_PATH}`);
    }
  } finally {
    await stopAll();
  }
}

try {
  await main();
} catch (error) {
  log(`bench:gateway: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
