/**
 * The provider-neutral shape of one chat interaction. Wire-format translators (providers/) map the
 * OpenAI Chat Completions, OpenAI Responses and Anthropic Messages formats to and from these types.
 * Plain types (no runtime validation): they are built per request on the hot path from bodies that the
 * translators have already checked.
 */

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export type ContentPart =
  | { type: 'text'; text: string }
  /** An image by URL or as base64 data. */
  | { type: 'image'; url?: string; data?: string; mediaType?: string }
  /** Anything the neutral model does not understand, kept for same-format pass-through. */
  | { type: 'other'; raw: unknown };

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text of the arguments, as the model produced it. */
  arguments: string;
}

export interface ChatMessage {
  role: ChatRole;
  content: ContentPart[];
  /** Assistant messages: the tool calls the model made. */
  toolCalls?: ToolCall[];
  /** Tool messages: the call this message answers. */
  toolCallId?: string;
  /** Optional participant name (OpenAI `name`). */
  name?: string;
  /** Marks content that came from outside the conversation (retrieved documents) rather than a person. */
  source?: 'retrieved_document';
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the parameters. */
  parameters?: Record<string, unknown>;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export type StopReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** True when the numbers were estimated by Parapet because the upstream did not report them. */
  estimated?: boolean;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  stream: boolean;
  /** OpenAI `stream_options.include_usage`. */
  includeUsage?: boolean;
  /** OpenAI `response_format`, kept as given. */
  responseFormat?: unknown;
  /** End-user id (OpenAI `user`, Anthropic `metadata.user_id`). */
  user?: string;
}

export interface ChatResponse {
  id: string;
  model: string;
  /** Unix seconds. */
  created: number;
  content: ContentPart[];
  toolCalls: ToolCall[];
  stopReason: StopReason;
  usage?: Usage;
}

/** One step of a streamed response, provider-neutral. */
export type ChatStreamEvent =
  | { type: 'start'; id: string; model: string; created: number }
  | { type: 'text'; text: string }
  | { type: 'tool_call_start'; index: number; id: string; name: string }
  | { type: 'tool_call_delta'; index: number; arguments: string }
  | { type: 'finish'; stopReason: StopReason }
  | { type: 'usage'; usage: Usage }
  /** The upstream reported an error inside the stream. */
  | { type: 'error'; message: string; code?: string }
  | { type: 'end' };

/** Embeddings, kept neutral only so far as the gateway needs: input texts for inspection. */
export interface EmbeddingsRequest {
  model: string;
  input: string[];
}
