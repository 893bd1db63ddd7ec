import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  createUpstreamTransport,
  isAbortError,
  type UpstreamAttemptInfo,
  type UpstreamCall,
  UpstreamClientError,
  UpstreamConnectionError,
  UpstreamError,
  UpstreamRateLimitError,
  UpstreamServerError,
  type UpstreamTarget,
  UpstreamTimeoutError,
  type UpstreamTransport,
} from '../../src/upstream/index.ts';
import { type MockUpstream, startMockUpstream } from '../helpers/mock-upstream.ts';

const KEY = 'sk-test-secret-key-0123456789';

function target(url: string, overrides: Partial<UpstreamTarget> = {}): UpstreamTarget {
  return {
    name: 'primary',
    baseUrl: `${url}/v1`,
    headers: { authorization: `Bearer ${KEY}` },
    connectTimeoutMs: 2000,
    timeoutMs: 5000,
    retries: { max: 2, baseDelayMs: 100, maxDelayMs: 1000 },
    ...overrides,
  };
}

function chatCall(t: UpstreamTarget, text: string, stream = false): UpstreamCall {
  return {
    target: t,
    path: '/chat/completions',
    body: JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: text }] }),
    stream,
  };
}

/** A transport whose waits are recorded instead of slept. */
function recordingTransport(randomValue = 0.5): { transport: UpstreamTransport; delays: number[] } {
  const delays: number[] = [];
  const transport = createUpstreamTransport({
    random: () => randomValue,
    sleep: async (ms) => {
      delays.push(ms);
    },
  });
  return { transport, delays };
}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<string> {
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('upstream transport', () => {
  let mock: MockUpstream;
  let backup: MockUpstream;

  before(async () => {
    mock = await startMockUpstream({ openaiKey: KEY });
    backup = await startMockUpstream({ openaiKey: KEY });
  });
  after(async () => {
    await mock.close();
    await backup.close();
  });
  beforeEach(() => {
    mock.clearScript();
    backup.clearScript();
    mock.requests.length = 0;
    backup.requests.length = 0;
  });

  test('a non-stream call returns the whole body, timings and one attempt', async () => {
    const { transport } = recordingTransport();
    try {
      const attempts: UpstreamAttemptInfo[] = [];
      const result = await transport.send([chatCall(target(mock.url), 'hello there')], {
        signal: new AbortController().signal,
        onAttempt: (info) => attempts.push(info),
      });
      assert.equal(result.status, 200);
      assert.equal(result.attempts, 1);
      assert.equal(result.target.name, 'primary');
      assert.equal(result.headers['content-type'], 'application/json');
      const body = JSON.parse(result.body!.toString('utf8'));
      assert.equal(body.choices[0].message.content, 'Mock reply to: hello there');
      assert.equal(result.stream, undefined);
      assert.ok(result.ttfbMs >= 0);
      assert.ok((result.totalMs() ?? -1) >= result.ttfbMs);
      assert.deepEqual(attempts, [{ target: 'primary', attempt: 1, status: 200 }]);
      assert.equal(mock.requests[0]?.path, '/v1/chat/completions');
      assert.equal(mock.requests[0]?.headers['content-type'], 'application/json');
      assert.equal(mock.requests[0]?.headers['authorization'], `Bearer ${KEY}`);
    } finally {
      await transport.close();
    }
  });

  test('call headers override target headers and the query is appended', async () => {
    const { transport } = recordingTransport();
    try {
      const call: UpstreamCall = {
        target: target(mock.url, { baseUrl: `${mock.url}/v1?fixed=1` }),
        path: '/models',
        method: 'GET',
        query: { limit: '5' },
        headers: { 'X-Extra': 'yes' },
        stream: false,
      };
      const result = await transport.send([call], { signal: new AbortController().signal });
      assert.equal(result.status, 200);
      assert.equal(mock.requests[0]?.method, 'GET');
      assert.equal(mock.requests[0]?.path, '/v1/models?fixed=1&limit=5');
      assert.equal(mock.requests[0]?.headers['x-extra'], 'yes');
      assert.equal(mock.requests[0]?.headers['content-type'], undefined);
    } finally {
      await transport.close();
    }
  });

  test('a stream call resolves at the headers and yields the SSE body', async () => {
    const { transport } = recordingTransport();
    try {
      const result = await transport.send([chatCall(target(mock.url), 'stream please', true)], {
        signal: new AbortController().signal,
      });
      assert.equal(result.status, 200);
      assert.equal(result.body, undefined);
      assert.match(result.headers['content-type'] ?? '', /^text\/event-stream/);
      assert.equal(result.totalMs(), null);
      const text = await readAll(result.stream!);
      assert.ok(text.endsWith('data: [DONE]\n\n'));
      const content = text
        .split('\n\n')
        .filter((frame) => frame.startsWith('data: {'))
        .map((frame) => JSON.parse(frame.slice(6)).choices[0]?.delta?.content ?? '')
        .join('');
      assert.equal(content, 'Mock reply to: stream please');
      assert.ok((result.totalMs() ?? -1) >= 0);
    } finally {
      await transport.close();
    }
  });

  test('503 is retried with exponential backoff and full jitter, then succeeds', async () => {
    const { transport, delays } = recordingTransport(0.5);
    try {
      mock.script({ kind: 'status', status: 503, times: 2 });
      const attempts: UpstreamAttemptInfo[] = [];
      const result = await transport.send([chatCall(target(mock.url), 'retry me')], {
        signal: new AbortController().signal,
        onAttempt: (info) => attempts.push(info),
      });
      assert.equal(result.status, 200);
      assert.equal(result.attempts, 3);
      assert.deepEqual(delays, [50, 100]);
      assert.equal(mock.requests.length, 3);
      assert.deepEqual(
        attempts.map((a) => [a.attempt, a.status, a.error?.constructor.name]),
        [
          [1, 503, 'UpstreamServerError'],
          [2, 503, 'UpstreamServerError'],
          [3, 200, undefined],
        ],
      );
    } finally {
      await transport.close();
    }
  });

  test('the backoff is capped by maxDelayMs', async () => {
    const { transport, delays } = recordingTransport(1);
    try {
      mock.script({ kind: 'status', status: 500, times: 3 });
      const t = target(mock.url, { retries: { max: 3, baseDelayMs: 400, maxDelayMs: 1000 } });
      const result = await transport.send([chatCall(t, 'cap')], { signal: new AbortController().signal });
      assert.equal(result.status, 200);
      assert.deepEqual(delays, [400, 800, 1000]);
    } finally {
      await transport.close();
    }
  });

  test('429 honours retry-after and retry-after-ms, capped by maxDelayMs', async () => {
    const { transport, delays } = recordingTransport(0.5);
    try {
      mock.script(
        { kind: 'status', status: 429, retryAfter: 0.3 },
        { kind: 'status', status: 429, retryAfterMs: 120 },
        { kind: 'status', status: 429, retryAfter: 60 },
      );
      const t = target(mock.url, { retries: { max: 3, baseDelayMs: 100, maxDelayMs: 1000 } });
      const attempts: UpstreamAttemptInfo[] = [];
      const result = await transport.send([chatCall(t, 'rate limited')], {
        signal: new AbortController().signal,
        onAttempt: (info) => attempts.push(info),
      });
      assert.equal(result.status, 200);
      assert.equal(result.attempts, 4);
      assert.deepEqual(delays, [300, 120, 1000]);
      const first = attempts[0]?.error;
      assert.ok(first instanceof UpstreamRateLimitError);
      assert.equal(first.retryAfterMs, 300);
    } finally {
      await transport.close();
    }
  });

  test('after the retries of the primary, the fallback is tried without waiting', async () => {
    const { transport, delays } = recordingTransport(0.5);
    try {
      mock.script({ kind: 'status', status: 529, times: Number.POSITIVE_INFINITY });
      const primary = target(mock.url, { retries: { max: 1, baseDelayMs: 100, maxDelayMs: 1000 } });
      const secondary = target(backup.url, { name: 'secondary' });
      const attempts: UpstreamAttemptInfo[] = [];
      const result = await transport.send(
        [chatCall(primary, 'fall back'), chatCall(secondary, 'fall back')],
        {
          signal: new AbortController().signal,
          onAttempt: (info) => attempts.push(info),
        },
      );
      assert.equal(result.status, 200);
      assert.equal(result.target.name, 'secondary');
      assert.equal(result.attempts, 3);
      assert.equal(mock.requests.length, 2);
      assert.equal(backup.requests.length, 1);
      assert.deepEqual(delays, [50]);
      assert.deepEqual(
        attempts.map((a) => `${a.target}#${a.attempt}:${a.status}`),
        ['primary#1:529', 'primary#2:529', 'secondary#1:200'],
      );
    } finally {
      await transport.close();
    }
  });

  test('when every call fails, the last error is thrown', async () => {
    const { transport } = recordingTransport(0);
    try {
      mock.script({ kind: 'status', status: 502, times: Number.POSITIVE_INFINITY });
      backup.script({ kind: 'status', status: 500, times: Number.POSITIVE_INFINITY });
      const calls = [
        chatCall(target(mock.url), 'x'),
        chatCall(target(backup.url, { name: 'secondary' }), 'x'),
      ];
      await assert.rejects(
        transport.send(calls, { signal: new AbortController().signal }),
        (err: unknown) => {
          assert.ok(err instanceof UpstreamServerError);
          assert.equal(err.status, 500);
          assert.equal(err.upstream, 'secondary');
          assert.match(err.bodyText, /server_error/);
          assert.ok(!err.message.includes(KEY));
          return true;
        },
      );
      assert.equal(mock.requests.length, 3);
      assert.equal(backup.requests.length, 3);
    } finally {
      await transport.close();
    }
  });

  test('a 400 is returned at once: no retry, no fallback', async () => {
    const { transport, delays } = recordingTransport();
    try {
      mock.script({ kind: 'status', status: 400 });
      const attempts: UpstreamAttemptInfo[] = [];
      const calls = [
        chatCall(target(mock.url), 'bad', true),
        chatCall(target(backup.url, { name: 'secondary' }), 'bad'),
      ];
      const result = await transport.send(calls, {
        signal: new AbortController().signal,
        onAttempt: (info) => attempts.push(info),
      });
      assert.equal(result.status, 400);
      assert.equal(result.attempts, 1);
      assert.equal(result.stream, undefined);
      assert.equal(JSON.parse(result.body!.toString('utf8')).error.type, 'invalid_request_error');
      assert.equal(mock.requests.length, 1);
      assert.equal(backup.requests.length, 0);
      assert.deepEqual(delays, []);
      assert.ok(attempts[0]?.error instanceof UpstreamClientError);
      assert.equal(attempts[0]?.status, 400);
    } finally {
      await transport.close();
    }
  });

  test('a refused connection is retried, then fails with UpstreamConnectionError', async () => {
    const { transport, delays } = recordingTransport(0.5);
    try {
      const port = await closedPort();
      const t = target(`http://127.0.0.1:${port}`, { name: 'down' });
      const attempts: UpstreamAttemptInfo[] = [];
      await assert.rejects(
        transport.send([chatCall(t, 'anyone?')], {
          signal: new AbortController().signal,
          onAttempt: (info) => attempts.push(info),
        }),
        (err: unknown) => {
          assert.ok(err instanceof UpstreamConnectionError);
          assert.equal(err.upstream, 'down');
          assert.equal(err.code, 'ECONNREFUSED');
          assert.ok(!err.message.includes(KEY));
          return true;
        },
      );
      assert.equal(attempts.length, 3);
      assert.equal(delays.length, 2);
    } finally {
      await transport.close();
    }
  });

  test('a connection reset before the headers is retried', async () => {
    const { transport } = recordingTransport();
    try {
      mock.script({ kind: 'reset' });
      const result = await transport.send([chatCall(target(mock.url), 'reset')], {
        signal: new AbortController().signal,
      });
      assert.equal(result.status, 200);
      assert.equal(result.attempts, 2);
    } finally {
      await transport.close();
    }
  });

  test('no headers within timeoutMs gives UpstreamTimeoutError in the headers phase', async () => {
    const { transport } = recordingTransport();
    try {
      mock.script({ kind: 'delay', ms: 3000, times: 2 });
      const t = target(mock.url, { timeoutMs: 150, retries: { max: 0, baseDelayMs: 10, maxDelayMs: 10 } });
      for (const stream of [false, true]) {
        await assert.rejects(
          transport.send([chatCall(t, 'slow', stream)], { signal: new AbortController().signal }),
          (err: unknown) => {
            assert.ok(err instanceof UpstreamTimeoutError);
            assert.equal(err.phase, 'headers');
            assert.equal(err.timeoutMs, 150);
            return true;
          },
        );
      }
      await mock.waitFor(() => mock.requests.length === 2 && mock.requests.every((r) => r.aborted));
    } finally {
      await transport.close();
    }
  });

  test('a non-stream body that stops is a body-phase timeout; one cut off is retried', async () => {
    const { transport } = recordingTransport();
    try {
      mock.script({ kind: 'stall' });
      const t = target(mock.url, { timeoutMs: 200, retries: { max: 0, baseDelayMs: 10, maxDelayMs: 10 } });
      await assert.rejects(
        transport.send([chatCall(t, 'half')], { signal: new AbortController().signal }),
        (err: unknown) => err instanceof UpstreamTimeoutError && err.phase === 'body',
      );
      mock.script({ kind: 'cut', afterChunks: 0 });
      const result = await transport.send([chatCall(target(mock.url), 'cut once')], {
        signal: new AbortController().signal,
      });
      assert.equal(result.attempts, 2);
      assert.equal(
        JSON.parse(result.body!.toString('utf8')).choices[0].message.content,
        'Mock reply to: cut once',
      );
    } finally {
      await transport.close();
    }
  });

  test('a stream cut mid-way makes the iterator throw an UpstreamError, without retry', async () => {
    const { transport } = recordingTransport();
    try {
      mock.script({ kind: 'cut', afterChunks: 3 });
      const result = await transport.send([chatCall(target(mock.url), 'one two three four five', true)], {
        signal: new AbortController().signal,
      });
      const received: string[] = [];
      await assert.rejects(
        (async () => {
          for await (const chunk of result.stream!) received.push(Buffer.from(chunk).toString('utf8'));
        })(),
        (err: unknown) => {
          assert.ok(err instanceof UpstreamConnectionError);
          assert.equal(err.upstream, 'primary');
          return true;
        },
      );
      assert.match(received.join(''), /"content":"Mock "/);
      assert.equal(mock.requests.length, 1);
      assert.equal(result.totalMs(), null);
    } finally {
      await transport.close();
    }
  });

  test('a stream that stalls longer than timeoutMs between chunks fails with a body timeout', async () => {
    const { transport } = recordingTransport();
    try {
      mock.script({ kind: 'stall', afterChunks: 2 });
      const t = target(mock.url, { timeoutMs: 200 });
      const result = await transport.send([chatCall(t, 'stall', true)], {
        signal: new AbortController().signal,
      });
      let chunks = 0;
      await assert.rejects(
        (async () => {
          for await (const _ of result.stream!) chunks++;
        })(),
        (err: unknown) => {
          assert.ok(err instanceof UpstreamTimeoutError);
          assert.equal(err.phase, 'body');
          return true;
        },
      );
      assert.ok(chunks >= 1);
      await mock.waitFor(() => mock.requests[0]?.aborted === true);
    } finally {
      await transport.close();
    }
  });

  test('a trickled stream longer than timeoutMs in total is fine while chunks keep coming', async () => {
    const { transport } = recordingTransport();
    try {
      mock.script({ kind: 'trickle', chunkBytes: 64, delayMs: 20 });
      const t = target(mock.url, { timeoutMs: 150 });
      const result = await transport.send([chatCall(t, 'slowly but surely', true)], {
        signal: new AbortController().signal,
      });
      const text = await readAll(result.stream!);
      assert.ok(text.endsWith('data: [DONE]\n\n'));
    } finally {
      await transport.close();
    }
  });

  test('aborting the signal before headers aborts the upstream request and rejects with an AbortError', async () => {
    const { transport } = recordingTransport();
    try {
      mock.script({ kind: 'delay', ms: 10_000 });
      const controller = new AbortController();
      const pending = transport.send([chatCall(target(mock.url), 'go away')], { signal: controller.signal });
      await mock.waitFor(() => mock.requests.length === 1);
      controller.abort();
      await assert.rejects(pending, (err: unknown) => isAbortError(err) && !(err instanceof UpstreamError));
      await mock.waitFor(() => mock.requests[0]?.aborted === true);
      assert.equal(mock.requests.length, 1);
    } finally {
      await transport.close();
    }
  });

  test('aborting during a stream ends the iterator with an AbortError and closes the upstream connection', async () => {
    const { transport } = recordingTransport();
    try {
      mock.script({ kind: 'stall', afterChunks: 1 });
      const controller = new AbortController();
      const result = await transport.send([chatCall(target(mock.url), 'streaming', true)], {
        signal: controller.signal,
      });
      const iterator = result.stream![Symbol.asyncIterator]();
      const first = await iterator.next();
      assert.equal(first.done, false);
      controller.abort();
      await assert.rejects(iterator.next(), (err: unknown) => isAbortError(err));
      await mock.waitFor(() => mock.requests[0]?.aborted === true);
    } finally {
      await transport.close();
    }
  });

  test('aborting during the backoff stops retries', async () => {
    // The real sleep: the abort must cancel its timer, or this test would keep the process alive.
    const transport = createUpstreamTransport({ random: () => 1 });
    try {
      mock.script({ kind: 'status', status: 503, times: Number.POSITIVE_INFINITY });
      const t = target(mock.url, { retries: { max: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 } });
      const controller = new AbortController();
      const attempts: UpstreamAttemptInfo[] = [];
      const pending = transport.send([chatCall(t, 'patience')], {
        signal: controller.signal,
        onAttempt: (info) => {
          attempts.push(info);
          controller.abort();
        },
      });
      await assert.rejects(pending, (err: unknown) => isAbortError(err));
      assert.equal(attempts.length, 1);
      assert.equal(mock.requests.length, 1);
    } finally {
      await transport.close();
    }
  });

  test('an already aborted signal sends nothing', async () => {
    const { transport } = recordingTransport();
    try {
      await assert.rejects(
        transport.send([chatCall(target(mock.url), 'never')], { signal: AbortSignal.abort() }),
        (err: unknown) => isAbortError(err),
      );
      assert.equal(mock.requests.length, 0);
    } finally {
      await transport.close();
    }
  });

  test('breaking out of a stream early releases it', async () => {
    const { transport } = recordingTransport();
    try {
      mock.script({ kind: 'stall', afterChunks: 2 });
      const result = await transport.send([chatCall(target(mock.url), 'enough', true)], {
        signal: new AbortController().signal,
      });
      for await (const _ of result.stream!) break;
      await mock.waitFor(() => mock.requests[0]?.aborted === true);
    } finally {
      await transport.close();
    }
  });

  test('keep-alive connections are reused across requests', async () => {
    const { transport } = recordingTransport();
    const fresh = await startMockUpstream();
    try {
      const t = target(fresh.url);
      for (let i = 0; i < 5; i++) {
        const result = await transport.send([chatCall(t, `sequential ${i}`)], {
          signal: new AbortController().signal,
        });
        assert.equal(result.status, 200);
      }
      const s = await transport.send([chatCall(t, 'streamed', true)], {
        signal: new AbortController().signal,
      });
      await readAll(s.stream!);
      // undici waits one event-loop turn before reusing a socket (pipelining 1), so back-to-back calls in
      // one turn may alternate between two sockets; never one socket per request.
      assert.ok(fresh.connectionCount() <= 2);
      assert.equal(fresh.requests.length, 6);
      for (let i = 0; i < 5; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        await transport.send([chatCall(t, `paced ${i}`)], { signal: new AbortController().signal });
      }
      assert.ok(fresh.connectionCount() <= 2);

      const concurrent = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          transport.send([chatCall(t, `concurrent ${i}`)], { signal: new AbortController().signal }),
        ),
      );
      assert.ok(concurrent.every((r) => r.status === 200));
      const afterBurst = fresh.connectionCount();
      assert.ok(afterBurst <= 62);
      for (let i = 0; i < 10; i++) {
        await transport.send([chatCall(t, `again ${i}`)], { signal: new AbortController().signal });
      }
      assert.equal(fresh.connectionCount(), afterBurst);
    } finally {
      await transport.close();
      await fresh.close();
    }
  });

  test('send() after close() rejects', async () => {
    const { transport } = recordingTransport();
    await transport.close();
    await assert.rejects(
      transport.send([chatCall(target(mock.url), 'late')], { signal: new AbortController().signal }),
      /closed/,
    );
  });
});
