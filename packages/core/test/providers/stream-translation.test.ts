// Streams: decode a recorded-style upstream stream, encode it in the other format, check the sequence.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatStreamEvent } from '../../src/model/chat.ts';
import { anthropicMessages } from '../../src/providers/anthropic-messages.ts';
import { openaiChat } from '../../src/providers/openai-chat.ts';
import type { SseEvent } from '../../src/streaming/sse-event.ts';
import { ANTHROPIC_RECORDED, anthropicEvent, OPENAI_RECORDED } from './fixtures/recorded-streams.ts';

function decodeAll(decode: (e: SseEvent) => ChatStreamEvent[], events: SseEvent[]): ChatStreamEvent[] {
  return events.flatMap((e) => decode(e));
}

function encodeAll(encode: (e: ChatStreamEvent) => SseEvent[], events: ChatStreamEvent[]): SseEvent[] {
  return events.flatMap((e) => encode(e));
}

const payloads = (events: SseEvent[]) =>
  events.map((e) => (e.data === '[DONE]' ? '[DONE]' : (JSON.parse(e.data) as Record<string, unknown>)));

describe('OpenAI stream → Anthropic stream', () => {
  const neutral = decodeAll(openaiChat.createStreamDecoder(), OPENAI_RECORDED);

  test('decodes into neutral events in order', () => {
    assert.deepEqual(neutral, [
      { type: 'start', id: 'chatcmpl-abc', model: 'gpt-x', created: 1700000000 },
      { type: 'text', text: 'Checking ' },
      { type: 'text', text: 'the weather.' },
      { type: 'tool_call_start', index: 0, id: 'call_1', name: 'get_weather' },
      { type: 'tool_call_delta', index: 0, arguments: '{"city":' },
      { type: 'tool_call_delta', index: 0, arguments: '"Paris"}' },
      { type: 'finish', stopReason: 'tool_calls' },
      { type: 'usage', usage: { inputTokens: 20, outputTokens: 9 } },
      { type: 'end' },
    ]);
  });

  test('encodes as an Anthropic event sequence with blocks, message_delta and message_stop', () => {
    const out = encodeAll(anthropicMessages.createStreamEncoder(), neutral);
    assert.deepEqual(
      out.map((e) => e.event),
      [
        'message_start',
        'content_block_start',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'content_block_start',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ],
    );
    const data = payloads(out) as Record<string, unknown>[];
    assert.deepEqual(
      data.map((d) => d['type']),
      out.map((e) => e.event),
    );
    assert.deepEqual(data[5], {
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} },
    });
    assert.deepEqual(data[9], {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: 9, input_tokens: 20 },
    });
  });

  test('the Anthropic stream decodes back into the same neutral events', () => {
    const anthropic = encodeAll(anthropicMessages.createStreamEncoder(), neutral);
    const again = decodeAll(anthropicMessages.createStreamDecoder(), anthropic);
    assert.deepEqual(again, [{ ...neutral[0], created: 0 }, ...neutral.slice(1)]);
  });
});

describe('Anthropic stream → OpenAI stream', () => {
  const neutral = decodeAll(anthropicMessages.createStreamDecoder(), ANTHROPIC_RECORDED);

  test('decodes, mapping content-block index 1 to tool-call index 0', () => {
    assert.deepEqual(neutral, [
      { type: 'start', id: 'msg_1', model: 'claude-x', created: 0 },
      { type: 'text', text: 'Checking ' },
      { type: 'text', text: 'the weather.' },
      { type: 'tool_call_start', index: 0, id: 'toolu_1', name: 'get_weather' },
      { type: 'tool_call_delta', index: 0, arguments: '{"city":' },
      { type: 'tool_call_delta', index: 0, arguments: '"Paris"}' },
      { type: 'finish', stopReason: 'tool_calls' },
      { type: 'usage', usage: { inputTokens: 20, outputTokens: 9 } },
      { type: 'end' },
    ]);
  });

  test('encodes as OpenAI chunks: role first, tool deltas, finish, usage, [DONE]', () => {
    const out = encodeAll(openaiChat.createStreamEncoder(), neutral);
    const data = payloads(out);
    assert.equal(data.at(-1), '[DONE]');
    const chunks = data.slice(0, -1) as Record<string, unknown>[];
    for (const c of chunks) {
      assert.equal(c['id'], 'msg_1');
      assert.equal(c['object'], 'chat.completion.chunk');
      assert.equal(c['model'], 'claude-x');
      assert.equal(typeof c['created'], 'number');
    }
    const deltas = chunks.map(
      (c) => (c['choices'] as { delta: unknown; finish_reason: unknown }[])[0] ?? null,
    );
    assert.deepEqual(deltas, [
      {
        index: 0,
        delta: { role: 'assistant', content: '', refusal: null },
        logprobs: null,
        finish_reason: null,
      },
      { index: 0, delta: { content: 'Checking ' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: 'the weather.' }, logprobs: null, finish_reason: null },
      {
        index: 0,
        delta: {
          tool_calls: [
            { index: 0, id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        },
        logprobs: null,
        finish_reason: null,
      },
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
        logprobs: null,
        finish_reason: null,
      },
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
        logprobs: null,
        finish_reason: null,
      },
      { index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' },
      null,
    ]);
    assert.deepEqual(chunks.at(-1)?.['usage'], { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 });
  });

  test('the OpenAI stream decodes back into the same neutral events', () => {
    const openai = encodeAll(openaiChat.createStreamEncoder(), neutral);
    assert.deepEqual(decodeAll(openaiChat.createStreamDecoder(), openai), neutral);
  });
});

describe('encoders cope with any legal event order', () => {
  const unordered: ChatStreamEvent[] = [
    { type: 'tool_call_start', index: 0, id: 'call_a', name: 'lookup' },
    { type: 'tool_call_delta', index: 0, arguments: '{}' },
    { type: 'text', text: 'after the tool' },
    { type: 'usage', usage: { inputTokens: 5, outputTokens: 2 } },
    { type: 'finish', stopReason: 'stop' },
    { type: 'end' },
  ];

  test('Anthropic: synthesised id, text block after the tool block, one message_delta', () => {
    const out = encodeAll(anthropicMessages.createStreamEncoder(), unordered);
    const data = payloads(out) as Record<string, unknown>[];
    assert.deepEqual(
      data.map((d) => d['type']),
      [
        'message_start',
        'content_block_start',
        'content_block_delta',
        'content_block_stop',
        'content_block_start',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ],
    );
    const start = data[0] as { message: { id: string } };
    assert.equal(start.message.id, 'msg_parapet');
    assert.deepEqual(data[4], {
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'text', text: '' },
    });
    assert.deepEqual(data[7], {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 2, input_tokens: 5 },
    });
  });

  test('OpenAI: usage that arrives before finish is sent after the finish chunk', () => {
    const out = payloads(encodeAll(openaiChat.createStreamEncoder(), unordered));
    const chunks = out.slice(0, -1) as Record<string, unknown>[];
    assert.equal(out.at(-1), '[DONE]');
    assert.equal(chunks[0]?.['id'], 'chatcmpl-parapet');
    const finishAt = chunks.findIndex(
      (c) => (c['choices'] as { finish_reason: unknown }[])[0]?.finish_reason === 'stop',
    );
    const usageAt = chunks.findIndex((c) => c['usage'] !== undefined);
    assert.ok(finishAt >= 0 && usageAt === finishAt + 1 && usageAt === chunks.length - 1);
  });

  test('Anthropic: end with no finish and no usage still closes the message', () => {
    const out = encodeAll(anthropicMessages.createStreamEncoder(), [
      { type: 'text', text: 'x' },
      { type: 'end' },
    ]);
    assert.deepEqual(
      out.map((e) => e.event),
      [
        'message_start',
        'content_block_start',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ],
    );
  });

  test('events after end are ignored', () => {
    const encode = openaiChat.createStreamEncoder();
    encode({ type: 'end' });
    assert.deepEqual(encode({ type: 'text', text: 'late' }), []);
  });
});

describe('OpenAI-compatible variations', () => {
  test('an Azure prompt-filter chunk with an empty id does not start the stream', () => {
    const decode = openaiChat.createStreamDecoder();
    const first = decode({
      data: JSON.stringify({
        id: '',
        object: '',
        created: 0,
        model: '',
        choices: [],
        prompt_filter_results: [],
      }),
    });
    assert.deepEqual(first, []);
    const second = decode(OPENAI_RECORDED[1]!);
    assert.deepEqual(second, [
      { type: 'start', id: 'chatcmpl-abc', model: 'gpt-x', created: 1700000000 },
      { type: 'text', text: 'Checking ' },
    ]);
  });

  test('usage in the same chunk as finish_reason is read too', () => {
    const events = openaiChat.createStreamDecoder()({
      data: JSON.stringify({
        id: 'x',
        model: 'm',
        created: 1,
        choices: [{ index: 0, delta: {}, finish_reason: 'length' }],
        usage: { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 },
      }),
    });
    assert.deepEqual(events.slice(1), [
      { type: 'finish', stopReason: 'length' },
      { type: 'usage', usage: { inputTokens: 4, outputTokens: 6 } },
    ]);
  });
});

describe('stream errors', () => {
  test('OpenAI error object → neutral error → Anthropic error event', () => {
    const decoded = openaiChat.createStreamDecoder()({
      data: JSON.stringify({
        error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
      }),
    });
    assert.deepEqual(decoded, [
      { type: 'error', message: 'Rate limit reached', code: 'rate_limit_exceeded' },
    ]);
    const encoded = anthropicMessages.createStreamEncoder()(decoded[0]!);
    assert.equal(encoded[0]?.event, 'error');
    assert.deepEqual(JSON.parse(encoded[0]!.data), {
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Rate limit reached', code: 'rate_limit_exceeded' },
    });
  });

  test('Anthropic error event → neutral error → OpenAI error chunk', () => {
    const decoded = anthropicMessages.createStreamDecoder()(
      anthropicEvent('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }),
    );
    assert.deepEqual(decoded, [{ type: 'error', message: 'Overloaded', code: 'overloaded_error' }]);
    const encoded = openaiChat.createStreamEncoder()(decoded[0]!);
    assert.deepEqual(JSON.parse(encoded[0]!.data), {
      error: { message: 'Overloaded', type: 'api_error', code: 'overloaded_error', param: null },
    });
  });

  test('data that is not JSON becomes an error event naming no content', () => {
    for (const format of [openaiChat, anthropicMessages]) {
      const [event] = format.createStreamDecoder()({ data: '{"truncated' });
      assert.equal(event?.type, 'error');
      assert.equal(event?.type === 'error' ? event.code : undefined, 'PARAPET_UPSTREAM_BAD_RESPONSE');
    }
  });
});
