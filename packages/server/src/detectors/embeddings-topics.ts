/**
 * Optional embedding backend for the `topics` family: topics are scored by cosine similarity between a
 * text's embedding and the embeddings of each topic's example sentences, from any OpenAI-compatible
 * `POST /v1/embeddings` endpoint (OpenAI, vLLM, Ollama, LiteLLM, text-embeddings-inference…).
 *
 * Lives in the server because it does I/O; the core's offline topics detector stays the default. Example
 * embeddings are computed once, on first use (a failed attempt is retried on the next call); text
 * embeddings are cached by the SHA-256 of the text (least recently used go first). Errors never carry
 * prompt text or the API key.
 */
import { createHash } from 'node:crypto';
import type { Detector, DetectorContext, Finding, Segment } from '@parapet/core';
import { type Dispatcher, request } from 'undici';
import { z } from 'zod';

/** Anything that turns texts into vectors, one per text, in order. */
export interface EmbeddingsTopicsBackend {
  embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
}

/** A topic as the embedding detector needs it (the core's `DEFAULT_TOPICS` entries fit). */
export interface EmbeddingTopic {
  readonly id: string;
  readonly examples: readonly string[];
}

/** The embeddings endpoint failed or answered something unusable. */
export class EmbeddingsBackendError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'EmbeddingsBackendError';
  }
}

/** Options of {@link createOpenAIEmbeddingsBackend}. */
export interface OpenAIEmbeddingsOptions {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:11434/v1`; `/embeddings` is appended. */
  baseUrl: string;
  /** Embedding model name, e.g. `text-embedding-3-small` or `nomic-embed-text`. */
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set; never put into errors. */
  apiKey?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Asked of models that support shortened embeddings. */
  dimensions?: number;
  /** Time for headers and for the body, each (default 10 000 ms). */
  timeoutMs?: number;
  /** Texts per request (default 64). */
  batchSize?: number;
  /** undici dispatcher (pool, proxy); default the global one. */
  dispatcher?: Dispatcher;
}

const EmbeddingsResponse = z.object({
  data: z.array(z.object({ index: z.number().int().nonnegative(), embedding: z.array(z.number()) })),
});

/** A backend for any OpenAI-compatible `/v1/embeddings` endpoint, called with undici. */
export function createOpenAIEmbeddingsBackend(options: OpenAIEmbeddingsOptions): EmbeddingsTopicsBackend {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/embeddings`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const batchSize = options.batchSize ?? 64;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;

  async function embedBatch(texts: readonly string[], signal?: AbortSignal): Promise<number[][]> {
    const body: Record<string, unknown> = { model: options.model, input: texts, encoding_format: 'float' };
    if (options.dimensions !== undefined) body.dimensions = options.dimensions;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      const code = (error as { code?: unknown }).code;
      throw new EmbeddingsBackendError(
        `embeddings endpoint could not be reached${typeof code === 'string' ? ` (${code})` : ''}`,
      );
    }
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new EmbeddingsBackendError(
        `embeddings endpoint answered status ${response.statusCode}`,
        response.statusCode,
      );
    }
    let parsed: z.infer<typeof EmbeddingsResponse>;
    try {
      parsed = EmbeddingsResponse.parse(JSON.parse(text));
    } catch {
      throw new EmbeddingsBackendError('embeddings endpoint answered a body that is not an embeddings list');
    }
    const vectors: number[][] = new Array(texts.length);
    for (const item of parsed.data) if (item.index < texts.length) vectors[item.index] = item.embedding;
    for (let i = 0; i < texts.length; i++) {
      if (vectors[i] === undefined) {
        throw new EmbeddingsBackendError(
          `embeddings endpoint answered ${parsed.data.length} of ${texts.length} vectors`,
        );
      }
    }
    return vectors;
  }

  return {
    async embed(texts, signal) {
      const out: number[][] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        out.push(...(await embedBatch(texts.slice(i, i + batchSize), signal)));
      }
      return out;
    },
  };
}

/** Options of {@link createEmbeddingsTopicsDetector}. */
export interface EmbeddingsTopicsOptions {
  backend: EmbeddingsTopicsBackend;
  /** Topics with example sentences, e.g. the core's `DEFAULT_TOPICS` plus the organisation's own. */
  topics: readonly EmbeddingTopic[];
  /** Labels below this score are not reported (default 0.5). */
  minScore?: number;
  /** At most this many labels per segment, best first (default 3). */
  maxLabels?: number;
  /**
   * Cosine similarity that maps to score 0, and the one that maps to score 1 (defaults 0.25 and 0.65, fit
   * for OpenAI's text-embedding-3 models; other models spread similarities differently).
   */
  similarityFloor?: number;
  similarityFull?: number;
  /** Text embeddings kept in the cache (default 2000). */
  cacheSize?: number;
  /** Only the first this many characters of a segment are embedded (default 4000). */
  maxChars?: number;
}

function normalize(vector: readonly number[]): Float64Array {
  const out = Float64Array.from(vector);
  let norm = 0;
  for (const v of out) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / norm;
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  const n = Math.min(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i]! * b[i]!;
  return sum;
}

interface TopicVectors {
  id: string;
  centroid: Float64Array;
  examples: Float64Array[];
}

/**
 * Builds a `topics` detector (id `topics.embeddings`) that scores every topic by the larger of the cosine
 * similarity to its examples' centroid and to its nearest example. Findings have `span: null`. When the
 * endpoint fails, `inspect` rejects, which the engine reports as a detector failure (never as "no topic").
 */
export function createEmbeddingsTopicsDetector(options: EmbeddingsTopicsOptions): Detector {
  const minScore = options.minScore ?? 0.5;
  const maxLabels = options.maxLabels ?? 3;
  const floor = options.similarityFloor ?? 0.25;
  const full = options.similarityFull ?? 0.65;
  const cacheSize = options.cacheSize ?? 2000;
  const maxChars = options.maxChars ?? 4000;
  if (!(full > floor)) throw new Error('`similarityFull` must be greater than `similarityFloor`');
  const topics = options.topics.filter((t) => t.examples.length > 0);
  const cache = new Map<string, Float64Array>();
  let topicVectors: Promise<TopicVectors[]> | null = null;

  function loadTopics(signal?: AbortSignal): Promise<TopicVectors[]> {
    if (topicVectors === null) {
      const texts = topics.flatMap((t) => t.examples);
      topicVectors = options.backend.embed(texts, signal).then((raw) => {
        let at = 0;
        return topics.map((topic) => {
          const examples = topic.examples.map(() => normalize(raw[at++] ?? []));
          const sum = new Array<number>(examples[0]?.length ?? 0).fill(0);
          for (const e of examples) for (let i = 0; i < sum.length; i++) sum[i]! += e[i] ?? 0;
          return { id: topic.id, centroid: normalize(sum), examples };
        });
      });
      // A failure is not remembered: the next call tries again.
      topicVectors.catch(() => {
        topicVectors = null;
      });
    }
    return topicVectors;
  }

  const keyOf = (text: string) => createHash('sha256').update(text).digest('base64');

  async function embedTexts(texts: readonly string[], signal?: AbortSignal): Promise<Float64Array[]> {
    const keys = texts.map(keyOf);
    const missing: number[] = [];
    for (let i = 0; i < texts.length; i++)
      if (!cache.has(keys[i]!) && !missing.some((j) => keys[j] === keys[i])) missing.push(i);
    if (missing.length > 0) {
      const vectors = await options.backend.embed(
        missing.map((i) => texts[i]!),
        signal,
      );
      missing.forEach((i, k) => {
        cache.set(keys[i]!, normalize(vectors[k] ?? []));
        if (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
      });
    }
    return keys.map((key) => {
      const vector = cache.get(key)!;
      cache.delete(key);
      cache.set(key, vector);
      return vector;
    });
  }

  return {
    id: 'topics.embeddings',
    family: 'topics',
    async inspect(segments: readonly Segment[], ctx: DetectorContext): Promise<Finding[]> {
      const inspected = segments.filter((s) => s.text.trim().length > 0);
      if (inspected.length === 0 || topics.length === 0) return [];
      const vectorsOfTopics = await loadTopics(ctx.signal);
      const vectors = await embedTexts(
        inspected.map((s) => s.text.slice(0, maxChars)),
        ctx.signal,
      );
      const findings: Finding[] = [];
      inspected.forEach((segment, k) => {
        const v = vectors[k]!;
        const labels: { id: string; similarity: number; score: number }[] = [];
        for (const topic of vectorsOfTopics) {
          let similarity = dot(v, topic.centroid);
          for (const e of topic.examples) similarity = Math.max(similarity, dot(v, e));
          const share = Math.min(1, Math.max(0, (similarity - floor) / (full - floor)));
          const score = Math.round(share * 100) / 100;
          if (score >= minScore && score > 0) labels.push({ id: topic.id, similarity, score });
        }
        labels.sort((a, b) => b.score - a.score || b.similarity - a.similarity);
        for (const label of labels.slice(0, maxLabels)) {
          findings.push({
            family: 'topics',
            type: label.id,
            score: label.score,
            segment: segment.index,
            span: null,
            detector: 'topics.embeddings',
            explanation: `embedding similarity ${Math.round(label.similarity * 1000) / 1000} to the examples of topic \`${label.id}\``,
          });
        }
      });
      return findings;
    },
  };
}
