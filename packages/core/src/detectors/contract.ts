import type { Finding } from '../model/finding.ts';
import type { Direction, Segment } from '../model/segment.ts';

export interface DetectorContext {
  direction: Direction;
  /** Aborted when the detector's time budget runs out; long-running detectors should stop. */
  signal?: AbortSignal;
}

/**
 * A detector reads segments and returns findings. It never sees HTTP, wire formats or policy.
 * It must not mutate its input. Span offsets are UTF-16 code units into `segments[finding.segment].text`.
 *
 * Failure behaviour: a detector that throws or exceeds its budget is reported as a DetectorFailure, never
 * as "nothing found"; the decider chooses what a failure means.
 */
export interface Detector {
  /** Stable id, e.g. `pii.email` or `test.keyword`. */
  readonly id: string;
  /** Family reported in findings and scan output. */
  readonly family: string;
  inspect(segments: readonly Segment[], ctx: DetectorContext): Finding[] | Promise<Finding[]>;
  /**
   * Resolves when what the detector loads lazily (e.g. shipped word vectors) is loaded. Optional: before
   * it resolves, `inspect` still works (it waits for the load). The gateway and the CLI await it when they
   * build their detectors, so no request pays for a load inside its time budget.
   */
  ready?(): Promise<void>;
}
