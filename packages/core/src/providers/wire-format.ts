import type { ErrorCode } from '../errors/codes.ts';
import type { ChatRequest, ChatResponse, ChatStreamEvent } from '../model/chat.ts';
import type { SseEvent } from '../streaming/sse-event.ts';

export type WireFormatName = 'openai-chat' | 'openai-responses' | 'anthropic-messages';

/**
 * A translator between one provider wire format and the neutral chat model. The gateway uses it to
 * read requests and responses for inspection, and to translate when the client's format and the
 * upstream's differ (cross-format routing).
 */
export interface WireFormat {
  readonly name: WireFormatName;
  /**
   * Reads a client request body. Throws ParapetError `PARAPET_REQUEST_INVALID` naming the first bad field
   * (e.g. "`messages` must be an array") when a field has the wrong type.
   */
  parseRequest(body: unknown): ChatRequest;
  /** Builds the body to send to an upstream that speaks this format. */
  buildRequest(request: ChatRequest, upstreamModel: string): Record<string, unknown>;
  /** Reads an upstream response body. Throws ParapetError `PARAPET_UPSTREAM_BAD_RESPONSE` when it is not this format. */
  parseResponse(body: unknown): ChatResponse;
  /** Builds the body to send to a client that speaks this format. */
  buildResponse(response: ChatResponse): Record<string, unknown>;
  /** A stateful reader of one upstream stream: each SSE event becomes zero or more neutral events. */
  createStreamDecoder(): (event: SseEvent) => ChatStreamEvent[];
  /** A stateful writer of one client stream: each neutral event becomes zero or more SSE events. */
  createStreamEncoder(): (event: ChatStreamEvent) => SseEvent[];
  /** The format's own error body carrying a Parapet code. */
  errorBody(code: ErrorCode, message: string, type: string): Record<string, unknown>;
}
