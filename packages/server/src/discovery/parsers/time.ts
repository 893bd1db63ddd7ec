/**
 * Timestamps as proxy and SIEM logs write them, to ISO-8601 UTC. Each parser is anchored and has no
 * nested quantifiers (linear time). A time without a zone is read as UTC.
 */

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

/** Earliest and latest instants accepted (logs from the future or before 1990 are malformed). */
const MIN_MS = Date.UTC(1990, 0, 1);
const MAX_MS = Date.UTC(2200, 0, 1);

// Logs hold many lines per second: the date part of the last second is reused.
let cachedSecond = Number.NaN;
let cachedPrefix = '';

function iso(ms: number): string | null {
  if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) return null;
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 19);
  }
  const millis = Math.floor(ms - second * 1000);
  return `${cachedPrefix}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

function utc(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number,
  offsetMinutes: number,
): string | null {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCDate() !== day) return null;
  return iso(ms);
}

function fraction(text: string | undefined): number {
  if (text === undefined || text === '') return 0;
  return Math.floor(Number(`0.${text}`) * 1000);
}

/** `Z`, `UTC`, `GMT`, `+02:00`, `+0200`, `-05` → minutes east of UTC; null when unknown. */
export function zoneOffset(zone: string | undefined): number | null {
  if (zone === undefined || zone === '' || zone === 'Z' || zone === 'UTC' || zone === 'GMT') return 0;
  const sign = zone[0] === '+' ? 1 : zone[0] === '-' ? -1 : 0;
  if (sign === 0) return null;
  const digits = zone.slice(1).replace(':', '');
  if (!/^\d{2}(?:\d{2})?$/.test(digits)) return null;
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length === 4 ? Number(digits.slice(2)) : 0;
  if (hours > 14 || minutes > 59) return null;
  return sign * (hours * 60 + minutes);
}

/** Seconds or milliseconds since the epoch (`1286536309.585`, `1718893751000`). */
export function parseEpoch(text: string): string | null {
  if (!/^\d{9,13}(?:\.\d{1,9})?$/.test(text)) return null;
  const value = Number(text);
  // 13 digits before the point: milliseconds; fewer: seconds.
  const whole = text.indexOf('.') < 0 ? text.length : text.indexOf('.');
  return iso(whole >= 12 ? value : value * 1000);
}

const ISO_LIKE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)? ?(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/;

/** `2024-06-20T15:29:11.123Z`, `2024-06-20 15:29:11`, `2024-06-20T15:29:11+02:00`, `2024-06-20`. */
export function parseIsoLike(text: string): string | null {
  const m = ISO_LIKE.exec(text);
  if (m === null) return null;
  const offset = zoneOffset(m[8]);
  if (offset === null) return null;
  return utc(
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
    fraction(m[7]),
    offset,
  );
}

const MONTH_FIRST =
  /^([A-Za-z]{3}) {1,2}(\d{1,2}) (\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?: (Z|UTC|GMT|[+-]\d{2}:?\d{2}))?$/;

/** CEF `rt`: `Jun 20 2024 15:29:11`, `Jun 20 2024 15:29:11.123 UTC`. */
export function parseMonthFirst(text: string): string | null {
  const m = MONTH_FIRST.exec(text);
  if (m === null) return null;
  const month = MONTHS[m[1]!.toLowerCase()];
  const offset = zoneOffset(m[8]);
  if (month === undefined || offset === null) return null;
  return utc(
    Number(m[3]),
    month,
    Number(m[2]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
    fraction(m[7]),
    offset,
  );
}

const CTIME = /^([A-Za-z]{3}) ([A-Za-z]{3}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/** Zscaler `%s{time}` (C `ctime` without zone): `Mon Jun 20 15:29:11 2022`. */
export function parseCtime(text: string): string | null {
  const m = CTIME.exec(text);
  if (m === null) return null;
  const month = MONTHS[m[2]!.toLowerCase()];
  if (month === undefined) return null;
  return utc(Number(m[7]), month, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), 0, 0);
}

/** Any of the above: epoch, ISO-like, month-first, ctime. Null when none fits. */
export function parseAnyTime(text: string): string | null {
  const t = text.trim();
  return parseEpoch(t) ?? parseIsoLike(t) ?? parseMonthFirst(t) ?? parseCtime(t);
}
