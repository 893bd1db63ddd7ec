// The three things the benchmark measures, started as separate processes: the mock upstream (called
// directly), Parapet with no detectors, and Portkey's open-source gateway, both routed to the mock.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { MOCK_ANSWER } from './mock-upstream.ts';
import { type ManagedProcess, portInUse, startProcess, waitUntilReady } from './processes.ts';
import { buildChatBody } from './workload.ts';

/** Which system a measurement went through. */
export type TargetName = 'direct' | 'parapet' | 'portkey';

/** A system under test that answers POST /v1/chat/completions. */
export interface Target {
  readonly name: TargetName;
  /** Full URL of the chat completions endpoint. */
  readonly url: string;
  /** Headers every request carries (authentication, routing). */
  readonly headers: Readonly<Record<string, string>>;
  /** The server process (for RSS sampling); for `direct` this is the mock upstream. */
  readonly process: ManagedProcess;
  /** Removes what the target left on disk (Parapet's data directory); call after stopping the process. */
  readonly cleanup?: () => void;
}

/** A target that could not be started, and why (one sentence, no secrets). */
export interface SkippedTarget {
  readonly name: TargetName;
  readonly reason: string;
}

/** Ports the benchmark binds on 127.0.0.1. */
export interface BenchPorts {
  readonly mock: number;
  readonly parapet: number;
  readonly portkey: number;
}

/** Default ports (the mock on 18000 matches the documented Parapet bench config). */
export const DEFAULT_PORTS: BenchPorts = { mock: 18000, parapet: 18787, portkey: 18788 };

/** Sends one request and checks the answer is the mock's (JSON) or a complete SSE stream ending in `[DONE]`. */
export async function probeChat(
  url: string,
  headers: Readonly<Record<string, string>>,
  stream: boolean,
): Promise<{ ok: boolean; detail: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: buildChatBody(stream),
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  if (response.status !== 200) return { ok: false, detail: `status ${response.status}` };
  if (stream) {
    const ok = text.includes('data: [DONE]') && text.includes('"content":"Parapet"');
    return { ok, detail: ok ? 'ok' : 'stream without the expected chunks or without `[DONE]`' };
  }
  const ok = text.includes(MOCK_ANSWER);
  return { ok, detail: ok ? 'ok' : 'body without the mock completion' };
}

const ROOT = join(import.meta.dirname, '..');

async function ensurePortFree(name: string, port: number): Promise<string | undefined> {
  return (await portInUse(port))
    ? `port ${port} for ${name} is already in use, stop what listens there or pass another port`
    : undefined;
}

/** Starts the mock upstream on `cpus`; throws when it does not come up (nothing can be measured then). */
export async function startDirect(port: number, cpus: readonly number[]): Promise<Target> {
  const busy = await ensurePortFree('the mock upstream', port);
  if (busy) throw new Error(busy);
  const proc = startProcess({
    name: 'mock-upstream',
    command: [
      process.execPath,
      '--import',
      'tsx',
      join(ROOT, 'bench', 'mock-upstream.ts'),
      '--port',
      String(port),
    ],
    cpus,
    cwd: ROOT,
  });
  const url = `http://127.0.0.1:${port}/v1/chat/completions`;
  const ready = await waitUntilReady({
    probe: async () => (await probeChat(url, {}, false)).ok,
    timeoutMs: 15_000,
    process: proc,
  });
  if (!ready) {
    await proc.stop();
    throw new Error(`the mock upstream did not start on port ${port}: ${proc.tail().trim().slice(-300)}`);
  }
  return { name: 'direct', url, headers: { authorization: 'Bearer bench' }, process: proc };
}

/** The Parapet configuration the benchmark uses: one OpenAI-type upstream (the mock), no detectors. */
export function parapetConfigYaml(ports: BenchPorts): string {
  return [
    `server: { host: 127.0.0.1, port: ${ports.parapet} }`,
    'upstreams:',
    `  mock: { type: openai, base_url: http://127.0.0.1:${ports.mock}/v1, api_key: bench, models: ["bench-*"] }`,
    'events: { content_mode: encrypted }',
    'detectors: { enabled: false }',
    'logging: { level: warn }',
    '',
  ].join('\n');
}

/** A short diagnosis from a process's output: its first error line, else its last meaningful line. */
export function diagnose(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('Node.js v') && !/^at /.test(l) && l !== '}' && l !== '^');
  const errorLine = lines.find((l) => /\b[A-Za-z]*Error\b/.test(l));
  return (errorLine ?? lines[lines.length - 1] ?? 'no output').slice(0, 240);
}

/**
 * Builds and starts Parapet (`parapet serve` from the `npm run build` bundle) with a fresh data directory and a virtual key created by
 * `parapet keys create`; returns a skip reason instead of throwing when any step fails.
 */
export async function startParapet(
  ports: BenchPorts,
  cpus: readonly number[],
  workDir: string,
): Promise<Target | SkippedTarget> {
  const busy = await ensurePortFree('Parapet', ports.parapet);
  if (busy) return { name: 'parapet', reason: busy };
  // Measure what a deployment runs: the bundle from `npm run build` (plain node, no tsx loader).
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (build.status !== 0) {
    return { name: 'parapet', reason: `the build failed: ${diagnose(build.stderr ?? '')}` };
  }
  const bin = join(ROOT, 'packages', 'server', 'dist', 'parapet.mjs');
  const dataDir = join(workDir, `parapet-data-${Date.now()}`);
  mkdirSync(dataDir, { recursive: true });
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  const configPath = join(workDir, 'parapet-bench.yaml');
  writeFileSync(configPath, parapetConfigYaml(ports));

  const keys = spawnSync(
    process.execPath,
    [bin, 'keys', 'create', '--user', 'bench', '--json', '--data-dir', dataDir],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  let key: string | undefined;
  const jsonStart = keys.stdout?.indexOf('{') ?? -1;
  if (keys.status === 0 && jsonStart >= 0) {
    try {
      const parsed = JSON.parse(keys.stdout.slice(jsonStart)) as { key?: unknown };
      if (typeof parsed.key === 'string' && parsed.key.length > 0) key = parsed.key;
    } catch {
      // reported below
    }
  }
  if (!key) {
    cleanup();
    const why = `${diagnose(keys.stderr ?? '')} (exit code ${keys.status})`;
    return { name: 'parapet', reason: `\`parapet keys create\` failed: ${why}` };
  }

  const proc = startProcess({
    name: 'parapet',
    command: [process.execPath, bin, 'serve', '--config', configPath, '--data-dir', dataDir],
    cpus,
    cwd: ROOT,
  });
  const url = `http://127.0.0.1:${ports.parapet}/v1/chat/completions`;
  const headers = { authorization: `Bearer ${key}` };
  const ready = await waitUntilReady({
    probe: async () => (await probeChat(url, headers, false)).ok,
    timeoutMs: 30_000,
    process: proc,
  });
  if (!ready) {
    await proc.stop();
    cleanup();
    const why = diagnose(proc.tail());
    return {
      name: 'parapet',
      reason: `\`parapet serve\` did not answer a chat completion within 30 s: ${why}`,
    };
  }
  return { name: 'parapet', url, headers, process: proc, cleanup };
}

/**
 * Starts Portkey's open-source gateway (`@portkey-ai/gateway`, `build/start-server.js --headless`) routed
 * to the mock with `x-portkey-provider: openai` and `x-portkey-custom-host`; no guardrails, no cache.
 */
export async function startPortkey(
  ports: BenchPorts,
  cpus: readonly number[],
): Promise<Target | SkippedTarget> {
  const busy = await ensurePortFree('Portkey', ports.portkey);
  if (busy) return { name: 'portkey', reason: busy };
  let entry: string;
  try {
    const require = createRequire(import.meta.url);
    entry = join(require.resolve('@portkey-ai/gateway/package.json'), '..', 'build', 'start-server.js');
  } catch {
    return { name: 'portkey', reason: '`@portkey-ai/gateway` is not installed, run `npm install` first' };
  }
  const proc = startProcess({
    name: 'portkey',
    command: [process.execPath, entry, `--port=${ports.portkey}`, '--headless'],
    cpus,
    cwd: ROOT,
    env: { NODE_ENV: 'production' },
  });
  const url = `http://127.0.0.1:${ports.portkey}/v1/chat/completions`;
  const headers = {
    authorization: 'Bearer bench',
    'x-portkey-provider': 'openai',
    'x-portkey-custom-host': `http://127.0.0.1:${ports.mock}/v1`,
  };
  const ready = await waitUntilReady({
    probe: async () => (await probeChat(url, headers, false)).ok,
    timeoutMs: 30_000,
    process: proc,
  });
  if (!ready) {
    await proc.stop();
    return { name: 'portkey', reason: `Portkey did not start: ${diagnose(proc.tail())}` };
  }
  return { name: 'portkey', url, headers, process: proc };
}

/** Whether a start result is a running target. */
export function isTarget(value: Target | SkippedTarget): value is Target {
  return 'url' in value;
}
