import type { Detector } from '@parapet/core';
import type { Config } from '../config/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { PolicyRuntime } from '../policy/runtime.ts';
import type { Store } from '../store/ports.ts';
import type { AdminRole } from './permissions.ts';

/** Where every admin API route lives. */
export const ADMIN_API_PREFIX = '/admin/api/v1';

/** Largest admin request body (1 MiB); larger bodies get 413 PARAPET_REQUEST_TOO_LARGE. */
export const ADMIN_BODY_LIMIT_BYTES = 1024 * 1024;

/** How an actor signed in: a session cookie (a local account), an API token, or the bootstrap `admin.token`. */
export type AdminActorKind = 'user' | 'token' | 'bootstrap';

/** Who made an admin request, resolved by handler.ts before any route runs. */
export interface AdminActor {
  /**
   * Recorded as a policy version's author, an activation's `by`, a setting's `updatedBy`, an approval's
   * `decidedBy`, and the audit trail's actor: the account name (`alice`), `token:<token name>` for an
   * API token, or `admin-token` for the bootstrap token.
   */
  name: string;
  /** The role whose permissions apply (permissions.ts); the bootstrap token is `admin`. */
  role: AdminRole;
  kind: AdminActorKind;
  /**
   * The client address of the request (the socket's remote address), recorded in the audit trail. The
   * handler always sets it; absent (an actor built by a test or a tool) records null.
   */
  ip?: string | null;
}

/** The name recorded for changes made with the admin token. */
export const ADMIN_TOKEN_ACTOR = 'admin-token';

/** What the admin API works with, wired once in main.ts. */
export interface AdminDeps {
  /**
   * The bootstrap (break-glass) bearer token, `admin.token`: role `admin`, actor `admin-token`. Null: only
   * accounts and API tokens sign in, and the API answers 404 until an account exists. Never logged.
   */
  token: string | null;
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
  /**
   * Aborted when the gateway shuts down: open streams (the approvals' server-sent events) end then, so
   * closing does not wait out its grace period for them.
   */
  shutdown?: AbortSignal;
}
