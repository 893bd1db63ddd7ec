/**
 * A small seeded pseudo-random generator for synthetic demo traffic: the same seed always gives the same
 * sequence, on every platform. Never use it for secrets (keys, tokens): it is predictable by design.
 */

/** A deterministic source of pseudo-random choices. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element, uniformly. Throws on an empty list. */
  pick<T>(items: readonly T[]): T;
  /** One element, with probability proportional to its weight. Throws when no weight is positive. */
  weighted<T>(items: readonly (readonly [T, number])[]): T;
  /** `count` characters drawn uniformly from `alphabet`. */
  string(alphabet: string, count: number): string;
  /** An independent generator derived from this one and a label (for sub-streams that must not shift). */
  fork(label: string): Random;
}

/** Base-32 alphabet of AWS access key ids (upper-case letters and 2–7). */
export const BASE32_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** Letters and digits. */
export const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Creates a generator from a 32-bit seed (any integer; only its low 32 bits count). The state is the
 * 128-bit sfc32 generator, seeded through splitmix32 so that nearby seeds give unrelated sequences.
 */
export function createRandom(seed: number): Random {
  let s = seed >>> 0;
  const split = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  // Discard the first outputs: sfc32 mixes its state in the first dozen rounds.
  for (let i = 0; i < 12; i++) next32();

  const random: Random = {
    next: () => next32() / 4294967296,
    int(min, max) {
      return min + Math.floor(random.next() * (max - min + 1));
    },
    chance: (p) => random.next() < p,
    pick(items) {
      if (items.length === 0) throw new RangeError('cannot pick from an empty list');
      return items[Math.floor(random.next() * items.length)]!;
    },
    weighted(items) {
      let total = 0;
      for (const [, weight] of items) if (weight > 0) total += weight;
      if (total <= 0) throw new RangeError('no item has a positive weight');
      let at = random.next() * total;
      for (const [item, weight] of items) {
        if (weight <= 0) continue;
        at -= weight;
        if (at < 0) return item;
      }
      return items.findLast(([, weight]) => weight > 0)![0];
    },
    string(alphabet, count) {
      let out = '';
      for (let i = 0; i < count; i++) out += alphabet[Math.floor(random.next() * alphabet.length)];
      return out;
    },
    fork(label) {
      return createRandom((next32() ^ hashLabel(label)) >>> 0);
    },
  };
  return random;
}

/** FNV-1a of a string: a stable 32-bit number for labels and deterministic per-item choices. */
export function hashLabel(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
