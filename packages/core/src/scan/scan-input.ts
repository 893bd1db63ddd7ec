import { ParapetError } from '../errors/codes.ts';
import type { Direction, Segment, SegmentSource } from '../model/segment.ts';

/** What `POST /v1/scan` and `parapet scan --jsonl` accept. */
export interface ScanRequest {
  id?: string | number | null;
  /** One text to scan; offsets in the result point into it. */
  input?: string;
  /** Or chat messages; entities then carry their message index. */
  messages?: { role: string; content: unknown }[];
  direction?: Direction;
}

const ROLE_SOURCES: Readonly<Record<string, SegmentSource>> = {
  system: 'system',
  developer: 'system',
  user: 'user',
  assistant: 'assistant',
  tool: 'tool_result',
};

/**
 * Validates a scan request body and turns it into segments. `text` is accepted as an alias of `input`
 * (the JSONL layout of the datasets). Throws ParapetError PARAPET_REQUEST_INVALID naming the bad field.
 */
export function parseScanRequest(body: unknown): {
  request: ScanRequest;
  segments: Segment[];
  messages: boolean;
} {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid('the scan request must be a JSON object with `input` or `messages`');
  }
  const b = body as Record<string, unknown>;
  const id = b.id;
  if (id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number') {
    throw invalid('`id` must be a string or a number');
  }
  const direction = b.direction ?? 'input';
  if (direction !== 'input' && direction !== 'output')
    throw invalid('`direction` must be `input` or `output`');
  const text = b.input ?? b.text;
  if (text !== undefined) {
    if (typeof text !== 'string') throw invalid('`input` must be a string');
    const request: ScanRequest = { input: text, direction };
    if (id !== undefined) request.id = id as string | number | null;
    const source: SegmentSource = direction === 'output' ? 'completion' : 'user';
    return { request, segments: [{ index: 0, source, path: 'input', text }], messages: false };
  }
  if (b.messages === undefined) throw invalid('send `input` (a string) or `messages` (an array)');
  if (!Array.isArray(b.messages)) throw invalid('`messages` must be an array');
  const segments: Segment[] = [];
  b.messages.forEach((m: unknown, i: number) => {
    if (m === null || typeof m !== 'object') throw invalid(`\`messages[${i}]\` must be an object`);
    const { role, content } = m as { role?: unknown; content?: unknown };
    if (typeof role !== 'string') throw invalid(`\`messages[${i}].role\` must be a string`);
    const source = direction === 'output' ? 'completion' : (ROLE_SOURCES[role] ?? 'user');
    if (typeof content === 'string') {
      segments.push({ index: segments.length, source, path: `messages[${i}]`, text: content });
    } else if (Array.isArray(content)) {
      content.forEach((part: unknown, j: number) => {
        const t = part !== null && typeof part === 'object' ? (part as { text?: unknown }).text : undefined;
        if (typeof t === 'string')
          segments.push({ index: segments.length, source, path: `messages[${i}].content[${j}]`, text: t });
      });
    } else if (content !== null && content !== undefined) {
      throw invalid(`\`messages[${i}].content\` must be a string or an array of parts`);
    }
  });
  const request: ScanRequest = { messages: b.messages as ScanRequest['messages'], direction };
  if (id !== undefined) request.id = id as string | number | null;
  return { request, segments, messages: true };
}

function invalid(message: string): ParapetError {
  return new ParapetError('PARAPET_REQUEST_INVALID', message);
}
