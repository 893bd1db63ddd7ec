import type { Decision, DecisionAction } from '../model/decision.ts';
import type { Finding } from '../model/finding.ts';
import type { Direction, SegmentSource } from '../model/segment.ts';
import type { DecisionInput } from '../pipeline/decide.ts';
import { globMatch } from './glob.ts';
import type { Condition, DetectionCondition, OnError, PolicyDocument, Rule, TimeWindow } from './schema.ts';
import { WEEKDAYS } from './schema.ts';

/**
 * The policy engine: a pure function of (policy, interaction, findings, principal, time). A policy is
 * compiled once (globs, sets, time zones and durations resolved) and then evaluated per direction.
 *
 * Order (docs/policy.md states each sentence, and test/policy tests each):
 * 1. `global` first: the kill switch and the block lists.
 * 2. Rules in order. A rule applies when every condition in its `when` holds.
 *    - `redact` and `monitor` accumulate (transformations, tags) and evaluation goes on.
 *    - The first matching deciding action wins: allow, warn, block, route, hold. An acknowledged warn or
 *      an approved hold is passed over and evaluation goes on.
 *    - A condition that reads a family whose detector failed is unknown (three-valued logic through
 *      `not`, `any`, `all`). A rule whose `when` is unknown applies its `on_error`: `block` stops with a
 *      block (fail closed), `allow` treats the rule as not matching.
 * 3. No deciding rule: `default`. The reported action is then `redact` when redactions apply, `monitor`
 *    when tags were added, else the default.
 */

/** Three-valued truth: a condition on a failed detector family is neither true nor false. */
type Truth = 0 | 1 | 2;
const FALSE: Truth = 0;
const TRUE: Truth = 1;
const UNKNOWN: Truth = 2;

/** Context one evaluation shares between rules. */
interface EvalContext {
  input: DecisionInput;
  /** Families with a failed detector in this evaluation. */
  failed: ReadonlySet<string>;
  /** Finding indexes per family, computed once. */
  byFamily: ReadonlyMap<string, number[]>;
  /** Matching findings of the rule being evaluated (collected for redaction and explanation). */
  matched: Set<number>;
}

type Test = (ctx: EvalContext) => Truth;

interface CompiledRule {
  rule: Rule;
  directions: ReadonlySet<Direction>;
  test: Test;
  /** Families the rule's conditions read (for on_error resolution). */
  families: readonly string[];
  holdMs: number;
  ackTtlMs: number;
}

export interface CompiledPolicy {
  readonly document: PolicyDocument;
  /** Version in the policy store, when known; recorded on every decision. */
  readonly version: number | undefined;
  evaluate(input: DecisionInput): Decision;
}

/** Actions that decide (stop evaluation); the others accumulate. */
const DECIDING: ReadonlySet<DecisionAction> = new Set(['allow', 'warn', 'block', 'route', 'hold']);
/** Actions that only make sense before the request is forwarded. */
export const INPUT_ONLY_ACTIONS: ReadonlySet<DecisionAction> = new Set(['warn', 'route', 'hold']);

/**
 * Compiles a validated policy document. Throws on values the validator rejects (bad durations, time
 * zones); validate first (validate.ts) to get those as issues with paths.
 */
export function compilePolicy(document: PolicyDocument, version?: number): CompiledPolicy {
  const rules = document.rules.filter((r) => r.enabled).map(compileRule);
  const g = document.global;
  const blocks: { key: string; test: (input: DecisionInput) => boolean }[] = [];
  const addBlock = (
    key: string,
    patterns: readonly string[],
    pick: (i: DecisionInput) => readonly string[],
  ) => {
    if (patterns.length === 0) return;
    const match = matcher(patterns);
    blocks.push({ key, test: (input) => pick(input).some(match) });
  };
  addBlock('global.blocked_apps', g.blocked_apps, (i) => nonNull(i.principal.app));
  addBlock('global.blocked_users', g.blocked_users, (i) => nonNull(i.principal.user));
  addBlock('global.blocked_groups', g.blocked_groups, (i) => i.principal.groups);
  addBlock('global.blocked_keys', g.blocked_keys, (i) => nonNull(i.principal.keyId));
  addBlock('global.blocked_models', g.blocked_models, modelNames);
  addBlock('global.blocked_providers', g.blocked_providers, (i) => [i.provider]);

  const onErrorFor = (direction: Direction, families: readonly string[], rule: Rule): OnError => {
    if (rule.on_error !== undefined) return rule.on_error;
    let result: OnError | undefined;
    for (const family of families) {
      const own = document.on_error.families[family];
      if (own === 'block') return 'block';
      if (own === 'allow') result = 'allow';
    }
    return result ?? document.on_error[direction];
  };

  const evaluate = (input: DecisionInput): Decision => {
    const base = {
      failures: [...input.failures],
      ...(version === undefined ? {} : { policyVersion: version }),
    };
    if (g.block_all) {
      return {
        ...base,
        action: 'block',
        ruleId: 'global.block_all',
        reason: 'global',
        message: g.message ?? 'AI access is switched off by the administrator (kill switch).',
        findings: [],
        tags: [],
      };
    }
    for (const b of blocks) {
      if (b.test(input)) {
        return {
          ...base,
          action: 'block',
          ruleId: b.key,
          reason: 'global',
          message: g.message ?? `blocked by the administrator (${b.key.slice('global.'.length)})`,
          findings: [],
          tags: [],
        };
      }
    }
    const failed = new Set<string>();
    for (const f of input.failures) if (f.family !== undefined) failed.add(f.family);
    const byFamily = new Map<string, number[]>();
    input.findings.forEach((f, i) => {
      const list = byFamily.get(f.family);
      if (list === undefined) byFamily.set(f.family, [i]);
      else list.push(i);
    });
    const ctx: EvalContext = { input, failed, byFamily, matched: new Set() };
    const trail: NonNullable<Decision['trail']> = [];
    const tags: string[] = [];
    const redactions: NonNullable<Decision['redactions']> = [];
    const acknowledged = input.acknowledged ?? [];
    const approved = input.approved ?? [];
    for (const c of rules) {
      if (!c.directions.has(input.direction)) continue;
      const action = c.rule.action;
      if (input.direction === 'output' && INPUT_ONLY_ACTIONS.has(action)) continue;
      ctx.matched = new Set();
      const truth = c.test(ctx);
      if (truth === FALSE) continue;
      if (truth === UNKNOWN) {
        // Only the families that failed say what their failure means (a working family's setting does not).
        const failedFamilies = c.families.filter((f) => failed.has(f));
        // A monitor rule only records: its failure does not block unless the rule says so.
        const mode =
          action === 'monitor' && c.rule.on_error === undefined
            ? 'allow'
            : onErrorFor(input.direction, failedFamilies, c.rule);
        if (mode === 'allow') {
          trail.push({ ruleId: c.rule.id, action, effect: 'failed_open' });
          continue;
        }
        trail.push({ ruleId: c.rule.id, action, effect: 'failed_closed' });
        const which = input.failures
          .filter((f) => f.family !== undefined && c.families.includes(f.family))
          .map((f) => f.detector);
        return {
          ...base,
          action: 'block',
          ruleId: c.rule.id,
          reason: 'detector_failure',
          message: `the request could not be checked (detector ${[...new Set(which)].join(', ')} failed) and rule \`${c.rule.id}\` fails closed`,
          findings: [],
          tags: dedupe(tags),
          trail,
          ...(redactions.length > 0 ? { redactions } : {}),
        };
      }
      const matched = [...ctx.matched].sort((a, b) => a - b);
      if (action === 'monitor') {
        tags.push(c.rule.id, ...(c.rule.tags ?? []));
        trail.push({ ruleId: c.rule.id, action, effect: 'accumulated' });
        continue;
      }
      if (action === 'redact') {
        const spanned = matched.filter((i) => input.findings[i]!.span !== null);
        if (spanned.length > 0) {
          const mode = c.rule.redact?.mode ?? 'tokenize';
          // The caller must get real text back: on output, tokenising is masking.
          redactions.push({
            ruleId: c.rule.id,
            mode: input.direction === 'output' && mode === 'tokenize' ? 'mask' : mode,
            findings: spanned,
          });
          trail.push({ ruleId: c.rule.id, action, effect: 'accumulated' });
        }
        continue;
      }
      if (action === 'warn' && acknowledged.includes(c.rule.id)) {
        trail.push({ ruleId: c.rule.id, action, effect: 'acknowledged' });
        continue;
      }
      if (action === 'hold' && approved.includes(c.rule.id)) {
        trail.push({ ruleId: c.rule.id, action, effect: 'approved' });
        continue;
      }
      if (!DECIDING.has(action)) continue;
      trail.push({ ruleId: c.rule.id, action, effect: 'decided' });
      const decision: Decision = {
        ...base,
        action,
        ruleId: c.rule.id,
        reason: 'rule',
        findings: matched,
        tags: dedupe(tags),
        trail,
      };
      if (redactions.length > 0) decision.redactions = redactions;
      if (c.rule.message !== undefined) decision.message = c.rule.message;
      if (action === 'route' && c.rule.route_to !== undefined) decision.routeTo = c.rule.route_to;
      if (action === 'block') decision.respondAs = c.rule.block?.respond_as ?? 'error';
      if (action === 'hold')
        decision.hold = { timeoutMs: c.holdMs, onTimeout: c.rule.hold?.on_timeout ?? 'deny' };
      if (action === 'warn') decision.ackTtlMs = c.ackTtlMs;
      return decision;
    }
    const action: DecisionAction =
      document.default === 'block'
        ? 'block'
        : redactions.length > 0
          ? 'redact'
          : tags.length > 0
            ? 'monitor'
            : 'allow';
    const firstAccumulated = trail.find((t) => t.effect === 'accumulated' && t.action === action);
    const decision: Decision = {
      ...base,
      action,
      ruleId: firstAccumulated?.ruleId ?? null,
      reason: firstAccumulated === undefined ? 'default' : 'rule',
      findings: [...new Set(redactions.flatMap((r) => r.findings))].sort((a, b) => a - b),
      tags: dedupe(tags),
    };
    if (trail.length > 0) decision.trail = trail;
    if (redactions.length > 0) decision.redactions = redactions;
    if (action === 'block') decision.message = 'no rule allows this request (the policy default is block)';
    return decision;
  };
  return { document, version, evaluate };
}

function compileRule(rule: Rule): CompiledRule {
  const families = new Set<string>();
  const test = compileCondition(rule.when, families);
  const dir = rule.when.direction;
  const directions = new Set<Direction>(
    dir === undefined ? ['input', 'output'] : Array.isArray(dir) ? dir : [dir],
  );
  return {
    rule,
    directions,
    test,
    families: [...families],
    holdMs: parseDuration(rule.hold?.timeout ?? '15m'),
    ackTtlMs: parseDuration(rule.warn?.ack_ttl ?? '1h'),
  };
}

function compileCondition(when: Condition, families: Set<string>): Test {
  const tests: Test[] = [];
  const principalTest = (
    patterns: readonly string[] | undefined,
    pick: (i: DecisionInput) => readonly string[],
  ) => {
    if (patterns === undefined) return;
    const match = matcher(patterns);
    tests.push((ctx) => (pick(ctx.input).some(match) ? TRUE : FALSE));
  };
  principalTest(when.users, (i) => nonNull(i.principal.user));
  principalTest(when.groups, (i) => i.principal.groups);
  principalTest(when.apps, (i) => nonNull(i.principal.app));
  principalTest(when.keys, (i) => nonNull(i.principal.keyId));
  const dest = when.destination;
  if (dest !== undefined) {
    principalTest(dest.providers, (i) => [i.provider]);
    principalTest(dest.models, modelNames);
    principalTest(dest.tags, (i) => i.modelTags ?? []);
  }
  if (when.languages !== undefined) {
    const langs = new Set(when.languages.map((l) => l.toLowerCase()));
    tests.push((ctx) => (ctx.input.language != null && langs.has(ctx.input.language) ? TRUE : FALSE));
  }
  if (when.has_tools !== undefined) {
    const want = when.has_tools;
    tests.push((ctx) => ((ctx.input.hasTools ?? false) === want ? TRUE : FALSE));
  }
  if (when.stream !== undefined) {
    const want = when.stream;
    tests.push((ctx) => (ctx.input.stream === want ? TRUE : FALSE));
  }
  if (when.time !== undefined) {
    const inWindow = compileTimeWindow(when.time);
    tests.push((ctx) => (inWindow(ctx.input.now) ? TRUE : FALSE));
  }
  if (when.detections !== undefined) {
    for (const [family, cond] of Object.entries(when.detections)) {
      families.add(family);
      tests.push(compileDetection(family, cond));
    }
  }
  if (when.not !== undefined) {
    const inner = compileCondition(when.not, families);
    tests.push((ctx) => {
      // Findings that made the inner condition true are not reasons for this rule.
      const saved = ctx.matched;
      ctx.matched = new Set();
      const t = inner(ctx);
      ctx.matched = saved;
      return t === UNKNOWN ? UNKNOWN : t === TRUE ? FALSE : TRUE;
    });
  }
  if (when.any !== undefined) {
    const inner = when.any.map((c) => compileCondition(c, families));
    tests.push((ctx) => {
      const outer = ctx.matched;
      let result: Truth = FALSE;
      for (const t of inner) {
        // Every true branch is evaluated so all its findings are collected for redaction; findings of a
        // branch that is not true are not reasons for this rule.
        const own = new Set<number>();
        ctx.matched = own;
        const v = t(ctx);
        if (v === TRUE) {
          result = TRUE;
          for (const i of own) outer.add(i);
        } else if (v === UNKNOWN && result === FALSE) result = UNKNOWN;
      }
      ctx.matched = outer;
      return result;
    });
  }
  if (when.all !== undefined) {
    const inner = when.all.map((c) => compileCondition(c, families));
    tests.push(conjunction(inner));
  }
  return conjunction(tests);
}

/** All tests: false as soon as one is false; unknown if none is false and one is unknown. */
function conjunction(tests: readonly Test[]): Test {
  if (tests.length === 0) return () => TRUE;
  if (tests.length === 1) return tests[0]!;
  return (ctx) => {
    let result: Truth = TRUE;
    for (const t of tests) {
      const v = t(ctx);
      if (v === FALSE) return FALSE;
      if (v === UNKNOWN) result = UNKNOWN;
    }
    return result;
  };
}

function compileDetection(family: string, cond: DetectionCondition): Test {
  const typeList = [...(cond.types ?? []), ...(cond.categories ?? []), ...(cond.labels ?? [])];
  const types = typeList.length === 0 ? null : new Set(typeList);
  const minScore = cond.min_score ?? 0;
  const minCount = cond.min_count ?? 1;
  const sources: ReadonlySet<SegmentSource> | null =
    cond.sources === undefined ? null : new Set(cond.sources);
  return (ctx) => {
    const indexes = ctx.byFamily.get(family);
    const hits: number[] = [];
    if (indexes !== undefined) {
      const findings = ctx.input.findings;
      for (const i of indexes) {
        const f: Finding = findings[i]!;
        if (f.score < minScore) continue;
        if (types !== null && !types.has(f.type)) continue;
        if (sources !== null) {
          const source = f.segment === null ? undefined : ctx.input.segmentSources?.[f.segment];
          if (source === undefined || !sources.has(source)) continue;
        }
        hits.push(i);
      }
    }
    if (hits.length >= minCount) {
      // Findings are reasons only when the condition holds (fewer than min_count are not).
      for (const i of hits) ctx.matched.add(i);
      return TRUE;
    }
    return ctx.failed.has(family) ? UNKNOWN : FALSE;
  };
}

/** Matches any of the patterns (`*` wildcards; exact strings through a set). */
function matcher(patterns: readonly string[]): (value: string) => boolean {
  const exact = new Set(patterns.filter((p) => !p.includes('*')));
  const globs = patterns.filter((p) => p.includes('*'));
  if (globs.length === 0) return (v) => exact.has(v);
  return (v) => exact.has(v) || globs.some((g) => globMatch(g, v));
}

/** The model as the table names it and as the caller asked for it (an alias), so neither escapes a rule. */
function modelNames(input: DecisionInput): readonly string[] {
  return input.requestedModel === undefined || input.requestedModel === input.model
    ? [input.model]
    : [input.model, input.requestedModel];
}

function nonNull(value: string | null): readonly string[] {
  return value === null ? [] : [value];
}

function dedupe(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** `HH:MM` → minutes after midnight, or null. */
export function parseClock(text: string): number | null {
  if (text.length !== 5 || text[2] !== ':') return null;
  const h = Number(text.slice(0, 2));
  const m = Number(text.slice(3));
  if (!Number.isInteger(h) || !Number.isInteger(m) || h < 0 || h > 23 || m < 0 || m > 59) return null;
  if (!isDigits(text.slice(0, 2)) || !isDigits(text.slice(3))) return null;
  return h * 60 + m;
}

/** `30s`, `10m`, `2h`, `7d` (or a number of milliseconds) → ms; throws on anything else. */
export function parseDuration(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === null) throw new RangeError(`\`${text}\` is not a duration (use 30s, 10m, 2h or 7d)`);
  return ms;
}

export function tryParseDuration(text: string): number | null {
  const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const unit = units[text.slice(-1)];
  const digits = unit === undefined ? text : text.slice(0, -1);
  if (!isDigits(digits) || digits.length > 9) return null;
  const value = Number(digits) * (unit ?? 1);
  return value > 0 ? value : null;
}

function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (const c of text) if (c < '0' || c > '9') return false;
  return true;
}

/** True when the time zone is one Intl knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function compileTimeWindow(window: TimeWindow): (now: Date) => boolean {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: window.timezone ?? 'UTC',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const days = window.days === undefined ? null : new Set<string>(window.days);
  const between = window.between;
  const start = between === undefined ? null : parseClock(between[0]);
  const end = between === undefined ? null : parseClock(between[1]);
  if (between !== undefined && (start === null || end === null)) {
    throw new RangeError('time.between must be two `HH:MM` times');
  }
  return (now) => {
    let weekday = '';
    let hour = 0;
    let minute = 0;
    for (const part of format.formatToParts(now)) {
      if (part.type === 'weekday') weekday = part.value.toLowerCase().slice(0, 3);
      else if (part.type === 'hour') hour = Number(part.value);
      else if (part.type === 'minute') minute = Number(part.value);
    }
    const minutes = hour * 60 + minute;
    if (start !== null && end !== null) {
      const inside = start <= end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
      if (!inside) return false;
      // An overnight window belongs to the day it started on.
      if (days !== null && start > end && minutes < end) return days.has(previousDay(weekday));
    }
    return days === null || days.has(weekday);
  };
}

function previousDay(day: string): string {
  const i = WEEKDAYS.indexOf(day as (typeof WEEKDAYS)[number]);
  return WEEKDAYS[(i + WEEKDAYS.length - 1) % WEEKDAYS.length]!;
}
