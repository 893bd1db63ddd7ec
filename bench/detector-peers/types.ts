// The shapes every benchmarked detector set (Parapet and each peer) takes, so the worker measures them
// all the same way: data-security targets (PII, secrets) and Protection II targets (prompt attacks,
// harmful requests, toxicity, topics).

import type { TypedSpan } from './spans.ts';

/** What the speed and memory phases need of any target. */
export interface TimedTarget {
  /** Stable id used on the command line and in reports, e.g. `parapet`, `arcjet-redact`. */
  readonly id: string;
  /** Package and version as installed, e.g. `@arcjet/redact 1.12.0`. */
  readonly label: string;
  /** What `all` runs, one phrase per check, with its settings (for the report). */
  readonly checks: readonly string[];
  /** Runs every local check on `text`; true when any of them flags it. Timed by the speed phase. */
  all(text: string): Promise<boolean>;
  /** Each part of `all` on its own (per-detector timings and the pathological inputs), by name. */
  parts?(): Readonly<Record<string, (text: string) => Promise<unknown>>>;
}

/** A data-security detector set under test, loaded in its own process by bench/detectors-worker.ts. */
export interface BenchTarget extends TimedTarget {
  /** Peer entity name → Presidio name (documented in the report; identity entries omitted). */
  readonly typeMap: Readonly<Record<string, string>>;
  /** Presidio names of the entity types its PII check can report (after `typeMap`). */
  readonly piiTypes: readonly string[];
  /** PII spans with Presidio type names; absent when the target has no PII check. */
  pii?(text: string): Promise<TypedSpan[]>;
  /** True when the secrets check flags `text`; absent when the target has no secrets check. */
  secrets?(text: string): Promise<boolean>;
}

/** Builds a target; rejects when the package is missing or cannot run offline. */
export type BenchTargetFactory = () => Promise<BenchTarget>;

/**
 * A Protection II detector set under test (prompt attacks, harmful requests, toxicity, topics), loaded in
 * its own process by bench/detectors-worker.ts.
 */
export interface AttackBenchTarget extends TimedTarget {
  /** What the target found out about itself while loading (e.g. a mode that cannot run offline). */
  readonly notes?: readonly string[];
  /**
   * The verdict of each check reported in the quality table, by row name (e.g. `prompt_attack`,
   * `checkJailbreak`, `any check`), at the check's default settings. Absent for speed-only targets (Parapet's
   * families alone: their verdicts are the whole default stack's rows, the detectors being independent).
   */
  verdicts?(text: string): Promise<Readonly<Record<string, boolean>>>;
}

/** Builds a Protection II target; rejects when the package is missing or cannot run offline. */
export type AttackBenchTargetFactory = () => Promise<AttackBenchTarget>;
