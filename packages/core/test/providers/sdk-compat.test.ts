// The official SDKs, over real loopback HTTP, read what the encoders and builders produce (and their
// request bodies parse). Streams are translated across formats first, as in cross-format routing.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ChatStreamEvent } from '../../src/model/chat.ts';
import { anthropicMessages } from '../../src/providers/anthropic-messages.ts';
import { openaiChat } from '../../src/providers/openai-chat.ts';
import type { SseEvent } from '../../src/streaming/sse-event.ts';
import { ANTHROPIC_RECORDED, OPENAI_RECORDED } from './fixtures/recorded-streams.ts';

type Reply = { status: number; json: unknown } | { status: 200; sse: SseEvent[] };

let server: Server;
let baseUrl = '';
let reply: Reply = { status: 200, json: {} };
let lastBody: unknown;

function serialize(events: SseEvent[]): string {
  return events
    .map((e) => `${e.event === undefined ? '' : `event: ${e.event}\n`}data: ${e.data}\n\n`)
    .join('');
}

function translate(
  decode: (e: SseEvent) => ChatStreamEvent[],
  encode: (e: ChatStreamEvent) => SseEvent[],
  events: SseEvent[],
): SseEvent[] {
  return events.flatMap((e) => decode(e)).flatMap((e) => encode(e));
}

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      lastBody = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if ('sse' in reply) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(serialize(reply.sse));
      } else {
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.json));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const openai = () => new OpenAI({ apiKey: 'test-key', baseURL: `${baseUrl}/v1`, maxRetries: 0 });
const anthropic = () => new Anthropic({ apiKey: 'test-key', baseURL: baseUrl, maxRetries: 0 });

describe('OpenAI SDK', () => {
  test('accumulates an Anthropic upstream stream encoded as OpenAI chunks', async () => {
    reply = {
      status: 200,
      sse: translate(
        anthropicMessages.createStreamDecoder(),
        openaiChat.createStreamEncoder(),
        ANTHROPIC_RECORDED,
      ),
    };
    const stream = openai().chat.completions.stream({
      model: 'claude-x',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      stream_options: { include_usage: true },
    });
    const completion = await stream.finalChatCompletion();
    assert.equal(completion.id, 'msg_1');
    const choice = completion.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, 'Checking the weather.');
    const call = choice.message.tool_calls?.[0];
    assert.ok(call !== undefined && call.type === 'function');
    assert.deepEqual(call.function, { name: 'get_weather', arguments: '{"city":"Paris"}' });
    assert.deepEqual(completion.usage, { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 });
    const parsed = openaiChat.parseRequest(lastBody);
    assert.equal(parsed.stream, true);
    assert.equal(parsed.includeUsage, true);
  });

  test('reads a built response and a Parapet error body', async () => {
    reply = {
      status: 200,
      json: openaiChat.buildResponse({
        id: 'chatcmpl-1',
        model: 'gpt-x',
        created: 1700000000,
        content: [{ type: 'text', text: 'Hello' }],
        toolCalls: [],
        stopReason: 'stop',
        usage: { inputTokens: 3, outputTokens: 1 },
      }),
    };
    const completion = await openai().chat.completions.create({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    assert.equal(completion.choices[0]?.message.content, 'Hello');
    reply = {
      status: 403,
      json: openaiChat.errorBody(
        'PARAPET_POLICY_BLOCKED',
        'a policy rule blocked the request',
        'permission_error',
      ),
    };
    await assert.rejects(
      openai().chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'Hi' }] }),
      (error: unknown) =>
        error instanceof OpenAI.APIError && error.status === 403 && error.code === 'PARAPET_POLICY_BLOCKED',
    );
  });
});

describe('Anthropic SDK', () => {
  test('accumulates an OpenAI upstream stream encoded as Anthropic events', async () => {
    reply = {
      status: 200,
      sse: translate(
        openaiChat.createStreamDecoder(),
        anthropicMessages.createStreamEncoder(),
        OPENAI_RECORDED,
      ),
    };
    const message = await anthropic()
      .messages.stream({
        model: 'gpt-x',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
      })
      .finalMessage();
    assert.equal(message.id, 'chatcmpl-abc');
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(
      message.content.map((block) => block.type),
      ['text', 'tool_use'],
    );
    const [text, tool] = message.content;
    assert.ok(text?.type === 'text' && tool?.type === 'tool_use');
    assert.equal(text.text, 'Checking the weather.');
    assert.deepEqual(tool.input, { city: 'Paris' });
    assert.equal(message.usage.input_tokens, 20);
    assert.equal(message.usage.output_tokens, 9);
    const parsed = anthropicMessages.parseRequest(lastBody);
    assert.equal(parsed.stream, true);
    assert.equal(parsed.maxTokens, 100);
  });

  test('reads a built response and a Parapet error body', async () => {
    reply = {
      status: 200,
      json: anthropicMessages.buildResponse({
        id: 'msg_2',
        model: 'claude-x',
        created: 0,
        content: [{ type: 'text', text: 'Hello' }],
        toolCalls: [{ id: 'toolu_2', name: 'lookup', arguments: 'not json' }],
        stopReason: 'tool_calls',
      }),
    };
    const message = await anthropic().messages.create({
      model: 'claude-x',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(message.content[1], { type: 'tool_use', id: 'toolu_2', name: 'lookup', input: {} });
    reply = {
      status: 413,
      json: anthropicMessages.errorBody(
        'PARAPET_REQUEST_TOO_LARGE',
        'the body is too large',
        'invalid_request_error',
      ),
    };
    await assert.rejects(
      anthropic().messages.create({
        model: 'claude-x',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'Hi' }],
      }),
      (error: unknown) => {
        if (!(error instanceof Anthropic.APIError) || error.status !== 413) return false;
        const body = error.error as { error?: { type?: string; code?: string } };
        return body.error?.type === 'request_too_large' && body.error.code === 'PARAPET_REQUEST_TOO_LARGE';
      },
    );
  });
});
