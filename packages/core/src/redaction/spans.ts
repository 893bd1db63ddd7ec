/**
 * Span bookkeeping shared by input and output redaction: validation, widening to whole code points, and
 * merging of overlapping or adjacent spans.
 */

/** A span of a text (UTF-16 code units, end exclusive) and the finding type it stands for. */
export interface TypedSpan {
  start: number;
  end: number;
  type: string;
}

/** A run of merged spans: its extent, the type of its longest member, and the members. */
export interface MergedRegion<T extends TypedSpan> {
  start: number;
  end: number;
  type: string;
  members: T[];
}

/**
 * Throws a RangeError unless `[start, end)` is a span of a text of `length` code units. `subject` names
 * the span's owner in the message (e.g. "finding 3 of plan item 0").
 */
export function checkSpan(start: number, end: number, length: number, subject: string): void {
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(end) ||
    start < 0 ||
    end < start ||
    end > length
  ) {
    throw new RangeError(
      `${subject} has the span \`[${String(start)}, ${String(end)})\`, which is not inside its text of ${length} characters; spans are UTF-16 offsets with 0 ≤ start ≤ end ≤ length`,
    );
  }
}

function isHigh(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Widens `[start, end)` so that neither end falls between the two halves of a surrogate pair. */
export function widenToCodePoints(text: string, start: number, end: number): { start: number; end: number } {
  let s = start;
  let e = end;
  if (s > 0 && s < text.length && isLow(text.charCodeAt(s)) && isHigh(text.charCodeAt(s - 1))) s -= 1;
  if (e > 0 && e < text.length && isHigh(text.charCodeAt(e - 1)) && isLow(text.charCodeAt(e))) e += 1;
  return { start: s, end: e };
}

/**
 * Merges overlapping and adjacent spans (`a.end >= b.start`). A merged region takes the type of its
 * longest member; on a tie, the member that starts first, then the one given first. Empty spans are
 * expected to be filtered out by the caller. Returns regions sorted by start, disjoint and not adjacent.
 */
export function mergeSpans<T extends TypedSpan>(spans: readonly T[]): MergedRegion<T>[] {
  // Array.prototype.sort is stable, so equal spans keep their input order.
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const regions: MergedRegion<T>[] = [];
  let current: MergedRegion<T> | undefined;
  let longest = 0;
  for (const span of sorted) {
    const length = span.end - span.start;
    if (current !== undefined && span.start <= current.end) {
      if (span.end > current.end) current.end = span.end;
      if (length > longest) {
        longest = length;
        current.type = span.type;
      }
      current.members.push(span);
      continue;
    }
    current = { start: span.start, end: span.end, type: span.type, members: [span] };
    longest = length;
    regions.push(current);
  }
  return regions;
}
