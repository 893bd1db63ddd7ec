import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type { Detector, Event } from '@parapet/core';
import OpenAI from 'openai';
import { mockUpstreamConfig, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type MockUpstream, type RecordedRequest, startMockUpstream } from '../helpers/mock-upstream.ts';

/**
 * Broken streams through the running gateway: the upstream closing mid-stream (every route, and across
 * formats), before the first chunk, stalling, trickling bytes split inside multi-byte characters, and the
 * client hanging up mid-stream. A recording detector checks that everything the client received went
 * through the output inspection point first.
 */

const OPENAI_SECRET = 'sk-upstream-openai-secret';
const ANTHROPIC_SECRET = 'sk-ant-upstream-secret';
/** Also the idle limit between two stream chunks. */
const UPSTREAM_TIMEOUT_MS = 400;
const UNICODE_PROMPT = 'héllo 你好世界 🌍🚀 naïve ✓ 𝔘𝔫𝔦 end';

interface SseFrame {
  event: string | null;
  data: string;
}

/** Splits a whole SSE text into frames (the gateway writes `\n` line endings). */
function parseSse(text: string): SseFrame[] {
  const frames: SseFrame[] = [];
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue;
    let event: string | null = null;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    frames.push({ event, data: data.join('\n') });
  }
  return frames;
}

/** Waits for exactly one more event than `before`, and returns it. */
async function oneMoreEvent(gw: TestGateway, before: number): Promise<Event> {
  await gw.waitForEvents(before + 1);
  await new Promise((resolve) => setTimeout(resolve, 30));
  const events = await gw.events();
  assert.equal(events.length, before + 1, 'exactly one event per request');
  return events[events.length - 1]!;
}

/**
 * A bare upstream on 127.0.0.1 that answers every POST with 200 and the SSE `frames` set by the test,
 * then ends: for upstream answers the mock cannot script (an error event or a broken event mid-stream).
 */
async function startScriptedUpstream(): Promise<{ url: string; frames: string[]; close(): Promise<void> }> {
  const state = { frames: [] as string[] };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const frame of state.frames) res.write(frame);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get frames() {
      return state.frames;
    },
    set frames(value: string[]) {
      state.frames = value;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function chatChunk(delta: Record<string, unknown>, finish: string | null = null): string {
  const chunk = {
    id: 'chatcmpl-scripted',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'scripted-gpt',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

function anthropicEvent(event: string, data: Record<string, unknown>): string {
  return `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;
}

function assertInterruptedEvent(event: Event): void {
  assert.equal(event.stream, true);
  assert.equal(event.status, 'upstream_error');
  assert.equal(event.errorCode, 'PARAPET_UPSTREAM_STREAM_INTERRUPTED');
}

describe('broken streams through the gateway', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;
  let scripted: Awaited<ReturnType<typeof startScriptedUpstream>>;
  /** Every output text the detectors saw. */
  const inspected: string[] = [];

  const recorder: Detector = {
    id: 'test.recorder',
    family: 'test',
    inspect(segments, ctx) {
      if (ctx.direction === 'output') for (const s of segments) inspected.push(s.text);
      return [];
    },
  };

  before(async () => {
    mock = await startMockUpstream({ openaiKey: OPENAI_SECRET, anthropicKey: ANTHROPIC_SECRET });
    scripted = await startScriptedUpstream();
    const config = mockUpstreamConfig(mock.url, {
      models: { 'gpt-as-claude': { provider: 'openai', model: 'gpt-4o-mini' } },
    });
    const upstreams = config.upstreams as Record<string, Record<string, unknown>>;
    upstreams['scripted-openai'] = {
      type: 'openai',
      base_url: `${scripted.url}/v1`,
      models: ['scripted-gpt'],
    };
    upstreams['scripted-anthropic'] = {
      type: 'anthropic',
      base_url: scripted.url,
      models: ['scripted-claude'],
    };
    for (const up of Object.values(upstreams)) up.timeout_ms = UPSTREAM_TIMEOUT_MS;
    gw = await startTestGateway({ config, detectors: [recorder] });
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await mock.close();
    await scripted.close();
  });

  /** POSTs a streaming request and reads the whole answer as text. */
  async function stream(
    path: string,
    body: Record<string, unknown>,
  ): Promise<{ status: number; headers: Headers; text: string }> {
    const res = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.key}` },
      body: JSON.stringify({ ...body, stream: true }),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  /** The text the client received was seen by the output detectors. */
  function assertInspected(received: string): void {
    assert.ok(received.length > 0, 'the client got some text');
    const seen = inspected.join('');
    assert.ok(seen.includes(received), 'streamed text reached the client without inspection');
  }

  function requestWith(marker: string): RecordedRequest {
    const found = mock.requests.find((r) => JSON.stringify(r.body ?? '').includes(marker));
    assert.ok(found, `the upstream got no request with ${marker}`);
    return found;
  }

  /** A normal streamed request still works and records its own event. */
  async function stillServes(eventsBefore: number): Promise<void> {
    const s = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'still here' }],
    });
    let text = '';
    for await (const chunk of s) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Mock reply to: still here');
    const event = await oneMoreEvent(gw, eventsBefore);
    assert.equal(event.status, 'success');
  }

  describe('the upstream closes mid-stream', () => {
    test('chat completions: the SDK gets the chunks so far, then an APIError with the code', async () => {
      const before = (await gw.events()).length;
      mock.script({ kind: 'cut', afterChunks: 3, match: 'cut-chat-sdk' });
      const s = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: 'cut-chat-sdk please' }],
      });
      let text = '';
      await assert.rejects(
        (async () => {
          for await (const chunk of s) text += chunk.choices[0]?.delta.content ?? '';
        })(),
        (err: unknown) => {
          assert.ok(err instanceof OpenAI.APIError);
          assert.equal(err.code, 'PARAPET_UPSTREAM_STREAM_INTERRUPTED');
          assert.equal(err.type, 'api_error');
          return true;
        },
      );
      assert.ok('Mock reply to: cut-chat-sdk please'.startsWith(text));
      assert.ok(text.length < 'Mock reply to: cut-chat-sdk please'.length);
      assertInspected(text);
      const event = await oneMoreEvent(gw, before);
      assertInterruptedEvent(event);
      assert.equal(event.httpStatus, 200);
      await stillServes(before + 1);
    });

    test('chat completions: exactly one error event ends the raw stream, and no [DONE]', async () => {
      const before = (await gw.events()).length;
      mock.script({ kind: 'cut', afterChunks: 3, match: 'cut-chat-raw' });
      const res = await stream('/v1/chat/completions', {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'cut-chat-raw' }],
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      const frames = parseSse(res.text);
      const errors = frames.filter((f) => f.data.includes('"error"'));
      assert.equal(errors.length, 1);
      assert.equal(frames[frames.length - 1], errors[0]);
      assert.ok(!res.text.includes('[DONE]'));
      const body = JSON.parse(errors[0]!.data);
      assert.equal(body.error.code, 'PARAPET_UPSTREAM_STREAM_INTERRUPTED');
      assert.equal(typeof body.error.message, 'string');
      const chunks = frames.slice(0, -1).map((f) => JSON.parse(f.data));
      assert.ok(chunks.length >= 2);
      for (const c of chunks) assert.equal(c.object, 'chat.completion.chunk');
      assertInterruptedEvent(await oneMoreEvent(gw, before));
    });

    test('responses: the chunks so far, then one `event: error` with the code', async () => {
      const before = (await gw.events()).length;
      mock.script({ kind: 'cut', afterChunks: 6, match: 'cut-responses' });
      const res = await stream('/v1/responses', { model: 'gpt-4o-mini', input: 'cut-responses now' });
      assert.equal(res.status, 200);
      const frames = parseSse(res.text);
      const errors = frames.filter((f) => f.event === 'error');
      assert.equal(errors.length, 1);
      assert.equal(frames[frames.length - 1], errors[0]);
      const error = JSON.parse(errors[0]!.data);
      assert.equal(error.type, 'error');
      assert.equal(error.code, 'PARAPET_UPSTREAM_STREAM_INTERRUPTED');
      assert.equal(typeof error.sequence_number, 'number');
      assert.ok(!frames.some((f) => f.event === 'response.completed'));
      const deltas = frames
        .filter((f) => f.event === 'response.output_text.delta')
        .map((f) => JSON.parse(f.data).delta as string)
        .join('');
      assert.ok(deltas.length > 0);
      assert.ok('Mock reply to: cut-responses now'.startsWith(deltas));
      assertInspected(deltas);
      assertInterruptedEvent(await oneMoreEvent(gw, before));
    });

    test('responses: the OpenAI SDK sees the error event in the stream', async () => {
      const before = (await gw.events()).length;
      mock.script({ kind: 'cut', afterChunks: 6, match: 'cut-responses-sdk' });
      const s = await openai.responses.create({
        model: 'gpt-4o-mini',
        input: 'cut-responses-sdk',
        stream: true,
      });
      const types: string[] = [];
      let code: string | null = null;
      for await (const ev of s) {
        types.push(ev.type);
        if (ev.type === 'error') code = ev.code;
      }
      assert.equal(types[types.length - 1], 'error');
      assert.equal(types.filter((t) => t === 'error').length, 1);
      assert.equal(code, 'PARAPET_UPSTREAM_STREAM_INTERRUPTED');
      assertInterruptedEvent(await oneMoreEvent(gw, before));
    });

    test('messages: the Anthropic SDK stream throws after the chunks so far', async () => {
      const before = (await gw.events()).length;
      mock.script({ kind: 'cut', afterChunks: 5, match: 'cut-messages' });
      const s = anthropic.messages.stream({
        model: 'claude-3-5-haiku-latest',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'cut-messages here' }],
      });
      let text = '';
      await assert.rejects(
        (async () => {
          for await (const ev of s) {
            if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
          }
        })(),
        (err: unknown) => {
          assert.ok(err instanceof Anthropic.APIError);
          const body = err.error as { type?: string; error?: { type?: string; code?: string } };
          assert.equal(body.type, 'error');
          assert.equal(body.error?.type, 'api_error');
          assert.equal(body.error?.code, 'PARAPET_UPSTREAM_STREAM_INTERRUPTED');
          return true;
        },
      );
      assert.ok(text.length > 0);
      assert.ok('Mock reply to: cut-messages here'.startsWith(text));
      assertInspected(text);
      assertInterruptedEvent(await oneMoreEvent(gw, before));
      await stillServes(before + 1);
    });

    test('messages, raw: one `event: error` last, no message_stop', async () => {
      const before = (await gw.events()).length;
      mock.script({ kind: 'cut', afterChunks: 5, match: 'cut-messages-raw' });
      const res = await stream('/v1/messages', {
        model: 'claude-3-5-haiku-latest',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'cut-messages-raw' }],
      });
      const frames = parseSse(res.text);
      const errors = frames.filter((f) => f.event === 'error');
      assert.equal(errors.length, 1);
      assert.equal(frames[frames.length - 1], errors[0]);
      assert.equal(frames[0]?.event, 'message_start');
      assert.ok(!frames.some((f) => f.event === 'message_stop'));
      const body = JSON.parse(errors[0]!.data);
      assert.equal(body.type, 'error');
      assert.equal(body.error.code, 'PARAPET_UPSTREAM_STREAM_INTERRUPTED');
      assertInterruptedEvent(await oneMoreEvent(gw, before));
    });

    test('cross-format: an Anthropic client on an OpenAI upstream gets an Anthropic error event', async () => {
      const before = (await gw.events()).length;
      mock.script({ kind: 'cut', afterChunks: 3, match: 'cut-cross' });
      const s = anthropic.messages.stream({
        model: 'gpt-as-claude',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'cut-cross over' }],
      });
      let text = '';
      await assert.rejects(
        (async () => {
          for await (const ev of s) {
            if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
          }
        })(),
        (err: unknown) => {
          assert.ok(err instanceof Anthropic.APIError);
          const body = err.error as { error?: { code?: string } };
          assert.equal(body.error?.code, 'PARAPET_UPSTREAM_STREAM_INTERRUPTED');
          return true;
        },
      );
      assert.ok(text.length > 0);
      assert.ok('Mock reply to: cut-cross over'.startsWith(text));
      assertInspected(text);
      assert.equal(requestWith('cut-cross').path, '/v1/chat/completions');
      const event = await oneMoreEvent(gw, before);
      assertInterruptedEvent(event);
      assert.equal(event.route, 'messages');
      assert.equal(event.provider, 'openai');
    });

    test('cross-format, raw: the error event is the Anthropic one and comes last', async () => {
      const before = (await gw.events()).length;
      mock.script({ kind: 'cut', afterChunks: 3, match: 'cut-cross-raw' });
      const res = await stream('/v1/messages', {
        model: 'gpt-as-claude',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'cut-cross-raw' }],
      });
      const frames = parseSse(res.text);
      const errors = frames.filter((f) => f.event === 'error');
      assert.equal(errors.length, 1);
      assert.equal(frames[frames.length - 1], errors[0]);
      assert.ok(!frames.some((f) => f.event === 'message_stop'));
      assert.equal(JSON.parse(errors[0]!.data).error.code, 'PARAPET_UPSTREAM_STREAM_INTERRUPTED');
      assertInterruptedEvent(await oneMoreEvent(gw, before));
    });
  });

  describe('the upstream closes before the first chunk', () => {
    const cases = [
      {
        path: '/v1/chat/completions',
        body: (p: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: p }] }),
        code: (json: { error?: { code?: string } }) => json.error?.code,
      },
      {
        path: '/v1/responses',
        body: (p: string) => ({ model: 'gpt-4o-mini', input: p }),
        code: (json: { error?: { code?: string } }) => json.error?.code,
      },
      {
        path: '/v1/messages',
        body: (p: string) => ({
          model: 'claude-3-5-haiku-latest',
          max_tokens: 32,
          messages: [{ role: 'user', content: p }],
        }),
        code: (json: { type?: string; error?: { code?: string } }) =>
          json.type === 'error' ? json.error?.code : undefined,
      },
    ];
    for (const c of cases) {
      test(`${c.path}: a normal JSON error with status 502`, async () => {
        const before = (await gw.events()).length;
        const marker = `cut-early-${c.path.slice(4)}`;
        mock.script({ kind: 'cut', afterChunks: 0, match: marker });
        const res = await stream(c.path, c.body(marker));
        assert.equal(res.status, 502, res.text);
        assert.match(res.headers.get('content-type') ?? '', /application\/json/);
        assert.equal(res.headers.get('x-parapet-error-code'), 'PARAPET_UPSTREAM_STREAM_INTERRUPTED');
        assert.equal(c.code(JSON.parse(res.text)), 'PARAPET_UPSTREAM_STREAM_INTERRUPTED');
        const event = await oneMoreEvent(gw, before);
        assertInterruptedEvent(event);
        assert.equal(event.httpStatus, 502);
      });
    }
  });

  test('a stalled stream is ended by the idle timeout with an error event', async () => {
    const before = (await gw.events()).length;
    mock.script({ kind: 'stall', afterChunks: 2, match: 'stall-me' });
    const res = await stream('/v1/chat/completions', {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'stall-me' }],
    });
    assert.equal(res.status, 200);
    const frames = parseSse(res.text);
    assert.equal(frames.length, 3, res.text);
    const last = JSON.parse(frames[2]!.data);
    assert.equal(last.error.code, 'PARAPET_UPSTREAM_STREAM_INTERRUPTED');
    assert.equal(JSON.parse(frames[0]!.data).object, 'chat.completion.chunk');
    const event = await oneMoreEvent(gw, before);
    assertInterruptedEvent(event);
    await stillServes(before + 1);
  });

  test('a stalled Anthropic stream ends with an Anthropic error event', async () => {
    const before = (await gw.events()).length;
    mock.script({ kind: 'stall', afterChunks: 4, match: 'stall-anthropic' });
    const res = await stream('/v1/messages', {
      model: 'claude-3-5-haiku-latest',
      max_tokens: 32,
      messages: [{ role: 'user', content: 'stall-anthropic' }],
    });
    const frames = parseSse(res.text);
    assert.equal(frames[frames.length - 1]?.event, 'error');
    assert.equal(frames.filter((f) => f.event === 'error').length, 1);
    assertInterruptedEvent(await oneMoreEvent(gw, before));
  });

  describe('the upstream fails inside the stream', () => {
    test('an OpenAI error chunk mid-stream ends the stream with one Parapet error event', async () => {
      const before = (await gw.events()).length;
      scripted.frames = [
        chatChunk({ role: 'assistant', content: '' }),
        chatChunk({ content: 'partial answer' }),
        `data: ${JSON.stringify({ error: { message: 'upstream overloaded, quoting your prompt', type: 'server_error' } })}\n\n`,
        chatChunk({ content: ' never sent' }),
        chatChunk({}, 'stop'),
        'data: [DONE]\n\n',
      ];
      const res = await stream('/v1/chat/completions', {
        model: 'scripted-gpt',
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(res.status, 200);
      assert.ok(!res.text.includes('quoting your prompt'), 'the upstream error is not forwarded');
      assert.ok(!res.text.includes('never sent'));
      const frames = parseSse(res.text);
      assert.equal(frames.length, 3, res.text);
      assert.equal(JSON.parse(frames[1]!.data).choices[0].delta.content, 'partial answer');
      assert.equal(JSON.parse(frames[2]!.data).error.code, 'PARAPET_UPSTREAM_STREAM_INTERRUPTED');
      assertInspected('partial answer');
      assertInterruptedEvent(await oneMoreEvent(gw, before));
    });

    test('an Anthropic `event: error` mid-stream reaches the SDK as one error with the Parapet code', async () => {
      const before = (await gw.events()).length;
      scripted.frames = [
        anthropicEvent('message_start', {
          message: {
            id: 'msg_scripted',
            type: 'message',
            role: 'assistant',
            model: 'scripted-claude',
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 3, output_tokens: 0 },
          },
        }),
        anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'so far' } }),
        anthropicEvent('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }),
      ];
      const s = anthropic.messages.stream({
        model: 'scripted-claude',
        max_tokens: 32,
        messages: [{ role: 'user', content: 'hi' }],
      });
      let text = '';
      await assert.rejects(
        (async () => {
          for await (const ev of s) {
            if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
          }
        })(),
        (err: unknown) => {
          assert.ok(err instanceof Anthropic.APIError);
          const body = err.error as { error?: { code?: string } };
          assert.equal(body.error?.code, 'PARAPET_UPSTREAM_STREAM_INTERRUPTED');
          return true;
        },
      );
      assert.equal(text, 'so far');
      assertInterruptedEvent(await oneMoreEvent(gw, before));
    });

    test('a broken event mid-stream is never forwarded: one error event PARAPET_UPSTREAM_BAD_RESPONSE', async () => {
      const before = (await gw.events()).length;
      scripted.frames = [
        chatChunk({ role: 'assistant', content: '' }),
        chatChunk({ content: 'fine so far' }),
        'data: {"id": broken-bytes\n\n',
        chatChunk({}, 'stop'),
        'data: [DONE]\n\n',
      ];
      const res = await stream('/v1/chat/completions', {
        model: 'scripted-gpt',
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.ok(!res.text.includes('broken-bytes'));
      const frames = parseSse(res.text);
      assert.equal(frames.length, 3, res.text);
      assert.equal(JSON.parse(frames[2]!.data).error.code, 'PARAPET_UPSTREAM_BAD_RESPONSE');
      const event = await oneMoreEvent(gw, before);
      assert.equal(event.status, 'upstream_error');
      assert.equal(event.httpStatus, 200);
      assert.equal(event.errorCode, 'PARAPET_UPSTREAM_BAD_RESPONSE');
    });

    test('a broken first event is a normal JSON 502 PARAPET_UPSTREAM_BAD_RESPONSE, on every route', async () => {
      const before = (await gw.events()).length;
      mock.script({ kind: 'invalid-json', match: 'broken-first', times: 4 });
      const answers = [
        await stream('/v1/chat/completions', {
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'broken-first' }],
        }),
        await stream('/v1/responses', { model: 'gpt-4o-mini', input: 'broken-first' }),
        await stream('/v1/messages', {
          model: 'claude-3-5-haiku-latest',
          max_tokens: 32,
          messages: [{ role: 'user', content: 'broken-first' }],
        }),
        await stream('/v1/messages', {
          model: 'gpt-as-claude',
          max_tokens: 32,
          messages: [{ role: 'user', content: 'broken-first' }],
        }),
      ];
      for (const answer of answers) {
        assert.equal(answer.status, 502, answer.text);
        assert.equal(answer.headers.get('x-parapet-error-code'), 'PARAPET_UPSTREAM_BAD_RESPONSE');
        assert.ok(!answer.text.includes('broken'));
      }
      const events = await gw.waitForEvents(before + 4);
      assert.equal(events.length, before + 4);
      for (const event of events.slice(before)) {
        assert.equal(event.httpStatus, 502);
        assert.equal(event.errorCode, 'PARAPET_UPSTREAM_BAD_RESPONSE');
      }
    });

    test('a stream that ends without its terminator gets an error event, not a silent end', async () => {
      const before = (await gw.events()).length;
      scripted.frames = [chatChunk({ role: 'assistant', content: '' }), chatChunk({ content: 'and then' })];
      const res = await stream('/v1/chat/completions', {
        model: 'scripted-gpt',
        messages: [{ role: 'user', content: 'hi' }],
      });
      const frames = parseSse(res.text);
      assert.equal(frames.length, 3, res.text);
      assert.equal(JSON.parse(frames[2]!.data).error.code, 'PARAPET_UPSTREAM_STREAM_INTERRUPTED');
      assertInterruptedEvent(await oneMoreEvent(gw, before));
    });
  });

  describe('trickled bytes split inside multi-byte characters arrive intact', () => {
    const expected = `Mock reply to: ${UNICODE_PROMPT}`;

    test('chat completions through the OpenAI SDK', async () => {
      const before = (await gw.events()).length;
      mock.script({ kind: 'trickle', chunkBytes: 5, delayMs: 1, match: UNICODE_PROMPT });
      const s = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: UNICODE_PROMPT }],
      });
      let text = '';
      for await (const chunk of s) text += chunk.choices[0]?.delta.content ?? '';
      assert.equal(text, expected);
      assertInspected(text);
      const event = await oneMoreEvent(gw, before);
      assert.equal(event.status, 'success');
      assert.equal(mock.requests[mock.requests.length - 1]?.fault?.kind, 'trickle');
    });

    test('responses through the OpenAI SDK', async () => {
      mock.script({ kind: 'trickle', chunkBytes: 7, delayMs: 1, match: UNICODE_PROMPT });
      const s = openai.responses.stream({ model: 'gpt-4o-mini', input: UNICODE_PROMPT });
      let deltas = '';
      s.on('response.output_text.delta', (e) => {
        deltas += e.delta;
      });
      const final = await s.finalResponse();
      assert.equal(deltas, expected);
      const item = final.output[0];
      assert.ok(item?.type === 'message' && item.content[0]?.type === 'output_text');
      assert.equal(item.content[0].text, expected);
    });

    test('messages through the Anthropic SDK', async () => {
      mock.script({ kind: 'trickle', chunkBytes: 5, delayMs: 1, match: UNICODE_PROMPT });
      const s = anthropic.messages.stream({
        model: 'claude-3-5-haiku-latest',
        max_tokens: 64,
        messages: [{ role: 'user', content: UNICODE_PROMPT }],
      });
      const final = await s.finalMessage();
      const block = final.content[0];
      assert.ok(block?.type === 'text');
      assert.equal(block.text, expected);
    });

    test('cross-format: Anthropic client, OpenAI upstream, three bytes at a time', async () => {
      mock.script({ kind: 'trickle', chunkBytes: 3, delayMs: 0, match: UNICODE_PROMPT });
      const s = anthropic.messages.stream({
        model: 'gpt-as-claude',
        max_tokens: 64,
        messages: [{ role: 'user', content: UNICODE_PROMPT }],
      });
      const final = await s.finalMessage();
      const block = final.content[0];
      assert.ok(block?.type === 'text');
      assert.equal(block.text, expected);
    });
  });

  describe('the client disconnects', () => {
    const cases = [
      {
        path: '/v1/chat/completions',
        body: (p: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: p }] }),
      },
      {
        path: '/v1/responses',
        body: (p: string) => ({ model: 'gpt-4o-mini', input: p }),
      },
      {
        path: '/v1/messages',
        body: (p: string) => ({
          model: 'claude-3-5-haiku-latest',
          max_tokens: 1024,
          messages: [{ role: 'user', content: p }],
        }),
      },
    ];
    for (const c of cases) {
      test(`${c.path}: the upstream call is aborted and the event has status 499`, async () => {
        const before = (await gw.events()).length;
        const marker = `hang-up-${c.path.slice(4)}`;
        // A long answer, trickled, so the stream is still running when the client leaves.
        const prompt = `${marker} ${'many words here '.repeat(100)}`;
        mock.script({ kind: 'trickle', chunkBytes: 3, delayMs: 2, match: marker });
        const controller = new AbortController();
        const res = await fetch(`${gw.url}${c.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.key}` },
          body: JSON.stringify({ ...c.body(prompt), stream: true }),
          signal: controller.signal,
        });
        assert.equal(res.status, 200);
        const reader = res.body!.getReader();
        const first = await reader.read();
        assert.equal(first.done, false);
        controller.abort();
        await reader.cancel().catch(() => undefined);
        const upstream = requestWith(marker);
        await mock.waitFor(() => upstream.aborted);
        assert.equal(upstream.aborted, true);
        const event = await oneMoreEvent(gw, before);
        assert.equal(event.httpStatus, 499);
        assert.equal(event.status, 'client_error');
        assert.equal(event.errorCode, null);
        assert.equal(event.stream, true);
        await stillServes(before + 1);
      });
    }

    test('a client that leaves while the upstream has not answered yet aborts the upstream call', async () => {
      const before = (await gw.events()).length;
      const marker = 'hang-up-early';
      mock.script({ kind: 'delay', ms: 300, match: marker });
      const controller = new AbortController();
      const pending = fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.key}` },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          stream: true,
          messages: [{ role: 'user', content: marker }],
        }),
        signal: controller.signal,
      });
      await mock.waitFor(() => mock.requests.some((r) => JSON.stringify(r.body ?? '').includes(marker)));
      controller.abort();
      await assert.rejects(pending);
      const upstream = requestWith(marker);
      await mock.waitFor(() => upstream.aborted);
      const event = await oneMoreEvent(gw, before);
      assert.equal(event.httpStatus, 499);
      assert.equal(event.status, 'client_error');
      assert.equal(
        mock.requests.filter((r) => r === upstream || JSON.stringify(r.body ?? '').includes(marker)).length,
        1,
        'no retry after the client left',
      );
      await stillServes(before + 1);
    });

    test('a client that leaves during a non-streamed answer is recorded with 499', async () => {
      const before = (await gw.events()).length;
      const marker = 'hang-up-whole';
      mock.script({ kind: 'trickle', chunkBytes: 3, delayMs: 2, match: marker });
      const controller = new AbortController();
      const pending = fetch(`${gw.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': gw.key },
        body: JSON.stringify({
          model: 'claude-3-5-haiku-latest',
          max_tokens: 1024,
          messages: [{ role: 'user', content: `${marker} ${'padding words '.repeat(50)}` }],
        }),
        signal: controller.signal,
      });
      await mock.waitFor(() => mock.requests.some((r) => JSON.stringify(r.body ?? '').includes(marker)));
      controller.abort();
      await assert.rejects(pending);
      const upstream = requestWith(marker);
      await mock.waitFor(() => upstream.aborted);
      const event = await oneMoreEvent(gw, before);
      assert.equal(event.httpStatus, 499);
      assert.equal(event.stream, false);
      await stillServes(before + 1);
    });

    test('the Anthropic SDK aborting its stream aborts the upstream call too', async () => {
      const before = (await gw.events()).length;
      const marker = 'hang-up-sdk';
      mock.script({ kind: 'trickle', chunkBytes: 3, delayMs: 2, match: marker });
      const s = anthropic.messages.stream({
        model: 'claude-3-5-haiku-latest',
        max_tokens: 1024,
        messages: [{ role: 'user', content: `${marker} ${'and so on '.repeat(100)}` }],
      });
      for await (const ev of s) {
        if (ev.type === 'content_block_delta') break;
      }
      const upstream = requestWith(marker);
      await mock.waitFor(() => upstream.aborted);
      const event = await oneMoreEvent(gw, before);
      assert.equal(event.httpStatus, 499);
      await stillServes(before + 1);
    });
  });
});
