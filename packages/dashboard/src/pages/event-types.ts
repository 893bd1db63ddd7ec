/**
 * The answers of the events part of the admin API (`/events…`), as the dashboard reads them (see
 * packages/server/src/admin/events/schemas.ts), and the fixed lists the Activity filters offer.
 */

export type Direction = 'input' | 'output';

/** The outcome of an event over both decisions (the `action` filter), most severe first. */
export const EVENT_ACTIONS = [
  'blocked',
  'held',
  'warned',
  'redacted',
  'routed',
  'monitored',
  'allowed',
  'none',
] as const;

export const EVENT_STATUSES = [
  'success',
  'blocked',
  'client_error',
  'upstream_error',
  'gateway_error',
] as const;

/** Detection families, with the words the dashboard shows for them. */
export const FAMILY_LABELS: Readonly<Record<string, string>> = {
  pii: 'Personal data',
  secrets: 'Secrets',
  code: 'Source code',
  confidential: 'Confidential',
  prompt_attack: 'Prompt attack',
  harmful: 'Harmful',
  toxicity: 'Toxicity',
  topics: 'Topics',
  canary: 'Canary',
};
export const FAMILIES = Object.keys(FAMILY_LABELS);

export function familyLabel(family: string): string {
  return FAMILY_LABELS[family] ?? family;
}

export const SOURCE_LABELS: Readonly<Record<string, string>> = {
  system: 'System',
  user: 'User',
  assistant: 'Assistant',
  tool_call: 'Tool call',
  tool_result: 'Tool result',
  retrieved_document: 'Retrieved document',
  completion: 'Model answer',
  embedding_input: 'Embedding input',
};

export function sourceLabel(source: string): string {
  return SOURCE_LABELS[source] ?? source;
}

export interface Principal {
  keyId: string | null;
  user: string | null;
  groups: string[];
  app: string | null;
  via: 'key' | 'trusted-header' | 'anonymous' | string;
}

export interface DecisionBrief {
  action: string;
  ruleId: string | null;
}

export interface Detection {
  family: string;
  type: string;
  count: number;
  maxScore: number;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  estimated: boolean;
}

/** One row of the Activity table: never content, only the redacted preview. */
export interface EventSummary {
  id: string;
  time: string;
  principal: Principal;
  route: string;
  provider: string | null;
  modelRequested: string | null;
  modelServed: string | null;
  stream: boolean;
  httpStatus: number;
  status: string;
  errorCode: string | null;
  action: string;
  decisions: { input: DecisionBrief | null; output: DecisionBrief | null };
  rules: string[];
  detections: Detection[];
  topics: string[];
  latencyMs: number;
  usage: Usage | null;
  costUsd: number | null;
  contentMode: 'none' | 'redacted' | 'encrypted' | string;
  preview: { input: string; output: string } | null;
  labels: string[];
}

export interface EventPage {
  events: EventSummary[];
  nextCursor: string | null;
}

export interface DetectorFailure {
  detector: string;
  family?: string;
  reason: 'error' | 'timeout' | string;
  message: string;
}

export interface TrailStep {
  ruleId: string;
  action: string;
  effect: string;
}

export interface Decision {
  action: string;
  ruleId: string | null;
  message?: string;
  routeTo?: string;
  findings: number[];
  failures: DetectorFailure[];
  tags?: string[];
  reason?: 'rule' | 'global' | 'detector_failure' | 'default' | string;
  redactions?: { ruleId: string; mode: string; findings: number[] }[];
  trail?: TrailStep[];
  respondAs?: string;
  hold?: { timeoutMs: number; onTimeout: string };
  ackTtlMs?: number;
  acknowledgement?: { ruleId: string; justification: string | null };
  approval?: {
    id: string;
    ruleId: string;
    status: string;
    by: string | null;
    at: string | null;
    reason: string | null;
  };
  routedFrom?: string;
  facts?: { model: string; language: string | null; hasTools: boolean; sources: string[] };
  policyVersion?: number;
}

export interface FindingView {
  family: string;
  type: string;
  score: number;
  segment: number | null;
  span: { start: number; end: number } | null;
  detector: string;
  explanation?: string;
  direction: Direction;
  index: number;
  ruleIds: string[];
}

export interface Highlight {
  start: number;
  end: number;
  direction: Direction;
  finding: number;
  family: string;
  type: string;
  score: number;
  ruleIds: string[];
}

export interface SegmentView {
  index: number;
  source: string;
  path: string;
  text: string;
  highlights: Highlight[];
}

export type ContentView =
  | {
      available: true;
      from: 'redacted' | 'encrypted';
      input: SegmentView[];
      output: SegmentView[];
      withheld: Direction[];
    }
  | { available: false; reason: 'not_stored' | 'truncated' | 'unreadable' | 'no_key' | string };

export interface EventLabel {
  eventId: string;
  label: string;
  note: string | null;
  by: string;
  at: string;
}

export interface EventDetail extends Omit<EventSummary, 'labels'> {
  latency: {
    totalMs: number;
    upstreamTtfbMs: number | null;
    upstreamTotalMs: number | null;
    overheadMs: number;
  };
  trace: { input: Decision | null; output: Decision | null };
  findings: { input: FindingView[]; output: FindingView[] };
  content: ContentView;
  labels: EventLabel[];
}

export interface RevealedEvent {
  eventId: string;
  content: unknown;
  input: SegmentView[];
  output: SegmentView[];
}

/** Why an event's conversation cannot be shown, in words. */
export const UNAVAILABLE_REASONS: Readonly<Record<string, string>> = {
  not_stored: 'The gateway did not keep the content of this interaction (content mode `none`).',
  truncated:
    'The content was larger than the storage limit (events.max_content_bytes) and was not kept whole.',
  unreadable: 'The stored content could not be read.',
  no_key: 'The content is encrypted and this gateway has no key to decrypt it.',
};

/** A label name as the API accepts it. */
export const LABEL_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
export const SUGGESTED_LABELS = ['false_positive', 'confirmed', 'needs-review', 'escalated'] as const;
