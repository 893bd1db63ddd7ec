// The targets of the detector benchmark, by id: Parapet first, then the peers. Each is loaded lazily, in
// the worker process that measures it.

import type { BenchTargetFactory } from './types.ts';

/** Target id → factory; the factory's module is imported only when the target runs. */
export const BENCH_TARGETS: Readonly<Record<string, BenchTargetFactory>> = {
  parapet: async () => (await import('./parapet.ts')).createParapetTarget(),
  'hai-guardrails': async () => (await import('./hai-guardrails.ts')).createHaiGuardrailsTarget(),
  'arcjet-redact': async () => (await import('./arcjet-redact.ts')).createArcjetRedactTarget(),
  'openai-guardrails': async () => (await import('./openai-guardrails.ts')).createOpenAiGuardrailsTarget(),
};

/** Target ids in report order. */
export const TARGET_IDS: readonly string[] = Object.keys(BENCH_TARGETS);
