/**
 * Requests and answers of the analytics part of the admin API, one zod schema and type under one name
 * each (docs/api.md, "Analytics"). Query parameters are strings on the wire.
 */
import { z } from 'zod';
import { OUTCOMES } from '../../store/analytics-rollup.ts';

const isoTime = z.string().describe('ISO-8601 time (UTC, milliseconds).');
const count = z.number().int().min(0);

/** Largest `limit` of the analytics lists. */
export const MAX_ANALYTICS_LIMIT = 1000;
/** Most points a time series may have (pick a coarser `bucket` or a shorter window beyond). */
export const MAX_SERIES_POINTS = 1500;

const limitParam = (fallback: number) =>
  z
    .string()
    .regex(/^[0-9]{1,6}$/, { message: `must be a whole number from 1 to ${MAX_ANALYTICS_LIMIT}` })
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_ANALYTICS_LIMIT))
    .default(fallback);

const since = z
  .string()
  .min(1)
  .max(100)
  .default('7d')
  .describe('Start of the window: a duration before now (`30m`, `12h`, `7d`) or an ISO time; default `7d`.');
const until = z
  .string()
  .min(1)
  .max(100)
  .optional()
  .describe('End of the window (exclusive), like `since`; default now.');

export const BUCKETS = ['minute', 'hour', 'day'] as const;
export type BucketName = (typeof BUCKETS)[number];

const tz = z
  .string()
  .regex(/^(Z|UTC|[+-](0[0-9]|1[0-4]):[0-5][0-9])$/, {
    message: 'must be `Z` or a UTC offset such as `+02:00` or `-05:30`',
  })
  .default('Z')
  .describe(
    'Fixed UTC offset the buckets start at (`+02:00`: day buckets from local midnight); default `Z`.',
  );

const windowQuery = { since, until };

export const OverviewQuery = z.strictObject({
  ...windowQuery,
  bucket: z
    .enum(BUCKETS)
    .optional()
    .describe('Series bucket; default by window length: minute up to 6 h, hour up to 7 days, else day.'),
  tz,
  top: limitParam(10).describe('Length of each top list (1–1000, default 10).'),
});
export type OverviewQuery = z.infer<typeof OverviewQuery>;

export const BREAKDOWN_DIMENSIONS = [
  'user',
  'group',
  'app',
  'model',
  'provider',
  'action',
  'family',
  'type',
  'topic',
] as const;
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];

export const BreakdownQuery = z.strictObject({
  dimension: z.enum(BREAKDOWN_DIMENSIONS),
  ...windowQuery,
  limit: limitParam(20).describe('Most rows (1–1000, default 20).'),
});
export type BreakdownQuery = z.infer<typeof BreakdownQuery>;

export const PEOPLE_KINDS = ['user', 'group', 'app'] as const;
export const PEOPLE_SORTS = ['risk', 'interactions', 'cost', 'tokens'] as const;

export const PeopleQuery = z.strictObject({
  kind: z.enum(PEOPLE_KINDS),
  ...windowQuery,
  limit: limitParam(50).describe('Most rows (1–1000, default 50).'),
  sort: z.enum(PEOPLE_SORTS).default('risk').describe('Order of the rows, largest first; default `risk`.'),
});
export type PeopleQuery = z.infer<typeof PeopleQuery>;

export const DestinationsQuery = z.strictObject({
  ...windowQuery,
  family: z
    .string()
    .regex(/^[a-z0-9_]{1,64}$/, { message: 'must be a detector family name such as `pii`' })
    .optional()
    .describe(
      'Only this family; default every data family (all but topics, prompt_attack, harmful, toxicity).',
    ),
  limit: limitParam(200).describe('Most rows (1–1000, default 200).'),
});
export type DestinationsQuery = z.infer<typeof DestinationsQuery>;

// ---------------------------------------------------------------------------------------------------
// Answers

/** Events per outcome (see docs/api.md for which outcome wins when both directions decided). */
export const ActionCounts = z.object(
  Object.fromEntries(OUTCOMES.map((o) => [o, count])) as Record<(typeof OUTCOMES)[number], typeof count>,
);
export type ActionCounts = z.infer<typeof ActionCounts>;

export const AnalyticsWindow = z.object({
  since: isoTime.describe('Start (inclusive), rounded down to the minute.'),
  until: isoTime.describe('End (exclusive), rounded up to the minute.'),
});
export type AnalyticsWindow = z.infer<typeof AnalyticsWindow>;

const usage = {
  interactions: count.describe('Events (requests through the gateway).'),
  inputTokens: count,
  outputTokens: count,
  costUsd: z.number().min(0).describe('Sum of the events’ cost; events without a known price add 0.'),
  errors: count.describe('Events that failed (client, upstream or gateway error).'),
};

const distinct = {
  activeUsers: count.describe('Distinct users with at least one event (exact, not a sum of buckets).'),
  apps: count.describe('Distinct apps.'),
  models: count.describe('Distinct models asked for.'),
};

export const OverviewPoint = z.object({
  start: isoTime.describe('Start of the bucket (may be before `window.since` for the first one).'),
  ...usage,
  ...distinct,
  actions: ActionCounts,
});
export type OverviewPoint = z.infer<typeof OverviewPoint>;

export const TopDetection = z.object({
  family: z.string(),
  type: z.string(),
  events: count.describe('Events holding it, input or output.'),
  findings: count.describe('Findings of it, both directions.'),
});

export const TopEntity = z.object({
  name: z.string().nullable().describe('null: events without one.'),
  interactions: count,
});

export const Overview = z.object({
  window: AnalyticsWindow.extend({
    bucket: z.enum(BUCKETS),
    tz: z.string().describe('UTC offset of the buckets, `+HH:MM`.'),
  }),
  totals: z.object({ ...usage, ...distinct, actions: ActionCounts }),
  series: z.array(OverviewPoint).describe('Every bucket of the window, oldest first, empty ones as zeros.'),
  top: z.object({
    detections: z.array(TopDetection).describe('Most frequent detections, topics aside.'),
    topics: z.array(z.object({ topic: z.string(), events: count })),
    users: z.array(TopEntity),
    apps: z.array(TopEntity),
    models: z.array(TopEntity),
  }),
});
export type Overview = z.infer<typeof Overview>;

export const BreakdownRow = z.object({
  key: z
    .string()
    .nullable()
    .describe(
      'The value: a user, group, app, model, provider, action, family, detection type or topic; null: none.',
    ),
  interactions: count.describe('Events with this value (for detections: events holding it).'),
  usage: z
    .object({
      inputTokens: count,
      outputTokens: count,
      costUsd: z.number().min(0),
      errors: count,
      actions: ActionCounts,
    })
    .nullable()
    .describe('For user, group, app, model, provider and action; null for detections.'),
  detections: z
    .object({
      family: z.string(),
      type: z.string().nullable().describe('null for `dimension=family`.'),
      findings: count,
      inputEvents: count,
      outputEvents: count,
    })
    .nullable()
    .describe('For family, type and topic; null otherwise.'),
});
export type BreakdownRow = z.infer<typeof BreakdownRow>;

export const Breakdown = z.object({
  window: AnalyticsWindow,
  dimension: z.enum(BREAKDOWN_DIMENSIONS),
  rows: z.array(BreakdownRow).describe('Largest first (actions in a fixed order).'),
  more: z.boolean().describe('More rows exist beyond `limit`.'),
});
export type Breakdown = z.infer<typeof Breakdown>;

const change = z
  .number()
  .nullable()
  .describe('(current − previous) / previous: 0.5 is +50 %; null when the previous period had none.');

export const PersonRow = z.object({
  name: z.string().nullable().describe('null: events without a user (group, app).'),
  ...usage,
  actions: ActionCounts,
  detections: z
    .object({ high: count, medium: count, low: count })
    .describe('Distinct detection types per event, by severity, summed over events.'),
  attacks: count.describe('Events holding a prompt attack.'),
  risk: z.object({
    score: count.describe('10 × attacks + 5 × blocked + 3 × high + 2 × medium + 1 × low.'),
    perInteraction: z.number().min(0).describe('score / interactions (0 when none).'),
  }),
  previous: z.object({ interactions: count, costUsd: z.number().min(0), riskScore: count }),
  trend: z.object({ interactions: change, costUsd: change, riskScore: change }),
});
export type PersonRow = z.infer<typeof PersonRow>;

export const People = z.object({
  window: AnalyticsWindow,
  previousWindow: AnalyticsWindow.describe('The period of the same length just before, for trends.'),
  kind: z.enum(PEOPLE_KINDS),
  sort: z.enum(PEOPLE_SORTS),
  rows: z.array(PersonRow),
  more: z.boolean(),
});
export type People = z.infer<typeof People>;

export const DestinationRow = z.object({
  family: z.string(),
  type: z.string(),
  destination: z.string().nullable().describe('The model the caller asked for; null when unknown.'),
  events: count.describe('Events whose input held this type, bound for this model.'),
  actions: ActionCounts.describe('The same events by outcome: did the data get there?'),
});
export type DestinationRow = z.infer<typeof DestinationRow>;

export const Destinations = z.object({
  window: AnalyticsWindow,
  rows: z.array(DestinationRow).describe('Most events first.'),
  more: z.boolean(),
});
export type Destinations = z.infer<typeof Destinations>;
