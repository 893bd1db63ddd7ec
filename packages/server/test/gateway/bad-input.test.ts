import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type { Event } from '@parapet/core';
import OpenAI from 'openai';
import { mockUpstreamConfig, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../helpers/mock-upstream.ts';

/**
 * Bad client input through the running gateway: every case gets the route's own error shape with the
 * right status and Parapet code (body and `x-parapet-error-code`), the upstream is never called, exactly
 * one event is recorded, and a normal request still works afterwards.
 */

const BODY_LIMIT = 4096;

type Shape = 'openai' | 'anthropic';

interface ChatRoute {
  path: string;
  shape: Shape;
  /** A valid body for the route. */
  valid: () => Record<string, unknown>;
  /** The field holding the conversation (`input` on the Responses API). */
  conversation: string;
}

const ROUTES: readonly ChatRoute[] = [
  {
    path: '/v1/chat/completions',
    shape: 'openai',
    valid: () => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
    conversation: 'messages',
  },
  {
    path: '/v1/responses',
    shape: 'openai',
    valid: () => ({ model: 'gpt-4o-mini', input: 'hello' }),
    conversation: 'input',
  },
  {
    path: '/v1/messages',
    shape: 'anthropic',
    valid: () => ({
      model: 'claude-3-5-haiku-latest',
      max_tokens: 32,
      messages: [{ role: 'user', content: 'hello' }],
    }),
    conversation: 'messages',
  },
];

interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary fields of error bodies
  json: any;
}

/** One request over raw fetch; `key: null` sends no credentials. */
async function send(
  gw: TestGateway,
  path: string,
  body: string | Uint8Array,
  options: { key?: string | null; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  const key = options.key === undefined ? gw.key : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers, body });
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
  assert.match(answer.headers.get('content-type') ?? '', /application\/json/);
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
  assert.ok('param' in answer.json.error);
  return answer.json.error.message;
}

/** Waits for exactly one more event than `before`, and returns it. */
async function oneMoreEvent(gw: TestGateway, before: number): Promise<Event> {
  await gw.waitForEvents(before + 1);
  // Give a duplicate record the chance to show up before counting.
  await new Promise((resolve) => setTimeout(resolve, 30));
  const events = await gw.events();
  assert.equal(events.length, before + 1, 'exactly one event per request');
  return events[events.length - 1]!;
}

describe('bad input through the gateway', () => {
  let mock: MockUpstream;
  let gw: TestGateway;

  before(async () => {
    mock = await startMockUpstream({
      openaiKey: 'sk-upstream-openai-secret',
      anthropicKey: 'sk-ant-upstream-secret',
    });
    gw = await startTestGateway({
      config: mockUpstreamConfig(mock.url, { server: { body_limit_bytes: BODY_LIMIT } }),
    });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  /** Runs one bad request: the error, exactly one event, no upstream call, then a normal request works. */
  async function badCase(
    route: ChatRoute,
    run: () => Promise<RawAnswer>,
    expected: { status: number; code: string },
  ): Promise<{ message: string; event: Event }> {
    const before = (await gw.events()).length;
    const upstreamBefore = mock.requests.length;
    const answer = await run();
    const message = assertError(answer, route.shape, expected.status, expected.code);
    const event = await oneMoreEvent(gw, before);
    assert.equal(event.httpStatus, expected.status);
    assert.equal(event.errorCode, expected.code);
    assert.equal(event.status, 'client_error');
    assert.equal(mock.requests.length, upstreamBefore, 'the upstream is never called');
    await stillServes(route, before + 1);
    return { message, event };
  }

  /** A normal request on the route still succeeds and records its own event. */
  async function stillServes(route: ChatRoute, eventsBefore: number): Promise<void> {
    const ok = await send(gw, route.path, JSON.stringify(route.valid()));
    assert.equal(ok.status, 200, ok.text);
    const event = await oneMoreEvent(gw, eventsBefore);
    assert.equal(event.status, 'success');
  }

  for (const route of ROUTES) {
    describe(route.path, () => {
      test('malformed JSON is 400 PARAPET_REQUEST_MALFORMED_JSON and echoes no content', async () => {
        const { message } = await badCase(
          route,
          () => send(gw, route.path, '{"model": "gpt-4o-mini", "messages": [ secret-words'),
          { status: 400, code: 'PARAPET_REQUEST_MALFORMED_JSON' },
        );
        assert.ok(!message.includes('secret-words'));
      });

      test('an empty body is 400 PARAPET_REQUEST_MALFORMED_JSON', async () => {
        const { message } = await badCase(route, () => send(gw, route.path, ''), {
          status: 400,
          code: 'PARAPET_REQUEST_MALFORMED_JSON',
        });
        assert.match(message, /empty/);
      });

      test('a JSON array body is 400 PARAPET_REQUEST_INVALID', async () => {
        await badCase(route, () => send(gw, route.path, JSON.stringify([route.valid()])), {
          status: 400,
          code: 'PARAPET_REQUEST_INVALID',
        });
      });

      test('a JSON string body is 400 PARAPET_REQUEST_INVALID', async () => {
        await badCase(route, () => send(gw, route.path, '"hello"'), {
          status: 400,
          code: 'PARAPET_REQUEST_INVALID',
        });
      });

      test(`\`${route.conversation}\` of the wrong type is 400 naming the field`, async () => {
        const body = { ...route.valid(), [route.conversation]: 42 };
        const { message } = await badCase(route, () => send(gw, route.path, JSON.stringify(body)), {
          status: 400,
          code: 'PARAPET_REQUEST_INVALID',
        });
        assert.ok(message.includes(`\`${route.conversation}\``), message);
      });

      test(`\`${route.conversation}\` as an object is 400 naming the field`, async () => {
        const body = { ...route.valid(), [route.conversation]: { role: 'user' } };
        const { message } = await badCase(route, () => send(gw, route.path, JSON.stringify(body)), {
          status: 400,
          code: 'PARAPET_REQUEST_INVALID',
        });
        assert.ok(message.includes(route.conversation), message);
      });

      test('`model` as a number is 400 naming the field', async () => {
        const body = { ...route.valid(), model: 4 };
        const { message } = await badCase(route, () => send(gw, route.path, JSON.stringify(body)), {
          status: 400,
          code: 'PARAPET_REQUEST_INVALID',
        });
        assert.ok(message.includes('`model`'), message);
      });

      test('`stream` as a string is 400 naming the field', async () => {
        const body = { ...route.valid(), stream: 'yes' };
        const { message } = await badCase(route, () => send(gw, route.path, JSON.stringify(body)), {
          status: 400,
          code: 'PARAPET_REQUEST_INVALID',
        });
        assert.ok(message.includes('`stream`'), message);
      });

      test('a non-JSON content type is 415', async () => {
        await badCase(
          route,
          () =>
            send(gw, route.path, 'model=gpt-4o-mini', {
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
            }),
          { status: 415, code: 'PARAPET_REQUEST_UNSUPPORTED_MEDIA_TYPE' },
        );
        await badCase(
          route,
          () =>
            send(gw, route.path, JSON.stringify(route.valid()), {
              headers: { 'content-type': 'text/plain' },
            }),
          { status: 415, code: 'PARAPET_REQUEST_UNSUPPORTED_MEDIA_TYPE' },
        );
      });

      test('invalid UTF-8 bytes are 400 PARAPET_REQUEST_INVALID_UTF8', async () => {
        const text = JSON.stringify(route.valid()).replace('hello', 'he@@o');
        const bytes = Buffer.from(text, 'utf8');
        const at = bytes.indexOf('@@');
        bytes[at] = 0xff;
        bytes[at + 1] = 0xc3; // a lead byte followed by `o`: not a continuation
        await badCase(route, () => send(gw, route.path, bytes), {
          status: 400,
          code: 'PARAPET_REQUEST_INVALID_UTF8',
        });
      });

      test('a body over the limit with an honest content-length is 413', async () => {
        const body = JSON.stringify({ ...route.valid(), padding: 'x'.repeat(BODY_LIMIT * 4) });
        await badCase(route, () => send(gw, route.path, body), {
          status: 413,
          code: 'PARAPET_REQUEST_TOO_LARGE',
        });
      });

      test('a chunked body over the limit is 413 and the connection does not hang', async () => {
        await badCase(route, () => chunkedUpload(gw, route.path, BODY_LIMIT * 32), {
          status: 413,
          code: 'PARAPET_REQUEST_TOO_LARGE',
        });
      });

      test('an unknown model is 404 PARAPET_MODEL_NOT_FOUND', async () => {
        const body = { ...route.valid(), model: 'no-such-model' };
        const { message, event } = await badCase(route, () => send(gw, route.path, JSON.stringify(body)), {
          status: 404,
          code: 'PARAPET_MODEL_NOT_FOUND',
        });
        assert.ok(message.includes('`no-such-model`'));
        assert.equal(event.modelRequested, 'no-such-model');
      });

      test('a key limited to other models is 403 PARAPET_AUTH_MODEL_NOT_ALLOWED', async () => {
        const limited = await gw.createKey({ models: ['x'] });
        const { event } = await badCase(
          route,
          () => send(gw, route.path, JSON.stringify(route.valid()), { key: limited.key }),
          { status: 403, code: 'PARAPET_AUTH_MODEL_NOT_ALLOWED' },
        );
        assert.equal(event.principal.keyId, limited.id);
      });

      test('a missing key is 401 PARAPET_AUTH_MISSING_KEY', async () => {
        await badCase(route, () => send(gw, route.path, JSON.stringify(route.valid()), { key: null }), {
          status: 401,
          code: 'PARAPET_AUTH_MISSING_KEY',
        });
      });

      test('a bad key is 401 PARAPET_AUTH_INVALID_KEY', async () => {
        const forged = `${gw.key.slice(0, -4)}AAAA`;
        for (const key of ['not-a-key', forged]) {
          await badCase(route, () => send(gw, route.path, JSON.stringify(route.valid()), { key }), {
            status: 401,
            code: 'PARAPET_AUTH_INVALID_KEY',
          });
        }
      });

      test('an expired key is 401 PARAPET_AUTH_EXPIRED_KEY', async () => {
        const expired = await gw.createKey({ expiresAt: new Date(Date.now() - 60_000).toISOString() });
        await badCase(
          route,
          () => send(gw, route.path, JSON.stringify(route.valid()), { key: expired.key }),
          { status: 401, code: 'PARAPET_AUTH_EXPIRED_KEY' },
        );
      });

      test('a revoked key is 401 PARAPET_AUTH_REVOKED_KEY', async () => {
        const revoked = await gw.createKey({ revokedAt: new Date(Date.now() - 60_000).toISOString() });
        await badCase(
          route,
          () => send(gw, route.path, JSON.stringify(route.valid()), { key: revoked.key }),
          { status: 401, code: 'PARAPET_AUTH_REVOKED_KEY' },
        );
      });
    });
  }

  test('embeddings: malformed JSON, wrong types and a bad key get OpenAI-shaped errors', async () => {
    const route: ChatRoute = {
      path: '/v1/embeddings',
      shape: 'openai',
      valid: () => ({ model: 'text-embedding-3-small', input: 'hello' }),
      conversation: 'input',
    };
    await badCase(route, () => send(gw, route.path, '{"model": '), {
      status: 400,
      code: 'PARAPET_REQUEST_MALFORMED_JSON',
    });
    const { message } = await badCase(
      route,
      () => send(gw, route.path, JSON.stringify({ model: 'text-embedding-3-small', input: 42 })),
      { status: 400, code: 'PARAPET_REQUEST_INVALID' },
    );
    assert.ok(message.includes('`input`'), message);
    await badCase(route, () => send(gw, route.path, JSON.stringify(route.valid()), { key: 'nope' }), {
      status: 401,
      code: 'PARAPET_AUTH_INVALID_KEY',
    });
  });

  test('the OpenAI SDK gets typed errors for bad keys, unknown models and model limits', async () => {
    const before = (await gw.events()).length;
    const bad = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'not-a-parapet-key', maxRetries: 0 });
    await assert.rejects(
      bad.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.AuthenticationError);
        assert.equal(err.status, 401);
        assert.equal(err.code, 'PARAPET_AUTH_INVALID_KEY');
        return true;
      },
    );
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    await assert.rejects(client.responses.create({ model: 'no-such-model', input: 'x' }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.NotFoundError);
      assert.equal(err.code, 'PARAPET_MODEL_NOT_FOUND');
      return true;
    });
    const limited = await gw.createKey({ models: ['x'] });
    const limitedClient = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: limited.key, maxRetries: 0 });
    await assert.rejects(
      limitedClient.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'x' }],
      }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.PermissionDeniedError);
        assert.equal(err.code, 'PARAPET_AUTH_MODEL_NOT_ALLOWED');
        return true;
      },
    );
    const events = await gw.waitForEvents(before + 3);
    assert.equal(events.length, before + 3);
    assert.deepEqual(
      events.slice(before).map((e) => [e.httpStatus, e.errorCode]),
      [
        [401, 'PARAPET_AUTH_INVALID_KEY'],
        [404, 'PARAPET_MODEL_NOT_FOUND'],
        [403, 'PARAPET_AUTH_MODEL_NOT_ALLOWED'],
      ],
    );
  });

  test('the Anthropic SDK gets its own error shape and AuthenticationError', async () => {
    const before = (await gw.events()).length;
    const params = {
      model: 'claude-3-5-haiku-latest',
      max_tokens: 32,
      messages: [{ role: 'user' as const, content: 'x' }],
    };
    const cases = [
      { key: 'not-a-parapet-key', code: 'PARAPET_AUTH_INVALID_KEY' },
      {
        key: (await gw.createKey({ expiresAt: new Date(Date.now() - 1000).toISOString() })).key,
        code: 'PARAPET_AUTH_EXPIRED_KEY',
      },
      {
        key: (await gw.createKey({ revokedAt: new Date(Date.now() - 1000).toISOString() })).key,
        code: 'PARAPET_AUTH_REVOKED_KEY',
      },
    ];
    for (const c of cases) {
      const client = new Anthropic({ baseURL: gw.url, apiKey: c.key, maxRetries: 0 });
      await assert.rejects(client.messages.create(params), (err: unknown) => {
        assert.ok(err instanceof Anthropic.AuthenticationError);
        assert.equal(err.status, 401);
        const body = err.error as { type?: string; error?: { type?: string; code?: string } };
        assert.equal(body.type, 'error');
        assert.equal(body.error?.type, 'authentication_error');
        assert.equal(body.error?.code, c.code);
        assert.equal(err.headers?.get('x-parapet-error-code'), c.code);
        return true;
      });
    }
    const client = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
    await assert.rejects(client.messages.create({ ...params, model: 'no-such-model' }), (err: unknown) => {
      assert.ok(err instanceof Anthropic.NotFoundError);
      const body = err.error as { error?: { code?: string } };
      assert.equal(body.error?.code, 'PARAPET_MODEL_NOT_FOUND');
      return true;
    });
    const events = await gw.waitForEvents(before + 4);
    assert.equal(events.length, before + 4);
  });

  test('a client that disconnects before its body is complete is recorded once and nothing crashes', async () => {
    const before = (await gw.events()).length;
    const upstreamBefore = mock.requests.length;
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': '2000',
          authorization: `Bearer ${gw.key}`,
        },
      });
      req.on('error', () => resolve());
      req.on('response', () => reject(new Error('the gateway answered an incomplete body')));
      req.write('{"model": "gpt-4o-mini", "messages": [', () => {
        // Let the gateway authenticate and start reading, then hang up.
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 100);
      });
    });
    const event = await oneMoreEvent(gw, before);
    assert.equal(event.httpStatus, 499);
    assert.equal(event.status, 'client_error');
    assert.equal(event.errorCode, null);
    assert.equal(mock.requests.length, upstreamBefore);
    await stillServes(ROUTES[0]!, before + 1);
  });

  test('a client that disconnects before sending any body is recorded once', async () => {
    const before = (await gw.events()).length;
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${gw.url}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'transfer-encoding': 'chunked',
          'x-api-key': gw.key,
        },
      });
      req.on('error', () => resolve());
      req.flushHeaders();
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });
    const event = await oneMoreEvent(gw, before);
    assert.equal(event.httpStatus, 499);
    assert.equal(event.route, 'messages');
    await stillServes(ROUTES[2]!, before + 1);
  });
});

/**
 * Uploads `total` bytes with chunked transfer encoding (no content-length) in 1 KiB pieces, stopping as
 * soon as the gateway answers. Fails if no answer comes within 5 s (a hung connection).
 */
function chunkedUpload(gw: TestGateway, path: string, total: number): Promise<RawAnswer> {
  return new Promise<RawAnswer>((resolve, reject) => {
    let answered = false;
    const hang = setTimeout(() => {
      req.destroy();
      reject(new Error('the gateway did not answer an oversized chunked upload'));
    }, 5000);
    const req = httpRequest(`${gw.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
        authorization: `Bearer ${gw.key}`,
      },
    });
    req.on('response', (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        clearTimeout(hang);
        const text = Buffer.concat(parts).toString('utf8');
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (typeof value === 'string') headers.set(name, value);
        }
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers, text, json });
        req.destroy();
      });
    });
    // Writes after the gateway closed the connection may fail; the answer is what counts.
    req.on('error', (err) => {
      if (!answered) {
        clearTimeout(hang);
        reject(err);
      }
    });
    const piece = Buffer.alloc(1024, 0x20);
    let sent = 0;
    const pump = (): void => {
      if (answered || req.destroyed) return;
      if (sent === 0) req.write('{"padding": "');
      if (sent >= total) {
        req.end('"}');
        return;
      }
      sent += piece.length;
      req.write(piece, () => setImmediate(pump));
    };
    pump();
  });
}
