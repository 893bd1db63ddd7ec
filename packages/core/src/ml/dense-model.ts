import { z } from 'zod';

/**
 * A small dense binary classifier over a fixed-length feature vector: inputs standardised with the
 * training mean and deviation, then either logistic regression (`hidden` 0) or one hidden layer of ReLU
 * units and a sigmoid output. Float weights as JSON numbers (a few thousand of them). Built by
 * training/word-vectors/dense.ts.
 */
export const DenseModelFile = z.object({
  type: z.literal('dense'),
  version: z.literal(1),
  inputs: z.number().int().positive(),
  /** Hidden units; 0 = logistic regression straight on the inputs. */
  hidden: z.number().int().min(0),
  mean: z.array(z.number()),
  std: z.array(z.number()),
  /** hidden × inputs (row-major), or empty when `hidden` is 0. */
  w1: z.array(z.number()),
  b1: z.array(z.number()),
  /** `hidden` output weights, or `inputs` of them when `hidden` is 0. */
  w2: z.array(z.number()),
  b2: z.number(),
});
export type DenseModelFile = z.infer<typeof DenseModelFile>;

export interface DenseModel {
  readonly inputs: number;
  /** Probability-like score in (0, 1). */
  score(x: ArrayLike<number>): number;
}

/** Validates a dense model file and returns its scorer (allocation-free apart from one scratch buffer). */
export function loadDenseModel(file: unknown): DenseModel {
  const m = DenseModelFile.parse(file);
  const n = m.inputs;
  const h = m.hidden;
  const expectedOut = h === 0 ? n : h;
  if (
    m.mean.length !== n ||
    m.std.length !== n ||
    m.w1.length !== h * n ||
    m.b1.length !== h ||
    m.w2.length !== expectedOut
  )
    throw new Error('dense model: weight shapes disagree with inputs/hidden');
  const mean = Float64Array.from(m.mean);
  const inv = Float64Array.from(m.std, (s) => (s > 0 ? 1 / s : 0));
  const w1 = Float64Array.from(m.w1);
  const w2 = Float64Array.from(m.w2);
  const b1 = Float64Array.from(m.b1);
  const z = new Float64Array(n);
  return {
    inputs: n,
    score(x) {
      if (x.length !== n) throw new Error(`dense model expects ${n} inputs, got ${x.length}`);
      for (let i = 0; i < n; i++) z[i] = (x[i]! - mean[i]!) * inv[i]!;
      let out = m.b2;
      if (h === 0) {
        for (let i = 0; i < n; i++) out += w2[i]! * z[i]!;
      } else {
        // Four hidden units at a time: each sum still adds its terms in input order (the same float
        // result), but four independent sums keep the processor busy instead of each addition waiting
        // for the previous one (about three times faster).
        let j = 0;
        for (; j + 4 <= h; j += 4) {
          let a0 = b1[j]!;
          let a1 = b1[j + 1]!;
          let a2 = b1[j + 2]!;
          let a3 = b1[j + 3]!;
          const r0 = j * n;
          const r1 = r0 + n;
          const r2 = r1 + n;
          const r3 = r2 + n;
          for (let i = 0; i < n; i++) {
            const zi = z[i]!;
            a0 += w1[r0 + i]! * zi;
            a1 += w1[r1 + i]! * zi;
            a2 += w1[r2 + i]! * zi;
            a3 += w1[r3 + i]! * zi;
          }
          if (a0 > 0) out += w2[j]! * a0;
          if (a1 > 0) out += w2[j + 1]! * a1;
          if (a2 > 0) out += w2[j + 2]! * a2;
          if (a3 > 0) out += w2[j + 3]! * a3;
        }
        for (; j < h; j++) {
          let a = b1[j]!;
          const base = j * n;
          for (let i = 0; i < n; i++) a += w1[base + i]! * z[i]!;
          if (a > 0) out += w2[j]! * a;
        }
      }
      return 1 / (1 + Math.exp(-out));
    },
  };
}
