/**
 * Policy simulation: replays stored events against a candidate policy and counts the decisions that would
 * change. The policy engine is a pure function of (policy, findings, metadata, time), so an event's stored
 * findings and metadata, re-evaluated under the policy that decided it, give back its stored decision;
 * under a candidate policy they show what that policy would have done.
 *
 * What the event does not store is not replayed: the detected language (conditions on `languages` never
 * match), whether the request declared tools (known only from encrypted content with `rescan`), and the
 * source of each segment (known from redacted content, and from encrypted content with `rescan`).
 */
import {
  type CompiledPolicy,
  type Condition,
  type Decision,
  type DecisionInput,
  type Detector,
  type DetectorFailure,
  type Direction,
  type Event,
  embeddingsSegments,
  type Finding,
  type PolicyDocument,
  type Principal,
  parseEmbeddingsRequest,
  requestSegments,
  responseSegments,
  type Segment,
  type SegmentSource,
} from '@parapet/core';
import { type Config, resolveModel } from '../config/index.ts';
import { CLIENT_FORMATS, type ClientRoute } from '../gateway/plan.ts';
import { runDetectors } from '../pipeline/inspect.ts';
import { decryptContent } from '../store/content-crypto.ts';
import type { EventQuery, EventStore } from '../store/ports.ts';
import { MAX_QUERY_LIMIT } from '../store/store-rows.ts';

/** Example event ids kept per group of changed decisions. */
export const SIMULATION_EXAMPLES = 5;

/** Re-running today's detectors on stored content (`--rescan`). */
export interface RescanOptions {
  detectors: readonly Detector[];
  /** Time budget per detector and direction, as in the gateway (`inspection.detector_budget_ms`). */
  budgetMs: number;
  /** The content key (`encryption.key` in the data dir or PARAPET_ENCRYPTION_KEY); null: nothing decrypts. */
  contentKey: Uint8Array | null;
}

export interface SimulationOptions {
  /** The candidate policy. */
  policy: CompiledPolicy;
  /** The deployment config: model tags and providers come from its model table. */
  config: Config;
  /** Re-run the detectors where the content mode allows it; absent: use the stored findings. */
  rescan?: RescanOptions;
  /** Example ids per group (default SIMULATION_EXAMPLES). */
  examples?: number;
}

/** One group of changed decisions. */
export interface ChangeGroup {
  count: number;
  /** Up to `examples` distinct event ids, in the order the events were read (newest first from the store). */
  examples: string[];
}

export interface TransitionGroup extends ChangeGroup {
  from: string;
  to: string;
}

export interface RuleGroup extends ChangeGroup {
  /** The rule that decides under the candidate policy; null for the policy default. */
  ruleId: string | null;
}

export interface SimulationReport {
  /** Events read. */
  eventsScanned: number;
  /** Direction decisions re-evaluated (an event has up to two: input and output). */
  decisionsCompared: number;
  /** Decisions whose action or rule differs from the stored one. */
  decisionsChanged: number;
  /** Events with at least one changed decision. */
  eventsChanged: number;
  byDirection: Record<Direction, { compared: number; changed: number }>;
  /** By (stored action → new action), most frequent first. */
  byTransition: TransitionGroup[];
  /** By the rule that decides under the candidate policy, most frequent first. */
  byRule: RuleGroup[];
  /** Present when rescanning: events whose content was re-inspected, and those that could not be. */
  rescan: {
    rescanned: number;
    /** Content mode `redacted` or `none` (or no content stored): the stored findings were used. */
    notRescannable: number;
    /** Encrypted content that did not decrypt or parse (wrong key, truncated): stored findings used. */
    unreadable: number;
  } | null;
}

/**
 * Replays events against the candidate policy. Events without a stored decision in a direction are
 * skipped for that direction (scans, requests that failed before the policy ran).
 */
export async function simulatePolicy(
  events: Iterable<Event> | AsyncIterable<Event>,
  options: SimulationOptions,
): Promise<SimulationReport> {
  const simulation = createSimulation(options);
  for await (const event of events) {
    const pending = simulation.add(event);
    if (pending !== undefined) await pending;
  }
  return simulation.report();
}

/** An incremental simulation: feed events one by one, then read the report. */
export interface Simulation {
  /** Adds one event; a promise only when rescanning (detectors are asynchronous), so await it when defined. */
  add(event: Event): Promise<void> | undefined;
  report(): SimulationReport;
}

export function createSimulation(options: SimulationOptions): Simulation {
  const limit = options.examples ?? SIMULATION_EXAMPLES;
  const rescan = options.rescan;
  const needsSources = usesSources(options.policy.document);
  const targets = new Map<string, { provider: string | null; tags: readonly string[] }>();
  const targetOf = (model: string) => {
    let target = targets.get(model);
    if (target === undefined) {
      const resolved = resolveModel(options.config, model);
      target = { provider: resolved?.provider ?? null, tags: resolved?.tags ?? [] };
      targets.set(model, target);
    }
    return target;
  };
  const transitions = new Map<string, TransitionGroup>();
  const rules = new Map<string, RuleGroup>();
  const report: SimulationReport = {
    eventsScanned: 0,
    decisionsCompared: 0,
    decisionsChanged: 0,
    eventsChanged: 0,
    byDirection: { input: { compared: 0, changed: 0 }, output: { compared: 0, changed: 0 } },
    byTransition: [],
    byRule: [],
    rescan: rescan === undefined ? null : { rescanned: 0, notRescannable: 0, unreadable: 0 },
  };
  const note = (group: ChangeGroup, id: string) => {
    group.count++;
    // Both directions of one event may land in the same group: list the event once.
    if (group.examples.length < limit && group.examples[group.examples.length - 1] !== id)
      group.examples.push(id);
  };

  const compare = (event: Event, replay: Replay | null): void => {
    const target = targetOf(event.modelRequested ?? '');
    const now = new Date(event.time);
    let changedHere = false;
    for (const direction of DIRECTIONS) {
      const stored = event.decision[direction];
      if (stored === null) continue;
      const input = decisionInputFromEvent(event, direction, target, replay?.[direction], now);
      const next = options.policy.evaluate(input);
      report.decisionsCompared++;
      report.byDirection[direction].compared++;
      if (next.action === stored.action && (next.ruleId ?? null) === (stored.ruleId ?? null)) continue;
      report.decisionsChanged++;
      report.byDirection[direction].changed++;
      changedHere = true;
      const key = `${stored.action}\u0000${next.action}`;
      let t = transitions.get(key);
      if (t === undefined) {
        t = { from: stored.action, to: next.action, count: 0, examples: [] };
        transitions.set(key, t);
      }
      note(t, event.id);
      const ruleKey = next.ruleId ?? '\u0000default';
      let r = rules.get(ruleKey);
      if (r === undefined) {
        r = { ruleId: next.ruleId ?? null, count: 0, examples: [] };
        rules.set(ruleKey, r);
      }
      note(r, event.id);
    }
    if (changedHere) report.eventsChanged++;
  };

  const add = (event: Event): Promise<void> | undefined => {
    report.eventsScanned++;
    if (event.decision.input === null && event.decision.output === null) return undefined;
    const counts = report.rescan;
    if (rescan === undefined || counts === null) {
      compare(event, needsSources ? sourcesFromRedacted(event) : null);
      return undefined;
    }
    return rescanEvent(event, rescan).then((outcome) => {
      if (outcome === 'not_rescannable') counts.notRescannable++;
      else if (outcome === 'unreadable') counts.unreadable++;
      else counts.rescanned++;
      compare(event, typeof outcome === 'string' ? null : outcome);
    });
  };

  return {
    add,
    report() {
      const byCount = <T extends ChangeGroup>(a: T, b: T) => b.count - a.count;
      return {
        ...report,
        byDirection: {
          input: { ...report.byDirection.input },
          output: { ...report.byDirection.output },
        },
        byTransition: [...transitions.values()].sort(
          (a, b) => byCount(a, b) || a.from.localeCompare(b.from) || a.to.localeCompare(b.to),
        ),
        byRule: [...rules.values()].sort(
          (a, b) => byCount(a, b) || (a.ruleId ?? '').localeCompare(b.ruleId ?? ''),
        ),
        rescan: report.rescan === null ? null : { ...report.rescan },
      };
    },
  };
}

const DIRECTIONS: readonly Direction[] = ['input', 'output'];

/** What a rescan (or the stored content) adds to an event's replay, per direction. */
interface DirectionReplay {
  findings?: readonly Finding[];
  failures?: readonly DetectorFailure[];
  segmentSources?: readonly SegmentSource[];
  hasTools?: boolean;
}
type Replay = Partial<Record<Direction, DirectionReplay>>;

/**
 * The decision input an event's direction was decided from: principal, requested model (its provider and
 * tags from the model table; the event's provider when the table no longer knows the model), stream,
 * stored findings and detector failures, the event time as `now`, and the warn and hold rules the stored
 * trail shows as acknowledged or approved. `replay` replaces findings and failures (rescan) and adds what
 * only the content tells (segment sources, tools). `now` defaults to the event time (pass it to share one Date).
 */
export function decisionInputFromEvent(
  event: Event,
  direction: Direction,
  target: { provider: string | null; tags: readonly string[] },
  replay: DirectionReplay = {},
  now: Date = new Date(event.time),
): DecisionInput {
  const stored: Decision | null = event.decision[direction];
  const principal: Principal = {
    keyId: event.principal.keyId,
    user: event.principal.user,
    groups: event.principal.groups,
    app: event.principal.app,
    models: null,
    via: event.principal.via,
  };
  const acknowledged: string[] = [];
  const approved: string[] = [];
  for (const step of stored?.trail ?? []) {
    if (step.effect === 'acknowledged') acknowledged.push(step.ruleId);
    else if (step.effect === 'approved') approved.push(step.ruleId);
  }
  // Facts recorded with the decision win over what can be rebuilt from today's model table.
  const facts = stored?.facts;
  const input: DecisionInput = {
    direction,
    principal,
    model: facts?.model ?? event.modelRequested ?? '',
    ...(event.modelRequested === null ? {} : { requestedModel: event.modelRequested }),
    ...(facts === undefined
      ? {}
      : { language: facts.language, hasTools: facts.hasTools, segmentSources: facts.sources }),
    provider: target.provider ?? event.provider ?? '',
    stream: event.stream,
    modelTags: target.tags,
    findings: replay.findings ?? event.findings[direction],
    failures: replay.failures ?? stored?.failures ?? [],
    now,
    acknowledged,
    approved,
  };
  if (replay.segmentSources !== undefined) input.segmentSources = replay.segmentSources;
  if (replay.hasTools !== undefined) input.hasTools = replay.hasTools;
  return input;
}

/** Runs the detectors on an event's decrypted content; the reason when it cannot. */
async function rescanEvent(
  event: Event,
  rescan: RescanOptions,
): Promise<Replay | 'not_rescannable' | 'unreadable'> {
  if (event.contentMode !== 'encrypted' || event.content === null) return 'not_rescannable';
  if (rescan.contentKey === null) return 'unreadable';
  let content: { request?: unknown; response?: unknown; truncated?: unknown };
  try {
    content = JSON.parse(decryptContent(rescan.contentKey, event.content));
  } catch {
    return 'unreadable';
  }
  if (content === null || typeof content !== 'object' || content.truncated === true) return 'unreadable';
  const replay: Replay = {};
  const inputs = requestSegmentsOf(event.route, content.request);
  if (inputs !== null && event.decision.input !== null) {
    const found = await runDetectors(rescan.detectors, inputs.segments, 'input', rescan.budgetMs);
    replay.input = {
      findings: found.findings,
      failures: found.failures,
      segmentSources: inputs.segments.map((s) => s.source),
      hasTools: inputs.hasTools,
    };
  }
  const outputs = responseSegmentsOf(event.route, content.response);
  if (outputs !== null && event.decision.output !== null) {
    const found = await runDetectors(rescan.detectors, outputs, 'output', rescan.budgetMs);
    replay.output = {
      findings: found.findings,
      failures: found.failures,
      segmentSources: outputs.map((s) => s.source),
      hasTools: inputs?.hasTools ?? false,
    };
  }
  if (replay.input === undefined && replay.output === undefined) return 'unreadable';
  return replay;
}

function isClientRoute(route: string): route is ClientRoute {
  return route in CLIENT_FORMATS;
}

function requestSegmentsOf(route: string, body: unknown): { segments: Segment[]; hasTools: boolean } | null {
  try {
    if (isClientRoute(route)) {
      const chat = CLIENT_FORMATS[route].parseRequest(body);
      return { segments: requestSegments(chat), hasTools: (chat.tools?.length ?? 0) > 0 };
    }
    if (route === 'embeddings') {
      return { segments: embeddingsSegments(parseEmbeddingsRequest(body)), hasTools: false };
    }
  } catch {
    // A body the format no longer reads: keep the stored findings.
  }
  return null;
}

function responseSegmentsOf(route: string, body: unknown): Segment[] | null {
  if (body === null || body === undefined || typeof body !== 'object') return null;
  const streamed = body as { streamed?: unknown; text?: unknown; toolCalls?: unknown };
  if (streamed.streamed === true) {
    const segments: Segment[] = [];
    if (typeof streamed.text === 'string' && streamed.text !== '') {
      segments.push({ index: 0, source: 'completion', path: 'text', text: streamed.text });
    }
    if (Array.isArray(streamed.toolCalls)) {
      for (const call of streamed.toolCalls as { index?: unknown; arguments?: unknown }[]) {
        if (typeof call?.arguments === 'string' && call.arguments !== '') {
          segments.push({
            index: segments.length,
            source: 'tool_call',
            path: String(call.index ?? segments.length),
            text: call.arguments,
          });
        }
      }
    }
    return segments;
  }
  if (route === 'embeddings') return [];
  if (!isClientRoute(route)) return null;
  try {
    return responseSegments(CLIENT_FORMATS[route].parseResponse(body));
  } catch {
    return null;
  }
}

/** Segment sources from redacted content (`{input: [{source}], output: [{source}]}`), when the policy reads them. */
function sourcesFromRedacted(event: Event): Replay | null {
  if (event.contentMode !== 'redacted' || event.content === null) return null;
  try {
    const doc = JSON.parse(event.content) as { input?: unknown; output?: unknown };
    const sources = (list: unknown): SegmentSource[] | undefined =>
      Array.isArray(list) ? list.map((s) => (s as { source: SegmentSource }).source) : undefined;
    const input = sources(doc.input);
    const output = sources(doc.output);
    return {
      ...(input === undefined ? {} : { input: { segmentSources: input } }),
      ...(output === undefined ? {} : { output: { segmentSources: output } }),
    };
  } catch {
    return null;
  }
}

/** True when a condition anywhere in the policy filters findings by segment source. */
function usesSources(document: PolicyDocument): boolean {
  const visit = (when: Condition | undefined): boolean => {
    if (when === undefined) return false;
    for (const cond of Object.values(when.detections ?? {})) if (cond.sources !== undefined) return true;
    return visit(when.not) || (when.any ?? []).some(visit) || (when.all ?? []).some(visit);
  };
  return document.rules.some((rule) => visit(rule.when));
}

/** The window of stored events to replay. */
export interface EventWindow {
  /** ISO time, inclusive. */
  since: string;
  /** ISO time, exclusive; null: up to now. */
  until: string | null;
  /** Most events to read (1 to MAX_SIMULATED_EVENTS). */
  limit: number;
}

/** Most events one simulation reads. */
export const MAX_SIMULATED_EVENTS = 5_000_000;

/**
 * Reads the events of a window from the store, newest first, page by page (keyset paging on time and id,
 * so no event is read twice or skipped). `truncated` says the window held more than `limit` events.
 */
export async function readEventWindow(
  store: Pick<EventStore, 'queryEvents'>,
  window: EventWindow,
): Promise<{ events: Event[]; truncated: boolean }> {
  if (!Number.isInteger(window.limit) || window.limit < 1 || window.limit > MAX_SIMULATED_EVENTS) {
    throw new RangeError(
      `the event limit must be an integer from 1 to ${MAX_SIMULATED_EVENTS}, not \`${window.limit}\``,
    );
  }
  const events: Event[] = [];
  let after: EventQuery['after'];
  for (;;) {
    const want = Math.min(MAX_QUERY_LIMIT, window.limit + 1 - events.length);
    const query: EventQuery = { since: window.since, limit: want };
    if (window.until !== null) query.until = window.until;
    if (after !== undefined) query.after = after;
    const page = await store.queryEvents(query);
    for (const e of page) events.push(e);
    if (page.length < want || events.length > window.limit) break;
    const last = page[page.length - 1]!;
    after = { time: last.time, id: last.id };
  }
  const truncated = events.length > window.limit;
  if (truncated) events.length = window.limit;
  return { events, truncated };
}
