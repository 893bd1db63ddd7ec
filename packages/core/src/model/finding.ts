import { z } from 'zod';

export const Span = z.object({
  /** UTF-16 code-unit offset into the segment text, inclusive. */
  start: z.number().int().nonnegative(),
  /** UTF-16 code-unit offset, exclusive. */
  end: z.number().int().nonnegative(),
});
export type Span = z.infer<typeof Span>;

/** One thing a detector found. */
export const Finding = z.object({
  /** Detector family: pii, secrets, prompt_attack, harmful, toxicity, topics, code, … */
  family: z.string(),
  /** Entity type, category or label inside the family (e.g. EMAIL_ADDRESS, S9, legal). */
  type: z.string(),
  score: z.number().min(0).max(1),
  /** Index of the inspected segment; null when the finding is about the whole interaction. */
  segment: z.number().int().nonnegative().nullable(),
  span: Span.nullable(),
  /** Rule or model that produced it. */
  detector: z.string(),
  explanation: z.string().optional(),
});
export type Finding = z.infer<typeof Finding>;

/**
 * A detector that could not give an answer (threw, timed out). Kept apart from findings: a failure is not
 * a detection, and the decision records what the failure meant.
 */
export const DetectorFailure = z.object({
  detector: z.string(),
  /** Family of the failed detector; policies decide what a failure of that family means. */
  family: z.string().optional(),
  reason: z.enum(['error', 'timeout']),
  message: z.string(),
});
export type DetectorFailure = z.infer<typeof DetectorFailure>;
