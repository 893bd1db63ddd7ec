/**
 * The SIEM sink's durable state: one setting (`siem.state`) holding the lease (which replica exports, and
 * until when) and the cursor (how far the export got), so one compare-and-set moves both and a replica
 * that lost the lease cannot move the cursor.
 *
 * The cursor walks event time in windows `[from, until)`, each drained newest first by keyset paging
 * (`store.queryEvents` with `since`, `until`, `after`): `after` is the last event delivered in the open
 * window. When a window is drained, `from` becomes its `until` and the next window opens up to
 * `now - delay_ms`. Every event with a time before `from` has been delivered.
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

export const SiemCursor = z.object({
  from: isoTime.describe('Every event with an earlier time has been delivered.'),
  until: isoTime.nullable().describe('End (exclusive) of the window being drained; null between windows.'),
  after: z
    .object({ time: isoTime, id: z.string() })
    .nullable()
    .describe('The oldest event delivered in the open window (keyset position); null before the first.'),
});
export type SiemCursor = z.infer<typeof SiemCursor>;

export const SiemStats = z.object({
  batches: z.number().int().min(0).describe('Deliveries acknowledged with a 2xx.'),
  events: z.number().int().min(0).describe('Events in those deliveries.'),
  lastDelivery: z.string().nullable(),
  lastDeliveredAt: isoTime.nullable(),
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
  cursor: SiemCursor.nullable().describe('Null until the sink first runs.'),
  stats: SiemStats,
  lastError: SiemFailure.nullable(),
  /** Rounds in a row that ended on a failed delivery; 0 after a success. */
  failures: z.number().int().min(0),
});
export type SiemStateValue = z.infer<typeof SiemStateValue>;

export const INITIAL_SIEM_STATE: SiemStateValue = Object.freeze({
  lease: null,
  cursor: null,
  stats: { batches: 0, events: 0, lastDelivery: null, lastDeliveredAt: null },
  lastError: null,
  failures: 0,
}) as SiemStateValue;

/** The state stored under SIEM_STATE_KEY, or the initial one when it is absent or unreadable. */
export function parseSiemState(value: unknown): SiemStateValue {
  const parsed = SiemStateValue.safeParse(value);
  return parsed.success ? parsed.data : structuredClone(INITIAL_SIEM_STATE);
}
