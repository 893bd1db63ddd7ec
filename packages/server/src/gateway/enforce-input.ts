import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ChatRequest,
  type ChatStreamEvent,
  type Decision,
  emptyVault,
  encodeSseEvent,
  ParapetError,
  type Principal,
  type Segment,
  type TokenVault,
  type WireFormat,
  withRequestTexts,
} from '@parapet/core';
import type { InspectionResult } from '../pipeline/inspect.ts';
import { blocked, decide, resolveFor } from './chat-flow.ts';
import type { GatewayContext, ResolvedRoute } from './context.ts';
import {
  ACK_HEADER,
  CONVERSATION_HEADER,
  contentHash,
  createAckToken,
  JUSTIFICATION_HEADER,
  redactInput,
  redactionPlan,
  setDecisionHeader,
  subjectOf,
  vaultScope,
  verifyAckToken,
  waitForApproval,
} from './enforce.ts';
import { type EventDraft, maskFindings } from './event-draft.ts';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

export interface InputEnforcement {
  /** The response was already sent (a block answered as an assistant message). */
  answered: boolean;
  /** The request to forward: redacted when a redact rule applied. */
  chat: ChatRequest;
  /** The route to use: another model when a route rule applied. */
  resolved: ResolvedRoute;
  /** The request was changed (redaction): it must be rebuilt, not passed through. */
  transformed: boolean;
  /** Placeholders to restore in the answer. */
  vault: TokenVault;
}

/**
 * Decides the input direction and carries the decision out: block (error or assistant message), warn
 * (refuse with an acknowledgement token unless the caller acknowledged), hold (wait for a reviewer),
 * route (another model), redact (reversible or not) and monitor (recorded). Evaluation is repeated after
 * an acknowledgement or approval, so a later rule still applies.
 */
export async function enforceInput(
  ctx: GatewayContext,
  a: {
    req: IncomingMessage;
    res: ServerResponse;
    draft: EventDraft;
    abort: AbortController;
    principal: Principal;
    chat: ChatRequest;
    resolved: ResolvedRoute;
    segments: readonly Segment[];
    inspected: InspectionResult;
    clientFormat: WireFormat;
  },
): Promise<InputEnforcement> {
  const { draft, res, principal, segments, inspected } = a;
  const acknowledged: string[] = [];
  const approved: string[] = [];
  const ackHeader = header(a.req, ACK_HEADER);
  const subject = subjectOf(principal);
  let hash: string | null = null;
  const hashOnce = (): string => {
    hash ??= contentHash(segments);
    return hash;
  };
  if (ackHeader !== undefined) {
    const rule = verifyAckToken(ctx.enforcement.keys.ack, ackHeader, subject, hashOnce(), ctx.clock.wallMs());
    if (rule === null) {
      throw new ParapetError(
        'PARAPET_POLICY_WARNING',
        'the acknowledgement token is invalid, expired, or for another request; send the request without it to get a new one',
      );
    }
    acknowledged.push(rule);
  }
  let approval: Decision['approval'];
  let decision: Decision;
  for (;;) {
    decision = decide(ctx, 'input', segments, inspected, principal, a.chat, a.resolved, {
      acknowledged,
      approved,
    });
    if (decision.action !== 'hold' || decision.ruleId === null) break;
    const outcome = await hold(ctx, a, decision);
    approval = { ruleId: decision.ruleId, ...outcome };
    const allowed =
      outcome.status === 'approved' || (outcome.status === 'expired' && decision.hold?.onTimeout === 'allow');
    if (!allowed) {
      draft.inputDecision = { ...decision, approval };
      throw new ParapetError(
        'PARAPET_POLICY_HOLD_DENIED',
        outcome.status === 'denied'
          ? `a reviewer denied this request${outcome.reason === null ? '' : `: ${outcome.reason}`}`
          : 'no reviewer decided on this request in time',
      );
    }
    approved.push(decision.ruleId);
  }
  if (approval !== undefined) decision = { ...decision, approval };
  const ackRule = acknowledged.find((r) =>
    decision.trail?.some((t) => t.ruleId === r && t.effect === 'acknowledged'),
  );
  if (ackRule !== undefined) {
    decision = { ...decision, acknowledgement: { ruleId: ackRule, justification: justificationOf(a.req) } };
  }
  draft.inputDecision = decision;
  setDecisionHeader(res, decision);

  switch (decision.action) {
    case 'block':
      if (decision.respondAs === 'assistant_message' && a.clientFormat.name === 'openai-chat') {
        sendAssistantMessage(res, a.clientFormat, a.chat, draft, decision, a.chat.stream);
        return {
          answered: true,
          chat: a.chat,
          resolved: a.resolved,
          transformed: false,
          vault: emptyVault(),
        };
      }
      throw blocked(decision);
    case 'warn': {
      const ruleId = decision.ruleId ?? 'warn';
      const ttl = decision.ackTtlMs ?? 3_600_000;
      const token = createAckToken(
        ctx.enforcement.keys.ack,
        ruleId,
        subject,
        hashOnce(),
        ctx.clock.wallMs() + ttl,
      );
      const message =
        decision.message ?? 'This request needs your acknowledgement before it is sent to an AI model.';
      throw new ParapetError(
        'PARAPET_POLICY_WARNING',
        `${message} (to proceed, re-send the same request with the header \`${ACK_HEADER}: ${token}\`)`,
        { headers: { 'x-parapet-acknowledge-token': token } },
      );
    }
    default:
      break;
  }

  let resolved = a.resolved;
  let chat = a.chat;
  if (decision.action === 'route' && decision.routeTo !== undefined) {
    // The policy chose the model: the principal's own model list does not apply to it.
    resolved = resolveFor(ctx, { ...principal, models: null }, decision.routeTo);
    draft.inputDecision = { ...decision, routedFrom: a.chat.model };
    draft.price = resolved.price;
    draft.provider = resolved.chain[0]!.upstream.name;
  }
  const plan = redactionPlan(decision, inspected.findings);
  if (plan.length === 0) return { answered: false, chat, resolved, transformed: false, vault: emptyVault() };
  const now = new Date(ctx.clock.wallMs());
  const scope = vaultScope(ctx.enforcement.keys, principal, segments, header(a.req, CONVERSATION_HEADER));
  const outcome = await redactInput(
    ctx.store,
    ctx.enforcement.keys,
    scope,
    segments,
    plan,
    now,
    ctx.enforcement.vaultTtlMs,
  );
  chat = withRequestTexts(chat, segments, outcome.texts);
  return { answered: false, chat, resolved, transformed: true, vault: outcome.vault };
}

async function hold(
  ctx: GatewayContext,
  a: {
    res: ServerResponse;
    draft: EventDraft;
    abort: AbortController;
    principal: Principal;
    chat: ChatRequest;
    segments: readonly Segment[];
    inspected: InspectionResult;
  },
  decision: Decision,
): Promise<{
  id: string;
  status: 'approved' | 'denied' | 'expired';
  by: string | null;
  at: string | null;
  reason: string | null;
}> {
  const { res } = a;
  // Reviewers see redacted content only: every finding is masked in the summary.
  const firstUser = [...a.segments].reverse().find((s) => s.source === 'user') ?? a.segments[0];
  const summary = firstUser === undefined ? '' : maskFindings(firstUser, a.inspected.findings).slice(0, 500);
  let lastBeat = ctx.clock.monoMs();
  const outcome = await waitForApproval(ctx.store, {
    eventId: a.draft.id,
    ruleId: decision.ruleId!,
    principal: a.principal,
    model: a.chat.model,
    summary,
    findings: decision.findings.map((i) => a.inspected.findings[i]!).filter((f) => f !== undefined),
    timeoutMs: decision.hold?.timeoutMs ?? 900_000,
    pollMs: ctx.enforcement.approvalPollMs,
    now: () => new Date(ctx.clock.wallMs()),
    signal: a.abort.signal,
    onFiled: (id) => {
      if (!res.headersSent) res.setHeader('x-parapet-approval-id', id);
      if (a.chat.stream && !res.headersSent) {
        setDecisionHeader(res, decision);
        res.writeHead(200, SSE_HEADERS);
        res.write(`: parapet: waiting for approval ${id}\n\n`);
      }
    },
    onTick: () => {
      if (!a.chat.stream || !res.headersSent || res.writableEnded) return;
      if (ctx.clock.monoMs() - lastBeat >= ctx.enforcement.keepAliveMs) {
        lastBeat = ctx.clock.monoMs();
        res.write(': keep-alive\n\n');
      }
    },
  });
  return { id: outcome.id, status: outcome.status, by: outcome.by, at: outcome.at, reason: outcome.reason };
}

/** Answers with the rule's message as an ordinary assistant message (OpenAI chat clients). */
export function sendAssistantMessage(
  res: ServerResponse,
  format: WireFormat,
  chat: ChatRequest,
  draft: EventDraft,
  decision: Decision,
  stream: boolean,
): void {
  const text = decision.message ?? 'This request was blocked by policy.';
  const id = `parapet-${draft.id}`;
  const created = Math.floor(draft.startedWall / 1000);
  draft.fail('blocked', 200, 'PARAPET_POLICY_BLOCKED');
  if (!stream) {
    const body = format.buildResponse({
      id,
      model: chat.model,
      created,
      content: [{ type: 'text', text }],
      toolCalls: [],
      stopReason: 'content_filter',
    });
    draft.responseContent = body;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
    return;
  }
  const encode = format.createStreamEncoder();
  const events: ChatStreamEvent[] = [
    { type: 'start', id, model: chat.model, created },
    { type: 'text', text },
    { type: 'finish', stopReason: 'content_filter' },
    { type: 'end' },
  ];
  let out = '';
  for (const ev of events) for (const sse of encode(ev)) out += encodeSseEvent(sse);
  if (!res.headersSent) res.writeHead(200, SSE_HEADERS);
  draft.responseContent = { streamed: true, text, toolCalls: [] };
  res.end(out);
}

function justificationOf(req: IncomingMessage): string | null {
  const text = header(req, JUSTIFICATION_HEADER);
  return text === undefined || text.length === 0 ? null : text.slice(0, 2000);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
