// The mock upstream is checked with the official SDKs: if they parse its answers, so will the gateway's clients.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type MockUpstream, startMockUpstream } from '../helpers/mock-upstream.ts';

const OPENAI_KEY = 'sk-mock-openai';
const ANTHROPIC_KEY = 'sk-ant-mock';

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  },
};

describe('mock upstream', () => {
  let mock: MockUpstream;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    mock = await startMockUpstream({ openaiKey: OPENAI_KEY, anthropicKey: ANTHROPIC_KEY });
    openai = new OpenAI({ apiKey: OPENAI_KEY, baseURL: `${mock.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: ANTHROPIC_KEY, baseURL: mock.url, maxRetries: 0 });
  });
  after(async () => {
    await mock.close();
  });
  beforeEach(() => {
    mock.clearScript();
    mock.requests.length = 0;
  });

  test('chat completions: non-stream answer echoes the last user text, with usage', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'text', text: 'hello mock' }] },
      ],
    });
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, 'gpt-4o-mini');
    assert.equal(completion.choices[0]?.message.content, 'Mock reply to: hello mock');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.ok((completion.usage?.prompt_tokens ?? 0) > 0);
    assert.equal(mock.requests[0]?.body.model, 'gpt-4o-mini');
    assert.equal(mock.requests[0]?.headers['authorization'], `Bearer ${OPENAI_KEY}`);
  });

  test('chat completions: stream with include_usage', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream this text' }],
    });
    let text = '';
    let usageChunks = 0;
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) {
        usageChunks++;
        assert.equal(chunk.choices.length, 0);
      }
    }
    assert.equal(text, 'Mock reply to: stream this text');
    assert.equal(finish, 'stop');
    assert.equal(usageChunks, 1);
  });

  test('chat completions: tool calls, streamed and not', async () => {
    const messages = [{ role: 'user' as const, content: 'please call_tool for Paris' }];
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages,
      tools: [weatherTool],
    });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    assert.ok(call?.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { query: 'please call_tool for Paris' });

    const runner = openai.chat.completions.stream({ model: 'gpt-4o', messages, tools: [weatherTool] });
    const final = await runner.finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0];
    assert.ok(streamed?.type === 'function');
    assert.deepEqual(JSON.parse(streamed.function.arguments), { query: 'please call_tool for Paris' });

    const afterTool = await openai.chat.completions.create({
      model: 'gpt-4o',
      tools: [weatherTool],
      messages: [
        ...messages,
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: call.id, type: 'function', function: call.function }],
        },
        { role: 'tool', tool_call_id: call.id, content: 'sunny' },
      ],
    });
    assert.equal(afterTool.choices[0]?.message.content, 'Mock reply to: please call_tool for Paris');
  });

  test('responses: non-stream and the full streamed event sequence', async () => {
    const response = await openai.responses.create({ model: 'gpt-4o-mini', input: 'hi responses' });
    assert.equal(response.output_text, 'Mock reply to: hi responses');
    assert.equal(response.status, 'completed');

    const types: string[] = [];
    const stream = openai.responses.stream({
      model: 'gpt-4o-mini',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'stream responses' }] }],
    });
    stream.on('event', (event) => types.push(event.type));
    const final = await stream.finalResponse();
    const item = final.output[0];
    assert.ok(item?.type === 'message');
    assert.equal(
      item.content[0]?.type === 'output_text' && item.content[0].text,
      'Mock reply to: stream responses',
    );
    assert.deepEqual(
      types.filter((t, i) => t !== types[i - 1]),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ],
    );
  });

  test('responses: function calls', async () => {
    const tools = [
      { type: 'function' as const, name: 'lookup', parameters: { type: 'object' }, strict: false },
    ];
    const stream = openai.responses.stream({ model: 'gpt-4o-mini', input: 'call_tool now', tools });
    const final = await stream.finalResponse();
    const item = final.output[0];
    assert.ok(item?.type === 'function_call');
    assert.equal(item.name, 'lookup');
    assert.deepEqual(JSON.parse(item.arguments), { query: 'call_tool now' });
  });

  test('embeddings (base64, as the SDK asks) and models', async () => {
    const result = await openai.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['a', 'b'],
      dimensions: 4,
    });
    assert.equal(result.data.length, 2);
    assert.equal(result.data[0]?.embedding.length, 4);
    const norm = Math.hypot(...(result.data[0]?.embedding ?? []));
    assert.ok(Math.abs(norm - 1) < 1e-4);
    const again = await openai.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'a',
      dimensions: 4,
    });
    assert.deepEqual(again.data[0]?.embedding, result.data[0]?.embedding);
    const floats = await openai.embeddings.create({ model: 'm', input: 'a', encoding_format: 'float' });
    assert.equal(floats.data[0]?.embedding.length, 8);

    const ids: string[] = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    assert.deepEqual(ids, ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small']);
  });

  test('anthropic messages: non-stream, stream, and tool_use with input_json_delta', async () => {
    const message = await anthropic.messages.create({
      model: 'claude-test',
      max_tokens: 100,
      system: 'be nice',
      messages: [{ role: 'user', content: 'hello claude' }],
    });
    assert.equal(
      message.content[0]?.type === 'text' && message.content[0].text,
      'Mock reply to: hello claude',
    );
    assert.equal(message.stop_reason, 'end_turn');
    assert.ok(mock.requests[0]?.headers['anthropic-version']);
    const sent = mock.requests[0]?.headers;
    assert.ok(sent?.['x-api-key'] === ANTHROPIC_KEY || sent?.['authorization'] === `Bearer ${ANTHROPIC_KEY}`);

    const events: string[] = [];
    const stream = anthropic.messages.stream({
      model: 'claude-test',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'call_tool please' }],
      tools: [{ name: 'search', input_schema: { type: 'object' } }],
    });
    stream.on('streamEvent', (event) => events.push(event.type));
    const final = await stream.finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    const toolUse = final.content.find((block) => block.type === 'tool_use');
    assert.ok(toolUse?.type === 'tool_use');
    assert.equal(toolUse.name, 'search');
    assert.deepEqual(toolUse.input, { query: 'call_tool please' });
    assert.equal(events[0], 'message_start');
    assert.equal(events.at(-1), 'message_stop');
    assert.ok(events.includes('content_block_delta'));
  });

  test('keys are checked in each format’s own error shape', async () => {
    const wrongOpenai = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${mock.url}/v1`, maxRetries: 0 });
    await assert.rejects(
      wrongOpenai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => err instanceof OpenAI.AuthenticationError && err.code === 'invalid_api_key',
    );
    const wrongAnthropic = new Anthropic({ apiKey: 'sk-ant-wrong', baseURL: mock.url, maxRetries: 0 });
    await assert.rejects(
      wrongAnthropic.messages.create({
        model: 'm',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
      }),
      (err: unknown) =>
        err instanceof Anthropic.AuthenticationError &&
        (err.error as { error?: { type?: string } }).error?.type === 'authentication_error',
    );
    const noVersion = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': ANTHROPIC_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    });
    assert.equal(noVersion.status, 400);
    assert.equal(((await noVersion.json()) as { type: string }).type, 'error');
  });

  test('faults: status with retry-after in the format’s shape, by count and by prompt match', async () => {
    mock.script({ kind: 'status', status: 529, path: '/v1/messages' });
    mock.script({
      kind: 'status',
      status: 429,
      retryAfter: 7,
      match: 'limit me',
      times: Number.POSITIVE_INFINITY,
    });
    const overloaded = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': ANTHROPIC_KEY, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    });
    assert.equal(overloaded.status, 529);
    assert.deepEqual(
      ((await overloaded.json()) as { error: { type: string } }).error.type,
      'overloaded_error',
    );

    await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'fine' }] });
    for (let i = 0; i < 2; i++) {
      await assert.rejects(
        openai.chat.completions.create({
          model: 'm',
          messages: [{ role: 'user', content: 'please limit me' }],
        }),
        (err: unknown) => err instanceof OpenAI.RateLimitError && err.headers.get('retry-after') === '7',
      );
    }
    assert.equal(mock.requests.at(-1)?.fault?.kind, 'status');
    assert.equal(mock.requests[1]?.fault, null);
  });

  test('faults: invalid JSON and trickled streams', async () => {
    mock.script({ kind: 'invalid-json' });
    await assert.rejects(
      openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    );

    mock.script({ kind: 'trickle', chunkBytes: 5, delayMs: 1 });
    const stream = anthropic.messages.stream({
      model: 'claude-test',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'tiny pieces' }],
    });
    const final = await stream.finalMessage();
    assert.equal(final.content[0]?.type === 'text' && final.content[0].text, 'Mock reply to: tiny pieces');
  });

  test('faults: reset, cut and stall are seen by the client; connections are counted', async () => {
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    const post = (signal?: AbortSignal) =>
      fetch(`${mock.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OPENAI_KEY}` },
        body,
        ...(signal ? { signal } : {}),
      });
    mock.script({ kind: 'reset' });
    await assert.rejects(post());

    mock.script({ kind: 'cut', afterChunks: 0 });
    const cut = await post();
    await assert.rejects(cut.text());

    mock.script({ kind: 'stall' });
    const controller = new AbortController();
    const stalled = await post(controller.signal);
    assert.equal(stalled.status, 200);
    const reading = stalled.text();
    controller.abort();
    await assert.rejects(reading);
    await mock.waitFor(() => mock.requests.at(-1)?.aborted === true);
    assert.ok(mock.connectionCount() >= 3);
  });
});
