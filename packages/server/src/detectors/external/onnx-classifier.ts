import { readFile } from 'node:fs/promises';
import type { Detector, Finding, Segment } from '@parapet/core';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { z } from 'zod';
import { ExternalDetectorError, hasContent } from './http.ts';
import { loadTokenizer, type TextTokenizer } from './tokenizer.ts';

/**
 * Settings of an ONNX text classifier (e.g. a BERT-family prompt-injection or toxicity model exported to
 * ONNX). The schema is the single source of truth for the config file and the factory.
 */
export const OnnxClassifierSettings = z
  .object({
    /** Detector id reported in findings; default `external.onnx`. */
    id: z.string().min(1).default('external.onnx'),
    /** Path of the `.onnx` model file. */
    modelPath: z.string().min(1),
    /**
     * Path of the tokenizer: a HuggingFace `tokenizer.json` (WordPiece, or SentencePiece Unigram as DeBERTa-v3
     * and XLM-R ship) or a whitespace vocabulary JSON.
     */
    tokenizerPath: z.string().min(1),
    /** Family reported in findings, e.g. `prompt_attack` or `toxicity`. */
    family: z.string().min(1),
    /** The model's output labels, in logit order. */
    labels: z.array(z.string().min(1)).min(1),
    /** Labels that are detections; each becomes a finding type. */
    positiveLabels: z.array(z.string().min(1)).min(1),
    /** Minimum probability of a positive label for a finding. */
    threshold: z.number().min(0).max(1).default(0.5),
    /** Tokens per window, special tokens included; longer texts are scanned window by window. */
    maxLength: z.number().int().min(4).max(8192).default(512),
    /** `softmax` for single-label models, `sigmoid` for multi-label ones. */
    activation: z.enum(['softmax', 'sigmoid']).default('softmax'),
    /** Windows per inference call. */
    batchSize: z.number().int().min(1).max(256).default(8),
    /** Intra-op threads of the ONNX runtime session. */
    threads: z.number().int().min(1).max(64).default(1),
    /** Output holding the logits; default the model's first output. */
    outputName: z.string().min(1).optional(),
  })
  .superRefine((s, ctx) => {
    for (const label of s.positiveLabels) {
      if (!s.labels.includes(label)) {
        ctx.addIssue({
          code: 'custom',
          path: ['positiveLabels'],
          message: `positive label \`${label}\` is not one of the labels (${s.labels.join(', ')})`,
        });
      }
    }
  });
export type OnnxClassifierSettings = z.input<typeof OnnxClassifierSettings>;

/** An ONNX detector holds a native session; `close` releases it. */
export interface OnnxClassifierDetector extends Detector {
  /** The tokenizer in use (`wordpiece`, `unigram` or `whitespace`). */
  readonly tokenizerKind: string;
  close(): Promise<void>;
}

const SUPPORTED_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids']);

type OrtModule = typeof import('onnxruntime-node');

let ortModule: Promise<OrtModule> | undefined;

/** Loads the native runtime on first use, so deployments without ONNX detectors never load it. */
function loadOrt(): Promise<OrtModule> {
  ortModule ??= import('onnxruntime-node').then(
    (m) => ((m as { default?: OrtModule }).default ?? m) as OrtModule,
  );
  return ortModule;
}

interface Window {
  /** Range of content tokens. */
  from: number;
  to: number;
}

/**
 * Loads a model and a tokenizer and returns a detector that classifies each segment. Long texts are cut
 * into windows of `maxLength` tokens (special tokens included) and every window is scored; for each positive
 * label the best window at or over `threshold` becomes one finding whose span is that window's text.
 * Throws (at build time) when a file is missing or malformed, the model has an input other than
 * `input_ids` / `attention_mask` / `token_type_ids`, or its output width differs from `labels`.
 */
export async function createOnnxClassifierDetector(
  options: OnnxClassifierSettings,
): Promise<OnnxClassifierDetector> {
  const settings = OnnxClassifierSettings.parse(options);
  const { id, family, labels, threshold, maxLength, batchSize } = settings;
  let tokenizerJson: unknown;
  try {
    tokenizerJson = JSON.parse(await readFile(settings.tokenizerPath, 'utf8'));
  } catch (err) {
    throw new ExternalDetectorError(
      id,
      'config',
      `detector \`${id}\` could not read its tokenizer file \`${settings.tokenizerPath}\``,
      {
        cause: err,
      },
    );
  }
  const tokenizer: TextTokenizer = loadTokenizer(tokenizerJson);
  const content = maxLength - tokenizer.prefix.length - tokenizer.suffix.length;
  if (content < 1) {
    throw new ExternalDetectorError(
      id,
      'config',
      `detector \`${id}\` has a maxLength of ${maxLength}, too small for its special tokens`,
    );
  }
  const ort = await loadOrt();
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(settings.modelPath, {
      intraOpNumThreads: settings.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw new ExternalDetectorError(
      id,
      'config',
      `detector \`${id}\` could not load its model file \`${settings.modelPath}\``,
      {
        cause: err,
      },
    );
  }
  for (const name of session.inputNames) {
    if (!SUPPORTED_INPUTS.has(name)) {
      await session.release();
      throw new ExternalDetectorError(
        id,
        'config',
        `detector \`${id}\`: model input \`${name}\` is not supported (supported: ${[...SUPPORTED_INPUTS].join(', ')})`,
      );
    }
  }
  if (!session.inputNames.includes('input_ids')) {
    await session.release();
    throw new ExternalDetectorError(id, 'config', `detector \`${id}\`: the model has no \`input_ids\` input`);
  }
  const int32Inputs = new Set(
    session.inputMetadata.filter((m) => m.isTensor && m.type === 'int32').map((m) => m.name),
  );
  const outputName = settings.outputName ?? (session.outputNames[0] as string);
  if (!session.outputNames.includes(outputName)) {
    await session.release();
    throw new ExternalDetectorError(
      id,
      'config',
      `detector \`${id}\`: the model has no output \`${outputName}\``,
    );
  }
  const positives = settings.positiveLabels.map((label) => ({ label, index: labels.indexOf(label) }));
  const sigmoid = settings.activation === 'sigmoid';

  const makeTensor = (name: string, values: number[], rows: number, cols: number): Tensor => {
    if (int32Inputs.has(name)) return new ort.Tensor('int32', Int32Array.from(values), [rows, cols]);
    const data = new BigInt64Array(values.length);
    for (let k = 0; k < values.length; k++) data[k] = BigInt(values[k] as number);
    return new ort.Tensor('int64', data, [rows, cols]);
  };

  /** Scores a batch of windows: one probability row per window. */
  const runBatch = async (ids: readonly number[], batch: readonly Window[]): Promise<Float32Array[]> => {
    let width = 0;
    for (const w of batch) width = Math.max(width, w.to - w.from);
    const cols = width + tokenizer.prefix.length + tokenizer.suffix.length;
    const inputIds = new Array<number>(batch.length * cols).fill(tokenizer.padId);
    const mask = new Array<number>(batch.length * cols).fill(0);
    batch.forEach((w, row) => {
      const seq = [...tokenizer.prefix, ...ids.slice(w.from, w.to), ...tokenizer.suffix];
      for (let c = 0; c < seq.length; c++) {
        inputIds[row * cols + c] = seq[c] as number;
        mask[row * cols + c] = 1;
      }
    });
    const feeds: Record<string, Tensor> = {
      input_ids: makeTensor('input_ids', inputIds, batch.length, cols),
    };
    if (session.inputNames.includes('attention_mask')) {
      feeds.attention_mask = makeTensor('attention_mask', mask, batch.length, cols);
    }
    if (session.inputNames.includes('token_type_ids')) {
      feeds.token_type_ids = makeTensor(
        'token_type_ids',
        new Array<number>(mask.length).fill(0),
        batch.length,
        cols,
      );
    }
    let result: InferenceSession.ReturnType;
    try {
      result = await session.run(feeds, [outputName]);
    } catch (err) {
      throw new ExternalDetectorError(id, 'protocol', `detector \`${id}\`: model inference failed`, {
        cause: err,
      });
    }
    const out = result[outputName];
    if (
      out === undefined ||
      out.dims.length !== 2 ||
      out.dims[0] !== batch.length ||
      out.dims[1] !== labels.length
    ) {
      throw new ExternalDetectorError(
        id,
        'protocol',
        `detector \`${id}\`: the model output has shape [${out?.dims.join(', ') ?? ''}], expected [${batch.length}, ${labels.length}]`,
      );
    }
    const logits = out.data as Float32Array;
    const rows: Float32Array[] = [];
    for (let r = 0; r < batch.length; r++) {
      rows.push(activate(logits.subarray(r * labels.length, (r + 1) * labels.length), sigmoid, id));
    }
    return rows;
  };

  const inspectSegment = async (segment: Segment, signal: AbortSignal | undefined): Promise<Finding[]> => {
    if (!hasContent(segment.text)) return [];
    const tokens = tokenizer.tokenize(segment.text);
    const n = tokens.ids.length;
    if (n === 0) return [];
    const windows: Window[] = [];
    for (let from = 0; from < n; from += content) windows.push({ from, to: Math.min(n, from + content) });
    const best = positives.map(() => ({ score: -1, window: -1 }));
    for (let b = 0; b < windows.length; b += batchSize) {
      if (signal?.aborted === true) {
        throw new ExternalDetectorError(id, 'aborted', `detector \`${id}\` was aborted`);
      }
      const batch = windows.slice(b, b + batchSize);
      const rows = await runBatch(tokens.ids, batch);
      rows.forEach((probs, r) => {
        positives.forEach((p, k) => {
          const score = probs[p.index] as number;
          const slot = best[k] as { score: number; window: number };
          if (score > slot.score) {
            slot.score = score;
            slot.window = b + r;
          }
        });
      });
    }
    const findings: Finding[] = [];
    positives.forEach((p, k) => {
      const slot = best[k] as { score: number; window: number };
      if (slot.window < 0 || slot.score < threshold) return;
      const w = windows[slot.window] as Window;
      findings.push({
        family,
        type: p.label,
        score: slot.score,
        segment: segment.index,
        span: { start: tokens.starts[w.from] as number, end: tokens.ends[w.to - 1] as number },
        detector: id,
        explanation: `model label ${p.label} at ${slot.score.toFixed(3)}${windows.length > 1 ? ` (window ${slot.window + 1} of ${windows.length})` : ''}`,
      });
    });
    return findings;
  };

  return {
    id,
    family,
    tokenizerKind: tokenizer.kind,
    async inspect(segments, ctx) {
      const findings: Finding[] = [];
      for (const segment of segments) findings.push(...(await inspectSegment(segment, ctx.signal)));
      return findings;
    },
    close: () => session.release(),
  };
}

/** Softmax (or per-label sigmoid) of one logit row; throws on non-finite output. */
function activate(row: Float32Array, sigmoid: boolean, id: string): Float32Array {
  const out = new Float32Array(row.length);
  let max = Number.NEGATIVE_INFINITY;
  for (const v of row) {
    if (!Number.isFinite(v)) {
      throw new ExternalDetectorError(
        id,
        'protocol',
        `detector \`${id}\`: the model produced a non-finite logit`,
      );
    }
    max = Math.max(max, v);
  }
  if (sigmoid) {
    for (let k = 0; k < row.length; k++) out[k] = 1 / (1 + Math.exp(-(row[k] as number)));
    return out;
  }
  let sum = 0;
  for (let k = 0; k < row.length; k++) {
    const e = Math.exp((row[k] as number) - max);
    out[k] = e;
    sum += e;
  }
  for (let k = 0; k < row.length; k++) out[k] = (out[k] as number) / sum;
  return out;
}
