import { z } from 'zod';
import { DetectorFailure } from './finding.ts';

export const DecisionAction = z.enum(['allow', 'monitor', 'warn', 'redact', 'block', 'route', 'hold']);
export type DecisionAction = z.infer<typeof DecisionAction>;

/**
 * What the gateway does with one direction of one interaction, and why.
 *
 * Failure behaviour: when a detector fails, the decider sees it in `failures` and chooses; the default
 * decider with no policy allows. Policies (their own module) fail closed on input by default.
 */
export const Decision = z.object({
  action: DecisionAction,
  /** Id of the rule that decided, or null for the default. */
  ruleId: z.string().nullable(),
  /** Message for the caller (block/warn). */
  message: z.string().optional(),
  /** Model to route to (route). */
  routeTo: z.string().optional(),
  /** Indexes into the findings list that made the rule fire. */
  findings: z.array(z.number().int().nonnegative()),
  failures: z.array(DetectorFailure),
  /** Tags from monitor rules. */
  tags: z.array(z.string()).default([]),
});
export type Decision = z.infer<typeof Decision>;

export const ALLOW: Decision = Object.freeze({
  action: 'allow',
  ruleId: null,
  findings: [],
  failures: [],
  tags: [],
}) as Decision;
