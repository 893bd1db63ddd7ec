import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { ParapetError } from '../../src/errors/codes.ts';
import type { ChatRequest, ChatResponse, ChatStreamEvent } from '../../src/model/chat.ts';
import { openaiResponses } from '../../src/providers/openai-responses.ts';
import type { SseEvent } from '../../src/streaming/sse-event.ts';

function assertInvalid(body: unknown, message: RegExp): void {
  assert.throws(
    () => openaiResponses.parseRequest(body),
    (err: unknown) =>
      err instanceof ParapetError && err.code === 'PARAPET_REQUEST_INVALID' && message.test(err.message),
  );
}

function encodeAll(events: ChatStreamEvent[]): SseEvent[] {
  const encode = openaiResponses.createStreamEncoder();
  return events.flatMap((event) => encode(event));
}

function payloads(sse: SseEvent[]): Record<string, unknown>[] {
  return sse.map((event) => JSON.parse(event.data) as Record<string, unknown>);
}

describe('openaiResponses.parseRequest', () => {
  test('reads a string input and instructions as a system message first', () => {
    const req = openaiResponses.parseRequest({
      model: 'gpt-4.1',
      instructions: 'Be brief.',
      input: 'Hello there',
      max_output_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      user: 'u-1',
      stream: true,
    });
    assert.deepEqual(req, {
      model: 'gpt-4.1',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Hello there' }] },
      ],
      stream: true,
      maxTokens: 100,
      temperature: 0.2,
      topP: 0.9,
      user: 'u-1',
    });
  });

  test('reads message items with every content part type', () => {
    const req = openaiResponses.parseRequest({
      model: 'm',
      input: [
        { role: 'developer', content: 'rules' },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'look' },
            { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'auto' },
            { type: 'input_image', image_url: 'data:image/jpeg;base64,QUJD', detail: 'low' },
            { type: 'input_file', file_id: 'file-1' },
          ],
        },
        {
          type: 'message',
          id: 'msg_1',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'seen', annotations: [] }],
        },
      ],
    });
    assert.deepEqual(req.messages, [
      { role: 'system', content: [{ type: 'text', text: 'rules' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image', url: 'https://example.com/a.png' },
          { type: 'image', data: 'QUJD', mediaType: 'image/jpeg' },
          { type: 'other', raw: { type: 'input_file', file_id: 'file-1' } },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'seen' }] },
    ]);
  });

  test('attaches function calls to the assistant turn and reads their outputs as tool messages', () => {
    const reasoning = { type: 'reasoning', id: 'rs_1', summary: [] };
    const req = openaiResponses.parseRequest({
      model: 'm',
      input: [
        { role: 'user', content: 'weather in Paris?' },
        reasoning,
        {
          type: 'function_call',
          id: 'fc_1',
          call_id: 'call_1',
          name: 'get_weather',
          arguments: '{"city":"Paris"}',
        },
        { type: 'function_call', call_id: 'call_2', name: 'get_time', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
        { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'noon' }] },
      ],
    });
    assert.deepEqual(req.messages, [
      { role: 'user', content: [{ type: 'text', text: 'weather in Paris?' }] },
      {
        role: 'assistant',
        content: [{ type: 'other', raw: { responsesItem: reasoning } }],
        toolCalls: [
          { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { id: 'call_2', name: 'get_time', arguments: '{}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_1', content: [{ type: 'text', text: 'sunny' }] },
      { role: 'tool', toolCallId: 'call_2', content: [{ type: 'text', text: 'noon' }] },
    ]);
  });

  test('keeps function tools, drops built-in tools, maps tool_choice and text.format', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } } };
    const req = openaiResponses.parseRequest({
      model: 'm',
      input: 'hi',
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Weather now',
          parameters: schema,
          strict: false,
        },
        { type: 'web_search' },
        { type: 'function', name: 'ping', parameters: null },
      ],
      tool_choice: { type: 'function', name: 'get_weather' },
      text: { format: { type: 'json_schema', name: 'answer', schema, strict: true } },
    });
    assert.deepEqual(req.tools, [
      { name: 'get_weather', description: 'Weather now', parameters: schema },
      { name: 'ping' },
    ]);
    assert.deepEqual(req.toolChoice, { name: 'get_weather' });
    assert.deepEqual(req.responseFormat, {
      type: 'json_schema',
      json_schema: { name: 'answer', schema, strict: true },
    });
    assert.equal(
      openaiResponses.parseRequest({ model: 'm', tool_choice: 'required' }).toolChoice,
      'required',
    );
    assert.equal(
      openaiResponses.parseRequest({ model: 'm', tool_choice: { type: 'web_search' } }).toolChoice,
      undefined,
    );
  });

  test('names the field when a type is wrong', () => {
    assertInvalid('text', /request body must be a JSON object/);
    assertInvalid({ input: 'x' }, /^`model` must be a non-empty string$/);
    assertInvalid({ model: 'm', input: 3 }, /^`input` must be a string or an array/);
    assertInvalid({ model: 'm', input: ['x'] }, /^`input\[0\]` must be an object$/);
    assertInvalid(
      { model: 'm', input: [{ role: 'bot', content: 'x' }] },
      /^`input\[0\]\.role` must be one of/,
    );
    assertInvalid(
      { model: 'm', input: [{ role: 'user', content: 5 }] },
      /^`input\[0\]\.content` must be a string or an array/,
    );
    assertInvalid(
      { model: 'm', input: [{ role: 'user', content: [{ type: 'input_text', text: 1 }] }] },
      /^`input\[0\]\.content\[0\]\.text` must be a string$/,
    );
    assertInvalid(
      { model: 'm', input: [{ type: 'function_call', name: 'f', arguments: '{}' }] },
      /^`input\[0\]\.call_id`/,
    );
    assertInvalid(
      { model: 'm', input: [{ type: 'function_call_output', call_id: 'c', output: 1 }] },
      /`input\[0\]\.output`/,
    );
    assertInvalid({ model: 'm', instructions: 1 }, /^`instructions` must be a string$/);
    assertInvalid({ model: 'm', tools: {} }, /^`tools` must be an array$/);
    assertInvalid({ model: 'm', tools: [{ type: 'function' }] }, /^`tools\[0\]\.name` must be a string$/);
    assertInvalid({ model: 'm', tool_choice: 1 }, /^`tool_choice` must be/);
    assertInvalid({ model: 'm', max_output_tokens: 1.5 }, /^`max_output_tokens` must be an integer$/);
    assertInvalid({ model: 'm', temperature: 'hot' }, /^`temperature` must be a number$/);
    assertInvalid({ model: 'm', stream: 'yes' }, /^`stream` must be a boolean$/);
    assertInvalid({ model: 'm', text: { format: 'json' } }, /^`text\.format` must be an object/);
  });
});

describe('openaiResponses.buildRequest', () => {
  test('a canonical body survives parse then build', () => {
    const body = {
      model: 'gpt-4.1',
      instructions: 'Be brief.',
      input: [
        { role: 'user', content: 'weather in Paris?' },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
        { role: 'assistant', content: 'It is sunny.' },
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'and this?' },
            { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'auto' },
          ],
        },
      ],
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Weather',
          parameters: { type: 'object' },
          strict: false,
        },
      ],
      tool_choice: 'auto',
      max_output_tokens: 64,
      temperature: 0.5,
      top_p: 1,
      text: { format: { type: 'json_object' } },
      user: 'u-1',
      stream: false,
    };
    assert.deepEqual(openaiResponses.buildRequest(openaiResponses.parseRequest(body), 'gpt-4.1'), body);
  });

  test('a neutral request survives build then parse, and a lone user text becomes a string input', () => {
    const neutral: ChatRequest = {
      model: 'upstream-model',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'sys' }] },
        { role: 'user', content: [{ type: 'text', text: 'a' }] },
        {
          role: 'assistant',
          content: [{ type: 'text', text: 'calling' }],
          toolCalls: [{ id: 'c1', name: 'f', arguments: '{"x":1}' }],
        },
        { role: 'tool', toolCallId: 'c1', content: [{ type: 'text', text: 'done' }] },
        { role: 'system', content: [{ type: 'text', text: 'late system note' }] },
        { role: 'user', content: [{ type: 'image', data: 'QUJD', mediaType: 'image/png' }] },
      ],
      tools: [{ name: 'f', parameters: { type: 'object' } }],
      toolChoice: { name: 'f' },
      responseFormat: { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'object' } } },
      stream: true,
    };
    const body = openaiResponses.buildRequest(neutral, 'upstream-model');
    assert.deepEqual(body.text, { format: { type: 'json_schema', name: 'n', schema: { type: 'object' } } });
    assert.deepEqual(body.tool_choice, { type: 'function', name: 'f' });
    assert.deepEqual(openaiResponses.parseRequest(body), neutral);

    const simple = openaiResponses.buildRequest(
      { model: 'x', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: false },
      'y',
    );
    assert.deepEqual(simple, { model: 'y', input: 'hi', stream: false });
  });

  test('re-emits items it does not understand in place', () => {
    const body = {
      model: 'm',
      input: [
        { role: 'user', content: 'q' },
        { type: 'reasoning', id: 'rs_1', summary: [] },
        { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' },
        { type: 'item_reference', id: 'msg_9' },
      ],
      stream: false,
    };
    assert.deepEqual(openaiResponses.buildRequest(openaiResponses.parseRequest(body), 'm'), body);
  });

  test('rejects stop sequences, which the format cannot express', () => {
    const req: ChatRequest = { model: 'm', messages: [], stop: ['\n'], stream: false };
    assert.throws(
      () => openaiResponses.buildRequest(req, 'm'),
      (err: unknown) => err instanceof ParapetError && err.code === 'PARAPET_REQUEST_UNSUPPORTED',
    );
  });
});

describe('openaiResponses responses', () => {
  const response: ChatResponse = {
    id: 'resp_1',
    model: 'gpt-4.1',
    created: 1_700_000_000,
    content: [{ type: 'text', text: 'Let me check.' }],
    toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
    stopReason: 'tool_calls',
    usage: { inputTokens: 12, outputTokens: 7 },
  };

  test('builds the Responses shape', () => {
    const body = openaiResponses.buildResponse(response);
    assert.equal(body.object, 'response');
    assert.equal(body.id, 'resp_1');
    assert.equal(body.created_at, 1_700_000_000);
    assert.equal(body.status, 'completed');
    assert.equal(body.incomplete_details, null);
    assert.deepEqual(body.output, [
      {
        id: 'msg_resp_1',
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Let me check.', annotations: [] }],
      },
      {
        id: 'fc_call_1',
        type: 'function_call',
        status: 'completed',
        call_id: 'call_1',
        name: 'get_weather',
        arguments: '{"city":"Paris"}',
      },
    ]);
    assert.deepEqual(body.usage, {
      input_tokens: 12,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 7,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 19,
    });
  });

  test('parse(build(x)) gives x back for each stop reason', () => {
    assert.deepEqual(openaiResponses.parseResponse(openaiResponses.buildResponse(response)), response);
    for (const stopReason of ['stop', 'length', 'content_filter', 'error'] as const) {
      const plain: ChatResponse = { ...response, toolCalls: [], stopReason };
      assert.deepEqual(openaiResponses.parseResponse(openaiResponses.buildResponse(plain)), plain);
    }
    const length = openaiResponses.buildResponse({ ...response, toolCalls: [], stopReason: 'length' });
    assert.equal(length.status, 'incomplete');
    assert.deepEqual(length.incomplete_details, { reason: 'max_output_tokens' });
  });

  test('rejects an upstream body that is not a response', () => {
    for (const body of [null, { choices: [] }, { id: 'x', output: 'text' }, { id: 'x', output: [1] }]) {
      assert.throws(
        () => openaiResponses.parseResponse(body),
        (err: unknown) => err instanceof ParapetError && err.code === 'PARAPET_UPSTREAM_BAD_RESPONSE',
      );
    }
  });

  test('errorBody has the OpenAI error shape', () => {
    assert.deepEqual(
      openaiResponses.errorBody('PARAPET_POLICY_BLOCKED', 'blocked by policy', 'permission_error'),
      {
        error: {
          message: 'blocked by policy',
          type: 'permission_error',
          code: 'PARAPET_POLICY_BLOCKED',
          param: null,
        },
      },
    );
  });
});

const TOOL_STREAM: ChatStreamEvent[] = [
  { type: 'start', id: 'resp_7', model: 'gpt-4.1', created: 1_700_000_001 },
  { type: 'text', text: 'Checking ' },
  { type: 'text', text: 'the weather.' },
  { type: 'tool_call_start', index: 0, id: 'call_a', name: 'get_weather' },
  { type: 'tool_call_delta', index: 0, arguments: '{"city":' },
  { type: 'tool_call_delta', index: 0, arguments: '"Paris"}' },
  { type: 'finish', stopReason: 'tool_calls' },
  { type: 'usage', usage: { inputTokens: 20, outputTokens: 9 } },
  { type: 'end' },
];

describe('openaiResponses streams', () => {
  test('every encoded event carries its type as the SSE event name and an increasing sequence number', () => {
    const sse = encodeAll(TOOL_STREAM);
    const data = payloads(sse);
    assert.deepEqual(
      data.map((d) => d.type),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.output_item.added',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.done',
        'response.output_item.done',
        'response.completed',
      ],
    );
    sse.forEach((event, i) => {
      assert.equal(event.event, data[i]?.type);
      assert.equal(data[i]?.sequence_number, i);
    });
    const completed = data.at(-1)?.response as Record<string, unknown>;
    assert.equal(completed.status, 'completed');
    assert.deepEqual(
      openaiResponses.parseResponse(completed),
      openaiResponses.parseResponse(
        openaiResponses.buildResponse({
          id: 'resp_7',
          model: 'gpt-4.1',
          created: 1_700_000_001,
          content: [{ type: 'text', text: 'Checking the weather.' }],
          toolCalls: [{ id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' }],
          stopReason: 'tool_calls',
          usage: { inputTokens: 20, outputTokens: 9 },
        }),
      ),
    );
  });

  test('decoder(encoder(x)) gives x back', () => {
    const decode = openaiResponses.createStreamDecoder();
    assert.deepEqual(
      encodeAll(TOOL_STREAM).flatMap((event) => decode(event)),
      TOOL_STREAM,
    );
  });

  test('a length stop ends with response.incomplete and decodes as length', () => {
    const events: ChatStreamEvent[] = [
      { type: 'start', id: 'r', model: 'm', created: 1 },
      { type: 'text', text: 'cut sho' },
      { type: 'usage', usage: { inputTokens: 1, outputTokens: 2 } },
      { type: 'finish', stopReason: 'length' },
      { type: 'end' },
    ];
    const sse = encodeAll(events);
    const last = payloads(sse).at(-1) as { type: string; response: Record<string, unknown> };
    assert.equal(last.type, 'response.incomplete');
    assert.deepEqual(last.response.incomplete_details, { reason: 'max_output_tokens' });
    const decode = openaiResponses.createStreamDecoder();
    assert.deepEqual(
      sse.flatMap((event) => decode(event)),
      [events[0], events[1], events[3], events[2], events[4]],
    );
  });

  test('a stream error becomes an error event and response.failed, and decodes as error then end', () => {
    const sse = encodeAll([
      { type: 'start', id: 'r', model: 'm', created: 1 },
      { type: 'text', text: 'partial' },
      {
        type: 'error',
        message: 'the upstream closed the stream',
        code: 'PARAPET_UPSTREAM_STREAM_INTERRUPTED',
      },
      { type: 'end' },
    ]);
    const types = payloads(sse).map((d) => d.type);
    assert.deepEqual(types.slice(-2), ['error', 'response.failed']);
    const decode = openaiResponses.createStreamDecoder();
    assert.deepEqual(sse.flatMap((event) => decode(event)).slice(-2), [
      {
        type: 'error',
        message: 'the upstream closed the stream',
        code: 'PARAPET_UPSTREAM_STREAM_INTERRUPTED',
      },
      { type: 'end' },
    ]);
  });

  test('the encoder copes with no start event and text after a tool call', () => {
    const data = payloads(
      encodeAll([
        { type: 'tool_call_start', index: 0, id: 'c', name: 'f' },
        { type: 'tool_call_delta', index: 0, arguments: '{}' },
        { type: 'text', text: 'after' },
        { type: 'end' },
      ]),
    );
    assert.equal(data[0]?.type, 'response.created');
    const completed = data.at(-1)?.response as { output: { type: string }[] };
    assert.deepEqual(
      completed.output.map((item) => item.type),
      ['function_call', 'message'],
    );
  });

  test('the decoder recovers arguments and text sent only in done events, and fails on non-JSON data', () => {
    const decode = openaiResponses.createStreamDecoder();
    const sse = (type: string, fields: Record<string, unknown>): SseEvent => ({
      event: type,
      data: JSON.stringify({ type, sequence_number: 0, ...fields }),
    });
    const item = { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'f', arguments: '' };
    assert.deepEqual(decode(sse('response.output_item.added', { output_index: 0, item })), [
      { type: 'tool_call_start', index: 0, id: 'call_1', name: 'f' },
    ]);
    assert.deepEqual(
      decode(sse('response.function_call_arguments.done', { output_index: 0, arguments: '{"a":1}' })),
      [{ type: 'tool_call_delta', index: 0, arguments: '{"a":1}' }],
    );
    assert.deepEqual(
      decode(sse('response.output_item.done', { output_index: 0, item: { ...item, arguments: '{"a":1}' } })),
      [],
    );
    assert.deepEqual(
      decode(sse('response.output_text.done', { output_index: 1, content_index: 0, text: 'hello' })),
      [{ type: 'text', text: 'hello' }],
    );
    assert.throws(
      () => decode({ data: 'not json' }),
      (err: unknown) => err instanceof ParapetError && err.code === 'PARAPET_UPSTREAM_BAD_RESPONSE',
    );
  });
});

describe('openaiResponses streams through the official openai SDK', () => {
  let server: Server;
  let client: OpenAI;
  const received: ChatRequest[] = [];

  function streamFor(req: ChatRequest): ChatStreamEvent[] {
    const last = req.messages.at(-1);
    const text = last?.content[0]?.type === 'text' ? last.content[0].text : '';
    if (text === 'call a tool') {
      return [
        { type: 'start', id: 'resp_t', model: req.model, created: 1_700_000_002 },
        { type: 'tool_call_start', index: 0, id: 'call_z', name: 'lookup' },
        { type: 'tool_call_delta', index: 0, arguments: '{"q":' },
        { type: 'tool_call_delta', index: 0, arguments: '"parapet"}' },
        { type: 'finish', stopReason: 'tool_calls' },
        { type: 'usage', usage: { inputTokens: 5, outputTokens: 4 } },
        { type: 'end' },
      ];
    }
    return [
      { type: 'start', id: 'resp_s', model: req.model, created: 1_700_000_002 },
      { type: 'text', text: 'Hello ' },
      { type: 'text', text: 'from ' },
      { type: 'text', text: 'Parapet.' },
      { type: 'finish', stopReason: 'stop' },
      { type: 'usage', usage: { inputTokens: 3, outputTokens: 5 } },
      { type: 'end' },
    ];
  }

  async function readJson(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  }

  before(async () => {
    server = createServer((req, res) => {
      readJson(req).then((body) => {
        const chat = openaiResponses.parseRequest(body);
        received.push(chat);
        if (!chat.stream) {
          const response: ChatResponse = {
            id: 'resp_n',
            model: chat.model,
            created: 1_700_000_003,
            content: [{ type: 'text', text: 'Plain answer.' }],
            toolCalls: [],
            stopReason: 'stop',
            usage: { inputTokens: 2, outputTokens: 3 },
          };
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(openaiResponses.buildResponse(response)));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const encode = openaiResponses.createStreamEncoder();
        for (const event of streamFor(chat)) {
          for (const sse of encode(event)) res.write(`event: ${sse.event}\ndata: ${sse.data}\n\n`);
        }
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'x', maxRetries: 0 });
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('responses.create({stream: true}) yields every event and a complete final response', async () => {
    const stream = await client.responses.create({
      model: 'gpt-4.1',
      instructions: 'Be brief.',
      input: 'say hello',
      stream: true,
    });
    let text = '';
    const types: string[] = [];
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    assert.equal(text, 'Hello from Parapet.');
    assert.equal(types[0], 'response.created');
    assert.equal(types.at(-1), 'response.completed');
    assert.equal(completed?.status, 'completed');
    assert.equal(completed?.usage?.total_tokens, 8);
    const message = completed?.output[0];
    assert.equal(
      message?.type === 'message' && message.content[0]?.type === 'output_text' && message.content[0].text,
      'Hello from Parapet.',
    );
    assert.deepEqual(received.at(-1)?.messages, [
      { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
      { role: 'user', content: [{ type: 'text', text: 'say hello' }] },
    ]);
  });

  test('responses.create() without streaming reads a built response, output_text included', async () => {
    const response = await client.responses.create({ model: 'gpt-4.1', input: 'hi' });
    assert.equal(response.output_text, 'Plain answer.');
    assert.equal(response.status, 'completed');
    assert.equal(response.usage?.total_tokens, 5);
  });

  test('responses.stream() accumulates text snapshots and a final response', async () => {
    const snapshots: string[] = [];
    const stream = client.responses.stream({ model: 'gpt-4.1', input: 'say hello' });
    stream.on('response.output_text.delta', (event) => snapshots.push(event.snapshot));
    const final = await stream.finalResponse();
    assert.deepEqual(snapshots, ['Hello ', 'Hello from ', 'Hello from Parapet.']);
    assert.equal(final.id, 'resp_s');
    assert.equal(final.status, 'completed');
    assert.deepEqual(final.usage?.input_tokens, 3);
    const message = final.output[0];
    assert.equal(message?.type, 'message');
    assert.equal(
      message?.type === 'message' && message.content[0]?.type === 'output_text' && message.content[0].text,
      'Hello from Parapet.',
    );
  });

  test('responses.stream() assembles a streamed function call', async () => {
    const stream = client.responses.stream({
      model: 'gpt-4.1',
      input: 'call a tool',
      tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object' }, strict: false }],
    });
    const final = await stream.finalResponse();
    assert.equal(final.output.length, 1);
    const call = final.output[0];
    assert.equal(call?.type, 'function_call');
    if (call?.type === 'function_call') {
      assert.equal(call.call_id, 'call_z');
      assert.equal(call.name, 'lookup');
      assert.equal(call.arguments, '{"q":"parapet"}');
    }
    assert.deepEqual(received.at(-1)?.tools, [{ name: 'lookup', parameters: { type: 'object' } }]);
  });
});
