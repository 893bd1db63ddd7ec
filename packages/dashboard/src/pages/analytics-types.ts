/**
 * The answers of the analytics part of the admin API (`/analytics/…`), as the dashboard reads them. They
 * mirror packages/server/src/admin/analytics/schemas.ts (docs/api.md, "Analytics").
 */

/** The outcomes an event counts under, in the server's order of precedence. */
export const OUTCOMES = [
  'blocked',
  'held',
  'warned',
  'redacted',
  'routed',
  'monitored',
  'allowed',
  'none',
] as const;
export type Outcome = (typeof OUTCOMES)[number];
export type ActionCounts = Record<Outcome, number>;

/** Outcomes where the gateway stepped in (everything but monitored, allowed and none). */
export const INTERVENTIONS = ['blocked', 'redacted', 'warned', 'held', 'routed'] as const;

export const OUTCOME_LABELS: Readonly<Record<Outcome, string>> = {
  blocked: 'Blocked',
  held: 'Held',
  warned: 'Warned',
  redacted: 'Redacted',
  routed: 'Routed',
  monitored: 'Monitored',
  allowed: 'Allowed',
  none: 'No decision',
};

export type BucketName = 'minute' | 'hour' | 'day';

export interface AnalyticsWindow {
  since: string;
  until: string;
}

export interface Usage {
  interactions: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  errors: number;
}

export interface Distinct {
  activeUsers: number;
  apps: number;
  models: number;
}

export interface OverviewPoint extends Usage, Distinct {
  start: string;
  actions: ActionCounts;
}

export interface TopDetection {
  family: string;
  type: string;
  events: number;
  findings: number;
}

export interface TopEntity {
  name: string | null;
  interactions: number;
}

export interface Overview {
  window: AnalyticsWindow & { bucket: BucketName; tz: string };
  totals: Usage & Distinct & { actions: ActionCounts };
  series: OverviewPoint[];
  top: {
    detections: TopDetection[];
    topics: { topic: string; events: number }[];
    users: TopEntity[];
    apps: TopEntity[];
    models: TopEntity[];
  };
}

export type PeopleKind = 'user' | 'group' | 'app';
export type PeopleSort = 'risk' | 'interactions' | 'cost' | 'tokens';

export interface PersonRow extends Usage {
  name: string | null;
  actions: ActionCounts;
  detections: { high: number; medium: number; low: number };
  attacks: number;
  risk: { score: number; perInteraction: number };
  previous: { interactions: number; costUsd: number; riskScore: number };
  trend: { interactions: number | null; costUsd: number | null; riskScore: number | null };
}

export interface People {
  window: AnalyticsWindow;
  previousWindow: AnalyticsWindow;
  kind: PeopleKind;
  sort: PeopleSort;
  rows: PersonRow[];
  more: boolean;
}

export interface DestinationRow {
  family: string;
  type: string;
  destination: string | null;
  events: number;
  actions: ActionCounts;
}

export interface Destinations {
  window: AnalyticsWindow;
  rows: DestinationRow[];
  more: boolean;
}
