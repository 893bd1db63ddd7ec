/**
 * Runs a list of prompts against a chat endpoint for the bias probes: a fixed number of requests in
 * flight, retries with exponential backoff and jitter (honouring `retry-after`), a budget on requests
 * and tokens, progress on stderr, and resumable runs through an append-only NDJSON results file.
 *
 * The runner does not interpret answers: it returns the raw text per item id, and the probe (bbq.ts,
 * counterfactual.ts) parses and scores. So a results file can be re-scored by a later version of the
 * parser without asking the model again.
 */
import { createHash } from 'node:crypto';
import { type ChatClient, type ChatMessage, ProbeHttpError, UNREACHABLE_CODES } from './client.ts';
import type { ProgressReporter, ProgressState } from './progress.ts';
import { loadResults, type ProbeMeta, type ProbeRecord, ResultsWriter } from './results-file.ts';

/** One prompt to ask. Ids must be unique and stable across runs (they key the results file). */
export interface ProbeItem {
  id: string;
  messages: ChatMessage[];
}

export interface RunOptions {
  client: ChatClient;
  /** Which probe writes the results file (`bbq`, `counterfactual`): a file of another probe is refused. */
  probe: string;
  /** Requests in flight at once; default 4. */
  concurrency?: number;
  /** Retries per item after the first request (429, 5xx, network errors, timeouts); default 5. */
  retries?: number;
  /** Backoff before retry k (0-based): uniformly in [½, 1]·min(maxMs, baseMs·2^k); defaults 500 ms, 30 s. */
  backoff?: { baseMs?: number; maxMs?: number };
  /** A `retry-after` longer than this is cut to it; default 120 s. */
  maxRetryAfterMs?: number;
  /** Stop sending once this many requests (retries included) were sent in this run. */
  maxRequests?: number | null;
  /** Stop sending once the endpoint reported this many tokens (prompt + completion) in this run. */
  maxTokens?: number | null;
  /** NDJSON results file: answers already in it are skipped; new ones are appended as they arrive. */
  out?: string | null;
  /** Extra fields of the run's meta line. */
  meta?: Readonly<Record<string, unknown>>;
  progress?: ProgressReporter | null;
  /** Aborting stops the run: no new requests, requests in flight are cancelled and not recorded. */
  signal?: AbortSignal;
  /** Jitter source; default Math.random. */
  random?: () => number;
  now?: () => Date;
}

/** Why a run ended before every item was answered or failed. */
export type StopReason = 'max-requests' | 'max-tokens' | 'aborted';

export interface RunSummary {
  /** Answered items by id: from the results file and from this run. */
  answers: Map<string, ProbeRecord>;
  /** Items that failed after their retries in this run (or in an earlier run and not asked again). */
  failures: Map<string, ProbeRecord>;
  /** Items answered from the results file without asking. */
  resumed: number;
  /** Items the file answered for a different prompt (asked again). */
  stale: number;
  /** Items neither answered nor failed (the run stopped first). */
  notRun: number;
  requests: number;
  retries: number;
  tokens: number;
  /** Some answers carried no usage, so `maxTokens` could not count them. */
  usageMissing: number;
  stopped: StopReason | null;
  /** A sentence for the user when the run stopped early; null otherwise. */
  note: string | null;
  /** Problems with the results file (corrupt lines). */
  warnings: string[];
}

/** The run cannot go on (wrong key, model or URL; an endpoint that cannot be reached). */
export class ProbeFatalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProbeFatalError';
  }
}

/** A short, stable hash of the exact messages of a prompt. */
export function promptHash(messages: readonly ChatMessage[]): string {
  return createHash('sha256').update(JSON.stringify(messages)).digest('hex').slice(0, 16);
}

/** How many of the first items may fail (without any success) before the run is declared broken. */
const FAIL_FAST_ITEMS = 5;

/** Asks every item (except those the results file answers) and returns the answers. */
export async function runProbe(items: readonly ProbeItem[], options: RunOptions): Promise<RunSummary> {
  const client = options.client;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const maxRetries = Math.max(0, Math.floor(options.retries ?? 5));
  const baseMs = options.backoff?.baseMs ?? 500;
  const maxMs = options.backoff?.maxMs ?? 30_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000;
  const random = options.random ?? Math.random;
  const now = options.now ?? (() => new Date());
  const signal = options.signal;

  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.id)) throw new Error(`probe item id \`${item.id}\` is not unique`);
    seen.add(item.id);
  }

  const summary: RunSummary = {
    answers: new Map(),
    failures: new Map(),
    resumed: 0,
    stale: 0,
    notRun: 0,
    requests: 0,
    retries: 0,
    tokens: 0,
    usageMissing: 0,
    stopped: null,
    note: null,
    warnings: [],
  };

  // Resume from the results file.
  const hashes = new Map(items.map((item) => [item.id, promptHash(item.messages)]));
  let writer: ResultsWriter | null = null;
  const todo: ProbeItem[] = [];
  if (options.out) {
    const loaded = loadResults(options.out);
    const other = loaded.metas.find((m) => m.probe !== options.probe || m.model !== client.model);
    if (other !== undefined) {
      throw new ProbeFatalError(
        `${options.out} holds results of \`${other.probe}\` with model \`${other.model}\`, not \`${options.probe}\` with \`${client.model}\`: give another --out file`,
      );
    }
    if (loaded.corrupt > 0)
      summary.warnings.push(
        `${options.out}: ${loaded.corrupt} unreadable line${loaded.corrupt === 1 ? '' : 's'} ignored`,
      );
    for (const item of items) {
      const previous = loaded.answered.get(item.id);
      if (previous !== undefined && previous.prompt === hashes.get(item.id)) {
        summary.answers.set(item.id, previous);
        summary.resumed++;
      } else {
        if (previous !== undefined) summary.stale++;
        todo.push(item);
      }
    }
    if (summary.stale > 0)
      summary.warnings.push(
        `${summary.stale} answer${summary.stale === 1 ? '' : 's'} in ${options.out} were for a different prompt and were asked again`,
      );
    writer = new ResultsWriter(options.out, loaded.needsNewline);
    const meta: ProbeMeta = {
      type: 'meta',
      probe: options.probe,
      model: client.model,
      endpoint: client.url,
      at: now().toISOString(),
      ...options.meta,
    };
    writer.write(meta);
  } else todo.push(...items);

  const state: ProgressState = {
    total: todo.length,
    resumed: summary.resumed,
    answered: 0,
    failed: 0,
    requests: 0,
    retries: 0,
    tokens: 0,
  };
  const sync = () => {
    state.requests = summary.requests;
    state.retries = summary.retries;
    state.tokens = summary.tokens;
  };
  const progress = options.progress ?? null;

  let next = 0;
  let stopped: StopReason | null = null;
  let fatal: Error | null = null;
  let successes = 0;
  const controller = new AbortController();
  const onAbort = () => {
    stopped ??= 'aborted';
    controller.abort();
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });

  const budgetLeft = (): boolean => {
    if (options.maxRequests != null && summary.requests >= options.maxRequests) {
      stopped ??= 'max-requests';
      return false;
    }
    if (options.maxTokens != null && summary.tokens >= options.maxTokens) {
      stopped ??= 'max-tokens';
      return false;
    }
    return true;
  };

  const record = (line: ProbeRecord) => {
    writer?.write(line);
  };

  /** Asks one item with retries; returns false when the run must stop. */
  const ask = async (item: ProbeItem): Promise<void> => {
    const hash = hashes.get(item.id)!;
    for (let attempt = 0; ; attempt++) {
      if (stopped !== null || fatal !== null || !budgetLeft()) return;
      summary.requests++;
      if (attempt > 0) summary.retries++;
      const started = Date.now();
      try {
        const answer = await client.complete(item.messages, controller.signal);
        if (controller.signal.aborted) return;
        successes++;
        if (answer.usage === null) summary.usageMissing++;
        else summary.tokens += answer.usage.total;
        const line: ProbeRecord = {
          id: item.id,
          prompt: hash,
          answer: answer.text,
          ...(answer.refusal ? { refusal: true } : {}),
          usage: answer.usage,
          model: answer.model,
          finish: answer.finishReason,
          attempts: attempt + 1,
          ms: Date.now() - started,
          at: now().toISOString(),
        };
        summary.answers.set(item.id, line);
        summary.failures.delete(item.id);
        record(line);
        state.answered++;
        return;
      } catch (error) {
        if (controller.signal.aborted) return;
        const http = error instanceof ProbeHttpError ? error : null;
        const message = error instanceof Error ? error.message : String(error);
        const unreachable = http?.code != null && UNREACHABLE_CODES.has(http.code) && successes === 0;
        if (http?.fatal === true || unreachable) {
          fatal ??= new ProbeFatalError(
            http?.status === 401 || http?.status === 403
              ? `${message} (check --key or PARAPET_AUDIT_KEY)`
              : http?.status === 404
                ? `${message} (check --endpoint, which should end in /v1, and --model)`
                : message,
          );
          return;
        }
        if (http?.retryable === true && attempt < maxRetries) {
          const exp = Math.min(maxMs, baseMs * 2 ** attempt);
          const backoff = exp / 2 + random() * (exp / 2);
          const wait =
            http.retryAfterMs !== null
              ? Math.min(maxRetryAfterMs, http.retryAfterMs) + random() * 10
              : backoff;
          if (!(await sleep(wait, controller.signal))) return;
          continue;
        }
        const line: ProbeRecord = {
          id: item.id,
          prompt: hash,
          error: message,
          status: http?.status ?? null,
          attempts: attempt + 1,
          ms: Date.now() - started,
          at: now().toISOString(),
        };
        summary.failures.set(item.id, line);
        record(line);
        state.failed++;
        if (successes === 0 && state.failed >= Math.min(FAIL_FAST_ITEMS, todo.length)) {
          fatal ??= new ProbeFatalError(`the first ${state.failed} items all failed; the last: ${message}`);
        }
        return;
      }
    }
  };

  const worker = async () => {
    while (stopped === null && fatal === null) {
      const index = next++;
      const item = todo[index];
      if (item === undefined) return;
      await ask(item);
      sync();
      progress?.update(state);
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, todo.length)) }, worker));
  } finally {
    signal?.removeEventListener('abort', onAbort);
    writer?.close();
  }
  sync();
  summary.stopped = stopped;
  summary.notRun = todo.filter(
    (item) => !summary.answers.has(item.id) && !summary.failures.has(item.id),
  ).length;
  if (fatal !== null) {
    progress?.finish(state, 'stopped');
    throw fatal;
  }
  if (stopped !== null && summary.notRun > 0) {
    const why =
      stopped === 'max-requests'
        ? `the budget of ${options.maxRequests} requests was reached`
        : stopped === 'max-tokens'
          ? `the budget of ${options.maxTokens} tokens was reached (${summary.tokens} used)`
          : 'the run was interrupted';
    summary.note = `${why}: ${summary.notRun} item${summary.notRun === 1 ? '' : 's'} not asked${options.out ? `; run again with --out ${options.out} to continue` : ''}`;
  } else if (stopped !== null) summary.stopped = null;
  progress?.finish(state, summary.note);
  return summary;
}

/** Waits `ms`; resolves false when the signal aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
