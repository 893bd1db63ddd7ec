import { z } from 'zod';
import { fastTextFeatures } from './fast-features.ts';
import type { FeatureOptions, SparseVector } from './text-features.ts';

/**
 * A shipped linear text classifier: hashed n-gram features (text-features.ts), one weight row per label,
 * int8-quantised with a scale per label, base64 in JSON. Labels are scored independently with a sigmoid
 * (one-vs-rest), so a text can be in several categories. Built by training/lib/train-linear.ts.
 */
export const LinearModelFile = z.object({
  type: z.literal('linear'),
  version: z.literal(1),
  /** What it was trained on and how: kept with the weights for the model card. */
  description: z.string(),
  features: z.object({
    dims: z.number().int().positive(),
    wordNgrams: z.array(z.number().int().positive()),
    charNgrams: z.array(z.number().int().positive()),
    maxChars: z.number().int().positive(),
  }),
  labels: z.array(z.string()).min(1),
  /** Per label: base64 of `dims` int8 weights. */
  weights: z.array(z.string()),
  /** Per label: the float value of one int8 step. */
  scales: z.array(z.number()),
  bias: z.array(z.number()),
});
export type LinearModelFile = z.infer<typeof LinearModelFile>;

export interface LinearModel {
  readonly labels: readonly string[];
  readonly features: FeatureOptions;
  /** Sigmoid score per label, in `labels` order. */
  score(text: string): number[];
  scoreVector(v: SparseVector): number[];
}

function decodeBase64(b64: string): Int8Array {
  // atob is available in Node 20 and browsers; the core stays free of Buffer.
  const bin = atob(b64);
  const out = new Int8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = (bin.charCodeAt(i) << 24) >> 24;
  return out;
}

/** A validated linear model file with its weight rows decoded (one per label). */
export interface ParsedLinearModel {
  readonly file: LinearModelFile;
  readonly rows: readonly Int8Array[];
}

/** Validates a model file: its schema, each row's length, and one row, scale and bias per label. */
export function parseLinearModel(file: unknown): ParsedLinearModel {
  const m = LinearModelFile.parse(file);
  const rows = m.weights.map((w) => {
    const row = decodeBase64(w);
    if (row.length !== m.features.dims)
      throw new Error(`model weights have ${row.length} entries, expected ${m.features.dims}`);
    return row;
  });
  if (
    rows.length !== m.labels.length ||
    m.scales.length !== m.labels.length ||
    m.bias.length !== m.labels.length
  ) {
    throw new Error('model labels, weights, scales and bias disagree in length');
  }
  return { file: m, rows };
}

/** Validates and loads a model file once; scoring is then a sparse dot product per label. */
export function loadLinearModel(file: unknown): LinearModel {
  const { file: m, rows } = parseLinearModel(file);
  const bias = Float64Array.from(m.bias);
  const scales = Float64Array.from(m.scales);
  const scoreVector = (v: SparseVector): number[] => {
    const { indices, values } = v;
    const out = new Array<number>(rows.length);
    for (let l = 0; l < rows.length; l++) {
      const row = rows[l]!;
      const scale = scales[l]!;
      let z = bias[l]!;
      for (let k = 0; k < indices.length; k++) z += row[indices[k]!]! * scale * values[k]!;
      out[l] = 1 / (1 + Math.exp(-z));
    }
    return out;
  };
  return {
    labels: m.labels,
    features: m.features,
    // The same features as textFeatures, bit for bit (fast-features.ts), computed faster.
    score: (text) => scoreVector(fastTextFeatures(text, m.features)),
    scoreVector,
  };
}
