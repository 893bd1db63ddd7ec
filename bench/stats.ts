// Small, dependency-free statistics used by the gateway benchmark.

/** Median of a list of numbers (mean of the two middle values for an even count); `NaN` when empty. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/**
 * Percentile `p` (0–100) of a list of numbers, linear interpolation between closest ranks;
 * `NaN` when the list is empty. The input is not mutated.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(Math.max(p, 0), 100) / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low]!;
  const highValue = sorted[high]!;
  return lowValue + (highValue - lowValue) * (rank - low);
}

/** A point on a curve, e.g. (requests sent, resident memory in MB). */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Least-squares slope of `y` over `x`; `NaN` with fewer than two distinct `x` values. */
export function slope(points: readonly Point[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  let sumX = 0;
  let sumY = 0;
  for (const p of points) {
    sumX += p.x;
    sumY += p.y;
  }
  const meanX = sumX / n;
  const meanY = sumY / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - meanX) * (p.y - meanY);
    den += (p.x - meanX) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

/** The second half of a series (the middle point belongs to both halves when the count is odd). */
export function lastHalf<T>(values: readonly T[]): T[] {
  return values.slice(Math.floor((values.length - 1) / 2));
}

/**
 * Standard error of the least-squares slope (how far the slope could be from the true one given the
 * scatter around the line); `NaN` with fewer than three points or no spread in `x`.
 */
export function slopeStandardError(points: readonly Point[]): number {
  const n = points.length;
  const b = slope(points);
  if (n < 3 || Number.isNaN(b)) return Number.NaN;
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  let residuals = 0;
  let spread = 0;
  for (const p of points) {
    const fitted = meanY + b * (p.x - meanX);
    residuals += (p.y - fitted) ** 2;
    spread += (p.x - meanX) ** 2;
  }
  return Math.sqrt(residuals / (n - 2) / spread);
}
