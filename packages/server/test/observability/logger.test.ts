import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger, isSensitiveKey, maskSecrets, REDACTED } from '../../src/observability/logger.ts';

function capture() {
  const lines: string[] = [];
  return {
    stream: { write: (s: string) => void lines.push(s) },
    lines,
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const FIXED_NOW = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

describe('logger', () => {
  test('writes one JSON object per line with time, level, msg, bindings and fields', () => {
    const out = capture();
    const log = createLogger({
      level: 'info',
      stream: out.stream,
      bindings: { service: 'parapet' },
      now: () => FIXED_NOW,
    });
    log.info('request', { route: 'chat.completions', ms: 12.5, inputTokens: 42, keyId: 'k_1' });
    assert.equal(out.lines.length, 1);
    assert.ok(out.lines[0]!.endsWith('\n'));
    assert.equal(out.lines[0]!.indexOf('\n'), out.lines[0]!.length - 1);
    assert.deepEqual(out.records()[0], {
      time: '2025-01-02T03:04:05.678Z',
      level: 'info',
      msg: 'request',
      service: 'parapet',
      route: 'chat.completions',
      ms: 12.5,
      inputTokens: 42,
      keyId: 'k_1',
    });
  });

  test('levels below the threshold write nothing and silent writes nothing at all', () => {
    const out = capture();
    const log = createLogger({ level: 'warn', stream: out.stream });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    assert.deepEqual(
      out.records().map((r) => r['level']),
      ['warn', 'error'],
    );
    assert.equal(log.enabled('info'), false);
    assert.equal(log.enabled('error'), true);

    const silentOut = capture();
    const silent = createLogger({ level: 'silent', stream: silentOut.stream });
    silent.error('boom', { error: new Error('x') });
    silent.child({ a: 1 }).error('boom');
    assert.deepEqual(silentOut.lines, []);
    assert.equal(silent.enabled('error'), false);
    assert.throws(() => createLogger({ level: 'loud' as never }), /unknown log level `loud`/);
  });

  test('redacts sensitive keys at any depth, keeps harmless look-alikes', () => {
    const out = capture();
    const log = createLogger({ level: 'debug', stream: out.stream });
    log.info('upstream call', {
      headers: { Authorization: 'Bearer abc', 'X-Api-Key': 'xyz', cookie: 'a=b', accept: 'json' },
      request: { body: { messages: [{ role: 'user', content: 'my secret plan' }] }, model: 'gpt-4o' },
      nested: [
        { deeper: { prompt: 'tell me', accessToken: 't', client_secret: 's', password: 'p', count: 3 } },
      ],
      input: 'raw input',
      output: 'raw output',
      text: 'raw text',
      inputTokens: 10,
      keyId: 'key_public_id',
      apiKey: 'k',
    });
    const record = out.records()[0]!;
    assert.deepEqual(record['headers'], {
      Authorization: REDACTED,
      'X-Api-Key': REDACTED,
      cookie: REDACTED,
      accept: 'json',
    });
    assert.deepEqual(record['request'], { body: REDACTED, model: 'gpt-4o' });
    assert.deepEqual(record['nested'], [
      {
        deeper: {
          prompt: REDACTED,
          accessToken: REDACTED,
          client_secret: REDACTED,
          password: REDACTED,
          count: 3,
        },
      },
    ]);
    assert.equal(record['input'], REDACTED);
    assert.equal(record['output'], REDACTED);
    assert.equal(record['text'], REDACTED);
    assert.equal(record['apiKey'], REDACTED);
    assert.equal(record['inputTokens'], 10);
    assert.equal(record['keyId'], 'key_public_id');
    assert.ok(!out.lines[0]!.includes('my secret plan'));
  });

  test('child bindings are redacted too and reserved names are not overwritten', () => {
    const out = capture();
    const log = createLogger({ level: 'info', stream: out.stream }).child({
      requestId: 'r1',
      token: 'secret',
    });
    log.child({ user: 'u1' }).info('hello', { msg: 'override', level: 'error', time: 'x' });
    const record = out.records()[0]!;
    assert.equal(record['msg'], 'hello');
    assert.equal(record['level'], 'info');
    assert.notEqual(record['time'], 'x');
    assert.equal(record['requestId'], 'r1');
    assert.equal(record['token'], REDACTED);
    assert.equal(record['user'], 'u1');
  });

  test('masks bearer tokens and provider keys inside free text, in fields and messages', () => {
    const out = capture();
    const log = createLogger({ level: 'info', stream: out.stream });
    const openai = 'sk-proj-AbCdEf0123456789GhIjKl';
    const anthropic = 'sk-ant-api03-ZyXwVu9876543210';
    const parapet = 'ppk_live_0123456789abcdef';
    log.warn(`upstream rejected ${openai}`, {
      note: `header was Bearer eyJhbGciOi.abc123456789 and key ${anthropic}; also ${parapet}.`,
      list: [`x ${parapet} y`],
    });
    const line = out.lines[0]!;
    for (const secret of [openai, anthropic, parapet, 'eyJhbGciOi.abc123456789']) {
      assert.ok(!line.includes(secret), `masked ${secret.slice(0, 6)}`);
    }
    const record = out.records()[0]!;
    assert.equal(record['msg'], 'upstream rejected sk-[redacted]');
    assert.equal(
      record['note'],
      'header was Bearer [redacted] and key sk-ant-[redacted]; also ppk_[redacted].',
    );
    assert.deepEqual(record['list'], ['x ppk_[redacted] y']);
    assert.equal(
      maskSecrets('a task-force skipped the risk-assessment'),
      'a task-force skipped the risk-assessment',
    );
  });

  test('errors become name, message and code; the stack only at debug', () => {
    class UpstreamError extends Error {
      code = 'PARAPET_UPSTREAM_TIMEOUT';
      detail = 'should not appear';
      override name = 'UpstreamError';
    }
    const out = capture();
    createLogger({ level: 'info', stream: out.stream }).error('failed', {
      error: new UpstreamError('timed out'),
    });
    assert.deepEqual(out.records()[0]!['error'], {
      name: 'UpstreamError',
      message: 'timed out',
      code: 'PARAPET_UPSTREAM_TIMEOUT',
    });

    const debugOut = capture();
    createLogger({ level: 'debug', stream: debugOut.stream }).error('failed', {
      error: new TypeError('bad'),
    });
    const error = debugOut.records()[0]!['error'] as Record<string, unknown>;
    assert.equal(error['name'], 'TypeError');
    assert.match(String(error['stack']), /TypeError: bad/);
  });

  test('bounds depth, size and cycles', () => {
    const out = capture();
    const log = createLogger({ level: 'info', stream: out.stream });
    const cyclic: Record<string, unknown> = { name: 'root' };
    cyclic['self'] = cyclic;
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 20; i++) deep = { next: deep };
    log.info('shapes', {
      cyclic,
      deep,
      big: Array.from({ length: 500 }, (_, i) => i),
      long: 'x'.repeat(20_000),
      n: 10n,
      when: new Date(0),
      bytes: Buffer.from('abc'),
      nan: Number.NaN,
      skip: undefined,
    });
    const record = out.records()[0]!;
    assert.deepEqual(record['cyclic'], { name: 'root', self: '[circular]' });
    assert.ok(!JSON.stringify(record['deep']).includes('leaf'));
    assert.ok(JSON.stringify(record['deep']).includes('[truncated]'));
    assert.equal((record['big'] as unknown[]).length, 101);
    assert.ok((record['long'] as string).length < 9000);
    assert.equal(record['n'], '10');
    assert.equal(record['when'], '1970-01-01T00:00:00.000Z');
    assert.equal(record['bytes'], '[binary 3 bytes]');
    assert.equal(record['nan'], 'NaN');
    assert.ok(!('skip' in record));
  });

  test('sensitive-key rule matches the whole name or its last word', () => {
    for (const key of [
      'authorization',
      'Proxy-Authorization',
      'x-api-key',
      'api_key',
      'apikey',
      'upstreamApiKey',
      'set-cookie',
      'messages',
      'systemPrompt',
      'requestBody',
    ]) {
      assert.equal(isSensitiveKey(key), true, key);
    }
    for (const key of [
      'keyId',
      'key_id',
      'inputTokens',
      'outputTokens',
      'contentMode',
      'messageCount',
      'model',
      'status',
    ]) {
      assert.equal(isSensitiveKey(key), false, key);
    }
  });
});
