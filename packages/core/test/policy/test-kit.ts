// Builders shared by the policy tests: a policy from its YAML-shaped object, principals, findings,
// failures and decision inputs with sensible defaults.
import type { CompiledPolicy, DecisionInput, DetectorFailure, Finding, Principal } from '../../src/index.ts';
import { compilePolicy, PolicyDocument, type PolicyDocumentInput } from '../../src/index.ts';

/** Parses (schema defaults applied) and compiles a policy document. */
export function policy(raw: PolicyDocumentInput, version?: number): CompiledPolicy {
  return compilePolicy(PolicyDocument.parse(raw), version);
}

export function principal(over: Partial<Principal> = {}): Principal {
  return {
    keyId: 'key-1',
    user: 'ada',
    groups: ['staff'],
    app: 'chat-web',
    models: null,
    via: 'key',
    ...over,
  };
}

/** A finding in segment 0 with a span, unless told otherwise. */
export function finding(family: string, type: string, over: Partial<Finding> = {}): Finding {
  return {
    family,
    type,
    score: 0.9,
    segment: 0,
    span: { start: 0, end: 4 },
    detector: `${family}.test`,
    ...over,
  };
}

export function failure(family: string, over: Partial<DetectorFailure> = {}): DetectorFailure {
  return {
    detector: `${family}.test`,
    family,
    reason: 'timeout',
    message: 'no answer within 250 ms',
    ...over,
  };
}

/** Monday 2026-03-02 10:00 UTC. */
export const MONDAY_10_UTC = new Date('2026-03-02T10:00:00Z');

export function input(over: Partial<DecisionInput> = {}): DecisionInput {
  return {
    direction: 'input',
    principal: principal(),
    model: 'gpt-4o-mini',
    provider: 'openai',
    stream: false,
    modelTags: ['public'],
    hasTools: false,
    language: 'en',
    segmentSources: ['system', 'user'],
    findings: [],
    failures: [],
    now: MONDAY_10_UTC,
    ...over,
  };
}

/** Recursively freezes a value, so that any write to it throws (ES modules run in strict mode). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
