import { z } from 'zod';
import { DetectorFailure } from './finding.ts';
import { SEGMENT_SOURCES } from './segment.ts';

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
  /** Why this action: a rule, the global section, a detector failure under a fail-closed rule, or the default. */
  reason: z.enum(['rule', 'global', 'detector_failure', 'default']).optional(),
  /** Transformations to apply before forwarding (input) or delivering (output), from redact rules. */
  redactions: z
    .array(
      z.object({
        ruleId: z.string(),
        mode: z.enum(['tokenize', 'mask', 'hash']),
        /** Indexes into the findings list. */
        findings: z.array(z.number().int().nonnegative()),
      }),
    )
    .optional(),
  /** Every rule that matched, in order, and what it did: the explanation of the decision. */
  trail: z
    .array(
      z.object({
        ruleId: z.string(),
        action: DecisionAction,
        effect: z.enum([
          'decided',
          'accumulated',
          'acknowledged',
          'approved',
          'failed_closed',
          'failed_open',
        ]),
      }),
    )
    .optional(),
  /** block: answer as an assistant message instead of an error (OpenAI chat clients). */
  respondAs: z.enum(['error', 'assistant_message']).optional(),
  /** hold: how long to wait and what a timeout means. */
  hold: z.object({ timeoutMs: z.number().int().positive(), onTimeout: z.enum(['deny', 'allow']) }).optional(),
  /** warn: how long the acknowledgement token is valid. */
  ackTtlMs: z.number().int().positive().optional(),
  /** warn: the caller acknowledged this rule's warning, with their justification. */
  acknowledgement: z.object({ ruleId: z.string(), justification: z.string().nullable() }).optional(),
  /** hold: the approval filed and its outcome. */
  approval: z
    .object({
      id: z.string(),
      ruleId: z.string(),
      status: z.enum(['approved', 'denied', 'expired']),
      by: z.string().nullable(),
      at: z.string().nullable(),
      reason: z.string().nullable(),
    })
    .optional(),
  /** route: the model the request asked for and the one the rule sent it to. */
  routedFrom: z.string().optional(),
  /**
   * The interaction facts the policy read beyond the event's own fields (model-table name, detected
   * language, tools, the source of each segment), so a stored event re-evaluates to the same decision.
   */
  facts: z
    .object({
      model: z.string(),
      language: z.string().nullable(),
      hasTools: z.boolean(),
      sources: z.array(z.enum(SEGMENT_SOURCES)),
    })
    .optional(),
  /** Version of the policy that decided (when policies are versioned in the store). */
  policyVersion: z.number().int().nonnegative().optional(),
});
export type Decision = z.infer<typeof Decision>;

export const ALLOW: Decision = Object.freeze({
  action: 'allow',
  ruleId: null,
  findings: [],
  failures: [],
  tags: [],
}) as Decision;
