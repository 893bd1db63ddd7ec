import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  isAbortError,
  isRetryable,
  MAX_ERROR_BODY_CHARS,
  UpstreamClientError,
  UpstreamConnectionError,
  UpstreamError,
  UpstreamRateLimitError,
  UpstreamServerError,
  UpstreamStatusError,
  UpstreamTimeoutError,
} from '../../src/upstream/errors.ts';

describe('upstream errors', () => {
  test('generate picks the subclass from the status', () => {
    const init = { upstream: 'openai' };
    const cases: Array<[number, string]> = [
      [429, 'UpstreamRateLimitError'],
      [500, 'UpstreamServerError'],
      [503, 'UpstreamServerError'],
      [529, 'UpstreamServerError'],
      [501, 'UpstreamServerError'],
      [400, 'UpstreamClientError'],
      [404, 'UpstreamClientError'],
      [302, 'UpstreamStatusError'],
    ];
    for (const [status, name] of cases) {
      const err = UpstreamStatusError.generate(status, init);
      assert.equal(err.constructor.name, name, `status ${status}`);
      assert.equal(err.name, name);
      assert.equal(err.status, status);
      assert.ok(err instanceof UpstreamStatusError);
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.upstream, 'openai');
      assert.equal(err.message, `upstream \`openai\` answered with status ${status}`);
    }
    assert.ok(UpstreamStatusError.generate(429, init) instanceof UpstreamRateLimitError);
    assert.ok(UpstreamStatusError.generate(529, init) instanceof UpstreamServerError);
    assert.ok(UpstreamStatusError.generate(422, init) instanceof UpstreamClientError);
  });

  test('the body is kept apart from the message and truncated', () => {
    const body = 'x'.repeat(MAX_ERROR_BODY_CHARS * 2);
    const err = UpstreamStatusError.generate(500, { upstream: 'u', bodyText: body, retryAfterMs: 250 });
    assert.equal(err.bodyText.length, MAX_ERROR_BODY_CHARS);
    assert.equal(err.retryAfterMs, 250);
    assert.ok(!err.message.includes('xxx'));
    assert.equal(UpstreamStatusError.generate(500, { upstream: 'u' }).retryAfterMs, null);
  });

  test('isRetryable: connection errors, timeouts and 429/500/502/503/504/529 only', () => {
    const status = (s: number) => UpstreamStatusError.generate(s, { upstream: 'u' });
    for (const s of [429, 500, 502, 503, 504, 529]) assert.equal(isRetryable(status(s)), true, `status ${s}`);
    for (const s of [400, 401, 403, 404, 422, 501, 505, 302])
      assert.equal(isRetryable(status(s)), false, `status ${s}`);
    assert.equal(isRetryable(new UpstreamConnectionError('u', 'connection to upstream `u` failed')), true);
    for (const phase of ['connect', 'headers', 'body'] as const) {
      assert.equal(isRetryable(new UpstreamTimeoutError('u', phase, 100)), true);
    }
    assert.equal(isRetryable(new UpstreamError('u', 'request to upstream `u` could not be made')), false);
    assert.equal(isRetryable(new Error('boom')), false);
    assert.equal(isRetryable('nope'), false);
  });

  test('timeout messages say the phase and limit', () => {
    const err = new UpstreamTimeoutError('anthropic', 'body', 30000);
    assert.equal(err.message, 'upstream `anthropic` stopped sending the response body within 30000 ms');
    assert.equal(err.phase, 'body');
    assert.equal(err.timeoutMs, 30000);
  });

  test('isAbortError recognises abort errors only', () => {
    const abort = new Error('aborted');
    abort.name = 'AbortError';
    assert.equal(isAbortError(abort), true);
    assert.equal(isAbortError(new DOMException('x', 'AbortError')), true);
    assert.equal(isAbortError(new UpstreamConnectionError('u', 'm')), false);
  });
});
