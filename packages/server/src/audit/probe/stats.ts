/**
 * Small, exact statistics for the bias probes: Wilson score intervals for a proportion, Newcombe's
 * hybrid score interval for a difference of two proportions, a Woolf interval for a log odds ratio, the
 * exact McNemar test for matched pairs, percentile bootstrap helpers and seeded sampling.
 * All intervals are two-sided 95 % intervals.
 */
import type { Estimate } from '@parapet/core';
import { seededRandom } from '@parapet/core';

/** The standard normal quantile for a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

/** An estimate without an interval. */
export function point(value: number | null): Estimate {
  return { value, low: null, high: null };
}

/**
 * Wilson score interval for `successes` out of `n` (Wilson 1927; Newcombe 1998 method 3). Null value
 * and bounds when n = 0.
 */
export function wilson(successes: number, n: number, z = Z95): Estimate {
  if (n <= 0) return { value: null, low: null, high: null };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { value: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Difference p1 − p2 of two independent proportions with Newcombe's hybrid score interval
 * (Newcombe 1998, method 10), built from the two Wilson intervals:
 *   L = d − √((p1 − l1)² + (u2 − p2)²),  U = d + √((u1 − p1)² + (p2 − l2)²).
 */
export function newcombeDifference(x1: number, n1: number, x2: number, n2: number, z = Z95): Estimate {
  if (n1 <= 0 || n2 <= 0) return { value: null, low: null, high: null };
  const a = wilson(x1, n1, z);
  const b = wilson(x2, n2, z);
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const d = p1 - p2;
  const low = d - Math.sqrt((p1 - a.low!) ** 2 + (b.high! - p2) ** 2);
  const high = d + Math.sqrt((a.high! - p1) ** 2 + (p2 - b.low!) ** 2);
  return { value: d, low: Math.max(-1, low), high: Math.min(1, high) };
}

/**
 * Log odds ratio of group 1 against group 2, log((x1 / (n1 − x1)) / (x2 / (n2 − x2))) — the logit
 * difference Tamkin et al. (2023) use as a discrimination score — with Woolf's interval
 * ± z·√(1/a + 1/b + 1/c + 1/d). When any cell is zero, 0.5 is added to every cell (Haldane–Anscombe).
 */
export function logOddsRatio(x1: number, n1: number, x2: number, n2: number, z = Z95): Estimate {
  if (n1 <= 0 || n2 <= 0) return { value: null, low: null, high: null };
  let a = x1;
  let b = n1 - x1;
  let c = x2;
  let d = n2 - x2;
  if (a === 0 || b === 0 || c === 0 || d === 0) {
    a += 0.5;
    b += 0.5;
    c += 0.5;
    d += 0.5;
  }
  const value = Math.log((a * d) / (b * c));
  const se = Math.sqrt(1 / a + 1 / b + 1 / c + 1 / d);
  return { value, low: value - z * se, high: value + z * se };
}

/**
 * Exact two-sided McNemar test: among matched pairs that disagree, `b` went one way and `c` the other;
 * under no difference each discordant pair is a fair coin. p = min(1, 2·P(X ≤ min(b, c))), X ~ Bin(b + c, ½).
 * 1 when there are no discordant pairs.
 */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // log P(X = i) by the recurrence P(i + 1) = P(i)·(n − i)/(i + 1), summed in log space.
  let logTerm = n * Math.log(0.5);
  let logSum = logTerm;
  for (let i = 0; i < k; i++) {
    logTerm += Math.log((n - i) / (i + 1));
    logSum = logAddExp(logSum, logTerm);
  }
  return Math.min(1, 2 * Math.exp(logSum));
}

function logAddExp(a: number, b: number): number {
  const max = Math.max(a, b);
  return max + Math.log(Math.exp(a - max) + Math.exp(b - max));
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of sorted values, with linear interpolation between order statistics
 * (numpy's default, "type 7"). Null for no values.
 */
export function quantileSorted(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const a = sorted[lower]!;
  const b = sorted[upper]!;
  return a + (b - a) * (position - lower);
}

/** The 2.5 % and 97.5 % percentiles of bootstrap replicates (NaN replicates, undefined ones, dropped). */
export function percentileInterval(replicates: readonly number[]): {
  low: number | null;
  high: number | null;
} {
  const finite = replicates.filter((v) => Number.isFinite(v)).sort((x, y) => x - y);
  return { low: quantileSorted(finite, 0.025), high: quantileSorted(finite, 0.975) };
}

/**
 * A seeded sample of `k` distinct indices from [0, n), in increasing order (so the sample keeps the
 * file's order). Floyd's algorithm: O(k) memory whatever n is. k ≥ n gives every index.
 */
export function sampleIndices(n: number, k: number, seed: number): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i);
  const random = seededRandom(seed);
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = Math.floor(random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b);
}

/** A seeded uniform integer generator in [0, n) for bootstrap resampling. */
export function seededIndex(seed: number): (n: number) => number {
  const random = seededRandom(seed);
  return (n) => Math.floor(random() * n);
}
