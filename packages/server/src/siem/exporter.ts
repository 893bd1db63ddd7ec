/**
 * The SIEM webhook sink: reads stored events by keyset paging and POSTs them as signed NDJSON batches,
 * at least once, resuming from a durable cursor after a restart. Several replicas may run it; a lease in
 * the settings table lets exactly one export at a time, and every write of the cursor is a
 * compare-and-set that also proves the lease is still held (state.ts).
 *
 * Delivery ids: `dlv_` + the first 32 hex digits of the SHA-256 of the batch's event ids. A batch sent
 * again (after a failed attempt, a restart, or a lease taken over before the cursor moved) is the same
 * query on the same cursor, so it carries the same events and the same id: a receiver that remembers
 * the delivery ids it accepted (or the event ids) drops the repeat.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Event } from '@parapet/core';
import type { Config } from '../config/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/ports.ts';
import { type DeliveryIo, deliver, sleep } from './delivery.ts';
import { type ContentRedactor, ndjson, siemRecord } from './record.ts';
import { createContentRedactor } from './redact.ts';
import { createSettingCas, type SettingCas } from './setting-cas.ts';
import { displayUrl, loadSiemSettings, type SiemSettings, siemReady } from './settings.ts';
import { parseSiemState, SIEM_STATE_KEY, type SiemCursor, type SiemStateValue } from './state.ts';

/** Default lease length: another replica takes over this long after the holder stops renewing. */
export const SIEM_LEASE_MS = 60_000;
/** Longest wait between two rounds after failures. */
const MAX_ROUND_BACKOFF_MS = 300_000;
const EPOCH = '1970-01-01T00:00:00.000Z';

export interface SiemExporterOptions {
  store: Store;
  /** The config file's `siem` section (the run-time setting replaces it when written). */
  config: Pick<Config, 'siem'>;
  /** Decrypts the secret of the run-time setting; null: only the config file's secret can be used. */
  contentKey: Uint8Array | null;
  logger: Logger;
  /** Wall clock, ms since the epoch. Default Date.now. */
  now?: () => number;
  /** Names this replica in the lease. Default `<host>:<pid>:<8 random hex>`. */
  replicaId?: string;
  /** How long a lease lasts without renewal. Default SIEM_LEASE_MS. */
  leaseMs?: number;
  /** Masks content for `content: redacted`. Default createContentRedactor(contentKey). */
  redact?: ContentRedactor;
  /** Network, randomness, sleeping and retry delays (tests shorten them). */
  io?: Partial<DeliveryIo>;
}

/** What one round did. */
export type SiemRound =
  | { state: 'disabled'; reason: string | null }
  /** Another replica holds the lease. */
  | { state: 'standby'; holder: string; expiresAt: string }
  /** Every event up to `now - delay_ms` is delivered. */
  | { state: 'caught-up'; delivered: number; batches: number }
  /** A delivery failed after its retries; the cursor did not move past it. */
  | { state: 'failed'; delivered: number; batches: number; message: string }
  /** The lease was lost mid-round (another replica took over) or the sink is stopping. */
  | { state: 'stopped'; delivered: number; batches: number };

export interface SiemExporter {
  readonly replicaId: string;
  /** Runs rounds until stop(): at once, then every `flush_interval_ms` (longer after failures). */
  start(): void;
  /** Stops the loop, aborts a delivery in flight and gives the lease up. Idempotent. */
  stop(): Promise<void>;
  /** One round: read the settings, take or renew the lease, deliver batches until caught up or a failure. */
  runOnce(): Promise<SiemRound>;
}

/** Holds the state row's revision and value between compare-and-sets. */
interface Held {
  revision: number;
  state: SiemStateValue;
}

export function createSiemExporter(options: SiemExporterOptions): SiemExporter {
  const { store, config, contentKey, logger } = options;
  const now = options.now ?? Date.now;
  const replicaId = options.replicaId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const leaseMs = options.leaseMs ?? SIEM_LEASE_MS;
  const redact = options.redact ?? createContentRedactor(contentKey);
  const io: DeliveryIo = {
    fetch: options.io?.fetch ?? ((input, init) => fetch(input, init)),
    random: options.io?.random ?? Math.random,
    sleep: options.io?.sleep ?? sleep,
    now: options.io?.now ?? now,
    baseDelayMs: options.io?.baseDelayMs ?? 500,
    maxDelayMs: options.io?.maxDelayMs ?? 30_000,
  };
  const cas: SettingCas = createSettingCas(store);
  const stopping = new AbortController();
  let loop: Promise<void> | null = null;
  let lastSettings: SiemSettings | null = null;
  /** What this replica last wrote or read of the state row while it held the lease. */
  let held: Held | null = null;
  let lastProblem: string | null = null;
  /** The lease length of the current round: long enough to cover one attempt and the wait before it. */
  let roundLeaseMs = leaseMs;

  const iso = (ms: number) => new Date(ms).toISOString();

  /** Writes `next` over the held revision; false (and forgets the lease) when someone else wrote first. */
  async function commit(next: SiemStateValue, acquiring = false): Promise<boolean> {
    if (held === null) return false;
    const lease = { holder: replicaId, expiresAt: iso(now() + roundLeaseMs) };
    const written = await cas.compareAndPut(
      SIEM_STATE_KEY,
      held.revision,
      { ...next, lease },
      replicaId,
      iso(now()),
    );
    if (written === null) {
      if (!acquiring) {
        logger.warn('SIEM sink lost its lease to another replica; it stops exporting here', {
          replica: replicaId,
        });
      }
      held = null;
      return false;
    }
    held = { revision: written.revision, state: { ...next, lease } };
    return true;
  }

  /** Takes the lease when it is free, expired or ours; null when another replica holds it. */
  async function acquire(): Promise<{ holder: string; expiresAt: string } | null> {
    const record = await cas.get(SIEM_STATE_KEY);
    const state = parseSiemState(record?.value);
    const lease = state.lease;
    if (lease !== null && lease.holder !== replicaId && Date.parse(lease.expiresAt) > now()) return lease;
    held = { revision: record?.revision ?? 0, state };
    if (!(await commit(state, true))) {
      const current = parseSiemState((await cas.get(SIEM_STATE_KEY))?.value);
      return current.lease ?? { holder: 'unknown', expiresAt: iso(now()) };
    }
    if (lease?.holder !== replicaId) {
      logger.info('SIEM sink took the export lease', { replica: replicaId });
    }
    return null;
  }

  /** Gives the lease up (on stop or when the sink is turned off), so another replica can start at once. */
  async function release(): Promise<void> {
    if (held === null) return;
    const revision = held.revision;
    const state = { ...held.state, lease: null };
    held = null;
    await cas.compareAndPut(SIEM_STATE_KEY, revision, state, replicaId, iso(now())).catch((err: unknown) => {
      logger.warn('SIEM sink could not give its lease up; another replica takes over when it expires', {
        error: err,
      });
    });
  }

  async function runOnce(): Promise<SiemRound> {
    if (stopping.signal.aborted) return { state: 'stopped', delivered: 0, batches: 0 };
    const effective = await loadSiemSettings(store, config, contentKey);
    const settings = effective.settings;
    lastSettings = settings;
    if (effective.problem !== null && effective.problem !== lastProblem) {
      logger.error('SIEM sink settings cannot be used', { problem: effective.problem });
    }
    lastProblem = effective.problem;
    if (!siemReady(settings)) {
      await release();
      return { state: 'disabled', reason: effective.problem };
    }
    roundLeaseMs = Math.max(leaseMs, 2 * (settings.timeoutMs + io.maxDelayMs));
    const other = await acquire();
    if (other !== null) return { state: 'standby', holder: other.holder, expiresAt: other.expiresAt };
    return drain(settings);
  }

  async function drain(settings: SiemSettings & { url: string; secret: string }): Promise<SiemRound> {
    let delivered = 0;
    let batches = 0;
    const progress = () => ({ delivered, batches });
    let state = held!.state;
    // Fixed for the round, so a round ends even while the clock moves: later events wait for the next one.
    const horizon = iso(now() - settings.delayMs);
    let cursor: SiemCursor = state.cursor ?? {
      from: settings.start === 'beginning' ? EPOCH : horizon,
      until: null,
      after: null,
    };
    for (;;) {
      if (stopping.signal.aborted || held === null) return { state: 'stopped', ...progress() };
      if (cursor.until === null) {
        const until = horizon;
        if (until <= cursor.from) {
          // Caught up: record the cursor (first run) and renew the lease.
          if (!(await commit({ ...state, cursor }))) return { state: 'stopped', ...progress() };
          return { state: 'caught-up', ...progress() };
        }
        cursor = { ...cursor, until };
      }
      const page = await store.queryEvents({
        since: cursor.from,
        until: cursor.until!,
        ...(cursor.after === null ? {} : { after: cursor.after }),
        limit: settings.batchSize,
      });
      if (page.length === 0) {
        cursor = { from: cursor.until!, until: null, after: null };
        if (!(await commit({ ...state, cursor }))) return { state: 'stopped', ...progress() };
        state = held!.state;
        continue;
      }
      // Persist the window before sending, so a restart re-reads the same page (same delivery id).
      if (state.cursor?.until !== cursor.until) {
        if (!(await commit({ ...state, cursor }))) return { state: 'stopped', ...progress() };
        state = held!.state;
      }
      const delivery = deliveryId(page);
      const body = ndjson(
        page
          .slice()
          .reverse()
          .map((event) => siemRecord(event, settings.content, redact)),
      );
      let firstAttempt = true;
      const outcome = await deliver(
        {
          url: settings.url,
          secret: settings.secret,
          timeoutMs: settings.timeoutMs,
          maxRetries: settings.maxRetries,
        },
        body,
        delivery,
        io,
        {
          signal: stopping.signal,
          // Renew the lease before every retry (the first attempt follows a write already).
          beforeAttempt: async () => {
            if (firstAttempt) {
              firstAttempt = false;
              return held !== null;
            }
            const ok = await commit(state);
            if (ok) state = held!.state;
            return ok;
          },
        },
      );
      if (!outcome.ok) {
        if (outcome.aborted) return { state: 'stopped', ...progress() };
        const at = iso(now());
        logger.warn('SIEM delivery failed; the batch is sent again next round', {
          delivery,
          events: page.length,
          attempts: outcome.attempts,
          status: outcome.status,
          reason: outcome.message,
          url: displayUrl(settings.url),
        });
        const failed = {
          ...state,
          cursor,
          lastError: { at, message: outcome.message, status: outcome.status, delivery },
          failures: state.failures + 1,
        };
        if (!(await commit(failed))) return { state: 'stopped', ...progress() };
        return { state: 'failed', ...progress(), message: outcome.message };
      }
      const last = page[page.length - 1]!;
      cursor =
        page.length < settings.batchSize
          ? { from: cursor.until!, until: null, after: null }
          : { ...cursor, after: { time: iso(Date.parse(last.time)), id: last.id } };
      delivered += page.length;
      batches++;
      const next: SiemStateValue = {
        ...state,
        cursor,
        stats: {
          batches: state.stats.batches + 1,
          events: state.stats.events + page.length,
          lastDelivery: delivery,
          lastDeliveredAt: iso(now()),
        },
        failures: 0,
      };
      logger.debug('SIEM delivery accepted', {
        delivery,
        events: page.length,
        attempts: outcome.attempts,
        status: outcome.status,
      });
      if (!(await commit(next))) return { state: 'stopped', ...progress() };
      state = held!.state;
    }
  }

  /** The wait before the next round: the flush interval, or a growing jittered backoff after failures. */
  function nextWait(round: SiemRound | null): number {
    const interval = lastSettings?.flushIntervalMs ?? config.siem.flush_interval_ms;
    const failures = held?.state.failures ?? 0;
    if (round === null || (round.state === 'failed' && failures > 0)) {
      const ceiling = Math.min(MAX_ROUND_BACKOFF_MS, interval * 2 ** Math.min(failures, 16));
      return Math.max(interval, ceiling * (0.5 + io.random() / 2));
    }
    return interval;
  }

  async function run(): Promise<void> {
    while (!stopping.signal.aborted) {
      let round: SiemRound | null = null;
      try {
        round = await runOnce();
      } catch (err) {
        if (stopping.signal.aborted) break;
        logger.warn('SIEM sink round failed; it retries later', { error: err });
      }
      try {
        await io.sleep(nextWait(round), stopping.signal);
      } catch {
        break;
      }
    }
  }

  return {
    replicaId,
    runOnce,
    start() {
      loop ??= run();
    },
    async stop() {
      stopping.abort(new Error('the SIEM sink is stopping'));
      await loop?.catch(() => undefined);
      await release();
    },
  };
}

/** `dlv_` + 32 hex digits of the SHA-256 of the batch's event ids: the same batch, the same id. */
export function deliveryId(events: readonly Pick<Event, 'id'>[]): string {
  const hash = createHash('sha256');
  for (const event of events) hash.update(event.id).update('\n');
  return `dlv_${hash.digest('hex').slice(0, 32)}`;
}
