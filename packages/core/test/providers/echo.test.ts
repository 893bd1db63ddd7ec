import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatRequest } from '../../src/model/chat.ts';
import {
  ECHO_EMBEDDING_DIMENSIONS,
  ECHO_HINT,
  ECHO_MODELS,
  echoComplete,
  echoEmbeddings,
  echoStream,
} from '../../src/providers/echo.ts';

const CTX = { id: 'echo-1', created: 1_700_000_000 };
const TOOLS = [{ name: 'get_weather', parameters: { type: 'object' } }];

function request(text: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'echo',
    messages: [
      { role: 'system', content: [{ type: 'text', text: 'You are helpful.' }] },
      { role: 'user', content: [{ type: 'text', text }] },
    ],
    stream: false,
    ...extra,
  };
}

describe('echoComplete', () => {
  test('repeats the last user message, deterministically, with estimated usage', () => {
    const req = request('Hello, gateway!');
    const response = echoComplete(req, CTX);
    assert.deepEqual(response, {
      id: 'echo-1',
      model: 'echo',
      created: 1_700_000_000,
      content: [{ type: 'text', text: 'Echo: Hello, gateway!' }],
      toolCalls: [],
      stopReason: 'stop',
      // input: 16 + 15 chars → 8 tokens; output: 21 chars → 6 tokens
      usage: { inputTokens: 8, outputTokens: 6, estimated: true },
    });
    assert.deepEqual(echoComplete(req, CTX), response);
    assert.equal(echoComplete(request('x'), { id: 'other', created: 5 }).id, 'other');
  });

  test('answers a fixed hint when there is no user text', () => {
    const response = echoComplete({ model: 'echo', messages: [], stream: false }, CTX);
    assert.deepEqual(response.content, [{ type: 'text', text: ECHO_HINT }]);
    assert.deepEqual(echoComplete(request('   '), CTX).content, response.content);
  });

  test('`/tool <name> <json>` answers with that tool call when the request has tools', () => {
    const response = echoComplete(request('/tool get_weather {"city": "Paris"}', { tools: TOOLS }), CTX);
    assert.deepEqual(response.content, []);
    assert.deepEqual(response.toolCalls, [
      { id: 'call_echo-1', name: 'get_weather', arguments: '{"city":"Paris"}' },
    ]);
    assert.equal(response.stopReason, 'tool_calls');
    assert.deepEqual(
      echoComplete(request('/tool get_weather', { tools: TOOLS }), CTX).toolCalls[0]?.arguments,
      '{}',
    );
  });

  test('without tools, with tool_choice none, or with a bad command it answers text', () => {
    const text = (req: ChatRequest): string => {
      const part = echoComplete(req, CTX).content[0];
      return part?.type === 'text' ? part.text : '';
    };
    assert.equal(text(request('/tool get_weather {}')), 'Echo: /tool get_weather {}');
    assert.equal(
      text(request('/tool get_weather {}', { tools: TOOLS, toolChoice: 'none' })),
      'Echo: /tool get_weather {}',
    );
    assert.equal(text(request('/toolbox x', { tools: TOOLS })), 'Echo: /toolbox x');
    assert.match(text(request('/tool nope {}', { tools: TOOLS })), /no tool named `nope`.*`get_weather`/);
    assert.match(text(request('/tool get_weather [1]', { tools: TOOLS })), /must be a JSON object/);
    assert.match(text(request('/tool get_weather {oops', { tools: TOOLS })), /must be a JSON object/);
  });

  test('answers a tool result instead of calling the tool again', () => {
    const req = request('/tool get_weather {}', { tools: TOOLS });
    req.messages.push(
      { role: 'assistant', content: [], toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'call_1', content: [{ type: 'text', text: 'sunny' }] },
    );
    const response = echoComplete(req, CTX);
    assert.deepEqual(response.content, [{ type: 'text', text: 'Echo: `get_weather` returned: sunny' }]);
    assert.equal(response.stopReason, 'stop');
  });

  test('maxTokens cuts the answer with stop reason length', () => {
    const response = echoComplete(request('a long message that goes on', { maxTokens: 2 }), CTX);
    assert.deepEqual(response.content, [{ type: 'text', text: 'Echo: a ' }]);
    assert.equal(response.stopReason, 'length');
    assert.equal(response.usage?.outputTokens, 2);
  });
});

describe('echoStream', () => {
  test('streams the same answer in word-boundary deltas of a few words', () => {
    const req = request('one two three four five six seven');
    const events = echoStream(req, CTX);
    assert.deepEqual(events[0], { type: 'start', id: 'echo-1', model: 'echo', created: 1_700_000_000 });
    const deltas = events.flatMap((e) => (e.type === 'text' ? [e.text] : []));
    assert.ok(deltas.length > 1);
    assert.equal(deltas.join(''), 'Echo: one two three four five six seven');
    for (const delta of deltas.slice(0, -1)) assert.match(delta, /\s$/);
    assert.ok(deltas.every((delta) => delta.trim().split(/\s+/).length <= 3));
    const complete = echoComplete(req, CTX);
    assert.deepEqual(events.slice(-3), [
      { type: 'finish', stopReason: 'stop' },
      { type: 'usage', usage: complete.usage },
      { type: 'end' },
    ]);
    assert.deepEqual(echoStream(req, CTX), events);
  });

  test('streams a tool call as start and arguments', () => {
    const events = echoStream(request('/tool get_weather {"city":"Oslo"}', { tools: TOOLS }), CTX);
    assert.deepEqual(events.slice(1, 4), [
      { type: 'tool_call_start', index: 0, id: 'call_echo-1', name: 'get_weather' },
      { type: 'tool_call_delta', index: 0, arguments: '{"city":"Oslo"}' },
      { type: 'finish', stopReason: 'tool_calls' },
    ]);
  });
});

describe('echoEmbeddings', () => {
  test('gives deterministic unit vectors per text, and usage', () => {
    const body = echoEmbeddings(['alpha', 'beta', 'alpha', ''], 'echo-embedding');
    assert.equal(body.object, 'list');
    assert.equal(body.model, 'echo-embedding');
    assert.deepEqual(
      body.data.map((d) => [d.object, d.index]),
      [
        ['embedding', 0],
        ['embedding', 1],
        ['embedding', 2],
        ['embedding', 3],
      ],
    );
    for (const { embedding } of body.data) {
      assert.equal(embedding.length, ECHO_EMBEDDING_DIMENSIONS);
      const norm = Math.sqrt(embedding.reduce((sum, x) => sum + x * x, 0));
      assert.ok(Math.abs(norm - 1) < 1e-9);
    }
    assert.deepEqual(body.data[0]?.embedding, body.data[2]?.embedding);
    assert.notDeepEqual(body.data[0]?.embedding, body.data[1]?.embedding);
    assert.deepEqual(echoEmbeddings(['alpha'], 'x').data[0]?.embedding, body.data[0]?.embedding);
    // ceil(5/4) + ceil(4/4) + ceil(5/4) + 0
    assert.deepEqual(body.usage, { prompt_tokens: 5, total_tokens: 5 });
  });

  test('names its models', () => {
    assert.deepEqual([...ECHO_MODELS], ['echo', 'echo-embedding']);
  });
});
