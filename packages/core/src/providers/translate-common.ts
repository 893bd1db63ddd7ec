import type { ContentPart } from '../model/chat.ts';
import { isJsonObject, type JsonObject } from './json-fields.ts';

/** Splits a `data:<media type>;base64,<data>` URL; `undefined` for any other URL. */
export function splitDataUrl(url: string): { mediaType: string; data: string } | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const header = url.slice(5, comma);
  if (!header.endsWith(';base64')) return undefined;
  const mediaType = header.slice(0, header.indexOf(';'));
  return { mediaType, data: url.slice(comma + 1) };
}

/** The URL form of an image part: its URL, or a data URL built from base64 data. */
export function imageUrlOf(part: { url?: string; data?: string; mediaType?: string }): string {
  if (part.url !== undefined) return part.url;
  return `data:${part.mediaType ?? 'application/octet-stream'};base64,${part.data ?? ''}`;
}

/**
 * Tool-call arguments as a JSON object, for formats that carry them parsed (Anthropic `tool_use.input`).
 * Text that is not valid JSON, or JSON that is not an object, becomes `{}` so the translation goes on:
 * the model's malformed output cannot be expressed in those formats anyway.
 */
export function parseToolArguments(args: string): JsonObject {
  if (args.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(args);
    return isJsonObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/** The text parts joined with no separator (the text the model or user wrote, in order). */
export function joinText(parts: readonly ContentPart[]): string {
  let text = '';
  for (const part of parts) if (part.type === 'text') text += part.text;
  return text;
}

/** True when every part is text (so the content can be sent as a plain string). */
export function isTextOnly(parts: readonly ContentPart[]): boolean {
  return parts.every((part) => part.type === 'text');
}

/**
 * The raw JSON of an `other` part when its `type` is one the target format knows, so unknown parts
 * survive same-format pass-through; `undefined` (the part is dropped) otherwise.
 */
export function passThroughRaw(raw: unknown, knownTypes: ReadonlySet<string>): JsonObject | undefined {
  if (!isJsonObject(raw) || typeof raw['type'] !== 'string') return undefined;
  return knownTypes.has(raw['type']) ? raw : undefined;
}
