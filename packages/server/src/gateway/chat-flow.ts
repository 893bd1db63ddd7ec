import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  applyRedactions,
  type ChatRequest,
  type ChatResponse,
  type ChatStreamEvent,
  canaryFindings,
  type Decision,
  type Direction,
  detectLanguage,
  echoComplete,
  echoStream,
  type Finding,
  hasSystemPrompt,
  openaiChat,
  ParapetError,
  type Principal,
  plantCanary,
  requestSegments,
  responseSegments,
  restoreText,
  type Segment,
  type SseEvent,
  type TokenVault,
  type WireFormat,
  withResponseTexts,
} from '@parapet/core';
import { parseJsonBody, readBody } from '../http/body.ts';
import { sendJson, sendRaw } from '../http/respond.ts';
import { type InspectionResult, runDetectors } from '../pipeline/inspect.ts';
import type { UpstreamCall, UpstreamResult } from '../upstream/index.ts';
import { pooledRandomBytes } from '../util/random-pool.ts';
import type { GatewayContext, ResolvedRoute } from './context.ts';
import { hashFunction, headlineDecision, redactionPlan, setDecisionHeader } from './enforce.ts';
import { enforceInput, sendAssistantMessage } from './enforce-input.ts';
import type { EventDraft } from './event-draft.ts';
import { CLIENT_FORMATS, type ClientRoute, type ModelChoice, type PlannedCall, planCall } from './plan.ts';
import { type StreamSource, streamResponse } from './stream-flow.ts';
import { upstreamFailure, upstreamRejection } from './upstream-errors.ts';

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * One chat request on any of the three chat routes, end to end: authenticate, read, inspect the input,
 * decide, forward (with fallbacks, or to the in-process echo model), inspect the output, decide, answer,
 * and record the event. Every path ends in `draft.finish()` exactly once.
 */
export async function handleChat(
  ctx: GatewayContext,
  route: ClientRoute,
  req: IncomingMessage,
  res: ServerResponse,
  draft: EventDraft,
  abort: AbortController,
): Promise<void> {
  const clientFormat = CLIENT_FORMATS[route];
  const principal = await ctx.authenticate({ headers: req.headers, remoteAddress: req.socket.remoteAddress });
  draft.principal = principal;
  const body = parseJsonBody(await readBody(req, ctx.settings.bodyLimitBytes));
  let chat = clientFormat.parseRequest(body);
  draft.requestBody = body;
  draft.stream = chat.stream;
  draft.modelRequested = chat.model;
  draft.maxTokens = chat.maxTokens ?? null;
  let resolved = resolveFor(ctx, principal, chat.model);
  draft.price = resolved.price;
  draft.provider = resolved.chain[0]!.upstream.name;

  // Input inspection: every message, whatever its role or source.
  const segments = requestSegments(chat);
  draft.inputSegments = segments;
  const inspected = await inspect(ctx, 'input', segments);
  draft.inputFindings = inspected.findings;
  const enforced = await enforceInput(ctx, {
    req,
    res,
    draft,
    abort,
    principal,
    chat,
    resolved,
    segments,
    inspected,
    clientFormat,
  });
  if (enforced.answered) return;
  const { vault } = enforced;
  chat = enforced.chat;
  resolved = enforced.resolved;
  // A transformed request is rebuilt from the neutral model; the client's body is not passed through.
  let transformed = enforced.transformed;
  let canary: string | null = null;
  if (ctx.settings.canaryTokens && hasSystemPrompt(chat)) {
    canary = `pc-${pooledRandomBytes(6).toString('hex')}`;
    chat = plantCanary(chat, canary);
    transformed = true;
  }

  const traceparent = draft.upstreamTraceparent();
  const plans: PlannedCall[] = [];
  let echo: ModelChoice | null = null;
  for (const choice of resolved.chain) {
    if (choice.upstream.type === 'echo') {
      echo ??= choice;
      break;
    }
    plans.push(
      planCall(choice, {
        route,
        chat,
        body,
        clientHeaders: req.headers,
        traceparent,
        passthroughAllowed: !transformed,
      }),
    );
  }

  if (plans.length === 0 && echo !== null) {
    return serveEcho(ctx, clientFormat, chat, echo, res, draft, principal, resolved, abort, vault, canary);
  }

  const { result, served: plan, startedMs: upstreamStart } = await sendUpstream(ctx, plans, abort, draft);

  if (result.status >= 400) {
    draft.upstreamTotalMs = ctx.clock.monoMs() - upstreamStart;
    throw upstreamRejection(plan.choice.upstream, result.status, result.body);
  }

  if (chat.stream) {
    if (result.stream === undefined) throw new Error('transport returned no stream for a streaming call');
    const source: StreamSource = {
      kind: 'upstream',
      body: result.stream,
      decoder: plan.format.createStreamDecoder(),
      passthrough: plan.passthrough && !rewritesOutput(ctx, vault),
      stripUsage: plan.stripUsage,
    };
    await streamResponse(ctx, {
      clientFormat,
      chat,
      source,
      res,
      draft,
      principal,
      resolved,
      abort,
      vault,
      canary,
    });
    draft.upstreamTotalMs = result.totalMs() ?? ctx.clock.monoMs() - upstreamStart;
    return;
  }

  draft.upstreamTotalMs = result.totalMs() ?? ctx.clock.monoMs() - upstreamStart;
  const raw = result.body ?? Buffer.alloc(0);
  let upstreamBody: unknown;
  try {
    upstreamBody = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ParapetError(
      'PARAPET_UPSTREAM_BAD_RESPONSE',
      `upstream \`${plan.choice.upstream.name}\` answered with a body that is not JSON`,
    );
  }
  const response = plan.format.parseResponse(upstreamBody);
  await finishWithResponse(ctx, {
    clientFormat,
    chat,
    response,
    res,
    draft,
    principal,
    resolved,
    raw: plan.passthrough ? raw : null,
    rawBody: plan.passthrough ? upstreamBody : null,
    vault,
    canary,
  });
}

async function serveEcho(
  ctx: GatewayContext,
  clientFormat: WireFormat,
  chat: ChatRequest,
  choice: ModelChoice,
  res: ServerResponse,
  draft: EventDraft,
  principal: Principal,
  resolved: ResolvedRoute,
  abort: AbortController,
  vault: TokenVault,
  canary: string | null,
): Promise<void> {
  draft.servedBy(choice);
  const echoCtx = { id: `echo-${draft.id}`, created: Math.floor(draft.startedWall / 1000) };
  const start = ctx.clock.monoMs();
  if (chat.stream) {
    const events = echoStream({ ...chat, model: choice.upstreamModel }, echoCtx);
    draft.upstreamTtfbMs = 0;
    await streamResponse(ctx, {
      clientFormat,
      chat,
      source: { kind: 'neutral', events },
      res,
      draft,
      principal,
      resolved,
      abort,
      vault,
      canary,
    });
    draft.upstreamTotalMs = ctx.clock.monoMs() - start;
    return;
  }
  const response = echoComplete({ ...chat, model: choice.upstreamModel }, echoCtx);
  draft.upstreamTtfbMs = 0;
  draft.upstreamTotalMs = ctx.clock.monoMs() - start;
  await finishWithResponse(ctx, {
    clientFormat,
    chat,
    response,
    res,
    draft,
    principal,
    resolved,
    raw: null,
    rawBody: null,
    vault,
    canary,
  });
}

async function finishWithResponse(
  ctx: GatewayContext,
  a: {
    clientFormat: WireFormat;
    chat: ChatRequest;
    response: ChatResponse;
    res: ServerResponse;
    draft: EventDraft;
    principal: Principal;
    resolved: ResolvedRoute;
    /** Upstream bytes to pass through unchanged (same format and allowed), else null. */
    raw: Buffer | null;
    rawBody: unknown;
    /** Placeholders of the request's reversible redaction, restored in the answer. */
    vault: TokenVault;
    /** The canary planted in the system prompt, if any. */
    canary: string | null;
  },
): Promise<void> {
  const { draft } = a;
  let response = a.response;
  if (response.usage !== undefined) draft.usage = response.usage;
  const segments = responseSegments(response);
  draft.outputSegments = segments;
  let inspected = await inspect(ctx, 'output', segments);
  if (a.canary !== null) {
    const leaks = canaryFindings(segments, a.canary);
    if (leaks.length > 0) inspected = { ...inspected, findings: [...inspected.findings, ...leaks] };
  }
  const decision = decide(ctx, 'output', segments, inspected, a.principal, a.chat, a.resolved);
  draft.outputFindings = inspected.findings;
  draft.outputDecision = decision;
  setDecisionHeader(a.res, headlineDecision(draft.inputDecision, decision));
  if (decision.action === 'block') {
    if (decision.respondAs === 'assistant_message' && a.clientFormat === openaiChat) {
      return sendAssistantMessage(a.res, a.clientFormat, a.chat, draft, decision, false);
    }
    throw blocked(decision);
  }
  const masks = redactionPlan(decision, inspected.findings);
  if (masks.length > 0 || a.vault.size > 0) {
    const hash = hashFunction(ctx.enforcement.keys.hash);
    let texts = segments.map((s) => s.text);
    if (masks.length > 0) texts = applyRedactions(segments, masks, a.vault, { hash }).texts;
    if (a.vault.size > 0) texts = texts.map((t) => restoreText(t, a.vault));
    response = withResponseTexts(response, segments, texts);
  } else if (a.raw !== null) {
    draft.responseContent = a.rawBody;
    sendRaw(a.res, 200, a.raw, JSON_HEADERS);
    return;
  }
  const body = a.clientFormat.buildResponse(response);
  draft.responseContent = body;
  sendJson(a.res, 200, body);
}

/**
 * Sends the planned calls (primary, then fallbacks) and notes on the event which one served and when its
 * headers came. A transport failure becomes the client's error; an abort by the client is passed on as is.
 */
export async function sendUpstream<P extends { choice: ModelChoice; call: UpstreamCall }>(
  ctx: GatewayContext,
  planned: readonly P[],
  abort: AbortController,
  draft: EventDraft,
): Promise<{ result: UpstreamResult; served: P; startedMs: number }> {
  const startedMs = ctx.clock.monoMs();
  let result: UpstreamResult;
  try {
    result = await ctx.transport.send(
      planned.map((p) => p.call),
      { signal: abort.signal, onAttempt: ctx.onUpstreamAttempt },
    );
  } catch (err) {
    draft.upstreamTotalMs = ctx.clock.monoMs() - startedMs;
    if (abort.signal.aborted) throw err;
    throw upstreamFailure(err);
  }
  const served = planned.find((p) => p.call.target === result.target) ?? planned[0]!;
  draft.servedBy(served.choice);
  draft.upstreamTtfbMs = result.ttfbMs;
  return { result, served, startedMs };
}

/** Looks the model up and checks the principal may use it. */
export function resolveFor(ctx: GatewayContext, principal: Principal, model: string): ResolvedRoute {
  const resolved = ctx.models.resolve(model);
  if (resolved === null || resolved.chain.length === 0) {
    throw new ParapetError(
      'PARAPET_MODEL_NOT_FOUND',
      `model \`${model}\` is not configured; list the available models with GET /v1/models`,
    );
  }
  if (principal.models !== null && !principal.models.includes(model)) {
    throw new ParapetError('PARAPET_AUTH_MODEL_NOT_ALLOWED', `this key may not use model \`${model}\``);
  }
  return resolved;
}

export interface DirectionOutcome {
  findings: Finding[];
  decision: Decision;
}

/** Runs the detectors on one direction's segments. */
export function inspect(
  ctx: GatewayContext,
  direction: Direction,
  segments: readonly Segment[],
): Promise<InspectionResult> {
  return runDetectors(ctx.detectors, segments, direction, ctx.settings.detectorBudgetMs);
}

/** Asks the decider about inspected segments (a pure evaluation: cheap to repeat). */
export function decide(
  ctx: GatewayContext,
  direction: Direction,
  segments: readonly Segment[],
  inspected: InspectionResult,
  principal: Principal,
  chat: Pick<ChatRequest, 'model' | 'stream' | 'tools'>,
  resolved: ResolvedRoute,
  passed: { acknowledged?: readonly string[]; approved?: readonly string[] } = {},
): Decision {
  const model = resolved.chain[0]!.name;
  const hasTools = (chat.tools?.length ?? 0) > 0;
  const language =
    ctx.policy?.readsLanguage() === true
      ? detectLanguage(segments.map((s) => s.text).join('\n')).language
      : null;
  const sources = segments.map((s) => s.source);
  const decision = ctx.decider({
    direction,
    principal,
    model,
    requestedModel: chat.model,
    provider: resolved.chain[0]!.upstream.name,
    modelTags: resolved.tags,
    stream: chat.stream,
    hasTools,
    language,
    segmentSources: sources,
    findings: inspected.findings,
    failures: inspected.failures,
    now: new Date(ctx.clock.wallMs()),
    ...passed,
  });
  return { ...decision, facts: { model, language, hasTools, sources } };
}

/** Runs the detectors on one direction and asks the decider. */
export async function inspectAndDecide(
  ctx: GatewayContext,
  direction: Direction,
  segments: readonly Segment[],
  principal: Principal,
  chat: Pick<ChatRequest, 'model' | 'stream' | 'tools'>,
  resolved: ResolvedRoute,
): Promise<DirectionOutcome> {
  const inspected = await inspect(ctx, direction, segments);
  const decision = decide(ctx, direction, segments, inspected, principal, chat, resolved);
  return { findings: inspected.findings, decision };
}

/** True when streamed output must be decoded and re-encoded: placeholders to restore or output to mask. */
export function rewritesOutput(ctx: GatewayContext, vault: TokenVault): boolean {
  return vault.size > 0 || ctx.policy?.redactsOutput() === true;
}

export function blocked(decision: Decision): ParapetError {
  const rule = decision.ruleId === null ? '' : ` by rule \`${decision.ruleId}\``;
  return new ParapetError('PARAPET_POLICY_BLOCKED', decision.message ?? `the request was blocked${rule}`);
}

export type { ChatStreamEvent, SseEvent };
