import { ALLOW, type Decision } from '../model/decision.ts';
import type { DetectorFailure, Finding } from '../model/finding.ts';
import type { Principal } from '../model/principal.ts';
import type { Direction } from '../model/segment.ts';

/** What a decider sees: findings and metadata only, never wire formats. */
export interface DecisionInput {
  direction: Direction;
  principal: Principal;
  /** Model the client asked for, and the provider chosen for it. */
  model: string;
  provider: string;
  stream: boolean;
  findings: readonly Finding[];
  failures: readonly DetectorFailure[];
  /** Evaluation time, passed in (the core reads no clock). */
  now: Date;
}

/** A pure function from findings and metadata to a decision. The policy engine is one. */
export type Decider = (input: DecisionInput) => Decision;

/** The decider used when no policy is configured: allow, but carry the failures for the record. */
export const allowAll: Decider = (input) =>
  input.failures.length === 0 ? ALLOW : { ...ALLOW, failures: [...input.failures] };
