// Recovers typed character spans from peers that do not return offsets: from a redacted copy of the text
// (placeholders where values were) or from the list of values they report. Pure, dependency-free.

/** A typed character span (UTF-16 offsets, end exclusive). */
export interface TypedSpan {
  start: number;
  end: number;
  type: string;
}

/**
 * Aligns `redacted` (the original with some values replaced by placeholders matching `placeholder`, a
 * global regular expression) against `original` and returns the replaced ranges, typed by
 * `typeOf(placeholderText)`. The literal text after each placeholder is searched for from one character
 * past the value's start, leftmost first; adjacent placeholders share the gap, reported once with the first
 * one's type. Stops at the first piece that cannot be aligned (the spans found until then are returned).
 */
export function spansFromRedaction(
  original: string,
  redacted: string,
  placeholder: RegExp,
  typeOf: (token: string) => string,
): TypedSpan[] {
  if (original === redacted) return [];
  const re = new RegExp(
    placeholder.source,
    placeholder.flags.includes('g') ? placeholder.flags : `${placeholder.flags}g`,
  );
  const pieces: { literal: string; token: string | null }[] = [];
  let last = 0;
  for (const m of redacted.matchAll(re)) {
    pieces.push({ literal: redacted.slice(last, m.index), token: m[0] });
    last = m.index + m[0].length;
  }
  pieces.push({ literal: redacted.slice(last), token: null });
  const spans: TypedSpan[] = [];
  const first = pieces[0]!;
  if (!original.startsWith(first.literal)) return spans;
  let cursor = first.literal.length;
  let i = 0;
  while (i < pieces.length - 1) {
    const token = pieces[i]!.token!;
    // Skip placeholders directly followed by another one: their values share one gap.
    let j = i + 1;
    while (j < pieces.length - 1 && pieces[j]!.literal === '') j++;
    const literal = pieces[j]!.literal;
    const isLast = j === pieces.length - 1;
    let end: number;
    if (isLast) {
      if (!original.endsWith(literal) || original.length - literal.length <= cursor) return spans;
      end = original.length - literal.length;
    } else {
      end = original.indexOf(literal, cursor + 1);
      if (end === -1) return spans;
    }
    spans.push({ start: cursor, end, type: typeOf(token) });
    cursor = end + literal.length;
    i = j;
  }
  return spans;
}

/** Every occurrence of each reported value in `text`, typed (empty values are ignored). */
export function locateValues(text: string, values: readonly { type: string; value: string }[]): TypedSpan[] {
  const spans: TypedSpan[] = [];
  const seen = new Set<string>();
  for (const { type, value } of values) {
    if (value.length === 0) continue;
    let at = text.indexOf(value);
    while (at !== -1) {
      const key = `${type}:${at}:${at + value.length}`;
      if (!seen.has(key)) {
        seen.add(key);
        spans.push({ start: at, end: at + value.length, type });
      }
      at = text.indexOf(value, at + value.length);
    }
  }
  return spans.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** Renames span types through `map` (names missing from it are kept as they are). */
export function mapSpanTypes(
  spans: readonly TypedSpan[],
  map: Readonly<Record<string, string>>,
): TypedSpan[] {
  return spans.map((s) => ({ ...s, type: map[s.type] ?? s.type }));
}
