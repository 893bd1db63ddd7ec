/**
 * For the analytics tests: random events that exercise every corner the rollups care about, and a
 * brute-force recomputation of every analytics answer straight from the events, written independently of
 * the rollup code (it shares only the documented definitions: eventOutcome, findingSeverity, riskScore).
 */
import type { Decision, Event, Finding } from '@parapet/core';
import {
  type EntityKind,
  eventOutcome,
  findingSeverity,
  OUTCOMES,
  type Outcome,
  riskScore,
} from '../../src/store/analytics-rollup.ts';
import type {
  DestinationStats,
  DistinctCount,
  EntitySort,
  EntityStats,
  FindingFilter,
  FindingStats,
  MinuteWindow,
  OutcomeUsage,
  SeriesBuckets,
} from '../../src/store/analytics-store.ts';
import { makeEvent } from './store-fixtures.ts';

/** mulberry32: a small deterministic generator. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FINDING_TYPES: Array<[string, string]> = [
  ['pii', 'EMAIL_ADDRESS'],
  ['pii', 'US_SSN'],
  ['pii', 'CREDIT_CARD'],
  ['pii', 'PERSON'],
  ['secrets', 'AWS_ACCESS_KEY'],
  ['topics', 'legal'],
  ['topics', 'finance'],
  ['prompt_attack', 'INSTRUCTION_OVERRIDE'],
  ['toxicity', 'INSULT'],
  ['code', 'python'],
  ['custom_family', 'SOMETHING'],
];

const ACTIONS: Decision['action'][] = ['allow', 'monitor', 'warn', 'redact', 'block', 'route', 'hold'];

/** Epoch ms of 2025-03-01T00:00:00Z, the start of the generated span. */
export const SPAN_START_MS = Date.parse('2025-03-01T00:00:00.000Z');
/** The generated events fall within three days of SPAN_START_MS. */
export const SPAN_MS = 3 * 86_400_000;

function decision(next: () => number): Decision | null {
  const roll = next();
  if (roll < 0.15) return null;
  const action = ACTIONS[Math.floor(next() * ACTIONS.length)]!;
  const d: Decision = { action, ruleId: `r-${action}`, findings: [], failures: [], tags: [] };
  const extra = next();
  if (extra < 0.1) d.tags = ['watch'];
  else if (extra < 0.2) d.redactions = [{ ruleId: 'mask', mode: 'mask', findings: [] }];
  else if (extra < 0.27)
    d.approval = { id: 'ap', ruleId: 'h', status: 'approved', by: 'rev', at: null, reason: null };
  else if (extra < 0.33) d.acknowledgement = { ruleId: 'w', justification: null };
  return d;
}

/** `count` events spread over three days, with boundary times, offsets in time strings, nulls and repeats. */
export function randomEvents(count: number, seed: number): Event[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const users = ['alice', 'bob', 'carol', 'dave', 'érin 🚀', null];
  const groupSets = [[], ['eng'], ['eng', 'admins'], ['sales', 'eng', 'sales'], ['contractors']];
  const apps = ['chat-ui', 'ide', null];
  const models: Array<[string | null, string | null, string | null]> = [
    ['gpt-4o-mini', 'gpt-4o-mini-2024', 'openai'],
    ['claude-3', 'claude-3', 'anthropic'],
    ['local', 'llama', 'local'],
    [null, 'gpt-4o', 'openai'],
    [null, null, null],
  ];
  const out: Event[] = [];
  for (let i = 0; i < count; i++) {
    let ms: number;
    const shape = next();
    if (shape < 0.1) {
      // Right at or just before a day or hour boundary.
      const day = Math.floor(next() * 3);
      const hour = Math.floor(next() * 24);
      ms = SPAN_START_MS + day * 86_400_000 + hour * 3_600_000 - (next() < 0.5 ? 1 : 0);
      if (ms < SPAN_START_MS) ms = SPAN_START_MS;
    } else {
      ms = SPAN_START_MS + Math.floor(next() * SPAN_MS);
    }
    let time = new Date(ms).toISOString();
    if (next() < 0.1) {
      // The same instant written with a +02:00 offset.
      const local = new Date(ms + 2 * 3_600_000).toISOString();
      time = `${local.slice(0, 23)}+02:00`;
    }
    const findingList = (n: number): Finding[] =>
      Array.from({ length: n }, () => {
        const [family, type] = pick(FINDING_TYPES);
        return {
          family,
          type,
          score: 0.9,
          segment: 0,
          span: { start: 0, end: 3 },
          detector: `${family}.test`,
        };
      });
    const [requested, served, provider] = pick(models);
    const usage =
      next() < 0.2
        ? null
        : { inputTokens: Math.floor(next() * 500), outputTokens: Math.floor(next() * 300), estimated: false };
    out.push(
      makeEvent(`ev-${seed}-${i}`, {
        time,
        principal: { keyId: 'k', user: pick(users), groups: pick(groupSets), app: pick(apps), via: 'key' },
        provider,
        modelRequested: requested,
        modelServed: served,
        status: pick(['success', 'success', 'success', 'blocked', 'upstream_error', 'client_error'] as const),
        usage,
        costUsd: next() < 0.3 ? null : Math.round(next() * 1e7) / 1e9 + 0.000000000123,
        findings: {
          input: findingList(next() < 0.4 ? 0 : Math.floor(next() * 4)),
          output: findingList(next() < 0.7 ? 0 : Math.floor(next() * 3)),
        },
        decision: { input: decision(next), output: decision(next) },
        contentMode: 'none',
        content: null,
      }),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Brute force

const minuteOf = (e: Event) => Math.floor(Date.parse(e.time) / 60_000);

function inWindow(e: Event, w: MinuteWindow): boolean {
  const m = minuteOf(e);
  return m >= w.since && m < w.until;
}

function bucketOf(minute: number, b: SeriesBuckets): number {
  const o = ((b.offset % b.grain) + b.grain) % b.grain;
  return minute - ((((minute + o) % b.grain) + b.grain) % b.grain);
}

const costNano = (e: Event) => (e.costUsd === null ? 0 : Math.round(e.costUsd * 1e9));
const isError = (e: Event) =>
  e.status === 'client_error' || e.status === 'upstream_error' || e.status === 'gateway_error';

function namesOf(e: Event, kind: EntityKind): string[] {
  switch (kind) {
    case 'user':
      return [e.principal.user ?? ''];
    case 'group':
      return e.principal.groups.length === 0 ? [''] : [...new Set(e.principal.groups)];
    case 'app':
      return [e.principal.app ?? ''];
    case 'model':
      return [e.modelRequested ?? e.modelServed ?? ''];
    case 'provider':
      return [e.provider ?? ''];
  }
}

export function refUsageByOutcome(
  events: readonly Event[],
  w: MinuteWindow,
  b?: SeriesBuckets,
): OutcomeUsage[] {
  const map = new Map<string, OutcomeUsage & { nano: number }>();
  for (const e of events) {
    if (!inWindow(e, w)) continue;
    const start = b === undefined ? null : bucketOf(minuteOf(e), b);
    const outcome = eventOutcome(e.decision);
    const k = `${start}|${outcome}`;
    let row = map.get(k);
    if (row === undefined) {
      row = { start, outcome, requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, errors: 0, nano: 0 };
      map.set(k, row);
    }
    row.requests++;
    row.inputTokens += e.usage?.inputTokens ?? 0;
    row.outputTokens += e.usage?.outputTokens ?? 0;
    row.nano += costNano(e);
    row.errors += isError(e) ? 1 : 0;
  }
  return [...map.values()]
    .map(({ nano, ...row }) => ({ ...row, costUsd: nano / 1e9 }))
    .sort(
      (x, y) =>
        (x.start ?? 0) - (y.start ?? 0) || (x.outcome < y.outcome ? -1 : x.outcome > y.outcome ? 1 : 0),
    );
}

export function refDistinct(
  events: readonly Event[],
  w: MinuteWindow,
  kinds: readonly EntityKind[],
  b?: SeriesBuckets,
): DistinctCount[] {
  const sets = new Map<string, { start: number | null; kind: EntityKind; names: Set<string> }>();
  for (const e of events) {
    if (!inWindow(e, w)) continue;
    const start = b === undefined ? null : bucketOf(minuteOf(e), b);
    for (const kind of kinds) {
      for (const n of namesOf(e, kind)) {
        if (n === '') continue;
        const k = `${start}|${kind}`;
        let s = sets.get(k);
        if (s === undefined) {
          s = { start, kind, names: new Set() };
          sets.set(k, s);
        }
        s.names.add(n);
      }
    }
  }
  return [...sets.values()]
    .map((s) => ({ start: s.start, kind: s.kind, count: s.names.size }))
    .sort((x, y) => (x.start ?? 0) - (y.start ?? 0) || (x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : 0));
}

/** Distinct (family, type) of an event, both directions together. */
function typesOf(e: Event): Array<[string, string]> {
  const seen = new Map<string, [string, string]>();
  for (const f of [...e.findings.input, ...e.findings.output])
    seen.set(`${f.family}|${f.type}`, [f.family, f.type]);
  return [...seen.values()];
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function refEntities(
  events: readonly Event[],
  kind: EntityKind,
  w: MinuteWindow,
  options: { sort: EntitySort; limit: number; names?: readonly string[] },
): EntityStats[] {
  const map = new Map<string, EntityStats & { nano: number }>();
  for (const e of events) {
    if (!inWindow(e, w)) continue;
    const outcome = eventOutcome(e.decision);
    const severities = { high: 0, medium: 0, low: 0 };
    for (const [family, type] of typesOf(e)) {
      const s = findingSeverity(family, type);
      if (s !== null) severities[s]++;
    }
    const attack = [...e.findings.input, ...e.findings.output].some((f) => f.family === 'prompt_attack')
      ? 1
      : 0;
    for (const name of namesOf(e, kind)) {
      if (options.names !== undefined && !options.names.includes(name)) continue;
      let row = map.get(name);
      if (row === undefined) {
        row = {
          name,
          requests: 0,
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 0,
          errors: 0,
          outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>,
          high: 0,
          medium: 0,
          low: 0,
          attacks: 0,
          risk: 0,
          nano: 0,
        };
        map.set(name, row);
      }
      row.requests++;
      row.inputTokens += e.usage?.inputTokens ?? 0;
      row.outputTokens += e.usage?.outputTokens ?? 0;
      row.nano += costNano(e);
      row.errors += isError(e) ? 1 : 0;
      row.outcomes[outcome]++;
      row.high += severities.high;
      row.medium += severities.medium;
      row.low += severities.low;
      row.attacks += attack;
    }
  }
  const rows = [...map.values()].map(({ nano, ...row }) => ({
    ...row,
    costUsd: nano / 1e9,
    risk: riskScore({
      attacks: row.attacks,
      blocked: row.outcomes.blocked,
      high: row.high,
      medium: row.medium,
      low: row.low,
    }),
  }));
  const nanoOf = (r: EntityStats) => Math.round(r.costUsd * 1e9);
  const order: Record<EntitySort, (a: EntityStats, b: EntityStats) => number> = {
    risk: (a, b) => b.risk - a.risk || b.requests - a.requests,
    interactions: (a, b) => b.requests - a.requests,
    cost: (a, b) => nanoOf(b) - nanoOf(a) || b.requests - a.requests,
    tokens: (a, b) =>
      b.inputTokens + b.outputTokens - (a.inputTokens + a.outputTokens) || b.requests - a.requests,
  };
  rows.sort((a, b) => order[options.sort](a, b) || compareText(a.name, b.name));
  return options.names === undefined ? rows.slice(0, options.limit) : rows;
}

function familyAllowed(family: string, filter: Omit<FindingFilter, 'level' | 'limit'>): boolean {
  if (filter.families !== undefined && !filter.families.includes(family)) return false;
  if (filter.excludeFamilies?.includes(family)) return false;
  return true;
}

export function refFindings(
  events: readonly Event[],
  w: MinuteWindow,
  filter: FindingFilter,
): FindingStats[] {
  const map = new Map<string, FindingStats>();
  for (const e of events) {
    if (!inWindow(e, w)) continue;
    const keyOf = (f: Finding) => (filter.level === 'family' ? `${f.family}|` : `${f.family}|${f.type}`);
    const perEvent = new Map<
      string,
      { family: string; type: string; input: boolean; output: boolean; n: number }
    >();
    for (const [direction, list] of [
      ['input', e.findings.input],
      ['output', e.findings.output],
    ] as const) {
      for (const f of list) {
        if (!familyAllowed(f.family, filter)) continue;
        const k = keyOf(f);
        let x = perEvent.get(k);
        if (x === undefined) {
          x = {
            family: f.family,
            type: filter.level === 'family' ? '' : f.type,
            input: false,
            output: false,
            n: 0,
          };
          perEvent.set(k, x);
        }
        x[direction] = true;
        x.n++;
      }
    }
    for (const [k, x] of perEvent) {
      let row = map.get(k);
      if (row === undefined) {
        row = { family: x.family, type: x.type, events: 0, inputEvents: 0, outputEvents: 0, findings: 0 };
        map.set(k, row);
      }
      row.events++;
      row.inputEvents += x.input ? 1 : 0;
      row.outputEvents += x.output ? 1 : 0;
      row.findings += x.n;
    }
  }
  return [...map.values()]
    .sort(
      (a, b) =>
        b.events - a.events ||
        b.findings - a.findings ||
        compareText(a.family, b.family) ||
        compareText(a.type, b.type),
    )
    .slice(0, filter.limit);
}

export function refDestinations(
  events: readonly Event[],
  w: MinuteWindow,
  filter: Omit<FindingFilter, 'level'>,
): DestinationStats[] {
  const map = new Map<string, DestinationStats>();
  for (const e of events) {
    if (!inWindow(e, w)) continue;
    const model = e.modelRequested ?? e.modelServed ?? '';
    const outcome = eventOutcome(e.decision);
    const types = new Map<string, [string, string]>();
    for (const f of e.findings.input)
      if (familyAllowed(f.family, filter)) types.set(`${f.family}|${f.type}`, [f.family, f.type]);
    for (const [k, [family, type]] of types) {
      const key = `${k}|${model}`;
      let row = map.get(key);
      if (row === undefined) {
        row = {
          family,
          type,
          model,
          events: 0,
          outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>,
        };
        map.set(key, row);
      }
      row.events++;
      row.outcomes[outcome]++;
    }
  }
  return [...map.values()]
    .sort(
      (a, b) =>
        b.events - a.events ||
        compareText(a.family, b.family) ||
        compareText(a.type, b.type) ||
        compareText(a.model, b.model),
    )
    .slice(0, filter.limit);
}
