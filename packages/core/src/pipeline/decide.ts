import { ALLOW, type Decision } from '../model/decision.ts';
import type { DetectorFailure, Finding } from '../model/finding.ts';
import type { Principal } from '../model/principal.ts';
import type { Direction, SegmentSource } from '../model/segment.ts';

/** What a decider sees: findings and metadata only, never wire formats. */
export interface DecisionInput {
  direction: Direction;
  principal: Principal;
  /** The model-table name of the model the client asked for, and the provider chosen for it. */
  model: string;
  /** The name the client sent, when it differs from `model` (an alias). */
  requestedModel?: string;
  provider: string;
  stream: boolean;
  /** Tags of the requested model (model table). */
  modelTags?: readonly string[];
  /** The request declares tools. */
  hasTools?: boolean;
  /** Detected language of the inspected text (ISO 639-1), when known. */
  language?: string | null;
  /** Source of each inspected segment, by segment index (for `sources` conditions). */
  segmentSources?: readonly SegmentSource[];
  /** Warn rules the caller acknowledged, and hold rules a reviewer approved: evaluation goes past them. */
  acknowledged?: readonly string[];
  approved?: readonly string[];
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
