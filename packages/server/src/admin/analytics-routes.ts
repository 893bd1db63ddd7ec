/**
 * The analytics part of the admin API (docs/api.md, "Analytics"): the overview (time series, totals, top
 * lists), breakdowns by one dimension, usage and risk per user, group and app with trends, and where
 * sensitive data tried to go. Everything is read from the rollups maintained on ingest, never from the
 * events themselves, so the answer time depends on the window's buckets, not on the number of events.
 */
import { NOT_DATA_FAMILIES, OUTCOMES, type Outcome } from '../store/analytics-rollup.ts';
import { type AnalyticsStore, createAnalyticsStore, type OutcomeUsage } from '../store/analytics-store.ts';
import {
  type ActionCounts,
  Breakdown,
  BreakdownQuery,
  type BreakdownRow,
  Destinations,
  DestinationsQuery,
  Overview,
  type OverviewPoint,
  OverviewQuery,
  People,
  PeopleQuery,
  type PersonRow,
} from './analytics/schemas.ts';
import {
  chooseBucket,
  formatOffset,
  minuteToIso,
  parseOffset,
  previousWindow,
  type ResolvedWindow,
  resolveWindow,
  seriesStarts,
} from './analytics/window.ts';
import type { AdminDeps } from './context.ts';
import { type AdminRoute, defineRoute } from './router.ts';

export function analyticsRoutes(deps: AdminDeps): AdminRoute[] {
  let store: AnalyticsStore | null = null;
  // Built on first use: the store's SQL access is only touched by analytics requests.
  const analytics = (): AnalyticsStore => {
    store ??= createAnalyticsStore(deps.store.sql);
    return store;
  };
  const now = () => deps.clock.wallMs();

  return [
    defineRoute({
      method: 'GET',
      path: '/analytics/overview',
      summary: 'Time series, totals and top lists of a window',
      permission: 'analytics.read',
      query: OverviewQuery,
      response: Overview,
      handle: ({ query }) => overview(analytics(), query, now()),
    }),
    defineRoute({
      method: 'GET',
      path: '/analytics/breakdown',
      summary: 'Interactions of a window by user, group, app, model, provider, action, family, type or topic',
      permission: 'analytics.read',
      query: BreakdownQuery,
      response: Breakdown,
      handle: ({ query }) => breakdown(analytics(), query, now()),
    }),
    defineRoute({
      method: 'GET',
      path: '/analytics/people',
      summary: 'Usage, risk and trend per user, group or app',
      permission: 'analytics.read',
      query: PeopleQuery,
      response: People,
      handle: ({ query }) => people(analytics(), query, now()),
    }),
    defineRoute({
      method: 'GET',
      path: '/analytics/destinations',
      summary: 'Where sensitive data tried to go: detection type × destination model',
      permission: 'analytics.read',
      query: DestinationsQuery,
      response: Destinations,
      handle: ({ query }) => destinations(analytics(), query, now()),
    }),
  ];
}

const windowOf = (w: ResolvedWindow) => ({ since: w.sinceIso, until: w.untilIso });

function zeroActions(): ActionCounts {
  return Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as ActionCounts;
}

interface UsageTotals {
  interactions: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  errors: number;
  actions: ActionCounts;
}

function emptyUsage(): UsageTotals {
  return { interactions: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, errors: 0, actions: zeroActions() };
}

/** Adds one outcome's usage. Cost is summed in nano-dollars and rounded back, so it stays exact. */
function addUsage(into: UsageTotals, u: OutcomeUsage): void {
  into.interactions += u.requests;
  into.inputTokens += u.inputTokens;
  into.outputTokens += u.outputTokens;
  into.costUsd = addUsd(into.costUsd, u.costUsd);
  into.errors += u.errors;
  into.actions[u.outcome] += u.requests;
}

function addUsd(a: number, b: number): number {
  return Math.round(a * 1e9 + b * 1e9) / 1e9;
}

async function overview(a: AnalyticsStore, q: OverviewQuery, nowMs: number): Promise<Overview> {
  const w = resolveWindow(q, nowMs);
  const bucket = chooseBucket(w, q.bucket);
  const offset = parseOffset(q.tz);
  const { buckets, starts } = seriesStarts(w, bucket, offset);
  const kinds = ['user', 'app', 'model'] as const;
  const [seriesUsage, seriesDistinct, totalUsage, detections, topics, users, apps, models] =
    await Promise.all([
      a.usageByOutcome(w, buckets),
      a.distinctCounts(w, kinds, buckets),
      a.usageByOutcome(w),
      a.findings(w, { level: 'type', excludeFamilies: ['topics'], limit: q.top }),
      a.findings(w, { level: 'type', families: ['topics'], limit: q.top }),
      a.nameTotals('user', w),
      a.nameTotals('app', w),
      a.nameTotals('model', w),
    ]);

  const points = new Map<number, OverviewPoint & UsageTotals>();
  for (const start of starts) {
    points.set(start, { start: minuteToIso(start), ...emptyUsage(), activeUsers: 0, apps: 0, models: 0 });
  }
  for (const u of seriesUsage) {
    const point = u.start === null ? undefined : points.get(u.start);
    if (point !== undefined) addUsage(point, u);
  }
  for (const d of seriesDistinct) {
    const point = d.start === null ? undefined : points.get(d.start);
    if (point !== undefined) point[distinctField(d.kind)] = d.count;
  }
  const totals = { ...emptyUsage(), activeUsers: 0, apps: 0, models: 0 };
  for (const u of totalUsage) addUsage(totals, u);
  const named = (rows: Array<{ name: string }>) => rows.filter((r) => r.name !== '').length;
  totals.activeUsers = named(users);
  totals.apps = named(apps);
  totals.models = named(models);

  const top = (rows: Array<{ name: string; requests: number }>) =>
    rows.slice(0, q.top).map((r) => ({ name: nameOf(r.name), interactions: r.requests }));
  return {
    window: { ...windowOf(w), bucket, tz: formatOffset(offset) },
    totals,
    series: [...points.values()],
    top: {
      detections: detections.map((d) => ({
        family: d.family,
        type: d.type,
        events: d.events,
        findings: d.findings,
      })),
      topics: topics.map((t) => ({ topic: t.type, events: t.events })),
      users: top(users),
      apps: top(apps),
      models: top(models),
    },
  };
}

function distinctField(kind: string): 'activeUsers' | 'apps' | 'models' {
  return kind === 'user' ? 'activeUsers' : kind === 'app' ? 'apps' : 'models';
}

const nameOf = (name: string): string | null => (name === '' ? null : name);

async function breakdown(a: AnalyticsStore, q: BreakdownQuery, nowMs: number): Promise<Breakdown> {
  const w = resolveWindow(q, nowMs);
  let rows: BreakdownRow[];
  switch (q.dimension) {
    case 'user':
    case 'group':
    case 'app':
    case 'model':
    case 'provider': {
      const stats = await a.entities(q.dimension, w, { sort: 'interactions', limit: q.limit + 1 });
      rows = stats.map((r) => ({
        key: nameOf(r.name),
        interactions: r.requests,
        usage: {
          inputTokens: r.inputTokens,
          outputTokens: r.outputTokens,
          costUsd: r.costUsd,
          errors: r.errors,
          actions: r.outcomes,
        },
        detections: null,
      }));
      break;
    }
    case 'action': {
      const byOutcome = new Map<Outcome, UsageTotals>(OUTCOMES.map((o) => [o, emptyUsage()]));
      for (const u of await a.usageByOutcome(w)) addUsage(byOutcome.get(u.outcome)!, u);
      rows = OUTCOMES.map((o) => {
        const u = byOutcome.get(o)!;
        return {
          key: o,
          interactions: u.interactions,
          usage: {
            inputTokens: u.inputTokens,
            outputTokens: u.outputTokens,
            costUsd: u.costUsd,
            errors: u.errors,
            actions: u.actions,
          },
          detections: null,
        };
      });
      break;
    }
    case 'family':
    case 'type':
    case 'topic': {
      const found = await a.findings(w, {
        level: q.dimension === 'family' ? 'family' : 'type',
        ...(q.dimension === 'topic' ? { families: ['topics'] } : {}),
        limit: q.limit + 1,
      });
      rows = found.map((f) => ({
        key: q.dimension === 'family' ? f.family : f.type,
        interactions: f.events,
        usage: null,
        detections: {
          family: f.family,
          type: q.dimension === 'family' ? null : f.type,
          findings: f.findings,
          inputEvents: f.inputEvents,
          outputEvents: f.outputEvents,
        },
      }));
      break;
    }
  }
  return {
    window: windowOf(w),
    dimension: q.dimension,
    rows: rows.slice(0, q.limit),
    more: rows.length > q.limit,
  };
}

function change(current: number, previous: number): number | null {
  if (previous === 0) return null;
  return Math.round(((current - previous) / previous) * 10_000) / 10_000;
}

async function people(a: AnalyticsStore, q: PeopleQuery, nowMs: number): Promise<People> {
  const w = resolveWindow(q, nowMs);
  const before = previousWindow(w);
  const current = await a.entities(q.kind, w, { sort: q.sort, limit: q.limit + 1 });
  const shown = current.slice(0, q.limit);
  const earlier = await a.entities(q.kind, before, {
    sort: 'interactions',
    limit: shown.length,
    names: shown.map((r) => r.name),
  });
  const previous = new Map(earlier.map((r) => [r.name, r]));
  const rows: PersonRow[] = shown.map((r) => {
    const p = previous.get(r.name);
    const prev = { interactions: p?.requests ?? 0, costUsd: p?.costUsd ?? 0, riskScore: p?.risk ?? 0 };
    return {
      name: nameOf(r.name),
      interactions: r.requests,
      inputTokens: r.inputTokens,
      outputTokens: r.outputTokens,
      costUsd: r.costUsd,
      errors: r.errors,
      actions: r.outcomes,
      detections: { high: r.high, medium: r.medium, low: r.low },
      attacks: r.attacks,
      risk: {
        score: r.risk,
        perInteraction: r.requests === 0 ? 0 : Math.round((r.risk / r.requests) * 10_000) / 10_000,
      },
      previous: prev,
      trend: {
        interactions: change(r.requests, prev.interactions),
        costUsd: change(r.costUsd, prev.costUsd),
        riskScore: change(r.risk, prev.riskScore),
      },
    };
  });
  return {
    window: windowOf(w),
    previousWindow: windowOf(before),
    kind: q.kind,
    sort: q.sort,
    rows,
    more: current.length > q.limit,
  };
}

async function destinations(a: AnalyticsStore, q: DestinationsQuery, nowMs: number): Promise<Destinations> {
  const w = resolveWindow(q, nowMs);
  const found = await a.destinations(w, {
    ...(q.family === undefined ? { excludeFamilies: NOT_DATA_FAMILIES } : { families: [q.family] }),
    limit: q.limit + 1,
  });
  return {
    window: windowOf(w),
    rows: found.slice(0, q.limit).map((d) => ({
      family: d.family,
      type: d.type,
      destination: nameOf(d.model),
      events: d.events,
      actions: d.outcomes,
    })),
    more: found.length > q.limit,
  };
}
