/**
 * OpenAI embeddings requests (`POST /v1/embeddings`): read just enough to inspect the input texts. The
 * body itself is forwarded as the client sent it, so fields other than `model` and `input` are not read.
 */
import { ParapetError } from '../errors/codes.ts';
import type { EmbeddingsRequest } from '../model/chat.ts';
import type { Segment } from '../model/segment.ts';

function invalid(message: string): ParapetError {
  return new ParapetError('PARAPET_REQUEST_INVALID', message);
}

function isTokenArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((token) => typeof token === 'number' && Number.isInteger(token));
}

/**
 * Reads an embeddings request body. `input` may be a string, an array of strings, an array of token ids
 * (`number[]`) or an array of token arrays (`number[][]`). Token arrays carry no text Parapet can inspect
 * without the upstream's tokenizer: each one is represented as an empty string, so `input` keeps one entry
 * per embedding the upstream will return. Throws ParapetError `PARAPET_REQUEST_INVALID` naming the field
 * when `model` is not a non-empty string or `input` has another shape or is empty.
 */
export function parseEmbeddingsRequest(body: unknown): EmbeddingsRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('the request body must be a JSON object');
  }
  const { model, input } = body as Record<string, unknown>;
  if (typeof model !== 'string' || model === '') throw invalid('`model` must be a non-empty string');
  if (typeof input === 'string') return { model, input: [input] };
  if (!Array.isArray(input)) {
    throw invalid('`input` must be a string, an array of strings or an array of token arrays');
  }
  if (input.length === 0) throw invalid('`input` must not be empty');
  if (isTokenArray(input)) return { model, input: [''] };
  const texts = input.map((entry, i) => {
    if (typeof entry === 'string') return entry;
    if (isTokenArray(entry) && entry.length > 0) return '';
    throw invalid(`\`input[${i}]\` must be a string or a non-empty array of integer token ids`);
  });
  return { model, input: texts };
}

/**
 * The texts of an embeddings request as segments with source `embedding_input` and path `input[i]`.
 * Empty inputs (including token arrays, which have no text) give no segment, so a segment's `index` is
 * its position in the returned list while its `path` names the input entry it came from.
 */
export function embeddingsSegments(request: EmbeddingsRequest): Segment[] {
  const segments: Segment[] = [];
  request.input.forEach((text, i) => {
    if (text === '') return;
    segments.push({ index: segments.length, source: 'embedding_input', path: `input[${i}]`, text });
  });
  return segments;
}
