// Time-to-first-token client: sends streaming chat completions one at a time (concurrency 1) and records,
// for each, the time from starting the request to receiving the first SSE chunk with non-empty
// `choices[0].delta.content`. Run as its own process so it never shares an event loop with a server:
// `node --import tsx bench/ttft-client.ts --url URL --count N [--warmup N]`, extra request headers as JSON in
// the BENCH_TTFT_HEADERS environment variable (kept off the command line: it can hold a key); prints one
// JSON line (`TtftResult`) on stdout.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { buildChatBody } from './workload.ts';

/** Options of {@link measureTtft}. */
export interface TtftOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Measured requests. */
  readonly count: number;
  /** Requests sent first and not measured (connection set-up, JIT warm-up). */
  readonly warmup?: number;
}

/** What {@link measureTtft} measured, in milliseconds. */
export interface TtftResult {
  /** Time to first content chunk of every successful measured request, in order. */
  readonly ttftMs: number[];
  /** Time to the end of the stream of the same requests. */
  readonly totalMs: number[];
  /** Requests that failed: non-200 status, no content chunk, no `[DONE]`, or a socket error. */
  readonly errors: number;
}

/**
 * Incremental finder of the first content chunk in an SSE byte stream; tolerant of chunk boundaries
 * anywhere (inside a line, inside a `\r\n`). Returns true from `push` once a content chunk was seen.
 */
export function createFirstContentFinder(): { push: (text: string) => boolean; found: () => boolean } {
  let pending = '';
  let seen = false;
  return {
    found: () => seen,
    push: (text: string) => {
      if (seen) return true;
      pending += text;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline).replace(/\r$/, '');
        pending = pending.slice(newline + 1);
        if (line.startsWith('data:')) {
          const payload = line.slice(5).trim();
          if (payload !== '[DONE]' && payload.length > 0) {
            try {
              const event = JSON.parse(payload) as { choices?: { delta?: { content?: unknown } }[] };
              const content = event.choices?.[0]?.delta?.content;
              if (typeof content === 'string' && content.length > 0) {
                seen = true;
                pending = '';
                return true;
              }
            } catch {
              // not JSON: not a content chunk
            }
          }
        }
        newline = pending.indexOf('\n');
      }
      return false;
    },
  };
}

interface OneResult {
  ok: boolean;
  ttftMs: number;
  totalMs: number;
}

function once(agent: Agent, url: URL, headers: Record<string, string>, body: string): Promise<OneResult> {
  return new Promise((resolve) => {
    const finder = createFirstContentFinder();
    let firstAt = Number.NaN;
    let tail = '';
    const start = performance.now();
    const req = request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          if (Number.isNaN(firstAt) && finder.push(text)) firstAt = performance.now();
          tail = (tail + text).slice(-64);
        });
        res.on('end', () => {
          const end = performance.now();
          const ok = res.statusCode === 200 && !Number.isNaN(firstAt) && tail.includes('[DONE]');
          resolve({ ok, ttftMs: firstAt - start, totalMs: end - start });
        });
        res.on('error', () => resolve({ ok: false, ttftMs: Number.NaN, totalMs: Number.NaN }));
      },
    );
    req.on('error', () => resolve({ ok: false, ttftMs: Number.NaN, totalMs: Number.NaN }));
    req.end(body);
  });
}

/** Sends `warmup + count` streaming requests sequentially over one keep-alive connection. */
export async function measureTtft(options: TtftOptions): Promise<TtftResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(options.url);
  const headers = { 'content-type': 'application/json', ...options.headers };
  const body = buildChatBody(true);
  const ttftMs: number[] = [];
  const totalMs: number[] = [];
  let errors = 0;
  try {
    for (let i = 0; i < (options.warmup ?? 0); i++) await once(agent, url, headers, body);
    for (let i = 0; i < options.count; i++) {
      const result = await once(agent, url, headers, body);
      if (result.ok) {
        ttftMs.push(result.ttftMs);
        totalMs.push(result.totalMs);
      } else {
        errors++;
      }
    }
  } finally {
    agent.destroy();
  }
  return { ttftMs, totalMs, errors };
}

function flag(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const url = flag(argv, '--url');
  const count = Number(flag(argv, '--count') ?? '500');
  const warmup = Number(flag(argv, '--warmup') ?? '20');
  if (!url || !Number.isInteger(count) || count < 1 || !Number.isInteger(warmup) || warmup < 0) {
    console.error('ttft-client: pass --url URL, --count N (N ≥ 1) and optionally --warmup N');
    process.exit(2);
  }
  const headers = JSON.parse(process.env['BENCH_TTFT_HEADERS'] ?? '{}') as Record<string, string>;
  const result = await measureTtft({ url, headers, count, warmup });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
