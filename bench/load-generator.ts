// Drives HTTP load against one target from a separate process: `wrk` when installed (preferred: C, low
// overhead, microsecond latencies), else the `autocannon` devDependency (Node, millisecond latencies).
import { spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/** The load generators the benchmark knows how to drive. */
export type LoadTool = 'wrk' | 'autocannon';

/** One POST request replayed on every connection. */
export interface LoadRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Options of {@link startLoad}. */
export interface LoadOptions {
  readonly tool: LoadTool;
  readonly request: LoadRequest;
  /** Concurrent keep-alive connections (each has at most one request in flight). */
  readonly connections: number;
  readonly durationSeconds: number;
  /** CPUs the load generator is pinned to with `taskset`; empty or absent: not pinned. */
  readonly cpus?: readonly number[];
  /** Scratch directory for the generated wrk script. */
  readonly workDir: string;
}

/** What one load run measured. Latencies are for complete responses (the whole stream when streaming). */
export interface LoadResult {
  readonly tool: LoadTool;
  readonly connections: number;
  /** Completed responses (any status). */
  readonly requests: number;
  readonly durationSeconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Responses whose status was not 2xx. */
  readonly non2xx: number;
  /** Connect, read and write errors and timeouts. */
  readonly socketErrors: number;
}

/** A load run in progress. */
export interface RunningLoad {
  /** Settles when the generator exits; rejects when it fails or prints no result. */
  readonly result: Promise<LoadResult>;
  /** Asks the generator to stop early (SIGINT); wrk still prints its result. */
  readonly stop: () => void;
}

const WRK_MARKER = 'PARAPET_BENCH_RESULT ';

/** Whether a command can be run (looked up on PATH). */
export function hasCommand(command: string): boolean {
  const probe = spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
  return probe.status === 0;
}

/** `wrk` when it is on PATH, else `autocannon`; `preferred` forces one (wrk only when installed). */
export function detectLoadTool(preferred?: LoadTool): LoadTool {
  if (preferred === 'autocannon') return 'autocannon';
  return hasCommand('wrk') ? 'wrk' : 'autocannon';
}

/** A Lua long-bracket string literal holding `value` verbatim (no escape processing). */
export function luaLongString(value: string): string {
  let level = 0;
  while (value.includes(`]${'='.repeat(level)}]`)) level++;
  const eq = '='.repeat(level);
  // A newline right after the opening bracket would be dropped by Lua, so never start with one.
  return value.startsWith('\n') ? `"\\n" .. [${eq}[${value}]${eq}]` : `[${eq}[${value}]${eq}]`;
}

/** The wrk Lua script: the POST request, and a `done` hook printing one JSON result line. */
export function buildWrkScript(request: LoadRequest): string {
  const lines = ['wrk.method = "POST"', `wrk.body = ${luaLongString(request.body)}`];
  for (const [name, value] of Object.entries(request.headers)) {
    lines.push(`wrk.headers[ ${luaLongString(name)} ] = ${luaLongString(value)}`);
  }
  lines.push(
    'function done(summary, latency, requests)',
    '  local e = summary.errors',
    `  io.write(string.format('${WRK_MARKER}{"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,` +
      `"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\\n',`,
    '    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),',
    '    e.status, e.connect, e.read, e.write, e.timeout))',
    'end',
  );
  return `${lines.join('\n')}\n`;
}

interface WrkLine {
  requests: number;
  durationUs: number;
  p50Us: number;
  p99Us: number;
  status: number;
  connect: number;
  read: number;
  write: number;
  timeout: number;
}

/** Extracts the result line the generated script prints from wrk's stdout; `undefined` when absent. */
export function parseWrkOutput(stdout: string, connections: number): LoadResult | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(WRK_MARKER));
  if (!line) return undefined;
  const raw = JSON.parse(line.slice(WRK_MARKER.length)) as WrkLine;
  const durationSeconds = raw.durationUs / 1e6;
  return {
    tool: 'wrk',
    connections,
    requests: raw.requests,
    durationSeconds,
    requestsPerSecond: durationSeconds > 0 ? raw.requests / durationSeconds : 0,
    p50Ms: raw.p50Us / 1000,
    p99Ms: raw.p99Us / 1000,
    non2xx: raw.status,
    socketErrors: raw.connect + raw.read + raw.write + raw.timeout,
  };
}

interface AutocannonJson {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  latency: { p50: number; p99: number };
  requests: { total: number };
}

/** Maps autocannon's `--json` output to a {@link LoadResult}; `undefined` when it is not that JSON. */
export function parseAutocannonOutput(stdout: string, connections: number): LoadResult | undefined {
  const start = stdout.indexOf('{');
  if (start < 0) return undefined;
  let raw: AutocannonJson;
  try {
    raw = JSON.parse(stdout.slice(start)) as AutocannonJson;
  } catch {
    return undefined;
  }
  if (typeof raw.duration !== 'number' || !raw.latency || !raw.requests) return undefined;
  return {
    tool: 'autocannon',
    connections,
    requests: raw.requests.total,
    durationSeconds: raw.duration,
    requestsPerSecond: raw.duration > 0 ? raw.requests.total / raw.duration : 0,
    p50Ms: raw.latency.p50,
    p99Ms: raw.latency.p99,
    non2xx: raw.non2xx,
    socketErrors: raw.errors,
  };
}

/** `taskset -c LIST` prefix for a command when CPUs are given and taskset exists, else nothing. */
export function pinPrefix(cpus: readonly number[] | undefined): string[] {
  if (!cpus || cpus.length === 0 || !hasCommand('taskset')) return [];
  return ['taskset', '-c', cpus.join(',')];
}

let scriptCounter = 0;

/** Starts one load run in a child process. */
export function startLoad(options: LoadOptions): RunningLoad {
  const { tool, request, connections } = options;
  const duration = Math.max(1, Math.round(options.durationSeconds));
  let command: string[];
  let scriptPath: string | undefined;
  if (tool === 'wrk') {
    scriptPath = join(options.workDir, `wrk-${process.pid}-${scriptCounter++}.lua`);
    writeFileSync(scriptPath, buildWrkScript(request));
    const cpuCount = options.cpus && options.cpus.length > 0 ? options.cpus.length : availableParallelism();
    const threads = Math.max(1, Math.min(connections, cpuCount));
    command = [
      'wrk',
      `-t${threads}`,
      `-c${connections}`,
      `-d${duration}s`,
      '--timeout',
      '10s',
      '-s',
      scriptPath,
      request.url,
    ];
  } else {
    const require = createRequire(import.meta.url);
    const bin = join(require.resolve('autocannon/package.json'), '..', 'autocannon.js');
    command = [process.execPath, bin, '-c', String(connections), '-d', String(duration), '-m', 'POST'];
    for (const [name, value] of Object.entries(request.headers)) command.push('-H', `${name}=${value}`);
    command.push('-b', request.body, '--json', '-n', request.url);
  }
  const full = [...pinPrefix(options.cpus), ...command];
  const child = spawn(full[0]!, full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (part: string) => {
    stdout += part;
  });
  child.stderr.setEncoding('utf8').on('data', (part: string) => {
    stderr += part;
  });
  const result = new Promise<LoadResult>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`could not start \`${tool}\`: ${error.message}`)));
    child.once('close', (code) => {
      if (scriptPath) rmSync(scriptPath, { force: true });
      const parsed =
        tool === 'wrk' ? parseWrkOutput(stdout, connections) : parseAutocannonOutput(stdout, connections);
      if (parsed) resolve(parsed);
      else
        reject(new Error(`\`${tool}\` exited with code ${code} and no result: ${stderr.trim().slice(-300)}`));
    });
  });
  return {
    result,
    stop: () => {
      if (child.exitCode === null) child.kill('SIGINT');
    },
  };
}

/** Runs one load run to completion. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  return startLoad(options).result;
}
