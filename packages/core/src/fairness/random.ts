/**
 * A small, fast, seeded PRNG (mulberry32, 32-bit state): `seededRandom(seed)()` returns a float in [0, 1)
 * with 32 bits of randomness. The same seed gives the same stream on every platform. Not for secrets.
 * (The bootstrap in audit.ts inlines this exact generator in its hot loop; keep the two identical.)
 */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
