import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type { Event } from '@parapet/core';
import OpenAI from 'openai';
import { mockUpstreamConfig, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../helpers/mock-upstream.ts';

/**
 * Upstream faults through the running gateway: timeouts, 5xx on every attempt, fallbacks (same and
 * other format), 4xx refusals passed on, upstream credential failures, connection resets and answers
 * that are not JSON. Each case: the route's own error shape, the right status and code, exactly one
 * event, no upstream credential in what the client sees, and a normal request still works afterwards.
 */

const OPENAI_SECRET = 'sk-upstream-openai-secret';
const ANTHROPIC_SECRET = 'sk-ant-upstream-secret';
/** Upstream deadline (ms): low so timeouts are quick; the mock's `delay` fault waits longer. */
const UPSTREAM_TIMEOUT_MS = 300;
const SLOW_MS = 1200;

type Shape = 'openai' | 'anthropic';

interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary fields of JSON bodies
  json: any;
}

function chatBody(prompt: string, model = 'gpt-4o-mini'): Record<string, unknown> {
  return { model, messages: [{ role: 'user', content: prompt }] };
}

function messagesBody(prompt: string, model = 'claude-3-5-haiku-latest'): Record<string, unknown> {
  return { model, max_tokens: 32, messages: [{ role: 'user', content: prompt }] };
}

async function send(gw: TestGateway, path: string, body: Record<string, unknown>): Promise<RawAnswer> {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.key}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** The answer is a well-formed error of `shape` with this status and code; returns its message. */
function assertError(answer: RawAnswer, shape: Shape, status: number, code: string): string {
  assert.equal(answer.status, status, `status of ${answer.text}`);
  assert.equal(answer.headers.get('x-parapet-error-code'), code);
  if (shape === 'anthropic') {
    assert.equal(answer.json?.type, 'error');
    assert.equal(answer.json.error.code, code);
    assert.equal(typeof answer.json.error.type, 'string');
    assert.equal(typeof answer.json.error.message, 'string');
    return answer.json.error.message;
  }
  assert.equal(answer.json?.error?.code, code);
  assert.equal(typeof answer.json.error.type, 'string');
  assert.equal(typeof answer.json.error.message, 'string');
  return answer.json.error.message;
}

/** No upstream credential anywhere in what the client received. */
function assertNoSecrets(answer: RawAnswer): void {
  const seen = [answer.text, ...[...answer.headers.entries()].map(([k, v]) => `${k}: ${v}`)].join('\n');
  for (const secret of [OPENAI_SECRET, ANTHROPIC_SECRET])
    assert.ok(!seen.includes(secret), 'credential leaked');
}

/** Waits for exactly one more event than `before`, and returns it. */
async function oneMoreEvent(gw: TestGateway, before: number): Promise<Event> {
  await gw.waitForEvents(before + 1);
  await new Promise((resolve) => setTimeout(resolve, 30));
  const events = await gw.events();
  assert.equal(events.length, before + 1, 'exactly one event per request');
  return events[events.length - 1]!;
}

describe('upstream faults through the gateway', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    mock = await startMockUpstream({ openaiKey: OPENAI_SECRET, anthropicKey: ANTHROPIC_SECRET });
    const config = mockUpstreamConfig(mock.url, {
      models: {
        'gpt-primary': { provider: 'openai', model: 'gpt-4o-mini', fallbacks: ['gpt-backup'] },
        'gpt-backup': { provider: 'openai', model: 'gpt-4o' },
        'gpt-to-claude': { provider: 'openai', model: 'gpt-4o-mini', fallbacks: ['claude-backup'] },
        'claude-backup': { provider: 'anthropic', model: 'claude-3-5-haiku-latest' },
      },
    });
    const upstreams = config.upstreams as Record<string, Record<string, unknown>>;
    for (const up of Object.values(upstreams)) up.timeout_ms = UPSTREAM_TIMEOUT_MS;
    gw = await startTestGateway({ config });
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  /** Requests the mock received whose prompt contains `marker`. */
  function upstreamCalls(marker: string): typeof mock.requests {
    return mock.requests.filter((r) => JSON.stringify(r.body ?? '').includes(marker));
  }

  /** A normal request still succeeds after a fault, and records its own event. */
  async function stillServes(eventsBefore: number): Promise<void> {
    const ok = await send(gw, '/v1/chat/completions', chatBody('all good'));
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.choices[0].message.content, 'Mock reply to: all good');
    const event = await oneMoreEvent(gw, eventsBefore);
    assert.equal(event.status, 'success');
  }

  test('an upstream slower than timeout_ms is 504 PARAPET_UPSTREAM_TIMEOUT (OpenAI shape)', async () => {
    const before = (await gw.events()).length;
    mock.script({ kind: 'delay', ms: SLOW_MS, match: 'slow-openai', times: 2 });
    const answer = await send(gw, '/v1/chat/completions', chatBody('slow-openai'));
    assertError(answer, 'openai', 504, 'PARAPET_UPSTREAM_TIMEOUT');
    assertNoSecrets(answer);
    const event = await oneMoreEvent(gw, before);
    assert.equal(event.status, 'upstream_error');
    assert.equal(event.httpStatus, 504);
    assert.equal(event.errorCode, 'PARAPET_UPSTREAM_TIMEOUT');
    assert.equal(upstreamCalls('slow-openai').length, 2, 'one retry after the first timeout');
    await stillServes(before + 1);
  });

  test('an upstream timeout reaches the Anthropic SDK as a 504 in its own shape', async () => {
    const before = (await gw.events()).length;
    mock.script({ kind: 'delay', ms: SLOW_MS, match: 'slow-anthropic', times: 2 });
    await assert.rejects(
      anthropic.messages.create({
        model: 'claude-3-5-haiku-latest',
        max_tokens: 32,
        messages: [{ role: 'user', content: 'slow-anthropic' }],
      }),
      (err: unknown) => {
        assert.ok(err instanceof Anthropic.InternalServerError);
        assert.equal(err.status, 504);
        const body = err.error as { type?: string; error?: { code?: string } };
        assert.equal(body.type, 'error');
        assert.equal(body.error?.code, 'PARAPET_UPSTREAM_TIMEOUT');
        return true;
      },
    );
    const event = await oneMoreEvent(gw, before);
    assert.equal(event.route, 'messages');
    assert.equal(event.errorCode, 'PARAPET_UPSTREAM_TIMEOUT');
    await stillServes(before + 1);
  });

  test('a streamed request whose upstream never sends headers is a JSON 504', async () => {
    const before = (await gw.events()).length;
    mock.script({ kind: 'delay', ms: SLOW_MS, match: 'slow-stream', times: 2 });
    await assert.rejects(
      openai.chat.completions.create({
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: 'slow-stream' }],
      }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.APIError);
        assert.equal(err.status, 504);
        assert.equal(err.code, 'PARAPET_UPSTREAM_TIMEOUT');
        return true;
      },
    );
    const event = await oneMoreEvent(gw, before);
    assert.equal(event.stream, true);
    assert.equal(event.httpStatus, 504);
    assert.equal(event.errorCode, 'PARAPET_UPSTREAM_TIMEOUT');
  });

  test('upstream 503 on every attempt is 502 PARAPET_UPSTREAM_UNAVAILABLE', async () => {
    const before = (await gw.events()).length;
    mock.script({ kind: 'status', status: 503, match: 'always-503', times: Number.POSITIVE_INFINITY });
    try {
      const answer = await send(gw, '/v1/chat/completions', chatBody('always-503'));
      assertError(answer, 'openai', 502, 'PARAPET_UPSTREAM_UNAVAILABLE');
      const anth = await send(gw, '/v1/messages', messagesBody('always-503'));
      assertError(anth, 'anthropic', 502, 'PARAPET_UPSTREAM_UNAVAILABLE');
      await assert.rejects(
        openai.chat.completions.create({
          model: 'gpt-4o-mini',
          stream: true,
          messages: [{ role: 'user', content: 'always-503' }],
        }),
        (err: unknown) => {
          assert.ok(err instanceof OpenAI.InternalServerError);
          assert.equal(err.status, 502);
          assert.equal(err.code, 'PARAPET_UPSTREAM_UNAVAILABLE');
          return true;
        },
      );
    } finally {
      mock.clearScript();
    }
    assert.equal(upstreamCalls('always-503').length, 6, 'each request tried twice (retries.max 1)');
    const events = await gw.waitForEvents(before + 3);
    assert.equal(events.length, before + 3);
    for (const event of events.slice(before)) {
      assert.equal(event.status, 'upstream_error');
      assert.equal(event.httpStatus, 502);
      assert.equal(event.errorCode, 'PARAPET_UPSTREAM_UNAVAILABLE');
    }
    assert.equal(events[events.length - 1]!.stream, true);
    await stillServes(before + 3);
  });

  test('a fallback model serves when the primary fails', async () => {
    const before = (await gw.events()).length;
    mock.script({ kind: 'status', status: 503, match: 'fallback-same', times: 2 });
    const res = await openai.chat.completions.create({
      model: 'gpt-primary',
      messages: [{ role: 'user', content: 'fallback-same' }],
    });
    assert.equal(res.choices[0]?.message.content, 'Mock reply to: fallback-same');
    const calls = upstreamCalls('fallback-same');
    assert.deepEqual(
      calls.map((c) => c.body.model),
      ['gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o'],
    );
    const event = await oneMoreEvent(gw, before);
    assert.equal(event.status, 'success');
    assert.equal(event.modelRequested, 'gpt-primary');
    assert.equal(event.modelServed, 'gpt-4o');
    assert.equal(event.provider, 'openai');
  });

  test('a fallback of the other format serves an OpenAI-format model from Anthropic', async () => {
    const before = (await gw.events()).length;
    mock.script({
      kind: 'status',
      status: 503,
      path: '/v1/chat/completions',
      match: 'fallback-cross',
      times: 2,
    });
    const res = await openai.chat.completions.create({
      model: 'gpt-to-claude',
      messages: [{ role: 'user', content: 'fallback-cross' }],
    });
    assert.equal(res.choices[0]?.message.content, 'Mock reply to: fallback-cross');
    assert.equal(res.object, 'chat.completion');
    const calls = upstreamCalls('fallback-cross');
    assert.deepEqual(
      calls.map((c) => c.path),
      ['/v1/chat/completions', '/v1/chat/completions', '/v1/messages'],
    );
    assert.equal(calls[2]!.headers['x-api-key'], ANTHROPIC_SECRET);
    const event = await oneMoreEvent(gw, before);
    assert.equal(event.status, 'success');
    assert.equal(event.modelServed, 'claude-3-5-haiku-latest');
    assert.equal(event.provider, 'anthropic');
  });

  test('a streamed request falls back to the other format too', async () => {
    const before = (await gw.events()).length;
    mock.script({
      kind: 'status',
      status: 503,
      path: '/v1/chat/completions',
      match: 'fallback-stream',
      times: 2,
    });
    const stream = await openai.chat.completions.create({
      model: 'gpt-to-claude',
      stream: true,
      messages: [{ role: 'user', content: 'fallback-stream' }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Mock reply to: fallback-stream');
    const event = await oneMoreEvent(gw, before);
    assert.equal(event.status, 'success');
    assert.equal(event.stream, true);
    assert.equal(event.modelServed, 'claude-3-5-haiku-latest');
  });

  test('an upstream 400 is passed on with its status and message, its credential masked', async () => {
    const before = (await gw.events()).length;
    mock.script({
      kind: 'status',
      status: 400,
      match: 'reject-400',
      body: {
        error: {
          message: `temperature is out of range (key ${OPENAI_SECRET})`,
          type: 'invalid_request_error',
          param: 'temperature',
          code: null,
        },
      },
    });
    const answer = await send(gw, '/v1/chat/completions', chatBody('reject-400'));
    const message = assertError(answer, 'openai', 400, 'PARAPET_UPSTREAM_REJECTED');
    assert.match(message, /temperature is out of range/);
    assertNoSecrets(answer);
    assert.equal(upstreamCalls('reject-400').length, 1, 'a refusal is not retried');
    const event = await oneMoreEvent(gw, before);
    assert.equal(event.status, 'upstream_error');
    assert.equal(event.httpStatus, 400);
    assert.equal(event.errorCode, 'PARAPET_UPSTREAM_REJECTED');
    await stillServes(before + 1);
  });

  test('an upstream 422 on the Anthropic route keeps its status, in the Anthropic shape', async () => {
    const before = (await gw.events()).length;
    mock.script({
      kind: 'status',
      status: 422,
      match: 'reject-422',
      body: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: too large' } },
    });
    const answer = await send(gw, '/v1/messages', messagesBody('reject-422'));
    const message = assertError(answer, 'anthropic', 422, 'PARAPET_UPSTREAM_REJECTED');
    assert.match(message, /max_tokens: too large/);
    const event = await oneMoreEvent(gw, before);
    assert.equal(event.httpStatus, 422);
    assert.equal(event.errorCode, 'PARAPET_UPSTREAM_REJECTED');
  });

  test('an upstream 401 becomes 502 and its credential never reaches the client', async () => {
    const before = (await gw.events()).length;
    const leaky = (secret: string) => ({
      error: {
        message: `Incorrect API key provided: ${secret}`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      },
    });
    mock.script(
      {
        kind: 'status',
        status: 401,
        match: 'reject-401',
        path: '/v1/chat/completions',
        body: leaky(OPENAI_SECRET),
      },
      {
        kind: 'status',
        status: 401,
        match: 'reject-401',
        path: '/v1/messages',
        body: leaky(ANTHROPIC_SECRET),
        headers: { 'x-echo-key': ANTHROPIC_SECRET },
      },
    );
    const answer = await send(gw, '/v1/chat/completions', chatBody('reject-401'));
    assertError(answer, 'openai', 502, 'PARAPET_UPSTREAM_UNAVAILABLE');
    assertNoSecrets(answer);
    const anth = await send(gw, '/v1/messages', messagesBody('reject-401'));
    assertError(anth, 'anthropic', 502, 'PARAPET_UPSTREAM_UNAVAILABLE');
    assertNoSecrets(anth);
    const events = await gw.waitForEvents(before + 2);
    assert.equal(events.length, before + 2);
    for (const event of events.slice(before)) {
      assert.equal(event.httpStatus, 502);
      assert.equal(event.status, 'upstream_error');
      assert.equal(event.errorCode, 'PARAPET_UPSTREAM_UNAVAILABLE');
    }
    assert.ok(!gw.logs.join('\n').includes(OPENAI_SECRET), 'credential in the logs');
    await stillServes(before + 2);
  });

  test('an upstream connection reset is retried and the request succeeds', async () => {
    const before = (await gw.events()).length;
    mock.script({ kind: 'reset', match: 'reset-once' });
    const answer = await send(gw, '/v1/chat/completions', chatBody('reset-once'));
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.json.choices[0].message.content, 'Mock reply to: reset-once');
    const calls = upstreamCalls('reset-once');
    assert.equal(calls.length, 2);
    assert.equal(calls[0]!.fault?.kind, 'reset');
    const event = await oneMoreEvent(gw, before);
    assert.equal(event.status, 'success');
    assert.equal(event.httpStatus, 200);
  });

  test('an upstream that resets every attempt is 502 PARAPET_UPSTREAM_UNAVAILABLE', async () => {
    const before = (await gw.events()).length;
    mock.script({ kind: 'reset', match: 'reset-always', times: 2 });
    const answer = await send(gw, '/v1/messages', messagesBody('reset-always'));
    assertError(answer, 'anthropic', 502, 'PARAPET_UPSTREAM_UNAVAILABLE');
    const event = await oneMoreEvent(gw, before);
    assert.equal(event.errorCode, 'PARAPET_UPSTREAM_UNAVAILABLE');
    await stillServes(before + 1);
  });

  test('an upstream answer that is not JSON is 502 PARAPET_UPSTREAM_BAD_RESPONSE', async () => {
    const before = (await gw.events()).length;
    mock.script({ kind: 'invalid-json', match: 'broken-json', times: 3 });
    const chat = await send(gw, '/v1/chat/completions', chatBody('broken-json'));
    assertError(chat, 'openai', 502, 'PARAPET_UPSTREAM_BAD_RESPONSE');
    const responses = await send(gw, '/v1/responses', { model: 'gpt-4o-mini', input: 'broken-json' });
    assertError(responses, 'openai', 502, 'PARAPET_UPSTREAM_BAD_RESPONSE');
    const messages = await send(gw, '/v1/messages', messagesBody('broken-json'));
    assertError(messages, 'anthropic', 502, 'PARAPET_UPSTREAM_BAD_RESPONSE');
    const events = await gw.waitForEvents(before + 3);
    assert.equal(events.length, before + 3);
    for (const event of events.slice(before)) {
      assert.equal(event.status, 'upstream_error');
      assert.equal(event.httpStatus, 502);
      assert.equal(event.errorCode, 'PARAPET_UPSTREAM_BAD_RESPONSE');
    }
    await stillServes(before + 3);
  });

  test('an upstream 200 whose JSON is not its wire format is 502 PARAPET_UPSTREAM_BAD_RESPONSE', async () => {
    const before = (await gw.events()).length;
    const cases: { path: string; body: Record<string, unknown>; shape: Shape }[] = [
      { path: '/v1/chat/completions', body: chatBody('wrong-shape'), shape: 'openai' },
      { path: '/v1/messages', body: messagesBody('wrong-shape'), shape: 'anthropic' },
      {
        path: '/v1/embeddings',
        body: { model: 'text-embedding-3-small', input: 'wrong-shape' },
        shape: 'openai',
      },
    ];
    let sent = 0;
    for (const c of cases) {
      for (const answer of [{ unexpected: true }, [1, 2], 'null']) {
        mock.script({ kind: 'status', status: 200, match: 'wrong-shape', body: answer });
        const res = await send(gw, c.path, c.body);
        assertError(res, c.shape, 502, 'PARAPET_UPSTREAM_BAD_RESPONSE');
        assert.ok(!res.text.includes('unexpected'));
        sent++;
      }
    }
    const events = await gw.waitForEvents(before + sent);
    assert.equal(events.length, before + sent);
    for (const event of events.slice(before)) {
      assert.equal(event.httpStatus, 502);
      assert.equal(event.errorCode, 'PARAPET_UPSTREAM_BAD_RESPONSE');
    }
    await stillServes(before + sent);
  });

  test('a non-streamed answer cut in half is a clean 502, not a hang or a crash', async () => {
    const before = (await gw.events()).length;
    mock.script({ kind: 'cut', afterChunks: 0, match: 'cut-body', times: 2 });
    const answer = await send(gw, '/v1/chat/completions', chatBody('cut-body'));
    assert.equal(answer.status, 502, answer.text);
    const code = answer.headers.get('x-parapet-error-code');
    assert.ok(
      code === 'PARAPET_UPSTREAM_UNAVAILABLE' || code === 'PARAPET_UPSTREAM_BAD_RESPONSE',
      String(code),
    );
    assert.equal(answer.json.error.code, code);
    const event = await oneMoreEvent(gw, before);
    assert.equal(event.status, 'upstream_error');
    assert.equal(event.errorCode, code);
    await stillServes(before + 1);
  });

  test('embeddings: upstream 503 on every attempt is 502 in the OpenAI shape', async () => {
    const before = (await gw.events()).length;
    mock.script({ kind: 'status', status: 503, match: 'embed-503', times: 2 });
    const answer = await send(gw, '/v1/embeddings', { model: 'text-embedding-3-small', input: 'embed-503' });
    assertError(answer, 'openai', 502, 'PARAPET_UPSTREAM_UNAVAILABLE');
    const event = await oneMoreEvent(gw, before);
    assert.equal(event.route, 'embeddings');
    assert.equal(event.errorCode, 'PARAPET_UPSTREAM_UNAVAILABLE');
  });
});
