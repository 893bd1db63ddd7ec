// The shape every benchmarked detector set (Parapet and each peer) takes, so the worker measures them
// all the same way.

import type { TypedSpan } from './spans.ts';

/** A detector set under test, loaded in its own process by bench/detectors-worker.ts. */
export interface BenchTarget {
  /** Stable id used on the command line and in reports, e.g. `parapet`, `arcjet-redact`. */
  readonly id: string;
  /** Package and version as installed, e.g. `@arcjet/redact 1.12.0`. */
  readonly label: string;
  /** What `all` runs, one phrase per check (for the report). */
  readonly checks: readonly string[];
  /** Peer entity name → Presidio name (documented in the report; identity entries omitted). */
  readonly typeMap: Readonly<Record<string, string>>;
  /** Presidio names of the entity types its PII check can report (after `typeMap`). */
  readonly piiTypes: readonly string[];
  /** Runs every local check on `text`; true when any of them flags it. Timed by the speed phase. */
  all(text: string): Promise<boolean>;
  /** PII spans with Presidio type names; absent when the target has no PII check. */
  pii?(text: string): Promise<TypedSpan[]>;
  /** True when the secrets check flags `text`; absent when the target has no secrets check. */
  secrets?(text: string): Promise<boolean>;
  /** Each part of `all` on its own (per-detector timings and the pathological inputs), by name. */
  parts?(): Readonly<Record<string, (text: string) => Promise<unknown>>>;
}

/** Builds a target; rejects when the package is missing or cannot run offline. */
export type BenchTargetFactory = () => Promise<BenchTarget>;
