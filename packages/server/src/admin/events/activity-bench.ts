/**
 * "An activity page" for benchmarks (bench/dashboard.ts, issue 6: ≤ 200 ms p95 at 1,000,000 events): the
 * requests the dashboard's Activity table makes, timed over HTTP against a running gateway's admin API.
 * The filter values come from the stored events themselves (the newest page), so every probe matches
 * something whatever the seeded data.
 */
import { ADMIN_API_PREFIX } from '../context.ts';

/** One kind of Activity request: a label and its query string for `GET /events`. */
export interface ActivityProbe {
  label: string;
  /** Query string without `?`, e.g. `user=alice&family=pii`. */
  query: string;
}

/** Values seen in stored events, for filters that match something. */
export interface ActivitySample {
  user?: string | undefined;
  group?: string | undefined;
  app?: string | undefined;
  model?: string | undefined;
  family?: string | undefined;
  topic?: string | undefined;
  /** A word of the redacted previews. */
  word?: string | undefined;
}

/**
 * The probes of an Activity benchmark: the newest page, the next page, each common filter, filters
 * combined, a time window, and text search alone and with a filter. Probes whose value is missing from
 * `sample` are left out.
 */
export function activityProbes(sample: ActivitySample, limit = 50): ActivityProbe[] {
  const q = (params: Record<string, string | undefined>): string | null => {
    const entries = Object.entries(params);
    if (entries.some(([, v]) => v === undefined)) return null;
    return new URLSearchParams([...(entries as [string, string][]), ['limit', String(limit)]]).toString();
  };
  const probes: [string, string | null][] = [
    ['newest', q({})],
    ['user', q({ user: sample.user })],
    ['group + family', q({ group: sample.group, family: sample.family })],
    ['app + model', q({ app: sample.app, model: sample.model })],
    ['action blocked', q({ action: 'blocked' })],
    ['topic, last 24 h', q({ topic: sample.topic, since: '24h' })],
    ['text', q({ q: sample.word })],
    ['text + family', q({ q: sample.word, family: sample.family })],
    ['user + text', q({ user: sample.user, q: sample.word })],
  ];
  return probes.flatMap(([label, query]) => (query === null ? [] : [{ label, query }]));
}

export interface ActivityBenchOptions {
  /** The gateway, e.g. `http://127.0.0.1:8787`. */
  baseUrl: string;
  /** An admin credential with `events.read`: the bootstrap token or a `pat_…` API token. */
  token: string;
  /** Timed requests per probe after one warm-up request (default 20). */
  rounds?: number;
  /** Events per page (default 50, the dashboard's). */
  limit?: number;
  /** Default the global fetch. */
  fetch?: typeof fetch;
}

export interface ActivityTimings {
  requests: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface ActivityBenchResult extends ActivityTimings {
  /** Also timed: the second page of `newest`, through its cursor (`newest, page 2`). */
  byProbe: (ActivityTimings & { label: string; query: string; rows: number })[];
}

/** Nearest-rank percentile of sorted values. */
function rank(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function timings(values: readonly number[]): ActivityTimings {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    requests: sorted.length,
    p50Ms: rank(sorted, 50),
    p95Ms: rank(sorted, 95),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

interface PageAnswer {
  events: {
    principal: { user: string | null; groups: string[]; app: string | null };
    modelRequested: string | null;
    detections: { family: string }[];
    topics: string[];
    preview: { input: string; output: string } | null;
  }[];
  nextCursor: string | null;
}

/** The most frequent value of a list (null and empty left out). */
function mostCommon(values: Iterable<string | null | undefined>): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) if (typeof v === 'string' && v !== '') counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | undefined;
  for (const [v, n] of counts) if (best === undefined || n > (counts.get(best) ?? 0)) best = v;
  return best;
}

/** Filter values from a page of events. */
export function sampleOf(page: PageAnswer): ActivitySample {
  const e = page.events;
  return {
    user: mostCommon(e.map((x) => x.principal.user)),
    group: mostCommon(e.flatMap((x) => x.principal.groups)),
    app: mostCommon(e.map((x) => x.principal.app)),
    model: mostCommon(e.map((x) => x.modelRequested)),
    family: mostCommon(e.flatMap((x) => x.detections.map((d) => d.family))),
    topic: mostCommon(e.flatMap((x) => x.topics)),
    word: mostCommon(e.flatMap((x) => (x.preview?.input ?? '').toLowerCase().match(/[a-z]{5,}/g) ?? [])),
  };
}

/**
 * Times the Activity probes against a running gateway and answers p50/p95/max over every request and
 * per probe. Throws when a request fails (the benchmark must not time error answers).
 */
export async function benchActivityPage(options: ActivityBenchOptions): Promise<ActivityBenchResult> {
  const rounds = options.rounds ?? 20;
  const limit = options.limit ?? 50;
  const doFetch = options.fetch ?? fetch;
  const get = async (query: string): Promise<{ ms: number; page: PageAnswer }> => {
    const started = performance.now();
    const res = await doFetch(`${options.baseUrl}${ADMIN_API_PREFIX}/events?${query}`, {
      headers: { authorization: `Bearer ${options.token}` },
    });
    const text = await res.text();
    const ms = performance.now() - started;
    if (res.status !== 200)
      throw new Error(`GET /events?${query} answered ${res.status}: ${text.slice(0, 200)}`);
    return { ms, page: JSON.parse(text) as PageAnswer };
  };

  const first = await get(`limit=${Math.max(limit, 200)}`);
  const probes = activityProbes(sampleOf(first.page), limit);
  const cursor = (await get(`limit=${limit}`)).page.nextCursor;
  if (cursor !== null)
    probes.splice(1, 0, { label: 'newest, page 2', query: `limit=${limit}&after=${cursor}` });

  const all: number[] = [];
  const byProbe: ActivityBenchResult['byProbe'] = [];
  for (const probe of probes) {
    const warm = await get(probe.query);
    const ms: number[] = [];
    for (let i = 0; i < rounds; i++) ms.push((await get(probe.query)).ms);
    all.push(...ms);
    byProbe.push({ label: probe.label, query: probe.query, rows: warm.page.events.length, ...timings(ms) });
  }
  return { ...timings(all), byProbe };
}
