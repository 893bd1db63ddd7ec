/**
 * Extracts the texts to inspect from a neutral request or response, each labelled with its source and
 * its path in the neutral model, so findings can point back to where the text lives.
 */
import type { ChatMessage, ChatRequest, ChatResponse, ContentPart } from '../model/chat.ts';
import type { Segment, SegmentSource } from '../model/segment.ts';

/**
 * The inspectable text of a content part: text parts, and the text inside parts the neutral model keeps
 * raw (a `text` field, or an Anthropic document with a plain-text source), so unknown part types are not
 * a way around inspection. Images carry no text.
 */
function partText(part: ContentPart): string | undefined {
  if (part.type === 'text') return part.text;
  if (part.type !== 'other' || typeof part.raw !== 'object' || part.raw === null) return undefined;
  const raw = part.raw as Record<string, unknown>;
  if (typeof raw['text'] === 'string') return raw['text'];
  const source = raw['source'];
  if (typeof source === 'object' && source !== null) {
    const s = source as Record<string, unknown>;
    if (s['type'] === 'text' && typeof s['data'] === 'string') return s['data'];
  }
  return undefined;
}

/** Where a message's content comes from: its role, unless it is marked as a retrieved document. */
function contentSource(message: ChatMessage): SegmentSource {
  switch (message.role) {
    case 'system':
      return 'system';
    case 'assistant':
      return 'assistant';
    case 'user':
      return message.source === 'retrieved_document' ? 'retrieved_document' : 'user';
    case 'tool':
      return message.source === 'retrieved_document' ? 'retrieved_document' : 'tool_result';
  }
}

/**
 * Every text in a request, in order: each message's content parts (`messages[i].content[j]`; system →
 * `system`, user → `user`, assistant → `assistant`, tool → `tool_result`, and user or tool messages marked
 * `source: 'retrieved_document'` → `retrieved_document`), assistant tool-call arguments
 * (`messages[i].toolCalls[k].arguments` → `tool_call`), then tool definitions' descriptions
 * (`tools[k].description` → `system`). Empty texts are skipped.
 */
export function requestSegments(req: ChatRequest): Segment[] {
  const segments: Segment[] = [];
  const push = (source: SegmentSource, path: string, text: string): void => {
    if (text !== '') segments.push({ index: segments.length, source, path, text });
  };
  for (const [i, message] of req.messages.entries()) {
    const source = contentSource(message);
    for (const [j, part] of message.content.entries()) {
      const text = partText(part);
      if (text !== undefined) push(source, `messages[${i}].content[${j}]`, text);
    }
    for (const [k, call] of (message.toolCalls ?? []).entries()) {
      push('tool_call', `messages[${i}].toolCalls[${k}].arguments`, call.arguments);
    }
  }
  for (const [k, tool] of (req.tools ?? []).entries()) {
    if (tool.description !== undefined) push('system', `tools[${k}].description`, tool.description);
  }
  return segments;
}

/**
 * Every text in a response: content parts (`content[j]` → `completion`) and tool-call arguments
 * (`toolCalls[k].arguments` → `tool_call`). Empty texts are skipped.
 */
export function responseSegments(res: ChatResponse): Segment[] {
  const segments: Segment[] = [];
  const push = (source: SegmentSource, path: string, text: string): void => {
    if (text !== '') segments.push({ index: segments.length, source, path, text });
  };
  for (const [j, part] of res.content.entries()) {
    const text = partText(part);
    if (text !== undefined) push('completion', `content[${j}]`, text);
  }
  for (const [k, call] of res.toolCalls.entries())
    push('tool_call', `toolCalls[${k}].arguments`, call.arguments);
  return segments;
}

/** A content part with its inspectable text replaced (the inverse of partText). */
function withPartText(part: ContentPart, text: string): ContentPart {
  if (part.type === 'text') return { ...part, text };
  if (part.type !== 'other' || typeof part.raw !== 'object' || part.raw === null) return part;
  const raw = part.raw as Record<string, unknown>;
  if (typeof raw['text'] === 'string') return { ...part, raw: { ...raw, text } };
  const source = raw['source'];
  if (typeof source === 'object' && source !== null) {
    return { ...part, raw: { ...raw, source: { ...(source as Record<string, unknown>), data: text } } };
  }
  return part;
}

/**
 * A copy of the request with the text of each segment replaced by `texts[segment.index]` (segments from
 * requestSegments of this request). Used to forward a redacted request. The input is not mutated.
 */
export function withRequestTexts(
  req: ChatRequest,
  segments: readonly Segment[],
  texts: readonly string[],
): ChatRequest {
  const messages = req.messages.map((m) => ({
    ...m,
    content: [...m.content],
    ...(m.toolCalls === undefined ? {} : { toolCalls: m.toolCalls.map((c) => ({ ...c })) }),
  }));
  const tools = req.tools?.map((t) => ({ ...t }));
  for (const s of segments) {
    const text = texts[s.index];
    if (text === undefined || text === s.text) continue;
    const path = parsePath(s.path);
    if (path.kind === 'content') {
      const m = messages[path.i]!;
      m.content[path.j] = withPartText(m.content[path.j]!, text);
    } else if (path.kind === 'toolCall') {
      messages[path.i]!.toolCalls![path.j]!.arguments = text;
    } else if (path.kind === 'tool' && tools !== undefined) {
      tools[path.i]!.description = text;
    }
  }
  return { ...req, messages, ...(tools === undefined ? {} : { tools }) };
}

/** A copy of the response with each segment's text replaced (segments from responseSegments). */
export function withResponseTexts(
  res: ChatResponse,
  segments: readonly Segment[],
  texts: readonly string[],
): ChatResponse {
  const content = [...res.content];
  const toolCalls = res.toolCalls.map((c) => ({ ...c }));
  for (const s of segments) {
    const text = texts[s.index];
    if (text === undefined || text === s.text) continue;
    const path = parsePath(s.path);
    if (path.kind === 'responseContent') content[path.j] = withPartText(content[path.j]!, text);
    else if (path.kind === 'responseToolCall') toolCalls[path.j]!.arguments = text;
  }
  return { ...res, content, toolCalls };
}

type SegmentPath =
  | { kind: 'content' | 'toolCall'; i: number; j: number }
  | { kind: 'tool'; i: number }
  | { kind: 'responseContent' | 'responseToolCall'; j: number }
  | { kind: 'unknown' };

/** Reads the paths the segment functions above write; anything else is `unknown`. */
function parsePath(path: string): SegmentPath {
  const nums: number[] = [];
  let current = '';
  let inBracket = false;
  for (const c of path) {
    if (c === '[') {
      inBracket = true;
      current = '';
    } else if (c === ']') {
      inBracket = false;
      nums.push(Number(current));
    } else if (inBracket) current += c;
  }
  if (path.startsWith('messages[') && path.includes('].content['))
    return { kind: 'content', i: nums[0]!, j: nums[1]! };
  if (path.startsWith('messages[') && path.includes('].toolCalls['))
    return { kind: 'toolCall', i: nums[0]!, j: nums[1]! };
  if (path.startsWith('tools[')) return { kind: 'tool', i: nums[0]! };
  if (path.startsWith('content[')) return { kind: 'responseContent', j: nums[0]! };
  if (path.startsWith('toolCalls[')) return { kind: 'responseToolCall', j: nums[0]! };
  return { kind: 'unknown' };
}
