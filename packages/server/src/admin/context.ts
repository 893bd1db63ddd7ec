import type { Detector } from '@parapet/core';
import type { Config } from '../config/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { PolicyRuntime } from '../policy/runtime.ts';
import type { Store } from '../store/ports.ts';

/** Where every admin API route lives. */
export const ADMIN_API_PREFIX = '/admin/api/v1';

/** Largest admin request body (1 MiB); larger bodies get 413 PARAPET_REQUEST_TOO_LARGE. */
export const ADMIN_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Who made an admin request. Only the admin token exists for now, so every change is recorded as
 * `admin-token`; accounts and roles (issue 6) will add users here.
 */
export interface AdminActor {
  /** Recorded as a policy version's author, an activation's `by`, a setting's `updatedBy`, an approval's `decidedBy`. */
  name: string;
}

/** The name recorded for changes made with the admin token. */
export const ADMIN_TOKEN_ACTOR = 'admin-token';

/** What the admin API works with, wired once in main.ts. */
export interface AdminDeps {
  /** The bearer token every request must carry (`admin.token`). Never logged. */
  token: string;
  store: Store;
  /** The live policy of this process: refreshed after every change so it applies at once. Null when a test or embedder supplies its own decider. */
  policy: PolicyRuntime | null;
  /** The deployment: policies are validated against its model table, upstreams and detector settings. */
  config: Config;
  /** The detectors this gateway runs: their families are what a policy may name. */
  detectors: readonly Detector[];
  logger: Logger;
  /** Wall clock, ms since the epoch. */
  clock: { wallMs(): number };
  /** The content key, so a simulation with `rescan` can read encrypted content; null: nothing decrypts. */
  contentKey?: Uint8Array | null;
  /** Default ADMIN_BODY_LIMIT_BYTES. */
  bodyLimitBytes?: number;
}
