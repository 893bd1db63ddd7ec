// Child processes of the benchmark: starting servers (optionally pinned to CPUs), waiting until they
// answer, reading their resident memory, and stopping them.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { availableParallelism } from 'node:os';
import { hasCommand, pinPrefix } from './load-generator.ts';

/** Which CPUs each side of the benchmark runs on; empty lists mean "not pinned". */
export interface CpuPlan {
  /** The gateway under test (Parapet or Portkey). */
  readonly gateway: readonly number[];
  /** The load generator, the time-to-first-token client and the mock upstream. */
  readonly load: readonly number[];
  /** Human-readable description for the report. */
  readonly description: string;
}

/**
 * Splits the machine: with two or more CPUs and `taskset` available, the gateway under test gets CPU 0
 * and the load generator, TTFT client and mock upstream share the others, so the load never steals the
 * gateway's core. With one CPU, without taskset, or when `pin` is false, nothing is pinned.
 */
export function planCpus(pin: boolean, cpuCount = availableParallelism()): CpuPlan {
  if (!pin) return { gateway: [], load: [], description: 'not pinned (--no-pin)' };
  if (cpuCount < 2) return { gateway: [], load: [], description: 'not pinned (1 CPU)' };
  if (!hasCommand('taskset')) return { gateway: [], load: [], description: 'not pinned (taskset not found)' };
  const load = Array.from({ length: cpuCount - 1 }, (_, i) => i + 1);
  const loadList = load.length === 1 ? `${load[0]}` : `${load[0]}-${load[load.length - 1]}`;
  return {
    gateway: [0],
    load,
    description:
      `taskset: gateway under test on CPU 0; load generator, TTFT client, mock upstream and the ` +
      `benchmark process on CPU ${loadList}`,
  };
}

/** A server process started by the benchmark. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Last lines the process wrote to stdout and stderr (kept short; for start-up diagnostics). */
  readonly tail: () => string;
  /** Whether the process has exited. */
  readonly exited: () => boolean;
  /** SIGTERM, then SIGKILL after two seconds; resolves once it exited. */
  readonly stop: () => Promise<void>;
}

/** Options of {@link startProcess}. */
export interface StartProcessOptions {
  readonly name: string;
  readonly command: readonly string[];
  readonly cpus?: readonly number[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

const TAIL_CHARS = 2000;

/** Spawns a long-running process (through `taskset` when CPUs are given) and keeps a short output tail. */
export function startProcess(options: StartProcessOptions): ManagedProcess {
  const full = [...pinPrefix(options.cpus), ...options.command];
  const child: ChildProcess = spawn(full[0]!, full.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
  });
  let output = '';
  const keep = (part: Buffer): void => {
    output = (output + part.toString('utf8')).slice(-TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let hasExited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      hasExited = true;
      resolve();
    });
    child.once('error', (error) => {
      hasExited = true;
      output += `\n${error.message}`;
      resolve();
    });
  });
  return {
    name: options.name,
    pid: child.pid ?? -1,
    tail: () => output,
    exited: () => hasExited,
    stop: async () => {
      if (hasExited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}

/** Resident set size of a process in MB, from `/proc/PID/status` (`VmRSS`); `NaN` when unavailable. */
export function readRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Options of {@link waitUntilReady}. */
export interface WaitOptions {
  /** Probe run repeatedly; resolves `true` once the target answers correctly. */
  readonly probe: () => Promise<boolean>;
  readonly timeoutMs: number;
  /** The process being waited on; waiting ends early when it exits. */
  readonly process?: ManagedProcess;
}

/** Polls `probe` every 100 ms until it succeeds (true), the process exits or the timeout passes (false). */
export async function waitUntilReady(options: WaitOptions): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (options.process?.exited()) return false;
    try {
      if (await options.probe()) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** Whether a TCP port on 127.0.0.1 already accepts connections (someone else is using it). */
export async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
