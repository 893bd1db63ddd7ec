/**
 * What one event adds to the analytics rollups, as plain data: the definitions the rollups and the
 * analytics API share (the outcome of an event, the severity of a finding, the risk score) and the
 * aggregation of a batch of events into rollup rows. Pure: no I/O, no clock; it also runs inside the SQLite
 * writer thread (store/ingest-rollups.ts). Documented for users in docs/api.md ("Analytics").
 */
import type { Decision, Event } from '@parapet/core';
import { storableText } from './store-rows.ts';

/** Rollup bucket sizes in minutes, coarsest first: day, hour, minute (UTC; the epoch starts at midnight). */
export const GRAINS: readonly number[] = [1440, 60, 1];

/**
 * What happened to one event, from both decisions. When several apply, the first of this list wins:
 * - `blocked`: a decision (input or output) is `block` — an output block beats an input allow, redact…
 * - `held`: a decision is `hold`, or carries an approval (held for a human, whatever the reviewer said)
 * - `warned`: a decision is `warn`, or carries the user's acknowledgement of a warning
 * - `redacted`: a decision is `redact`, or carries redactions (a route may redact too)
 * - `routed`: a decision is `route`
 * - `monitored`: a decision is `monitor`, or carries tags from monitor rules
 * - `allowed`: at least one decision, none of the above
 * - `none`: no decision at all (the request was refused before the policy ran: bad key, bad body…)
 */
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

const RANK: Readonly<Record<Outcome, number>> = Object.freeze(
  Object.fromEntries(OUTCOMES.map((o, i) => [o, i])) as Record<Outcome, number>,
);

function decisionOutcome(d: Decision): Outcome {
  if (d.action === 'block') return 'blocked';
  if (d.action === 'hold' || d.approval !== undefined) return 'held';
  if (d.action === 'warn' || d.acknowledgement !== undefined) return 'warned';
  if (d.action === 'redact' || (d.redactions !== undefined && d.redactions.length > 0)) return 'redacted';
  if (d.action === 'route') return 'routed';
  if (d.action === 'monitor' || (d.tags !== undefined && d.tags.length > 0)) return 'monitored';
  return 'allowed';
}

/** The outcome of an event (see OUTCOMES for the order of precedence). */
export function eventOutcome(decision: Event['decision']): Outcome {
  let best: Outcome = 'none';
  for (const d of [decision.input, decision.output]) {
    if (d === null) continue;
    const o = decisionOutcome(d);
    if (RANK[o] < RANK[best]) best = o;
  }
  return best;
}

export type Severity = 'high' | 'medium' | 'low';

/** PII types that identify a person to the state, a bank or a doctor: high severity. */
const HIGH_PII = new Set([
  'AU_MEDICARE',
  'AU_TFN',
  'BR_CPF',
  'CA_SIN',
  'CREDIT_CARD',
  'CRYPTO',
  'DE_TAX_ID',
  'ES_NIE',
  'ES_NIF',
  'FI_PERSONAL_IDENTITY_CODE',
  'FR_NIR',
  'IBAN_CODE',
  'IN_AADHAAR',
  'IN_PAN',
  'IN_PASSPORT',
  'IT_DRIVER_LICENSE',
  'IT_FISCAL_CODE',
  'IT_IDENTITY_CARD',
  'IT_PASSPORT',
  'KR_RRN',
  'MEDICAL_LICENSE',
  'MEDICAL_RECORD_NUMBER',
  'NL_BSN',
  'PL_PESEL',
  'PT_NIF',
  'SG_NRIC_FIN',
  'TH_TNIN',
  'UK_NHS',
  'UK_NINO',
  'US_BANK_NUMBER',
  'US_BANK_ROUTING',
  'US_DRIVER_LICENSE',
  'US_ITIN',
  'US_NPI',
  'US_PASSPORT',
  'US_SSN',
]);

const FAMILY_SEVERITY: Readonly<Record<string, Severity | null>> = Object.freeze({
  prompt_attack: 'high',
  harmful: 'high',
  secrets: 'high',
  fingerprint: 'high',
  confidential: 'medium',
  dictionary: 'medium',
  toxicity: 'medium',
  code: 'medium',
  topics: null,
});

/**
 * How serious a detection is, for the risk score: `high` for attacks, harmful requests, secrets,
 * fingerprints of protected documents and government, financial and health identifiers; `medium` for other
 * personal data, confidential markers, deny-list words, toxicity and source code; `low` for any other
 * family; null for topics (a topic is not a risk by itself).
 */
export function findingSeverity(family: string, type: string): Severity | null {
  if (family === 'pii') return HIGH_PII.has(type) ? 'high' : 'medium';
  const known = FAMILY_SEVERITY[family];
  return known === undefined ? 'low' : known;
}

/** Families that are not "sensitive data" going somewhere (for the destinations view). */
export const NOT_DATA_FAMILIES: readonly string[] = ['topics', 'prompt_attack', 'harmful', 'toxicity'];

/** Weights of the risk score. */
export const RISK_WEIGHTS = Object.freeze({ attacks: 10, blocked: 5, high: 3, medium: 2, low: 1 });

/**
 * The risk score of a user, group or app over a period: 10 × events with a prompt attack + 5 × blocked
 * events + 3 × high + 2 × medium + 1 × low detections, where an event counts each distinct (family, type)
 * it holds once (input and output together), so one prompt pasting a hundred e-mail addresses counts one
 * medium detection.
 */
export function riskScore(c: {
  attacks: number;
  blocked: number;
  high: number;
  medium: number;
  low: number;
}) {
  const w = RISK_WEIGHTS;
  return (
    w.attacks * c.attacks + w.blocked * c.blocked + w.high * c.high + w.medium * c.medium + w.low * c.low
  );
}

/** Entity kinds with a row per bucket in `rollup_entities`. */
export const ENTITY_KINDS = ['user', 'group', 'app', 'model', 'provider'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

/** Cost is kept in whole nano-dollars, so sums are exact and do not depend on the order of ingest. */
export const NANO_PER_USD = 1e9;

/** Everything the rollups need from one event. Names are `''` when absent. */
export interface EventFacts {
  /** Epoch minute of the event time (UTC). */
  minute: number;
  outcome: Outcome;
  user: string;
  /** Distinct, in order; `['']` when the principal has none. */
  groups: string[];
  app: string;
  /** The model the caller asked for (where the data tried to go), else the one that served. */
  model: string;
  provider: string;
  inputTokens: number;
  outputTokens: number;
  costNano: number;
  /** 1 when the request failed (client, upstream or gateway error). */
  error: number;
  high: number;
  medium: number;
  low: number;
  /** 1 when the event holds a prompt_attack finding. */
  attack: number;
  /** One entry per family (`type: ''`) and per distinct (family, type). */
  findings: FindingFacts[];
}

export interface FindingFacts {
  family: string;
  /** `''` for the family as a whole. */
  type: string;
  /** 1 when the input (output) holds it. */
  input: number;
  output: number;
  /** Number of findings, both directions. */
  count: number;
}

/**
 * The epoch minutes the rollups hold: bucket columns are 32-bit integers (PostgreSQL `integer`), and a
 * day bucket starts up to 1439 minutes before its event, so 1439 minutes of margin at the low end. That
 * is from the year −2113 to 6053; analytics windows are cut at 1970 and 6053 (admin/analytics/window.ts).
 */
export const ROLLUP_MINUTES = { min: -(2 ** 31) + 1439, max: 2 ** 31 - 1 } as const;

/** The epoch minute of an ISO time; throws on a time `Date` cannot read. */
function epochMinute(time: string): number {
  const ms = Date.parse(time);
  if (!Number.isFinite(ms)) throw new Error(`invalid event time \`${time}\``);
  return Math.floor(ms / 60_000);
}

const name = (value: string | null): string => (value === null ? '' : storableText(value));

export function eventFacts(event: Event): EventFacts {
  const groups = [...new Set(event.principal.groups.map((g) => storableText(g)))];
  const findings = new Map<string, FindingFacts>();
  const add = (family: string, type: string, direction: 'input' | 'output') => {
    const key = `${family}\u0000${type}`;
    let f = findings.get(key);
    if (f === undefined) {
      f = { family, type, input: 0, output: 0, count: 0 };
      findings.set(key, f);
    }
    f[direction] = 1;
    f.count += 1;
  };
  for (const direction of ['input', 'output'] as const) {
    for (const f of event.findings[direction]) {
      const family = storableText(f.family);
      const type = storableText(f.type);
      add(family, '', direction);
      // An empty type (no detector should emit one) counts for its family only.
      if (type !== '') add(family, type, direction);
    }
  }
  const severity = { high: 0, medium: 0, low: 0 };
  let attack = 0;
  for (const f of findings.values()) {
    if (f.type === '') {
      if (f.family === 'prompt_attack') attack = 1;
      continue;
    }
    const s = findingSeverity(f.family, f.type);
    if (s !== null) severity[s] += 1;
  }
  const cost = event.costUsd;
  return {
    minute: epochMinute(event.time),
    outcome: eventOutcome(event.decision),
    user: name(event.principal.user),
    groups: groups.length === 0 ? [''] : groups,
    app: name(event.principal.app),
    model: name(event.modelRequested ?? event.modelServed),
    provider: name(event.provider),
    inputTokens: event.usage?.inputTokens ?? 0,
    outputTokens: event.usage?.outputTokens ?? 0,
    costNano: cost === null || !Number.isFinite(cost) ? 0 : Math.round(cost * NANO_PER_USD),
    error:
      event.status === 'client_error' || event.status === 'upstream_error' || event.status === 'gateway_error'
        ? 1
        : 0,
    ...severity,
    attack,
    findings: [...findings.values()],
  };
}

/** Columns of `rollup_entities` counting events per outcome, in OUTCOMES order. */
export const OUTCOME_COLUMNS: Readonly<Record<Outcome, string>> = Object.freeze({
  blocked: 'blocked',
  held: 'held',
  warned: 'warned',
  redacted: 'redacted',
  routed: 'routed',
  monitored: 'monitored',
  allowed: 'allowed',
  none: 'no_decision',
});

/** Columns of `rollup_findings` counting events whose input held the type, per outcome. */
export const INPUT_OUTCOME_COLUMNS: Readonly<Record<Outcome, string>> = Object.freeze(
  Object.fromEntries(OUTCOMES.map((o) => [o, `in_${OUTCOME_COLUMNS[o]}`])) as Record<Outcome, string>,
);

/** A rollup table: its key columns and its additive columns, in the order rows carry them. */
export interface RollupTable {
  readonly name: string;
  readonly key: readonly string[];
  readonly sums: readonly string[];
}

export const ROLLUP_TABLES = {
  totals: {
    name: 'rollup_totals',
    key: ['grain', 'bucket', 'outcome'],
    sums: ['requests', 'input_tokens', 'output_tokens', 'cost_nano_usd', 'errors'],
  },
  entities: {
    name: 'rollup_entities',
    key: ['kind', 'grain', 'bucket', 'name'],
    sums: [
      'requests',
      'input_tokens',
      'output_tokens',
      'cost_nano_usd',
      'errors',
      ...OUTCOMES.map((o) => OUTCOME_COLUMNS[o]),
      'sev_high',
      'sev_medium',
      'sev_low',
      'attacks',
    ],
  },
  findings: {
    name: 'rollup_findings',
    key: ['grain', 'bucket', 'family', 'type', 'model'],
    sums: [
      'events',
      'input_events',
      'output_events',
      'findings',
      ...OUTCOMES.map((o) => INPUT_OUTCOME_COLUMNS[o]),
    ],
  },
} as const satisfies Record<string, RollupTable>;

/** One row to add: its key values and its additive values, in the table's column order. */
export interface RollupRow {
  key: Array<string | number>;
  sums: number[];
}

export interface RollupRows {
  totals: RollupRow[];
  entities: RollupRow[];
  findings: RollupRow[];
}

const OUTCOME_INDEX: Readonly<Record<Outcome, number>> = RANK;
const SEP = '\u0000';

/** Rows of one table keyed by their key values joined with NUL (names never hold NUL: storableText). */
type RowMap = Map<string, RollupRow>;

/** Adds `sums` to the row `id`, creating it with the key `key()` builds when absent. */
function add(map: RowMap, id: string, key: () => Array<string | number>, sums: readonly number[]): void {
  const row = map.get(id);
  if (row === undefined) {
    map.set(id, { key: key(), sums: sums.slice() });
    return;
  }
  const into = row.sums;
  for (let i = 0; i < sums.length; i++) into[i]! += sums[i]!;
}

/**
 * The rollup rows a batch of (new) events adds, summed per row key. Events are summed into minute rows
 * first; hour rows are summed from minute rows and day rows from hour rows, so a batch of events from
 * the same minute (the gateway's case) costs about one row per distinct key, not three per event.
 * With `sorted`, rows come in key order, so concurrent writers lock them in the same order.
 */
export function rollupRows(events: readonly Event[], options: { sorted?: boolean } = {}): RollupRows {
  const totals: RowMap = new Map();
  const entities: RowMap = new Map();
  const findings: RowMap = new Map();
  const width = OUTCOMES.length;
  for (const event of events) {
    const f = eventFacts(event);
    const m = f.minute;
    // An event dated outside the rollups' range (only synthetic or imported data can be) is stored with
    // the rest of its batch but not counted: no analytics window can reach it.
    if (m < ROLLUP_MINUTES.min || m > ROLLUP_MINUTES.max) continue;
    const o = OUTCOME_INDEX[f.outcome];
    const usage = [1, f.inputTokens, f.outputTokens, f.costNano, f.error];
    add(totals, `${m}${SEP}${f.outcome}`, () => [1, m, f.outcome], usage);

    // usage, events per outcome, detections per severity, attacks (ROLLUP_TABLES.entities.sums).
    const entitySums = new Array<number>(usage.length + width + 4).fill(0);
    for (let i = 0; i < usage.length; i++) entitySums[i] = usage[i]!;
    entitySums[usage.length + o] = 1;
    entitySums[usage.length + width] = f.high;
    entitySums[usage.length + width + 1] = f.medium;
    entitySums[usage.length + width + 2] = f.low;
    entitySums[usage.length + width + 3] = f.attack;
    const prefix = `${m}${SEP}`;
    const entity = (kind: EntityKind, name: string) =>
      add(entities, `${prefix}${kind}${SEP}${name}`, () => [kind, 1, m, name], entitySums);
    entity('user', f.user);
    entity('app', f.app);
    entity('model', f.model);
    entity('provider', f.provider);
    for (const g of f.groups) entity('group', g);

    for (const x of f.findings) {
      // events, input, output, findings, then input events per outcome (ROLLUP_TABLES.findings.sums).
      const sums = new Array<number>(4 + width).fill(0);
      sums[0] = 1;
      sums[1] = x.input;
      sums[2] = x.output;
      sums[3] = x.count;
      sums[4 + o] = x.input;
      // A family as a whole is not broken down by destination (only types are): one row, model ''.
      const model = x.type === '' ? '' : f.model;
      add(
        findings,
        `${prefix}${x.family}${SEP}${x.type}${SEP}${model}`,
        () => [1, m, x.family, x.type, model],
        sums,
      );
    }
  }
  const out: RollupRows = { totals: [], entities: [], findings: [] };
  let level = { totals, entities, findings };
  for (const grain of [1, 60, 1440]) {
    if (grain !== 1) level = coarser(level, grain);
    for (const row of level.totals.values()) out.totals.push(row);
    for (const row of level.entities.values()) out.entities.push(row);
    for (const row of level.findings.values()) out.findings.push(row);
  }
  if (options.sorted === true) {
    for (const rows of [out.totals, out.entities, out.findings]) rows.sort(byKey);
  }
  return out;
}

/** The rows of the next grain, summed from the rows of the finer one. */
function coarser(level: Record<keyof RollupRows, RowMap>, grain: number): Record<keyof RollupRows, RowMap> {
  const next: Record<keyof RollupRows, RowMap> = {
    totals: new Map(),
    entities: new Map(),
    findings: new Map(),
  };
  for (const row of level.totals.values()) {
    const [, minute, outcome] = row.key as [number, number, string];
    const b = minute - mod(minute, grain);
    add(next.totals, `${b}${SEP}${outcome}`, () => [grain, b, outcome], row.sums);
  }
  for (const row of level.entities.values()) {
    const [kind, , minute, name] = row.key as [string, number, number, string];
    const b = minute - mod(minute, grain);
    add(next.entities, `${b}${SEP}${kind}${SEP}${name}`, () => [kind, grain, b, name], row.sums);
  }
  for (const row of level.findings.values()) {
    const [, minute, family, type, model] = row.key as [number, number, string, string, string];
    const b = minute - mod(minute, grain);
    add(
      next.findings,
      `${b}${SEP}${family}${SEP}${type}${SEP}${model}`,
      () => [grain, b, family, type, model],
      row.sums,
    );
  }
  return next;
}

function byKey(a: RollupRow, b: RollupRow): number {
  for (let i = 0; i < a.key.length; i++) {
    const x = a.key[i]!;
    const y = b.key[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Modulo that is never negative (times before 1970 still fall into the bucket that starts before them). */
export function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}
