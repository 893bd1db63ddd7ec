import type { ChatRequest, WireFormat } from '@parapet/core';
import { anthropicMessages, openaiChat, openaiResponses, ParapetError } from '@parapet/core';
import type { UpstreamCall, UpstreamTarget } from '../upstream/index.ts';

/** What the planner needs to know about one configured upstream. */
export interface UpstreamSpec {
  name: string;
  type: 'openai' | 'anthropic' | 'echo';
  baseUrl: string;
  apiKey: string | null;
  headers: Readonly<Record<string, string>>;
  anthropicVersion: string;
  azure: { apiVersion: string; deployments: Readonly<Record<string, string>> } | null;
  target: UpstreamTarget;
}

/** One model in the chain to try: the primary first, then its fallbacks. */
export interface ModelChoice {
  /** Model table name (or the requested name when matched by pattern). */
  name: string;
  upstream: UpstreamSpec;
  upstreamModel: string;
}

export type ClientRoute = 'chat.completions' | 'responses' | 'messages';

export const CLIENT_FORMATS: Readonly<Record<ClientRoute, WireFormat>> = {
  'chat.completions': openaiChat,
  responses: openaiResponses,
  messages: anthropicMessages,
};

/** How one attempt talks to its upstream. */
export interface PlannedCall {
  choice: ModelChoice;
  call: UpstreamCall;
  /** Format the upstream speaks for this call. */
  format: WireFormat;
  /** True when the upstream speaks the client's format and the body was passed through. */
  passthrough: boolean;
  /** Parapet asked the upstream for stream usage that the client did not ask for: drop that chunk. */
  stripUsage: boolean;
}

export interface PlanInput {
  route: ClientRoute;
  chat: ChatRequest;
  /** The client's body as parsed, for same-format pass-through. */
  body: Record<string, unknown>;
  /** Client headers that are forwarded on same-format calls (anthropic-beta, anthropic-version). */
  clientHeaders: Readonly<Record<string, string | string[] | undefined>>;
  /** W3C traceparent to propagate, when tracing. */
  traceparent: string | null;
  /** False when the request was changed (redaction): it is rebuilt from the neutral model. Default true. */
  passthroughAllowed?: boolean;
}

/** Builds the call for one choice. Echo choices are served in-process and never planned. */
export function planCall(choice: ModelChoice, input: PlanInput): PlannedCall {
  const up = choice.upstream;
  const clientFormat = CLIENT_FORMATS[input.route];
  const headers: Record<string, string> = { 'content-type': 'application/json', ...up.headers };
  if (input.traceparent !== null) headers.traceparent = input.traceparent;
  if (up.type === 'anthropic') {
    const passthrough = input.route === 'messages' && input.passthroughAllowed !== false;
    if (up.apiKey !== null) headers['x-api-key'] = up.apiKey;
    const clientVersion = passthrough ? single(input.clientHeaders['anthropic-version']) : undefined;
    headers['anthropic-version'] = clientVersion ?? up.anthropicVersion;
    const beta = passthrough ? single(input.clientHeaders['anthropic-beta']) : undefined;
    if (beta !== undefined) headers['anthropic-beta'] = beta;
    const body = passthrough
      ? { ...input.body, model: choice.upstreamModel }
      : anthropicMessages.buildRequest(input.chat, choice.upstreamModel);
    return {
      choice,
      format: anthropicMessages,
      passthrough,
      stripUsage: false,
      call: {
        // Own object per call: the served call is found by target identity, and a fallback model may
        // use the same upstream as the primary.
        target: { ...up.target },
        path: '/v1/messages',
        body: JSON.stringify(body),
        headers,
        stream: input.chat.stream,
      },
    };
  }
  if (up.type !== 'openai')
    throw new Error(`upstream \`${up.name}\` of type ${up.type} is served in-process`);
  // OpenAI-compatible. The Responses API passes through to OpenAI itself; Azure deployments and the
  // other formats go through Chat Completions, the format every OpenAI-compatible server speaks.
  const useResponses = input.route === 'responses' && up.azure === null;
  const format = useResponses ? openaiResponses : openaiChat;
  const passthrough = format === clientFormat && input.passthroughAllowed !== false;
  let stripUsage = false;
  let body: Record<string, unknown>;
  if (passthrough) {
    body = { ...input.body, model: choice.upstreamModel };
    if (format === openaiChat && input.chat.stream && input.chat.includeUsage !== true) {
      // Ask for usage so the event is exact; the chunk is removed before it reaches the client.
      body.stream_options = { ...(asRecord(body.stream_options) ?? {}), include_usage: true };
      stripUsage = true;
    }
  } else {
    body = format.buildRequest(input.chat, choice.upstreamModel);
  }
  let path = format === openaiResponses ? '/responses' : '/chat/completions';
  let query: Record<string, string> | undefined;
  if (up.azure !== null) {
    const deployment = up.azure.deployments[choice.upstreamModel] ?? choice.upstreamModel;
    path = `/deployments/${encodeURIComponent(deployment)}${path}`;
    query = { 'api-version': up.azure.apiVersion };
    if (up.apiKey !== null) headers['api-key'] = up.apiKey;
  } else if (up.apiKey !== null) {
    headers.authorization = `Bearer ${up.apiKey}`;
  }
  const call: UpstreamCall = {
    target: { ...up.target },
    path,
    body: JSON.stringify(body),
    headers,
    stream: input.chat.stream,
  };
  if (query !== undefined) call.query = query;
  return { choice, format, passthrough, stripUsage, call };
}

/** Embeddings go only to OpenAI-compatible upstreams. */
export function planEmbeddingsCall(
  choice: ModelChoice,
  body: Record<string, unknown>,
  traceparent: string | null,
): UpstreamCall {
  const up = choice.upstream;
  if (up.type !== 'openai') {
    throw new ParapetError(
      'PARAPET_REQUEST_UNSUPPORTED',
      `model \`${choice.name}\` is served by a ${up.type} upstream, which has no embeddings API`,
    );
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', ...up.headers };
  if (traceparent !== null) headers.traceparent = traceparent;
  let path = '/embeddings';
  let query: Record<string, string> | undefined;
  if (up.azure !== null) {
    const deployment = up.azure.deployments[choice.upstreamModel] ?? choice.upstreamModel;
    path = `/deployments/${encodeURIComponent(deployment)}/embeddings`;
    query = { 'api-version': up.azure.apiVersion };
    if (up.apiKey !== null) headers['api-key'] = up.apiKey;
  } else if (up.apiKey !== null) {
    headers.authorization = `Bearer ${up.apiKey}`;
  }
  const call: UpstreamCall = {
    target: { ...up.target },
    path,
    body: JSON.stringify({ ...body, model: choice.upstreamModel }),
    headers,
    stream: false,
  };
  if (query !== undefined) call.query = query;
  return call;
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function asRecord(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}
