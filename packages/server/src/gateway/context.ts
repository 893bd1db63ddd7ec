import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContentMode, Decider, Detector } from '@parapet/core';
import type { DashboardFiles } from '../dashboard/static.ts';
import type { Authenticator } from '../identity/authenticate.ts';
import type { Logger } from '../observability/logger.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { Tracer } from '../observability/tracing.ts';
import type { PolicyRuntime } from '../policy/runtime.ts';
import type { EventRecorder } from '../store/index.ts';
import type { Store } from '../store/ports.ts';
import type { UpstreamAttemptInfo, UpstreamTransport } from '../upstream/index.ts';
import type { EnforcementKeys } from './enforce.ts';
import type { ModelChoice } from './plan.ts';

/** A model resolved from the model table: the chain to try and what it costs. */
export interface ResolvedRoute {
  /** The name the client asked for. */
  requested: string;
  chain: ModelChoice[];
  price: { input_per_mtok: number; output_per_mtok: number } | null;
  tags: readonly string[];
}

export interface ModelDirectory {
  resolve(name: string): ResolvedRoute | null;
  /** Models to list in /v1/models: table entries and aliases, with their provider. */
  list(): readonly { id: string; provider: string }[];
}

/** Settings the request path reads, resolved once from the config. */
export interface GatewaySettings {
  bodyLimitBytes: number;
  holdBackChars: number;
  windowChars: number;
  detectorBudgetMs: number;
  /** Plant a canary in system prompts and look for it in answers. */
  canaryTokens: boolean;
  contentMode: ContentMode;
  maxContentBytes: number;
  demo: boolean;
}

/** Everything the request path uses, wired once in main.ts. */
export interface GatewayContext {
  settings: GatewaySettings;
  models: ModelDirectory;
  authenticate: Authenticator;
  transport: UpstreamTransport;
  recorder: EventRecorder;
  store: Store;
  detectors: readonly Detector[];
  decider: Decider;
  /** The admin API (`/admin/…`), or null when it is not configured. */
  admin: ((req: IncomingMessage, res: ServerResponse, path: string) => void) | null;
  /** The built dashboard served at `/` (null when `dashboard.enabled` is false). */
  dashboard: DashboardFiles | null;
  /** The live policy (null when a test or embedder supplies its own decider). */
  policy: PolicyRuntime | null;
  enforcement: {
    keys: EnforcementKeys;
    vaultTtlMs: number;
    approvalPollMs: number;
    keepAliveMs: number;
    /** Hold-back of streamed output while a rule may redact output. */
    outputHoldBackChars: number;
    /** `adaptive`: hold back only what may still grow into a value; `fixed`: always the whole bound. */
    outputHoldBackMode: 'adaptive' | 'fixed';
  };
  metrics: GatewayMetrics;
  logger: Logger;
  tracer: Tracer;
  contentKey: Buffer;
  /** Wall clock (ms since epoch) and a monotonic clock (ms) for latencies. */
  clock: { wallMs(): number; monoMs(): number };
  newId(): string;
  estimateTokens(texts: readonly string[]): number;
  /** Called for every upstream attempt (metrics). */
  onUpstreamAttempt(info: UpstreamAttemptInfo): void;
}
