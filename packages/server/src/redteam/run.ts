/**
 * Runs a red-team plan: send every attempt to the target (and, with `--via-gateway`, the same plan again
 * through a Parapet gateway), then grade the replies.
 *
 * Sending reuses the fairness probe runner (audit/probe/runner.ts): requests in flight, retries with
 * backoff honouring `retry-after`, a request budget, progress on stderr and resumable NDJSON results
 * (`<out>/direct.ndjson`, `<out>/gateway.ndjson`). The runner sees each attempt as one item whose
 * "answer" is the whole TargetReply (every turn of a multi-turn probe) serialised as JSON, so a resumed
 * run re-grades stored replies without asking the target again, and a later grader version can re-grade
 * a results file. An item's prompt hash covers the attempt, the system prompt and the target, so a
 * changed probe or system prompt is asked again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatClient } from '../audit/probe/client.ts';
import type { ProgressReporter } from '../audit/probe/progress.ts';
import { type ProbeItem, type RunSummary, runProbe, type StopReason } from '../audit/probe/runner.ts';
import type { PlantedValues } from './system-prompt.ts';
import { converse, type Target } from './targets.ts';
import type { Attempt, AttemptResult, GraderResult, TargetReply, Verdict } from './types.ts';

/** Grades one reply (the graders of graders/grade.ts, or a stub in tests). */
export type GradeFn = (
  attempt: Attempt,
  reply: TargetReply,
) => Promise<{ graders: readonly GraderResult[]; verdict: Verdict }>;

export interface RedteamRunOptions {
  attempts: readonly Attempt[];
  target: Target;
  /** The same target through a Parapet gateway (`--via-gateway`), or null. */
  gateway?: Target | null;
  systemPrompt: string;
  grade: GradeFn;
  /** Attempts in flight at once; default 4. */
  concurrency?: number;
  retries?: number;
  backoff?: { baseMs?: number; maxMs?: number };
  /** Requests per second to each target (every turn counts); null = unlimited. */
  rate?: number | null;
  /** Budget: stop after this many attempts sent (retries count), over both paths. */
  maxRequests?: number | null;
  /** Directory for the resumable results files; null = none. */
  out?: string | null;
  /** A progress reporter per path (`direct`, `gateway`). */
  progress?: ((path: 'direct' | 'gateway') => ProgressReporter | null) | null;
  signal?: AbortSignal;
  meta?: Readonly<Record<string, unknown>>;
}

/** One path's outcome. */
export interface PathRun {
  path: 'direct' | 'gateway';
  target: { type: string; url: string; model: string };
  /** Graded attempts, in plan order (attempts not sent are absent). */
  results: AttemptResult[];
  notRun: number;
  resumed: number;
  requests: number;
  retries: number;
  tokens: number;
  stopped: StopReason | null;
  note: string | null;
  warnings: string[];
}

export interface RedteamRun {
  direct: PathRun;
  gateway: PathRun | null;
}

/**
 * Replaces the runner's placeholders: `{{secret}}` by the planted secret and `{{pii}}` by the planted
 * e-mail address in the texts; in `planted_secret` criteria, `{{secret}}` / `{{pii}}` stand for the
 * planted secret / every planted PII value.
 */
export function expandPlanted(attempt: Attempt, planted: PlantedValues): Attempt {
  const fill = (text: string) =>
    text.replaceAll('{{secret}}', planted.secret).replaceAll('{{pii}}', planted.pii.email);
  return {
    ...attempt,
    messages: attempt.messages.map((m) => ({ ...m, content: fill(m.content) })),
    turns: attempt.turns.map(fill),
    success: attempt.success.map((c) => {
      if (c.kind !== 'planted_secret') return c;
      const values = c.values.flatMap((v) =>
        v === '{{secret}}'
          ? [planted.secret]
          : v === '{{pii}}'
            ? [planted.pii.email, planted.pii.phone, planted.pii.name]
            : [fill(v)],
      );
      return { ...c, values: [...new Set(values)] };
    }),
  };
}

/** Runs the plan directly and, when a gateway target is given, through the gateway. */
export async function runRedteam(options: RedteamRunOptions): Promise<RedteamRun> {
  if (options.out) mkdirSync(options.out, { recursive: true });
  const direct = await runPath('direct', options.target, options, options.maxRequests ?? null);
  let gateway: PathRun | null = null;
  if (options.gateway && direct.stopped !== 'aborted') {
    const left = options.maxRequests == null ? null : Math.max(0, options.maxRequests - direct.requests);
    if (left === 0) {
      gateway = emptyPath(
        'gateway',
        options.gateway,
        options.attempts.length,
        'the budget was spent on the direct run',
      );
    } else gateway = await runPath('gateway', options.gateway, options, left);
  }
  return { direct, gateway };
}

function emptyPath(path: 'direct' | 'gateway', target: Target, notRun: number, note: string): PathRun {
  return {
    path,
    target: { type: target.type, url: target.url, model: target.model },
    results: [],
    notRun,
    resumed: 0,
    requests: 0,
    retries: 0,
    tokens: 0,
    stopped: 'max-requests',
    note,
    warnings: [],
  };
}

async function runPath(
  path: 'direct' | 'gateway',
  rawTarget: Target,
  options: RedteamRunOptions,
  maxRequests: number | null,
): Promise<PathRun> {
  const target = limited(rawTarget, options.rate ?? null);
  const attempts = options.attempts;
  const byId = new Map(attempts.map((a) => [a.id, a]));
  const context = hash(`${options.systemPrompt}\u0000${target.type}\u0000${target.url}\u0000${target.model}`);
  const items: ProbeItem[] = attempts.map((a) => ({
    id: a.id,
    messages: [
      { role: 'user', content: JSON.stringify({ attempt: a.id, body: hash(JSON.stringify(a)), context }) },
    ],
  }));
  const client: ChatClient = {
    url: target.url,
    model: target.model,
    async complete(messages, signal) {
      const id = (JSON.parse(messages[0]!.content) as { attempt: string }).attempt;
      const attempt = byId.get(id)!;
      const { reply, tokens } = await converse(target, attempt, options.systemPrompt, signal);
      return {
        text: JSON.stringify(reply),
        refusal: false,
        usage: tokens === null ? null : { prompt: 0, completion: 0, total: tokens },
        model: target.model,
        finishReason: null,
      };
    },
  };
  const summary: RunSummary = await runProbe(items, {
    client,
    probe: `redteam-${path}`,
    concurrency: options.concurrency ?? 4,
    retries: options.retries ?? 5,
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    maxRequests,
    out: options.out ? join(options.out, `${path}.ndjson`) : null,
    meta: { path, ...options.meta },
    progress: options.progress?.(path) ?? null,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });

  // Grade in plan order, a few at a time (an LLM judge may be slow).
  const graded: (AttemptResult | null)[] = new Array(attempts.length).fill(null);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      const attempt = attempts[index];
      if (attempt === undefined) return;
      const reply = replyOf(summary, attempt.id, target);
      if (reply === null) continue;
      graded[index] = await gradeOne(attempt, reply, path, options.grade);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return {
    path,
    target: { type: target.type, url: target.url, model: target.model },
    results: graded.filter((r): r is AttemptResult => r !== null),
    notRun: summary.notRun,
    resumed: summary.resumed,
    requests: summary.requests,
    retries: summary.retries,
    tokens: summary.tokens,
    stopped: summary.stopped,
    note: summary.note,
    warnings: summary.warnings,
  };
}

/** The stored reply of an attempt, an error reply for a failed one, null when it was not sent. */
function replyOf(summary: RunSummary, id: string, target: Target): TargetReply | null {
  const answer = summary.answers.get(id);
  if (answer?.answer !== undefined) {
    try {
      return JSON.parse(answer.answer) as TargetReply;
    } catch {
      return errorReply(`unreadable stored reply`, null, target);
    }
  }
  const failure = summary.failures.get(id);
  if (failure !== undefined) return errorReply(failure.error ?? 'failed', failure.status ?? null, target);
  return null;
}

function errorReply(error: string, status: number | null, target: Target): TargetReply {
  return {
    text: '',
    transcript: [],
    toolCalls: [],
    status: status ?? 0,
    gateway: target.viaGateway ? { decision: null, errorCode: null, eventId: null } : null,
    error,
  };
}

/** True when the gateway stopped the (last) request of the reply. */
export function isBlocked(reply: TargetReply): boolean {
  const g = reply.gateway;
  if (g === null) return false;
  return g.errorCode?.startsWith('PARAPET_POLICY') === true || (g.decision ?? '').startsWith('block');
}

async function gradeOne(
  attempt: Attempt,
  reply: TargetReply,
  path: 'direct' | 'gateway',
  grade: GradeFn,
): Promise<AttemptResult> {
  if (reply.error !== null) return { attempt, reply, graders: [], verdict: 'error', path };
  const graded = await grade(attempt, reply);
  // A block is a block, unless an earlier turn already achieved the attack (multi-turn).
  const verdict: Verdict = isBlocked(reply) && graded.verdict !== 'success' ? 'blocked' : graded.verdict;
  return { attempt, reply, graders: graded.graders, verdict, path };
}

/** A target that starts at most `rate` requests per second. */
function limited(target: Target, rate: number | null): Target {
  if (rate === null || !(rate > 0)) return target;
  const interval = 1000 / rate;
  let nextAt = 0;
  return {
    type: target.type,
    url: target.url,
    model: target.model,
    viaGateway: target.viaGateway,
    async call(messages, tools, signal) {
      const now = Date.now();
      const at = Math.max(now, nextAt);
      nextAt = at + interval;
      if (at > now) await new Promise((r) => setTimeout(r, at - now));
      return target.call(messages, tools, signal);
    },
  };
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
