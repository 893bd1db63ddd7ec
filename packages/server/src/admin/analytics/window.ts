/** The time window and series buckets of an analytics request, from its query parameters. */
import { ParapetError, tryParseDuration } from '@parapet/core';
import { ROLLUP_MINUTES } from '../../store/analytics-rollup.ts';
import type { MinuteWindow, SeriesBuckets } from '../../store/analytics-store.ts';
import { type BucketName, MAX_SERIES_POINTS } from './schemas.ts';

const MINUTE_MS = 60_000;
/** The last epoch minute a rollup bucket can start at (2^31 − 1, in 6053). */
const LAST_MINUTE = ROLLUP_MINUTES.max;
const BUCKET_MINUTES: Readonly<Record<BucketName, number>> = { minute: 1, hour: 60, day: 1440 };

/** A resolved window: epoch minutes, `since` rounded down and `until` rounded up to the minute. */
export interface ResolvedWindow extends MinuteWindow {
  sinceIso: string;
  untilIso: string;
}

function invalid(message: string): ParapetError {
  return new ParapetError('PARAPET_REQUEST_INVALID', message);
}

/** `7d` → now minus 7 days; an ISO date or time → that instant; ms since the epoch. */
function instant(text: string, nowMs: number, field: string): number {
  const ms = tryParseDuration(text);
  if (ms !== null) return nowMs - ms;
  if (text.length >= 10 && text[4] === '-' && text[7] === '-') {
    const at = Date.parse(text);
    if (Number.isFinite(at)) return at;
  }
  throw invalid(
    `query parameter \`${field}\` must be a duration such as \`7d\` or \`12h\`, or an ISO time such as \`2025-03-01T00:00:00Z\`, not \`${text.slice(0, 100)}\``,
  );
}

const iso = (minute: number) => new Date(minute * MINUTE_MS).toISOString();

/** The window of `since`/`until` at `nowMs`; a window that is empty or reversed is refused. */
export function resolveWindow(
  q: { since: string; until?: string | undefined },
  nowMs: number,
): ResolvedWindow {
  const sinceMs = instant(q.since, nowMs, 'since');
  const untilMs = q.until === undefined ? nowMs : instant(q.until, nowMs, 'until');
  if (!(sinceMs < untilMs)) {
    throw invalid(
      `query parameter \`since\` (${new Date(sinceMs).toISOString()}) must be before \`until\` (${new Date(untilMs).toISOString()})`,
    );
  }
  // Rollup buckets are 32-bit epoch minutes: from 1970 to 6053, which is where a window is cut.
  const since = Math.min(Math.max(Math.floor(sinceMs / MINUTE_MS), 0), LAST_MINUTE - 1);
  const until = Math.min(Math.max(Math.ceil(untilMs / MINUTE_MS), since + 1), LAST_MINUTE);
  return { since, until, sinceIso: iso(since), untilIso: iso(until) };
}

/** The period of the same length just before `w`. */
export function previousWindow(w: MinuteWindow): ResolvedWindow {
  const since = w.since - (w.until - w.since);
  return { since, until: w.since, sinceIso: iso(since), untilIso: iso(w.since) };
}

/** `Z`, `UTC`, `+02:00`, `-05:30` → offset in minutes (local = UTC + offset). */
export function parseOffset(tz: string): number {
  if (tz === 'Z' || tz === 'UTC') return 0;
  const sign = tz[0] === '-' ? -1 : 1;
  return sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6)));
}

export function formatOffset(offset: number): string {
  const a = Math.abs(offset);
  return `${offset < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** The series bucket for a window: the one asked for, or by length (minute ≤ 6 h, hour ≤ 7 days, else day). */
export function chooseBucket(w: MinuteWindow, asked: BucketName | undefined): BucketName {
  if (asked !== undefined) return asked;
  const minutes = w.until - w.since;
  return minutes <= 6 * 60 ? 'minute' : minutes <= 7 * 1440 ? 'hour' : 'day';
}

/** The starts (epoch minutes) of every series bucket touching the window, oldest first. */
export function seriesStarts(
  w: MinuteWindow,
  bucket: BucketName,
  offset: number,
): {
  buckets: SeriesBuckets;
  starts: number[];
} {
  const grain = BUCKET_MINUTES[bucket];
  const buckets = { grain, offset };
  const first = startOf(w.since, buckets);
  const last = startOf(w.until - 1, buckets);
  const points = (last - first) / grain + 1;
  if (points > MAX_SERIES_POINTS) {
    throw invalid(
      `the window holds ${points} ${bucket} buckets, over the limit of ${MAX_SERIES_POINTS}; use a coarser \`bucket\` or a shorter window`,
    );
  }
  const starts: number[] = [];
  for (let s = first; s <= last; s += grain) starts.push(s);
  return { buckets, starts };
}

/** Start of the series bucket holding `minute` (what the store computes in SQL). */
export function startOf(minute: number, b: SeriesBuckets): number {
  const o = ((b.offset % b.grain) + b.grain) % b.grain;
  return minute - ((((minute + o) % b.grain) + b.grain) % b.grain);
}

export { iso as minuteToIso };
