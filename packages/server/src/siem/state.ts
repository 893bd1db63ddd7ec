/**
 * The SIEM sink's durable state: one setting (`siem.state`) holding the lease (which replica exports, and
 * until when) and the cursor (how far the export got), so one compare-and-set moves both and a replica
 * that lost the lease cannot move the cursor.
 *
 * The cursor follows the event feed (store/ingest-feed.ts): every stored event in the order it was stored.
 * `seq` is the feed position up to which everything has been delivered; `through`, while a batch is being
 * delivered, is the last position of that batch, written before it is sent, so a batch sent again (after a
 * failure, a restart, a lease taken over) is read back as the same rows: the same events, the same
 * delivery id. Positions the cursor passed without a row (on PostgreSQL a rolled-back insert, or one not
 * yet committed) are kept in `gaps` for a while, and a row that shows up in one is delivered late.
 *
 * Earlier versions (before schema migration 7) walked event time instead (`{from, until, after}`,
 * windows drained newest first). Such a cursor is read once and converted (see exporter.ts); the new
 * cursor keeps `from` (and `until: null`, `after: null`) so a replica of the older version still running
 * during a rolling upgrade can read the state, respect the lease and, should it take over, resume near
 * where the export is.
 */
import { z } from 'zod';

/** The setting holding the lease and the cursor. */
export const SIEM_STATE_KEY = 'siem.state';

const isoTime = z.string().describe('ISO-8601 time (UTC, milliseconds).');

export const SiemLease = z.object({
  /** `<host>:<pid>:<random>` of the replica exporting. */
  holder: z.string(),
  /** After this instant another replica may take the lease over. */
  expiresAt: isoTime,
});
export type SiemLease = z.infer<typeof SiemLease>;

/** The cursor of versions that walked event time; read once and converted. */
export const SiemLegacyCursor = z.object({
  from: isoTime.describe('Every event with an earlier time has been delivered.'),
  until: isoTime.nullable().describe('End (exclusive) of the window being drained; null between windows.'),
  after: z
    .object({ time: isoTime, id: z.string() })
    .nullable()
    .describe('The oldest event delivered in the open window (keyset position); null before the first.'),
});
export type SiemLegacyCursor = z.infer<typeof SiemLegacyCursor>;

const feedPosition = z.number().int().min(0);

export const SiemCursor = z.object({
  seq: feedPosition.describe(
    'Feed position (ingest order) up to which every stored event has been delivered; 0: none yet.',
  ),
  through: feedPosition
    .nullable()
    .describe(
      'Last feed position of the batch being delivered (fixed before it is sent); null between batches.',
    ),
  from: isoTime.describe(
    'When the sink last caught up, less the settle margin (the time `lagMs` counts from); also what a replica of an older version would resume from.',
  ),
  until: z.null().describe('Always null (kept for replicas of an older version).'),
  after: z.null().describe('Always null (kept for replicas of an older version).'),
});
export type SiemCursor = z.infer<typeof SiemCursor>;

/** The cursor as stored: the feed cursor, or the time cursor of an older version (until converted). */
export const StoredSiemCursor = z.union([SiemCursor, SiemLegacyCursor]);
export type StoredSiemCursor = z.infer<typeof StoredSiemCursor>;

/** A feed cursor, or null for the time cursor of an older version. */
export function feedCursor(cursor: StoredSiemCursor): SiemCursor | null {
  return 'seq' in cursor ? cursor : null;
}

export const SiemGap = z.object({
  from: feedPosition.describe('First position of the gap.'),
  to: feedPosition.describe('Last position of the gap (inclusive).'),
  at: isoTime.describe('When the cursor passed it; it is watched for SIEM_GAP_WATCH_MS from then.'),
});
export type SiemGap = z.infer<typeof SiemGap>;

export const SiemStats = z.object({
  batches: z.number().int().min(0).describe('Deliveries acknowledged with a 2xx.'),
  events: z.number().int().min(0).describe('Events in those deliveries.'),
  lastDelivery: z.string().nullable(),
  lastDeliveredAt: isoTime.nullable(),
  late: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      'Of those events, the ones found in a gap the cursor had passed (committed after the settle margin).',
    ),
});
export type SiemStats = z.infer<typeof SiemStats>;

export const SiemFailure = z.object({
  at: isoTime,
  message: z.string(),
  /** HTTP status of the last attempt; null for a network error or timeout. */
  status: z.number().int().nullable(),
  delivery: z.string().nullable(),
});
export type SiemFailure = z.infer<typeof SiemFailure>;

export const SiemStateValue = z.object({
  lease: SiemLease.nullable(),
  cursor: StoredSiemCursor.nullable().describe('Null until the sink first runs.'),
  /** Feed positions passed without a row, watched in case a late commit fills them. */
  gaps: z.array(SiemGap).default([]),
  stats: SiemStats,
  lastError: SiemFailure.nullable(),
  /** Rounds in a row that ended on a failed delivery; 0 after a success. */
  failures: z.number().int().min(0),
});
export type SiemStateValue = z.infer<typeof SiemStateValue>;

export const INITIAL_SIEM_STATE: SiemStateValue = Object.freeze({
  lease: null,
  cursor: null,
  gaps: [],
  stats: { batches: 0, events: 0, lastDelivery: null, lastDeliveredAt: null, late: 0 },
  lastError: null,
  failures: 0,
}) as SiemStateValue;

/** The state stored under SIEM_STATE_KEY, or the initial one when it is absent or unreadable. */
export function parseSiemState(value: unknown): SiemStateValue {
  const parsed = SiemStateValue.safeParse(value);
  return parsed.success ? parsed.data : structuredClone(INITIAL_SIEM_STATE);
}
