/**
 * Turns a planned request into the HTTP request an SDK would send: OpenAI Chat Completions or Anthropic
 * Messages, with tools and tool results where the scenario has them.
 */
import type { PlannedRequest } from './plan.ts';
import type { Scenario } from './scenarios.ts';

/** The path and JSON body of one gateway request. */
export interface WireRequest {
  path: '/v1/chat/completions' | '/v1/messages';
  body: Record<string, unknown>;
}

export function wireRequest(request: PlannedRequest): WireRequest {
  return request.format === 'openai'
    ? { path: '/v1/chat/completions', body: openAiBody(request) }
    : { path: '/v1/messages', body: anthropicBody(request) };
}

function openAiBody(request: PlannedRequest): Record<string, unknown> {
  const scenario = request.scenario;
  const messages: Record<string, unknown>[] = [];
  if (scenario.system !== null) messages.push({ role: 'system', content: scenario.system });
  for (const turn of scenario.turns) {
    if (turn.role === 'user') messages.push({ role: 'user', content: turn.text });
    else if (turn.role === 'assistant') {
      messages.push(
        turn.toolCall === undefined
          ? { role: 'assistant', content: turn.text }
          : {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  id: turn.toolCall.id,
                  type: 'function',
                  function: { name: turn.toolCall.name, arguments: turn.toolCall.arguments },
                },
              ],
            },
      );
    } else messages.push({ role: 'tool', tool_call_id: turn.callId, content: turn.text });
  }
  return {
    model: request.model,
    messages,
    stream: request.stream,
    ...(scenario.tools === null
      ? {}
      : {
          tools: scenario.tools.map((tool) => ({
            type: 'function',
            function: { name: tool.name, description: tool.description, parameters: tool.parameters },
          })),
        }),
  };
}

function anthropicBody(request: PlannedRequest): Record<string, unknown> {
  const scenario: Scenario = request.scenario;
  const messages: Record<string, unknown>[] = [];
  for (const turn of scenario.turns) {
    if (turn.role === 'user') messages.push({ role: 'user', content: turn.text });
    else if (turn.role === 'assistant') {
      messages.push(
        turn.toolCall === undefined
          ? { role: 'assistant', content: turn.text }
          : {
              role: 'assistant',
              content: [
                {
                  type: 'tool_use',
                  id: turn.toolCall.id,
                  name: turn.toolCall.name,
                  input: JSON.parse(turn.toolCall.arguments) as unknown,
                },
              ],
            },
      );
    } else {
      messages.push({
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: turn.callId, content: turn.text }],
      });
    }
  }
  return {
    model: request.model,
    max_tokens: 1024,
    ...(scenario.system === null ? {} : { system: scenario.system }),
    messages,
    stream: request.stream,
    ...(scenario.tools === null
      ? {}
      : {
          tools: scenario.tools.map((tool) => ({
            name: tool.name,
            description: tool.description,
            input_schema: tool.parameters,
          })),
        }),
  };
}
