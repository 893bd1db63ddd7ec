// The targets of the detector benchmark, by id: Parapet first, then the peers. Each is loaded lazily, in
// the worker process that measures it. Two suites: data security (PII, secrets) and Protection II (prompt
// attacks, harmful requests, toxicity, topics).

import type { AttackBenchTargetFactory, BenchTargetFactory } from './types.ts';

/** Data-security target id → factory; the factory's module is imported only when the target runs. */
export const BENCH_TARGETS: Readonly<Record<string, BenchTargetFactory>> = {
  parapet: async () => (await import('./parapet.ts')).createParapetTarget(),
  'hai-guardrails': async () => (await import('./hai-guardrails.ts')).createHaiGuardrailsTarget(),
  'arcjet-redact': async () => (await import('./arcjet-redact.ts')).createArcjetRedactTarget(),
  'openai-guardrails': async () => (await import('./openai-guardrails.ts')).createOpenAiGuardrailsTarget(),
};

/** Data-security target ids in report order. */
export const TARGET_IDS: readonly string[] = Object.keys(BENCH_TARGETS);

const parapetFamily = (family: string) => async () =>
  (await import('./parapet-protection.ts')).createParapetFamilyTarget(family);

/** Protection II target id → factory (Parapet's families alone, its whole default stack, then the peers). */
export const ATTACK_TARGETS: Readonly<Record<string, AttackBenchTargetFactory>> = {
  'parapet-prompt-attack': parapetFamily('prompt_attack'),
  'parapet-harmful': parapetFamily('harmful'),
  'parapet-toxicity': parapetFamily('toxicity'),
  'parapet-topics': parapetFamily('topics'),
  'parapet-default-stack': async () => (await import('./parapet-protection.ts')).createParapetStackTarget(),
  vard: async () => (await import('./vard.ts')).createVardTarget(),
  'llm-guardrail': async () => (await import('./llm-guardrail.ts')).createLlmGuardrailTarget(),
  'hai-guardrails-attack': async () =>
    (await import('./hai-guardrails-attack.ts')).createHaiGuardrailsAttackTarget(),
};

/** Protection II target ids in report order. */
export const ATTACK_TARGET_IDS: readonly string[] = Object.keys(ATTACK_TARGETS);

/**
 * Peers named by the issue that have no offline Protection II check at all, and why: reported as such
 * instead of being forced into a check they do not ship.
 */
export const PEERS_WITHOUT_OFFLINE_ATTACK_CHECK: readonly { pkg: string; reason: string }[] = [
  {
    pkg: '@openai/guardrails',
    reason:
      'no offline attack, harmful or toxicity check: `jailbreak`, `prompt_injection_detection`, `nsfw`, `topical-alignment` and `user-defined-llm` ask an LLM, `moderation` calls the OpenAI moderation API and `hallucination-detection` its file search; the offline checks are `pii`, `secretKeysCheck`, `urls` (in the data-security table) and `keywords`/`competitors`, which match only a word list the user supplies (none by default)',
  },
];
