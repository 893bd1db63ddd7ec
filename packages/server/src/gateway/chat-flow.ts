import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ChatRequest,
  type ChatResponse,
  type ChatStreamEvent,
  type Decision,
  type Direction,
  echoComplete,
  echoStream,
  type Finding,
  ParapetError,
  type Principal,
  requestSegments,
  responseSegments,
  type Segment,
  type SseEvent,
  type WireFormat,
} from '@parapet/core';
import { parseJsonBody, readBody } from '../http/body.ts';
import { sendJson, sendRaw } from '../http/respond.ts';
import { runDetectors } from '../pipeline/inspect.ts';
import type { UpstreamCall, UpstreamResult } from '../upstream/index.ts';
import type { GatewayContext, ResolvedRoute } from './context.ts';
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
  const chat = clientFormat.parseRequest(body);
  draft.requestBody = body;
  draft.stream = chat.stream;
  draft.modelRequested = chat.model;
  draft.maxTokens = chat.maxTokens ?? null;
  const resolved = resolveFor(ctx, principal, chat.model);
  draft.price = resolved.price;
  draft.provider = resolved.chain[0]!.upstream.name;

  // Input inspection: every message, whatever its role or source.
  const segments = requestSegments(chat);
  draft.inputSegments = segments;
  const input = await inspectAndDecide(ctx, 'input', segments, principal, chat, resolved);
  draft.inputFindings = input.findings;
  draft.inputDecision = input.decision;
  if (input.decision.action === 'block') throw blocked(input.decision);

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
      }),
    );
  }

  if (plans.length === 0 && echo !== null) {
    return serveEcho(ctx, clientFormat, chat, echo, res, draft, principal, resolved, abort);
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
      passthrough: plan.passthrough,
      stripUsage: plan.stripUsage,
    };
    await streamResponse(ctx, { clientFormat, chat, source, res, draft, principal, resolved, abort });
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
  },
): Promise<void> {
  const { draft, response } = a;
  if (response.usage !== undefined) draft.usage = response.usage;
  const segments = responseSegments(response);
  draft.outputSegments = segments;
  const output = await inspectAndDecide(ctx, 'output', segments, a.principal, a.chat, a.resolved);
  draft.outputFindings = output.findings;
  draft.outputDecision = output.decision;
  if (output.decision.action === 'block') throw blocked(output.decision);
  if (a.raw !== null) {
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

/** Runs the detectors on one direction and asks the decider. */
export async function inspectAndDecide(
  ctx: GatewayContext,
  direction: Direction,
  segments: readonly Segment[],
  principal: Principal,
  chat: Pick<ChatRequest, 'model' | 'stream'>,
  resolved: ResolvedRoute,
): Promise<DirectionOutcome> {
  const { findings, failures } = await runDetectors(
    ctx.detectors,
    segments,
    direction,
    ctx.settings.detectorBudgetMs,
  );
  const decision = ctx.decider({
    direction,
    principal,
    model: chat.model,
    provider: resolved.chain[0]!.upstream.name,
    stream: chat.stream,
    findings,
    failures,
    now: new Date(ctx.clock.wallMs()),
  });
  return { findings, decision };
}

export function blocked(decision: Decision): ParapetError {
  const rule = decision.ruleId === null ? '' : ` by rule \`${decision.ruleId}\``;
  return new ParapetError('PARAPET_POLICY_BLOCKED', decision.message ?? `the request was blocked${rule}`);
}

export type { ChatStreamEvent, SseEvent };
