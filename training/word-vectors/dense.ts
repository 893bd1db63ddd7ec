/**
 * Trains the small dense classifier of packages/core/src/ml/dense-model.ts: standardised inputs, logistic
 * regression (`hidden` 0) or one ReLU hidden layer, weighted cross-entropy, mini-batch Adam with L2.
 * Deterministic: initialisation and shuffling come from a seeded generator and the arithmetic order is
 * fixed, so the same data and options give byte-identical weights.
 */
import type { DenseModelFile } from '../../packages/core/src/ml/dense-model.ts';
import { seededRandom } from '../lib/train-linear.ts';

export interface DenseOptions {
  hidden: number;
  epochs: number;
  seed: number;
  /** Adam step size. Default 0.003. */
  learningRate?: number;
  /** L2 penalty on the weights (not biases), per example-weight unit. Default 1e-3. */
  l2?: number;
  /** Mini-batch size. Default 64. */
  batch?: number;
}

const round = (v: number): number => Math.round(v * 1e6) / 1e6;

/** Fits the classifier to rows `xs` (equal length), labels 0/1 and example weights. */
export function trainDense(
  xs: readonly ArrayLike<number>[],
  ys: readonly number[],
  ws: readonly number[],
  o: DenseOptions,
): DenseModelFile {
  const n = xs[0]?.length ?? 0;
  const h = o.hidden;
  const rand = seededRandom(o.seed);
  const lr = o.learningRate ?? 0.003;
  const l2 = o.l2 ?? 1e-3;
  const batch = o.batch ?? 64;

  // Standardisation from the (weighted) training rows.
  const totalW = ws.reduce((a, b) => a + b, 0);
  const mean = new Float64Array(n);
  const std = new Float64Array(n);
  xs.forEach((x, r) => {
    for (let i = 0; i < n; i++) mean[i] = mean[i]! + ws[r]! * x[i]!;
  });
  for (let i = 0; i < n; i++) mean[i] = mean[i]! / totalW;
  xs.forEach((x, r) => {
    for (let i = 0; i < n; i++) {
      const d = x[i]! - mean[i]!;
      std[i] = std[i]! + ws[r]! * d * d;
    }
  });
  for (let i = 0; i < n; i++) std[i] = Math.sqrt(std[i]! / totalW);
  const z = xs.map((x) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = std[i]! > 1e-9 ? (x[i]! - mean[i]!) / std[i]! : 0;
    return out;
  });

  // Parameters: w1 (h×n), b1 (h), w2 (h, or n when linear), b2. He-style initialisation.
  const gauss = (): number => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const outN = h === 0 ? n : h;
  const w1 = Float64Array.from({ length: h * n }, () => gauss() * Math.sqrt(2 / n));
  const b1 = new Float64Array(h);
  const w2 = Float64Array.from({ length: outN }, () => (h === 0 ? 0 : gauss() * Math.sqrt(1 / h)));
  let b2 = 0;
  const params = [w1, b1, w2];
  const m1 = params.map((p) => new Float64Array(p.length));
  const v1 = params.map((p) => new Float64Array(p.length));
  let mb2 = 0;
  let vb2 = 0;
  const grads = params.map((p) => new Float64Array(p.length));
  const act = new Float64Array(h);
  const order = xs.map((_, i) => i);
  const meanW = totalW / xs.length;
  let step = 0;

  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let start = 0; start < order.length; start += batch) {
      const end = Math.min(order.length, start + batch);
      for (const g of grads) g.fill(0);
      let gb2 = 0;
      let bw = 0;
      for (let k = start; k < end; k++) {
        const r = order[k]!;
        const x = z[r]!;
        let out = b2;
        if (h === 0) {
          for (let i = 0; i < n; i++) out += w2[i]! * x[i]!;
        } else {
          for (let j = 0; j < h; j++) {
            let a = b1[j]!;
            const base = j * n;
            for (let i = 0; i < n; i++) a += w1[base + i]! * x[i]!;
            act[j] = Math.max(a, 0);
            out += w2[j]! * act[j]!;
          }
        }
        const p = 1 / (1 + Math.exp(-out));
        const err = (p - ys[r]!) * (ws[r]! / meanW);
        bw += 1;
        gb2 += err;
        if (h === 0) {
          const g2 = grads[2]!;
          for (let i = 0; i < n; i++) g2[i] = g2[i]! + err * x[i]!;
        } else {
          const g1 = grads[0]!;
          const gb1 = grads[1]!;
          const g2 = grads[2]!;
          for (let j = 0; j < h; j++) {
            g2[j] = g2[j]! + err * act[j]!;
            if (act[j]! <= 0) continue;
            const d = err * w2[j]!;
            gb1[j] = gb1[j]! + d;
            const base = j * n;
            for (let i = 0; i < n; i++) g1[base + i] = g1[base + i]! + d * x[i]!;
          }
        }
      }
      step++;
      const c1 = 1 - 0.9 ** step;
      const c2 = 1 - 0.999 ** step;
      params.forEach((p, pi) => {
        const g = grads[pi]!;
        const m = m1[pi]!;
        const v = v1[pi]!;
        const decay = pi === 1 ? 0 : l2;
        for (let i = 0; i < p.length; i++) {
          const gi = g[i]! / bw + decay * p[i]!;
          m[i] = 0.9 * m[i]! + 0.1 * gi;
          v[i] = 0.999 * v[i]! + 0.001 * gi * gi;
          p[i] = p[i]! - (lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + 1e-8);
        }
      });
      const g = gb2 / bw;
      mb2 = 0.9 * mb2 + 0.1 * g;
      vb2 = 0.999 * vb2 + 0.001 * g * g;
      b2 -= (lr * (mb2 / c1)) / (Math.sqrt(vb2 / c2) + 1e-8);
    }
  }
  return {
    type: 'dense',
    version: 1,
    inputs: n,
    hidden: h,
    mean: [...mean].map(round),
    std: [...std].map(round),
    w1: [...w1].map(round),
    b1: [...b1].map(round),
    w2: [...w2].map(round),
    b2: round(b2),
  };
}
