/**
 * Canary tokens: the gateway plants a per-request marker in the system prompt; the marker appearing in
 * the answer means the model repeated its system prompt (a system-prompt leak). Pure functions: the
 * gateway draws the token.
 */
import type { ChatRequest } from '../model/chat.ts';
import type { Finding } from '../model/finding.ts';
import type { Segment } from '../model/segment.ts';

/** The line planted in the system prompt. Short and inert, so it does not change the model's behaviour. */
export function canaryLine(token: string): string {
  return `[ref: ${token}]`;
}

/**
 * The request with the canary put first in its first system message (so a verbatim leak starts with it
 * and is stopped before the rest of the prompt streams out); the request itself when it has no system
 * prompt (then there is nothing to leak). The input is not mutated.
 */
export function plantCanary(req: ChatRequest, token: string): ChatRequest {
  const at = req.messages.findIndex((m) => m.role === 'system' && m.content.some((p) => p.type === 'text'));
  if (at < 0) return req;
  const messages = [...req.messages];
  const message = messages[at]!;
  const content = [...message.content];
  const part = content.findIndex((p) => p.type === 'text');
  const target = content[part] as { type: 'text'; text: string };
  content[part] = { type: 'text', text: `${canaryLine(token)}\n\n${target.text}` };
  messages[at] = { ...message, content };
  return { ...req, messages };
}

/** True when the request has a system prompt to plant a canary in. */
export function hasSystemPrompt(req: ChatRequest): boolean {
  return req.messages.some((m) => m.role === 'system' && m.content.some((p) => p.type === 'text'));
}

/** A finding for every occurrence of the canary in the segments. */
export function canaryFindings(segments: readonly Segment[], token: string): Finding[] {
  const findings: Finding[] = [];
  for (const s of segments) {
    for (let at = s.text.indexOf(token); at >= 0; at = s.text.indexOf(token, at + token.length)) {
      findings.push({
        family: 'prompt_attack',
        type: 'SYSTEM_PROMPT_LEAK',
        score: 1,
        segment: s.index,
        span: { start: at, end: at + token.length },
        detector: 'gateway.canary',
        explanation: 'the canary planted in the system prompt appeared in the output',
      });
    }
  }
  return findings;
}
