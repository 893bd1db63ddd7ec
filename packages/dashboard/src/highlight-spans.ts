/**
 * Splits a text into pieces by highlight spans (UTF-16 offsets, end exclusive), for rendering findings as
 * marks over plain text. Pure and defensive: spans may overlap, nest, repeat, lie partly or wholly out of
 * range, be empty or reversed, or carry non-integer offsets; an offset that falls between the two halves
 * of a surrogate pair is moved outwards so a character is never cut. It never throws.
 */

export interface SpanLike {
  start: number;
  end: number;
}

export interface Piece<T> {
  /** UTF-16 offsets of the piece in the text. */
  start: number;
  end: number;
  text: string;
  /** The spans covering the whole piece, in their input order (empty: plain text). */
  spans: T[];
}

function isHigh(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** True when `offset` falls inside a surrogate pair (between its high and low halves). */
function splitsPair(text: string, offset: number): boolean {
  return (
    offset > 0 &&
    offset < text.length &&
    isHigh(text.charCodeAt(offset - 1)) &&
    isLow(text.charCodeAt(offset))
  );
}

/** The span clamped to the text and widened off surrogate halves; null when nothing is left. */
export function normalizeSpan(text: string, span: SpanLike): SpanLike | null {
  const { start, end } = span;
  if (typeof start !== 'number' || typeof end !== 'number' || Number.isNaN(start) || Number.isNaN(end))
    return null;
  let s = Math.min(Math.max(Math.floor(start), 0), text.length);
  let e = Math.min(Math.max(Math.ceil(end), 0), text.length);
  if (splitsPair(text, s)) s -= 1;
  if (splitsPair(text, e)) e += 1;
  return s < e ? { start: s, end: e } : null;
}

/**
 * The text as consecutive pieces; each piece is covered by the same set of spans from its start to its
 * end, so overlapping spans give a piece for each overlap. Concatenating the pieces' texts gives `text`.
 */
export function splitHighlights<T extends SpanLike>(text: string, spans: readonly T[]): Piece<T>[] {
  if (text.length === 0) return [];
  const valid: { span: T; start: number; end: number; order: number }[] = [];
  spans.forEach((span, order) => {
    const n = span === null || span === undefined ? null : normalizeSpan(text, span);
    if (n !== null) valid.push({ span, start: n.start, end: n.end, order });
  });
  if (valid.length === 0) return [{ start: 0, end: text.length, text, spans: [] }];

  const cuts = new Set<number>([0, text.length]);
  for (const v of valid) {
    cuts.add(v.start);
    cuts.add(v.end);
  }
  const bounds = [...cuts].sort((a, b) => a - b);
  const pieces: Piece<T>[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const start = bounds[i] as number;
    const end = bounds[i + 1] as number;
    const covering = valid
      .filter((v) => v.start <= start && v.end >= end)
      .sort((a, b) => a.order - b.order)
      .map((v) => v.span);
    const last = pieces[pieces.length - 1];
    if (last !== undefined && sameSpans(last.spans, covering)) {
      last.end = end;
      last.text = text.slice(last.start, end);
    } else pieces.push({ start, end, text: text.slice(start, end), spans: covering });
  }
  return pieces;
}

function sameSpans<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
