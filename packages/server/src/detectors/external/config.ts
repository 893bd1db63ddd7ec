import { isAbsolute, resolve } from 'node:path';
import type { Detector } from '@parapet/core';
import { z } from 'zod';
import { DetectorConfigError } from '../build-detectors.ts';
import { type DetectorCacheOptions, withDetectorCache } from '../detector-cache.ts';
import { createLakeraGuardClient, createLakeraGuardDetector, LakeraGuardSettings } from './lakera-guard.ts';
import { createLlmJudgeDetector, JUDGE_FORMATS, LlmJudgeSettings } from './llm-judge.ts';
import { createOnnxClassifierDetector, OnnxClassifierSettings } from './onnx-classifier.ts';

const detectorId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
  message: 'must start with a letter or digit and contain only letters, digits, `.`, `_` and `-`',
});
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const timeoutMs = z.number().int().min(1).max(600_000);

/** `type: onnx` — a local ONNX text classifier (snake_case keys, as users write parapet.yaml). */
const OnnxEntry = z.strictObject({
  type: z.literal('onnx'),
  id: detectorId.optional().describe('Detector id in findings; default `external.onnx`.'),
  enabled: z.boolean().default(true),
  model_path: z.string().min(1).describe('Path of the .onnx file (relative to the config file directory).'),
  tokenizer_path: z
    .string()
    .min(1)
    .describe('HuggingFace tokenizer.json (WordPiece or Unigram) or whitespace vocab JSON.'),
  family: z.string().min(1).describe('Family of the findings, e.g. `prompt_attack`.'),
  labels: z.array(z.string().min(1)).min(1).describe('Output labels in logit order.'),
  positive_labels: z.array(z.string().min(1)).min(1).describe('Labels that are detections.'),
  threshold: z.number().min(0).max(1).optional(),
  max_length: z.number().int().min(4).max(8192).optional(),
  activation: z.enum(['softmax', 'sigmoid']).optional(),
  batch_size: z.number().int().min(1).max(256).optional(),
  threads: z.number().int().min(1).max(64).optional(),
  output_name: z.string().min(1).optional(),
});

/** `type: llm_judge` — an OpenAI-compatible chat endpoint answering in a Llama Guard or JSON format. */
const LlmJudgeEntry = z.strictObject({
  type: z.literal('llm_judge'),
  id: detectorId.optional(),
  enabled: z.boolean().default(true),
  base_url: httpUrl.describe('OpenAI-compatible base URL with /v1, e.g. http://127.0.0.1:11434/v1.'),
  api_key: z
    .string()
    .min(1)
    .optional()
    .describe('Bearer key; write it as an environment reference, not in clear.'),
  model: z.string().min(1),
  format: z.enum(JUDGE_FORMATS).optional(),
  timeout_ms: timeoutMs.optional(),
  prompt_mode: z.enum(['template', 'messages']).optional(),
  logprobs: z.boolean().optional(),
  max_chars: z.number().int().min(64).optional(),
  max_chunks: z.number().int().min(1).optional(),
  concurrency: z.number().int().min(1).max(64).optional(),
});

const LAKERA_FAMILIES = ['prompt_attack', 'harmful', 'toxicity', 'pii', 'links'] as const;

/** `type: lakera_guard` — a Lakera-Guard-compatible `/v2/guard` API; one detector per listed family. */
const LakeraEntry = z.strictObject({
  type: z.literal('lakera_guard'),
  id: detectorId.optional(),
  enabled: z.boolean().default(true),
  base_url: httpUrl.optional(),
  api_key: z.string().min(1).optional(),
  timeout_ms: timeoutMs.optional(),
  families: z
    .array(z.enum(LAKERA_FAMILIES))
    .min(1)
    .default(['prompt_attack'])
    .describe('Families reported; the detectors share one call per text.'),
  project_id: z.string().min(1).optional(),
  max_chars: z.number().int().min(64).optional(),
  concurrency: z.number().int().min(1).max(64).optional(),
});

/** One entry of `detectors.external` in parapet.yaml. */
export const ExternalDetectorEntry = z.discriminatedUnion('type', [OnnxEntry, LlmJudgeEntry, LakeraEntry]);
export type ExternalDetectorEntry = z.input<typeof ExternalDetectorEntry>;

/** The `detectors.external` list. */
export const ExternalDetectorsConfig = z.array(ExternalDetectorEntry);
export type ExternalDetectorsConfig = z.input<typeof ExternalDetectorsConfig>;

/** Options of {@link buildExternalDetectors}. */
export interface BuildExternalOptions {
  /** Directory relative model and tokenizer paths are resolved against; default the process's cwd. */
  baseDir?: string;
  /** Content-hash cache around each detector, or `false` for none. */
  cache?: DetectorCacheOptions | false;
}

/** External calls are slow and often paid: every segment is worth caching. */
const DEFAULT_CACHE: DetectorCacheOptions = { maxEntries: 5000, minChars: 1 };

function drop<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}

type Built = Detector & { close?: () => Promise<void> };

/**
 * Validates `detectors.external` (every problem reported at once, in one DetectorConfigError, before
 * anything is built), then builds the detectors: ONNX models are loaded now (a bad file fails the boot),
 * HTTP detectors are ready at once. Each detector is wrapped with the content-hash cache. Ids must be
 * unique; a `lakera_guard` entry listing several families yields `<id>.<family>` detectors sharing one client.
 */
export async function buildExternalDetectors(
  configList: unknown,
  options: BuildExternalOptions = {},
): Promise<Detector[]> {
  const parsed = ExternalDetectorsConfig.safeParse(configList ?? []);
  if (!parsed.success) {
    throw new DetectorConfigError(
      parsed.error.issues.map((issue) => {
        const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
        return `detectors.external${path}: ${issue.message}`;
      }),
    );
  }
  const baseDir = options.baseDir ?? process.cwd();
  const where = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const issues: string[] = [];
  const plans: { index: number; id: string; build: () => Built | Promise<Built> }[] = [];

  const check = (index: number, schema: z.ZodType, settings: Record<string, unknown>): boolean => {
    const result = schema.safeParse(settings);
    if (result.success) return true;
    for (const issue of result.error.issues) {
      issues.push(`detectors.external[${index}]: ${issue.message}`);
    }
    return false;
  };

  parsed.data.forEach((entry, index) => {
    if (!entry.enabled) return;
    if (entry.type === 'onnx') {
      const settings = drop({
        id: entry.id ?? 'external.onnx',
        modelPath: where(entry.model_path),
        tokenizerPath: where(entry.tokenizer_path),
        family: entry.family,
        labels: entry.labels,
        positiveLabels: entry.positive_labels,
        threshold: entry.threshold,
        maxLength: entry.max_length,
        activation: entry.activation,
        batchSize: entry.batch_size,
        threads: entry.threads,
        outputName: entry.output_name,
      });
      if (check(index, OnnxClassifierSettings, settings)) {
        plans.push({ index, id: settings.id, build: () => createOnnxClassifierDetector(settings) });
      }
      return;
    }
    if (entry.type === 'llm_judge') {
      const settings = drop({
        id: entry.id ?? 'external.llm_judge',
        baseUrl: entry.base_url,
        apiKey: entry.api_key,
        model: entry.model,
        format: entry.format,
        timeoutMs: entry.timeout_ms,
        promptMode: entry.prompt_mode,
        logprobs: entry.logprobs,
        maxChars: entry.max_chars,
        maxChunks: entry.max_chunks,
        concurrency: entry.concurrency,
      });
      if (check(index, LlmJudgeSettings, settings)) {
        plans.push({ index, id: settings.id, build: () => createLlmJudgeDetector(settings) });
      }
      return;
    }
    const base = entry.id ?? 'external.lakera_guard';
    const families = [...new Set(entry.families)];
    const shared = drop({
      id: base,
      baseUrl: entry.base_url,
      apiKey: entry.api_key,
      timeoutMs: entry.timeout_ms,
      projectId: entry.project_id,
      maxChars: entry.max_chars,
      concurrency: entry.concurrency,
    });
    if (!check(index, LakeraGuardSettings, shared)) return;
    const client = createLakeraGuardClient(shared);
    for (const family of families) {
      const id = families.length === 1 ? base : `${base}.${family}`;
      plans.push({ index, id, build: () => createLakeraGuardDetector({ ...shared, id, family }, client) });
    }
  });

  const seen = new Map<string, number>();
  for (const plan of plans) {
    const first = seen.get(plan.id);
    if (first !== undefined) {
      issues.push(
        `detectors.external[${plan.index}]: detector id \`${plan.id}\` is already used by detectors.external[${first}]; give each entry its own \`id\``,
      );
    } else seen.set(plan.id, plan.index);
  }
  if (issues.length > 0) throw new DetectorConfigError(issues);

  const built: Built[] = [];
  try {
    for (const plan of plans) built.push(await plan.build());
  } catch (err) {
    await Promise.allSettled(built.map((d) => d.close?.()));
    throw err;
  }
  const cache = options.cache === undefined ? DEFAULT_CACHE : options.cache;
  if (cache === false) return built;
  return built.map((d) => {
    const wrapped: Built = withDetectorCache(d, cache);
    if (d.close !== undefined) wrapped.close = d.close;
    return wrapped;
  });
}

/** Releases what external detectors hold (ONNX runtime sessions); safe to call on any detector list. */
export async function closeExternalDetectors(detectors: readonly Detector[]): Promise<void> {
  await Promise.allSettled(detectors.map((d) => (d as Built).close?.()));
}
