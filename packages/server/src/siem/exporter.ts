/**
 * The SIEM webhook sink: reads stored events in the order they were stored (the event feed,
 * store/ingest-feed.ts) and POSTs them as signed NDJSON batches, at least once, resuming from a durable
 * cursor after a restart. Several replicas may run it; a lease in the settings table lets exactly one
 * export at a time, and every write of the cursor is a compare-and-set that also proves the lease is
 * still held (state.ts).
 *
 * Ingest order, not event time: an event is stamped when its request starts but stored when it ends (a
 * long stream, a request held for approval, an event replayed from the spool after an outage). Walking
 * event time, the sink would pass the time of such an event before it is stored and never export it;
 * walking the feed, every stored event comes after the cursor once it is stored. On PostgreSQL a row is
 * read once it is older than a settle margin (SIEM_SETTLE_MS, or `siem.delay_ms` when longer), positions
 * passed without a row are watched for a day and a row that shows up in one is sent late: no event is
 * skipped silently (see ingest-feed.ts for why the margin is enough).
 *
 * Delivery ids: `dlv_` + the first 32 hex digits of the SHA-256 of the batch's event ids. A batch sent
 * again (after a failed attempt, a restart, or a lease taken over before the cursor moved) is the same
 * query on the same cursor (the end of a batch is written before it is sent), so it carries the same
 * events and the same id: a receiver that remembers the delivery ids it accepted (or the event ids) drops
 * the repeat.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Event } from '@parapet/core';
import type { Config } from '../config/index.ts';
import type { Logger } from '../observability/logger.ts';
import { createEventFeed, FEED_BACKFILL_SETTING, type FeedEntry } from '../store/ingest-feed.ts';
import type { Store } from '../store/ports.ts';
import { type DeliveryIo, deliver, sleep } from './delivery.ts';
import { type ContentRedactor, ndjson, siemRecord } from './record.ts';
import { createContentRedactor } from './redact.ts';
import { createSettingCas, type SettingCas } from './setting-cas.ts';
import { displayUrl, loadSiemSettings, type SiemSettings, siemReady } from './settings.ts';
import {
  feedCursor,
  parseSiemState,
  SIEM_STATE_KEY,
  type SiemCursor,
  type SiemGap,
  type SiemLegacyCursor,
  type SiemStateValue,
} from './state.ts';

/** Default lease length: another replica takes over this long after the holder stops renewing. */
export const SIEM_LEASE_MS = 60_000;
/**
 * Shortest settle margin on PostgreSQL: a feed row is read once it is this much older than the database's
 * clock, far longer than an insert transaction takes from its feed row to its commit (see
 * store/ingest-feed.ts). `siem.delay_ms` lengthens it; SQLite needs none.
 */
export const SIEM_SETTLE_MS = 5000;
/** How long feed positions passed without a row are watched for a late commit. */
export const SIEM_GAP_WATCH_MS = 24 * 3_600_000;
/** Most gap ranges watched at once; beyond, the oldest are dropped (with a warning). */
const MAX_GAPS = 1000;
/** How often the holder adds feed rows for events stored without one, on PostgreSQL (SQLite: once). */
export const SIEM_SWEEP_INTERVAL_MS = 3_600_000;
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
  /** Shortest settle margin on PostgreSQL. Default SIEM_SETTLE_MS (tests shorten it). */
  settleMs?: number;
}

/** What one round did. */
export type SiemRound =
  | { state: 'disabled'; reason: string | null }
  /** Another replica holds the lease. */
  | { state: 'standby'; holder: string; expiresAt: string }
  /** Every event stored before the round started (and older than the settle margin) is delivered. */
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
  const feed = createEventFeed(store.sql);
  const settleFloorMs = options.settleMs ?? SIEM_SETTLE_MS;
  /** When the next sweep for events without a feed row is due (the first round sweeps). */
  let nextSweepAt = Number.NEGATIVE_INFINITY;
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

  /** Adds feed rows for events stored without one: on the first round, then hourly on PostgreSQL. */
  async function sweep(at: number): Promise<void> {
    if (at < nextSweepAt) return;
    const added = await feed.addMissing();
    nextSweepAt = store.kind === 'postgres' ? at + SIEM_SWEEP_INTERVAL_MS : Number.POSITIVE_INFINITY;
    if (added > 0) {
      logger.warn(
        'SIEM sink found events stored without a feed row (written by an older version?); they are exported now',
        {
          events: added,
        },
      );
    }
  }

  /**
   * The feed cursor to start from when the state holds none: `siem.start` for a sink that never ran, or
   * the conversion of an older version's time cursor `{from, …}` (every event with a time before `from`
   * was delivered): the position before the first event with a time at or after `from`, or before the
   * first event stored after the upgrade (migration 7), whichever comes first. The window that was open
   * is sent again (a repeat receivers drop), and events stored late after the upgrade are not skipped.
   */
  async function startingCursor(
    stored: SiemLegacyCursor | null,
    settings: SiemSettings,
    settleMs: number,
    at: number,
  ): Promise<SiemCursor> {
    const fresh = { through: null, until: null, after: null } as const;
    if (stored === null) {
      if (settings.start === 'beginning') return { ...fresh, seq: 0, from: EPOCH };
      return { ...fresh, seq: await feed.lastSeq(), from: iso(at - settleMs) };
    }
    const first = await feed.firstSeqFrom(stored.from);
    const backfill = backfilledThrough((await store.getSetting(FEED_BACKFILL_SETTING))?.value);
    const bounds = [first === null ? null : first - 1, backfill].filter((n): n is number => n !== null);
    const seq = bounds.length > 0 ? Math.max(0, Math.min(...bounds)) : await feed.lastSeq();
    logger.info('SIEM sink converted its time cursor to a position in the event feed', {
      from: stored.from,
      seq,
    });
    return { ...fresh, seq, from: stored.from };
  }

  async function drain(settings: SiemSettings & { url: string; secret: string }): Promise<SiemRound> {
    let delivered = 0;
    let batches = 0;
    const progress = () => ({ delivered, batches });
    const stopped = (): SiemRound => ({ state: 'stopped', ...progress() });
    const at = now();
    // SQLite has one writer: a visible row has every lower position visible too. PostgreSQL: see ingest-feed.ts.
    const settleMs = store.kind === 'postgres' ? Math.max(settleFloorMs, settings.delayMs) : 0;
    await sweep(at);
    if (stopping.signal.aborted || held === null) return stopped();
    let state = held.state;
    let cursor = state.cursor === null ? null : feedCursor(state.cursor);
    if (cursor === null) {
      cursor = await startingCursor(state.cursor, settings, settleMs, at);
      if (!(await commit({ ...state, cursor }))) return stopped();
      state = held!.state;
    }
    const live = state.gaps.filter((g) => Date.parse(g.at) + SIEM_GAP_WATCH_MS > at);
    if (live.length !== state.gaps.length) {
      logger.debug('SIEM sink stopped watching feed gaps older than a day', {
        gaps: state.gaps.length - live.length,
      });
      state = { ...state, gaps: live };
    }

    /** Sends one batch (in feed order); null once acknowledged, else how the round ends (failure recorded). */
    const send = async (events: readonly Event[]): Promise<{ delivery: string; end: SiemRound | null }> => {
      // The id hashes the ids last stored first, as it always hashed the batch in the order it was read.
      const delivery = deliveryId([...events].reverse());
      const body = ndjson(events.map((event) => siemRecord(event, settings.content, redact)));
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
      if (outcome.ok) {
        logger.debug('SIEM delivery accepted', {
          delivery,
          events: events.length,
          attempts: outcome.attempts,
          status: outcome.status,
        });
        return { delivery, end: null };
      }
      if (outcome.aborted) return { delivery, end: stopped() };
      logger.warn('SIEM delivery failed; the batch is sent again next round', {
        delivery,
        events: events.length,
        attempts: outcome.attempts,
        status: outcome.status,
        reason: outcome.message,
        url: displayUrl(settings.url),
      });
      const failed: SiemStateValue = {
        ...state,
        lastError: { at: iso(now()), message: outcome.message, status: outcome.status, delivery },
        failures: state.failures + 1,
      };
      if (!(await commit(failed))) return { delivery, end: stopped() };
      return { delivery, end: { state: 'failed', ...progress(), message: outcome.message } };
    };

    /** The state after an acknowledged batch of `n` events (`late` of them from gaps). */
    const accepted = (n: number, delivery: string, late: number, change: Partial<SiemStateValue>) => {
      delivered += n;
      batches++;
      return {
        ...state,
        ...change,
        stats: {
          batches: state.stats.batches + 1,
          events: state.stats.events + n,
          lastDelivery: delivery,
          lastDeliveredAt: iso(now()),
          late: state.stats.late + late,
        },
        failures: 0,
      } satisfies SiemStateValue;
    };

    // 1. Rows committed in a gap the cursor passed (a commit slower than the settle margin): sent first.
    while (state.gaps.length > 0) {
      if (stopping.signal.aborted || held === null) return stopped();
      const found = await feed.within(state.gaps, settings.batchSize);
      if (found.length === 0) break;
      const sent = await send(found.map((f) => f.event));
      if (sent.end !== null) return sent.end;
      logger.warn(
        'SIEM sink delivered events committed after it had passed their feed position; consider a longer siem.delay_ms',
        { delivery: sent.delivery, events: found.length, settleMs },
      );
      const gaps = withoutPositions(
        state.gaps,
        found.map((f) => f.seq),
      );
      if (!(await commit(accepted(found.length, sent.delivery, found.length, { gaps })))) return stopped();
      state = held!.state;
    }

    // 2. The feed after the cursor, up to its end when the round started (so a round ends under load).
    const ceiling = await feed.lastSeq();
    for (;;) {
      if (stopping.signal.aborted || held === null) return stopped();
      let entries: FeedEntry[];
      let through: number;
      if (cursor.through === null) {
        entries = await feed.next(cursor.seq, { ceiling, limit: settings.batchSize, settleMs });
        if (entries.length === 0) {
          // Caught up: record the cursor and renew the lease.
          cursor = { ...cursor, from: iso(at - settleMs) };
          if (!(await commit({ ...state, cursor }))) return stopped();
          return { state: 'caught-up', ...progress() };
        }
        // Fix the batch's end before sending, so a repeat re-reads the same rows (same delivery id).
        through = entries[entries.length - 1]!.seq;
        cursor = { ...cursor, through };
        if (!(await commit({ ...state, cursor }))) return stopped();
        state = held!.state;
      } else {
        through = cursor.through;
        entries = await feed.range(cursor.seq, through);
      }
      // Positions without a row: watched from now on, never skipped silently.
      const passed = missingPositions(cursor.seq, through, entries, iso(now()));
      if (passed.length > 0) {
        logger.debug('SIEM sink passed feed positions without a row; it watches them for a late commit', {
          gaps: passed.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}-${g.to}`)).join(','),
        });
      }
      const watched = watchGaps(state.gaps, passed, now());
      if (watched.dropped > 0) {
        logger.warn('SIEM sink watches too many feed gaps; it stops watching the oldest', {
          dropped: watched.dropped,
        });
      }
      cursor = { ...cursor, seq: through, through: null };
      let next: SiemStateValue = { ...state, cursor, gaps: watched.gaps };
      if (entries.length > 0) {
        const sent = await send(entries.map((e) => e.event));
        if (sent.end !== null) return sent.end;
        next = accepted(entries.length, sent.delivery, 0, { cursor, gaps: watched.gaps });
      }
      if (!(await commit(next))) return stopped();
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

/** The positions in `(after, through]` that `entries` (in feed order) do not hold, as ranges. */
export function missingPositions(
  after: number,
  through: number,
  entries: readonly Pick<FeedEntry, 'seq'>[],
  at: string,
): SiemGap[] {
  const gaps: SiemGap[] = [];
  let expected = after + 1;
  for (const { seq } of entries) {
    if (seq > expected) gaps.push({ from: expected, to: seq - 1, at });
    expected = Math.max(expected, seq + 1);
  }
  if (through >= expected) gaps.push({ from: expected, to: through, at });
  return gaps;
}

/** `existing` and `added`, without gaps watched longer than SIEM_GAP_WATCH_MS, at most the newest MAX_GAPS. */
function watchGaps(
  existing: readonly SiemGap[],
  added: readonly SiemGap[],
  nowMs: number,
): { gaps: SiemGap[]; dropped: number } {
  const live = [...existing, ...added].filter((g) => Date.parse(g.at) + SIEM_GAP_WATCH_MS > nowMs);
  const dropped = Math.max(0, live.length - MAX_GAPS);
  return { gaps: live.slice(dropped), dropped };
}

/** `gaps` without the positions `found` (a gap holding one is split around it). */
function withoutPositions(gaps: readonly SiemGap[], found: readonly number[]): SiemGap[] {
  const sorted = [...found].sort((a, b) => a - b);
  const out: SiemGap[] = [];
  for (const gap of gaps) {
    let from = gap.from;
    for (const seq of sorted) {
      if (seq < from || seq > gap.to) continue;
      if (seq > from) out.push({ ...gap, from, to: seq - 1 });
      from = seq + 1;
    }
    if (from <= gap.to) out.push({ ...gap, from });
  }
  return out;
}

/** `lastSeq` of the setting written by migration 7, or null. */
function backfilledThrough(value: unknown): number | null {
  const seq = (value as { lastSeq?: unknown } | null | undefined)?.lastSeq;
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 ? seq : null;
}
