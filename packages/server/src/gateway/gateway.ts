import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ALLOW,
  applyRedactions,
  buildScanResult,
  detectLanguage,
  type EmbeddingsResponseBody,
  echoEmbeddings,
  embeddingsSegments,
  emptyVault,
  encodeSseEvent,
  ParapetError,
  parseEmbeddingsRequest,
  parseScanRequest,
  type Route,
  type WireFormat,
} from '@parapet/core';
import { parseJsonBody, readBody } from '../http/body.ts';
import { type ErrorShape, sendError, sendJson, sendRaw, toParapetError } from '../http/respond.ts';
import { runDetectors } from '../pipeline/inspect.ts';
import { blocked, handleChat, inspectAndDecide, resolveFor, sendUpstream } from './chat-flow.ts';
import type { GatewayContext } from './context.ts';
import { hashFunction, headlineDecision, redactionPlan, setDecisionHeader } from './enforce.ts';
import { EventDraft } from './event-draft.ts';
import { CLIENT_FORMATS, type ClientRoute, planEmbeddingsCall } from './plan.ts';
import { streamErrorEvent } from './stream-flow.ts';
import { upstreamRejection } from './upstream-errors.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const CHAT_ROUTES: Readonly<Record<string, ClientRoute>> = {
  '/v1/chat/completions': 'chat.completions',
  '/v1/responses': 'responses',
  '/v1/messages': 'messages',
};

/**
 * The gateway's HTTP handler: a plain node:http request listener. Node's own request/response objects
 * are used instead of web-standard Request/Response on this hot path; see docs/adr/0001-node-http.md.
 */
export function createGatewayHandler(ctx: GatewayContext): Handler {
  return function gateway(req, res) {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const chatRoute = CHAT_ROUTES[path];
    if (chatRoute !== undefined) {
      if (req.method !== 'POST')
        return methodNotAllowed(req, res, chatRoute === 'messages' ? 'anthropic' : 'openai');
      return void runRequest(
        ctx,
        chatRoute,
        req,
        res,
        chatRoute === 'messages' ? 'anthropic' : 'openai',
        (draft, abort) => handleChat(ctx, chatRoute, req, res, draft, abort),
      );
    }
    if (path.startsWith('/admin/') && ctx.admin !== null) return ctx.admin(req, res, path);
    switch (path) {
      case '/v1/embeddings':
        if (req.method !== 'POST') return methodNotAllowed(req, res, 'openai');
        return void runRequest(ctx, 'embeddings', req, res, 'openai', (draft, abort) =>
          handleEmbeddings(ctx, req, res, draft, abort),
        );
      case '/v1/scan':
        if (req.method !== 'POST') return methodNotAllowed(req, res, 'openai');
        return void runRequest(ctx, 'scan', req, res, 'openai', (draft) => handleScan(ctx, req, res, draft));
      case '/v1/models':
        if (req.method !== 'GET') return methodNotAllowed(req, res, 'openai');
        return void runRequest(ctx, 'models', req, res, shapeOf(req), (draft) =>
          handleModels(ctx, req, res, draft),
        );
      case '/healthz':
        return sendJson(res, 200, { status: 'ok' });
      case '/readyz':
        return void readiness(ctx, res);
      case '/metrics':
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(ctx.metrics.render());
        return;
      default:
        if (ctx.dashboard?.handle(req, res, path)) return;
        req.resume();
        sendError(
          res,
          shapeOf(req),
          new ParapetError(
            'PARAPET_ROUTE_NOT_FOUND',
            `no route \`${req.method} ${path.slice(0, 200)}\`; see docs/api.md`,
          ),
        );
    }
  };
}

/**
 * Runs one API request with its event: whatever happens, the client gets a well-formed answer and the
 * event is recorded exactly once. A client that goes away aborts the upstream call.
 */
async function runRequest(
  ctx: GatewayContext,
  route: Route,
  req: IncomingMessage,
  res: ServerResponse,
  shape: ErrorShape,
  work: (draft: EventDraft, abort: AbortController) => Promise<void>,
): Promise<void> {
  const draft = new EventDraft(ctx, route, req.headers.traceparent);
  // Lets a client (or an operator with a support ticket) tie a response to its stored event.
  res.setHeader('x-parapet-event-id', draft.id);
  // Replaced as soon as a decision is made; `none` when the request ended before any.
  res.setHeader('x-parapet-decision', 'none');
  const abort = new AbortController();
  const onClose = (): void => {
    if (!res.writableFinished) abort.abort();
  };
  res.on('close', onClose);
  try {
    await work(draft, abort);
  } catch (err) {
    if (abort.signal.aborted && !res.writableEnded && res.destroyed) {
      draft.fail('client_error', 499, null);
    } else {
      const perr = toParapetError(err);
      const status = perr.code === 'PARAPET_POLICY_BLOCKED' ? 'blocked' : statusOf(perr);
      draft.fail(status, perr.status, perr.code);
      if (perr.code === 'PARAPET_GATEWAY_INTERNAL') {
        ctx.logger.error('request failed', { event: draft.id, route, error: err });
      }
      if (!req.complete) req.resume();
      setDecisionHeader(res, headlineDecision(draft.inputDecision, draft.outputDecision));
      const format = CHAT_ROUTES_FORMAT[route];
      if (res.headersSent && !res.writableEnded && format !== undefined && isEventStream(res)) {
        // A held stream already sent its headers and keep-alives: the error becomes a stream event.
        res.end(encodeSseEvent(streamErrorEvent(format, perr.code, perr.message, 0)));
        return;
      }
      sendError(
        res,
        shape,
        perr,
        perr.code.startsWith('PARAPET_REQUEST') ? { connection: 'close' } : undefined,
      );
    }
  } finally {
    res.off('close', onClose);
    draft.finish();
  }
}

const CHAT_ROUTES_FORMAT: Readonly<Partial<Record<Route, WireFormat>>> = {
  'chat.completions': CLIENT_FORMATS['chat.completions'],
  responses: CLIENT_FORMATS.responses,
  messages: CLIENT_FORMATS.messages,
};

function isEventStream(res: ServerResponse): boolean {
  const type = res.getHeader('content-type');
  return typeof type === 'string' && type.startsWith('text/event-stream');
}

function statusOf(err: ParapetError): 'client_error' | 'upstream_error' | 'gateway_error' {
  if (err.code.startsWith('PARAPET_UPSTREAM')) return 'upstream_error';
  if (err.code === 'PARAPET_GATEWAY_INTERNAL') return 'gateway_error';
  return 'client_error';
}

async function handleEmbeddings(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  draft: EventDraft,
  abort: AbortController,
): Promise<void> {
  const principal = await ctx.authenticate({ headers: req.headers, remoteAddress: req.socket.remoteAddress });
  draft.principal = principal;
  const body = parseJsonBody(await readBody(req, ctx.settings.bodyLimitBytes));
  const parsed = parseEmbeddingsRequest(body);
  draft.requestBody = body;
  draft.modelRequested = parsed.model;
  const resolved = resolveFor(ctx, principal, parsed.model);
  draft.price = resolved.price;
  const primary = resolved.chain[0]!;
  draft.provider = primary.upstream.name;
  const segments = embeddingsSegments(parsed);
  draft.inputSegments = segments;
  const input = await inspectAndDecide(
    ctx,
    'input',
    segments,
    principal,
    { model: parsed.model, stream: false },
    resolved,
  );
  draft.inputFindings = input.findings;
  draft.inputDecision = input.decision;
  setDecisionHeader(res, input.decision);
  if (input.decision.action === 'block') throw blocked(input.decision);
  if (
    input.decision.action === 'warn' ||
    input.decision.action === 'hold' ||
    input.decision.action === 'route'
  ) {
    // Acknowledgement, approval and rerouting are carried out on the chat routes; here they fail closed.
    throw new ParapetError(
      'PARAPET_POLICY_BLOCKED',
      `rule \`${input.decision.ruleId}\` asks to ${input.decision.action} this request, which the embeddings route cannot do; it is blocked`,
    );
  }
  const plan = redactionPlan(input.decision, input.findings);
  if (plan.length > 0) {
    const redacted = applyRedactions(segments, plan, emptyVault(), {
      hash: hashFunction(ctx.enforcement.keys.hash),
    });
    // Each embeddings input is one segment, in order.
    const inputs = [...parsed.input];
    for (const [i, seg] of segments.entries()) inputs[embeddingIndex(seg.path, i)] = redacted.texts[i]!;
    parsed.input = inputs;
    body.input = inputs;
  }

  if (primary.upstream.type === 'echo') {
    draft.servedBy(primary);
    draft.upstreamTtfbMs = 0;
    draft.upstreamTotalMs = 0;
    const out = echoEmbeddings(parsed.input, parsed.model);
    draft.outputDecision = ALLOW;
    draft.responseContent = { embeddings: parsed.input.length };
    // The OpenAI SDK asks for base64 unless told otherwise, and decodes what it gets as base64.
    return sendJson(res, 200, body.encoding_format === 'base64' ? base64Embeddings(out) : out);
  }
  const traceparent = draft.upstreamTraceparent();
  const calls = resolved.chain
    .filter((c) => c.upstream.type === 'openai')
    .map((c) => ({ choice: c, call: planEmbeddingsCall(c, body, traceparent) }));
  if (calls.length === 0) planEmbeddingsCall(primary, body, traceparent);
  const { result, served, startedMs: start } = await sendUpstream(ctx, calls, abort, draft);
  draft.upstreamTotalMs = result.totalMs() ?? ctx.clock.monoMs() - start;
  if (result.status >= 400) throw upstreamRejection(served.choice.upstream, result.status, result.body);
  const raw = result.body ?? Buffer.alloc(0);
  let parsedBody: Record<string, unknown>;
  try {
    parsedBody = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new ParapetError(
      'PARAPET_UPSTREAM_BAD_RESPONSE',
      `upstream \`${served.choice.upstream.name}\` answered with a body that is not JSON`,
    );
  }
  // JSON that is not an embeddings list (null, an array, another object) is not passed on either.
  if (
    parsedBody === null ||
    typeof parsedBody !== 'object' ||
    Array.isArray(parsedBody) ||
    !Array.isArray(parsedBody.data)
  ) {
    throw new ParapetError(
      'PARAPET_UPSTREAM_BAD_RESPONSE',
      `upstream \`${served.choice.upstream.name}\` answered with something that is not an embeddings list`,
    );
  }
  const usage = parsedBody.usage as { prompt_tokens?: unknown } | undefined;
  if (typeof usage?.prompt_tokens === 'number')
    draft.usage = { inputTokens: usage.prompt_tokens, outputTokens: 0 };
  // Output inspection: embeddings carry no text back, so there is nothing for detectors to read.
  const output = await inspectAndDecide(
    ctx,
    'output',
    [],
    principal,
    { model: parsed.model, stream: false },
    resolved,
  );
  draft.outputDecision = output.decision;
  draft.responseContent = { embeddings: Array.isArray(parsedBody.data) ? parsedBody.data.length : 0 };
  sendRaw(res, 200, raw, { 'content-type': 'application/json' });
}

/** An embeddings body with each vector as base64 of little-endian float32s (`encoding_format: "base64"`). */
function base64Embeddings(out: EmbeddingsResponseBody): Omit<EmbeddingsResponseBody, 'data'> & {
  data: { object: 'embedding'; index: number; embedding: string }[];
} {
  return {
    ...out,
    data: out.data.map((d) => {
      const bytes = Buffer.alloc(d.embedding.length * 4);
      for (const [i, x] of d.embedding.entries()) bytes.writeFloatLE(x, i * 4);
      return { ...d, embedding: bytes.toString('base64') };
    }),
  };
}

/**
 * `POST /v1/scan`: runs the deployment's detectors on a text or messages without forwarding anything.
 * An optional `detectors: ["pii", …]` field limits the families. The event records the findings.
 */
async function handleScan(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  draft: EventDraft,
): Promise<void> {
  const principal = await ctx.authenticate({ headers: req.headers, remoteAddress: req.socket.remoteAddress });
  draft.principal = principal;
  const body = parseJsonBody(await readBody(req, ctx.settings.bodyLimitBytes));
  const { request, segments, messages } = parseScanRequest(body);
  const only = body.detectors;
  if (only !== undefined && (!Array.isArray(only) || only.some((d) => typeof d !== 'string'))) {
    throw new ParapetError('PARAPET_REQUEST_INVALID', '`detectors` must be an array of detector families');
  }
  const detectors =
    only === undefined ? ctx.detectors : ctx.detectors.filter((d) => (only as string[]).includes(d.family));
  draft.requestBody = body;
  draft.inputSegments = segments;
  const start = ctx.clock.monoMs();
  const direction = request.direction ?? 'input';
  const { findings, failures } = await runDetectors(
    detectors,
    segments,
    direction,
    ctx.settings.detectorBudgetMs,
  );
  if (direction === 'output') draft.outputFindings = findings;
  else draft.inputFindings = findings;
  const result = buildScanResult(segments, findings, failures, {
    families: [...new Set(detectors.map((d) => d.family))],
    messages,
  });
  result.language = detectLanguage(segments.map((s) => s.text).join('\n')).language;
  const out = {
    ...(request.id === undefined ? {} : { id: request.id }),
    ...result,
    latency_ms: Math.round((ctx.clock.monoMs() - start) * 1000) / 1000,
  };
  draft.responseContent = out;
  sendJson(res, 200, out);
}

async function handleModels(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  draft: EventDraft,
): Promise<void> {
  const principal = await ctx.authenticate({ headers: req.headers, remoteAddress: req.socket.remoteAddress });
  draft.principal = principal;
  const allowed = ctx.models
    .list()
    .filter((m) => principal.models === null || principal.models.includes(m.id));
  if (shapeOf(req) === 'anthropic') {
    const data = allowed.map((m) => ({
      type: 'model',
      id: m.id,
      display_name: m.id,
      created_at: '1970-01-01T00:00:00Z',
    }));
    return sendJson(res, 200, {
      data,
      has_more: false,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
    });
  }
  sendJson(res, 200, {
    object: 'list',
    data: allowed.map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: m.provider })),
  });
}

async function readiness(ctx: GatewayContext, res: ServerResponse): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ctx.store.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('store ping timed out')), 2000);
      }),
    ]);
    const recorder = ctx.recorder.stats();
    sendJson(res, 200, {
      status: 'ready',
      store: ctx.store.kind,
      events: { queued: recorder.queued, spooled: recorder.spooled },
    });
  } catch {
    sendJson(res, 503, {
      status: 'unavailable',
      store: ctx.store.kind,
      reason: 'the store does not answer; events are spooled to disk',
    });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** `input[3]` → 3; falls back to the segment's position. */
function embeddingIndex(path: string, fallback: number): number {
  const open = path.indexOf('[');
  const close = path.indexOf(']', open);
  const n = open < 0 || close < 0 ? Number.NaN : Number(path.slice(open + 1, close));
  return Number.isInteger(n) ? n : fallback;
}

function methodNotAllowed(req: IncomingMessage, res: ServerResponse, shape: ErrorShape): void {
  req.resume();
  sendError(
    res,
    shape,
    new ParapetError('PARAPET_METHOD_NOT_ALLOWED', `\`${req.method}\` is not allowed on this route`),
  );
}

/** Anthropic clients send `anthropic-version`; everyone else gets OpenAI-shaped errors. */
function shapeOf(req: IncomingMessage): ErrorShape {
  return req.headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
}
