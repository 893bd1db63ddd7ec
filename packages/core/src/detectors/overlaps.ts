/**
 * Overlap resolution shared by the span detectors (PII, secrets): from hits in order of preference, keep
 * each hit that overlaps no hit kept before it.
 *
 * Two spans overlap when `a.start < b.end && b.start < a.end`. For non-empty spans that means sharing a
 * code unit. An empty span (start = end = x) shares no code unit, yet it overlaps a span that strictly
 * contains x, and is overlapped by one. A pairwise test of each hit against every kept hit is quadratic:
 * a 1 MB text of a hundred thousand findings took seconds. Here each kept non-empty span writes its number
 * into the code units it covers, and each kept empty span marks its position, so a hit reads only its own
 * range. Kept spans are disjoint, so marking costs at most one write per code unit of the text.
 */

/** Below this many hits the pairwise test is cheaper than a buffer the size of the text. */
const PAIRWISE_LIMIT = 32;

interface Span {
  readonly start: number;
  readonly end: number;
}

/** The hits of `order` (best first) that overlap no earlier kept hit, in the order they were kept. */
export function keepDisjoint<T extends Span>(order: readonly T[]): T[] {
  if (order.length <= PAIRWISE_LIMIT) return keepPairwise(order);
  let size = 0;
  for (const hit of order) {
    if (hit.start < 0 || hit.end < hit.start || !Number.isInteger(hit.start) || !Number.isInteger(hit.end))
      return keepPairwise(order);
    if (hit.end + 1 > size) size = hit.end + 1;
  }
  // owner[k]: 1 + the index in `kept` of the non-empty span covering code unit k, or 0.
  const owner = new Int32Array(size);
  // emptyAt[x]: 1 when a kept empty span sits at x.
  let emptyAt: Uint8Array | null = null;
  const kept: T[] = [];
  outer: for (const hit of order) {
    const { start, end } = hit;
    if (start === end) {
      // Strictly inside a kept span: the code units on both sides of x belong to the same span.
      if (start > 0 && owner[start - 1] !== 0 && owner[start - 1] === owner[start]) continue;
      emptyAt ??= new Uint8Array(size);
      emptyAt[start] = 1;
      kept.push(hit);
      continue;
    }
    for (let k = start; k < end; k++) if (owner[k] !== 0) continue outer;
    if (emptyAt !== null) for (let x = start + 1; x < end; x++) if (emptyAt[x] === 1) continue outer;
    kept.push(hit);
    owner.fill(kept.length, start, end);
  }
  return kept;
}

/** {@link keepDisjoint} by testing each hit against every kept hit (the definition). */
export function keepPairwise<T extends Span>(order: readonly T[]): T[] {
  const kept: T[] = [];
  for (const hit of order) {
    if (kept.some((k) => hit.start < k.end && k.start < hit.end)) continue;
    kept.push(hit);
  }
  return kept;
}

/**
 * A test of whether `[s, e)` overlaps any span of `spans` that `accept` takes, for a detector that keeps
 * appending to `spans` while it tests: spans appended since the last test are taken in at the next one.
 * Past {@link PAIRWISE_LIMIT} spans the accepted ones are marked in a buffer of `length + 1` code units, so a
 * test reads its own range instead of every span (a text with thousands of findings made the pairwise test
 * quadratic). An empty query, or a span outside `[0, length]`, is answered pairwise.
 */
export function overlapTest<T extends Span>(
  spans: readonly T[],
  length: number,
  accept: (span: T) => boolean,
): (s: number, e: number) => boolean {
  const pairwise = (s: number, e: number): boolean =>
    spans.some((f) => f.start < e && s < f.end && accept(f));
  let units: Uint8Array | null = null;
  let empties: Uint8Array | null = null;
  let seen = 0;
  let inRange = true;
  return (s, e) => {
    if (!inRange || s >= e || (units === null && spans.length <= PAIRWISE_LIMIT)) return pairwise(s, e);
    units ??= new Uint8Array(length + 1);
    for (; seen < spans.length; seen++) {
      const f = spans[seen]!;
      if (!accept(f)) continue;
      if (!(f.start >= 0 && f.end >= f.start && f.end <= length)) {
        inRange = false;
        return pairwise(s, e);
      }
      if (f.start === f.end) {
        empties ??= new Uint8Array(length + 1);
        empties[f.start] = 1;
      } else units.fill(1, f.start, f.end);
    }
    const from = Math.max(0, s);
    const to = Math.min(length, e);
    for (let k = from; k < to; k++) if (units[k] === 1) return true;
    // An empty span at x overlaps [s, e) when s < x < e.
    if (empties !== null) for (let x = from + 1; x < to; x++) if (empties[x] === 1) return true;
    return false;
  };
}
