import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  chatCompletionsUrl,
  createChatClient,
  parseAnswer,
  parseRetryAfter,
} from '../../src/audit/probe/client.ts';
import { createProgress } from '../../src/audit/probe/progress.ts';
import { ProbeFatalError, type ProbeItem, runProbe } from '../../src/audit/probe/runner.ts';

const dir = mkdtempSync(join(tmpdir(), 'parapet-probe-runner-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Seen {
  // biome-ignore lint/suspicious/noExplicitAny: the parsed JSON request body
  body: any;
  headers: IncomingHttpHeaders;
}
interface Reply {
  status?: number;
  headers?: Record<string, string>;
  content?: string;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  /** Close the connection without an answer. */
  destroy?: boolean;
  delayMs?: number;
}

/** A mock OpenAI-compatible Chat Completions server on loopback, answering what `handler` says. */
async function startMock(handler: (seen: Seen, n: number) => Reply) {
  const requests: Seen[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const seen: Seen = { body: JSON.parse(raw), headers: req.headers };
      requests.push(seen);
      const reply = handler(seen, requests.length);
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      inFlight--;
      if (reply.destroy) {
        req.socket.destroy();
        return;
      }
      const status = reply.status ?? 200;
      res.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
      if (status !== 200) {
        res.end(
          JSON.stringify({ error: { message: `mock status ${status}`, type: 'mock_error', code: null } }),
        );
        return;
      }
      res.end(
        JSON.stringify({
          id: `chatcmpl-${requests.length}`,
          object: 'chat.completion',
          created: 1_700_000_000,
          model: `${seen.body.model}-2024-07-18`,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: reply.content ?? 'b', refusal: null },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
          usage:
            reply.usage === undefined
              ? { prompt_tokens: 20, completion_tokens: 1, total_tokens: 21 }
              : reply.usage,
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function items(n: number, prefix = 'q'): ProbeItem[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    messages: [
      { role: 'system', content: 'sys' },
      { role: 'user', content: `question ${prefix}${i}` },
    ],
  }));
}

const fast = { backoff: { baseMs: 1, maxMs: 4 } };

describe('chat client', () => {
  test('speaks the Chat Completions wire format: model, temperature 0, max_tokens, bearer key', async () => {
    const mock = await startMock(() => ({ content: '(b)' }));
    try {
      const client = createChatClient({
        endpoint: `${mock.url}/`,
        model: 'gpt-test',
        key: 'sk-1',
        maxAnswerTokens: 7,
      });
      assert.equal(client.url, `${mock.url}/chat/completions`);
      const answer = await client.complete([{ role: 'user', content: 'hi' }]);
      assert.deepEqual(answer, {
        text: '(b)',
        refusal: false,
        usage: { prompt: 20, completion: 1, total: 21 },
        model: 'gpt-test-2024-07-18',
        finishReason: 'stop',
      });
      const seen = mock.requests[0]!;
      assert.equal(seen.headers.authorization, 'Bearer sk-1');
      assert.deepEqual(seen.body, {
        model: 'gpt-test',
        messages: [{ role: 'user', content: 'hi' }],
        temperature: 0,
        max_tokens: 7,
        n: 1,
        stream: false,
      });
    } finally {
      await mock.close();
    }
  });

  test('endpoint URLs: base URL or full URL; bad ones are refused with a readable message', () => {
    assert.equal(chatCompletionsUrl('http://h:8080/v1'), 'http://h:8080/v1/chat/completions');
    assert.equal(chatCompletionsUrl('https://h/v1/chat/completions'), 'https://h/v1/chat/completions');
    assert.throws(() => chatCompletionsUrl('localhost:8080'), /http:\/\/ or https:\/\//);
    assert.throws(() => chatCompletionsUrl('not a url'), /not a URL/);
  });

  test('retry-after: milliseconds, seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' })), 250);
    assert.equal(parseRetryAfter(new Headers({ 'retry-after': '2' })), 2000);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }), now), 3000);
    assert.equal(parseRetryAfter(new Headers({})), null);
  });

  test('a refusal and content parts are read as text', () => {
    const refusal = parseAnswer(
      JSON.stringify({ choices: [{ message: { content: null, refusal: 'I can’t help with that.' } }] }),
    );
    assert.equal(refusal.text, 'I can’t help with that.');
    assert.equal(refusal.refusal, true);
    assert.equal(refusal.usage, null);
    const parts = parseAnswer(
      JSON.stringify({ choices: [{ message: { content: [{ type: 'text', text: 'yes' }] } }] }),
    );
    assert.equal(parts.text, 'yes');
  });
});

describe('probe runner', () => {
  test('429 with retry-after, then 503, then success: retried with the wait the server asked for', async () => {
    const mock = await startMock((_, n) =>
      n === 1
        ? { status: 429, headers: { 'retry-after-ms': '120' } }
        : n === 2
          ? { status: 503 }
          : { content: 'ok' },
    );
    try {
      const client = createChatClient({ endpoint: mock.url, model: 'm' });
      const started = Date.now();
      const summary = await runProbe(items(1), { client, probe: 'test', ...fast });
      assert.ok(Date.now() - started >= 120, 'waited for retry-after');
      assert.equal(summary.answers.get('q0')?.answer, 'ok');
      assert.equal(summary.answers.get('q0')?.attempts, 3);
      assert.equal(summary.requests, 3);
      assert.equal(summary.retries, 2);
      assert.equal(summary.failures.size, 0);
    } finally {
      await mock.close();
    }
  });

  test('a dropped connection is retried; retries exhausted records a failure and the run goes on', async () => {
    const mock = await startMock((seen, n) => {
      if (n === 1) return { destroy: true };
      if (String(seen.body.messages[1].content).endsWith('q1')) return { status: 500 };
      return { content: 'fine' };
    });
    try {
      const client = createChatClient({ endpoint: mock.url, model: 'm' });
      const summary = await runProbe(items(3), {
        client,
        probe: 'test',
        concurrency: 1,
        retries: 2,
        ...fast,
      });
      assert.equal(summary.answers.size, 2);
      assert.equal(summary.answers.get('q0')?.attempts, 2);
      const failure = summary.failures.get('q1');
      assert.equal(failure?.status, 500);
      assert.equal(failure?.attempts, 3);
      assert.match(failure?.error ?? '', /HTTP 500 .*mock status 500/);
      assert.equal(summary.requests, 1 + 1 + 3 + 1);
    } finally {
      await mock.close();
    }
  });

  test('another 4xx fails that item at once (no retry)', async () => {
    const mock = await startMock((seen) =>
      String(seen.body.messages[1].content).endsWith('q2') ? { status: 400 } : { content: 'fine' },
    );
    try {
      const client = createChatClient({ endpoint: mock.url, model: 'm' });
      const summary = await runProbe(items(4), { client, probe: 'test', ...fast });
      assert.equal(summary.answers.size, 3);
      assert.equal(summary.failures.get('q2')?.attempts, 1);
      assert.equal(summary.requests, 4);
    } finally {
      await mock.close();
    }
  });

  test('401 stops the run with an error that points at the key', async () => {
    const mock = await startMock(() => ({ status: 401 }));
    try {
      const client = createChatClient({ endpoint: mock.url, model: 'm', key: 'wrong' });
      await assert.rejects(
        runProbe(items(50), { client, probe: 'test', concurrency: 2, ...fast }),
        (error: Error) => error instanceof ProbeFatalError && /HTTP 401.*check --key/.test(error.message),
      );
      assert.ok(mock.requests.length <= 2, `stopped at once (${mock.requests.length} requests)`);
    } finally {
      await mock.close();
    }
  });

  test('when the first 5 items all fail (e.g. a parameter the endpoint rejects), the run stops', async () => {
    const mock = await startMock(() => ({ status: 400 }));
    try {
      const client = createChatClient({ endpoint: mock.url, model: 'm' });
      await assert.rejects(
        runProbe(items(100), { client, probe: 'test', concurrency: 1, ...fast }),
        /the first 5 items all failed; the last: HTTP 400 .*mock status 400/,
      );
      assert.equal(mock.requests.length, 5);
    } finally {
      await mock.close();
    }
  });

  test('an endpoint that refuses connections is reported at once, not retried item after item', async () => {
    const mock = await startMock(() => ({}));
    const url = mock.url;
    await mock.close();
    const client = createChatClient({ endpoint: url, model: 'm' });
    await assert.rejects(
      runProbe(items(20), { client, probe: 'test', ...fast }),
      /cannot reach .*ECONNREFUSED/,
    );
  });

  test('never more requests in flight than the concurrency limit', async () => {
    const mock = await startMock(() => ({ content: 'x', delayMs: 15 }));
    try {
      const client = createChatClient({ endpoint: mock.url, model: 'm' });
      const summary = await runProbe(items(12), { client, probe: 'test', concurrency: 3 });
      assert.equal(summary.answers.size, 12);
      assert.ok(mock.maxInFlight() <= 3, `at most 3 in flight (${mock.maxInFlight()})`);
      assert.ok(mock.maxInFlight() >= 2, 'requests did run in parallel');
    } finally {
      await mock.close();
    }
  });

  test('budget: --max-requests stops sending (retries count) and says how to continue', async () => {
    const mock = await startMock((_, n) => (n === 2 ? { status: 503 } : { content: 'x' }));
    try {
      const client = createChatClient({ endpoint: mock.url, model: 'm' });
      const out = join(dir, 'budget.ndjson');
      const summary = await runProbe(items(10), {
        client,
        probe: 'test',
        concurrency: 1,
        maxRequests: 4,
        out,
        ...fast,
      });
      assert.equal(mock.requests.length, 4);
      assert.equal(summary.requests, 4);
      assert.equal(summary.answers.size, 3, 'one of the 4 requests was a 503 that was retried');
      assert.equal(summary.stopped, 'max-requests');
      assert.equal(summary.notRun, 7);
      assert.match(summary.note ?? '', /budget of 4 requests .*7 items not asked; run again with --out/);
    } finally {
      await mock.close();
    }
  });

  test('budget: --max-tokens counts the usage the endpoint reports', async () => {
    const mock = await startMock(() => ({
      content: 'x',
      usage: { prompt_tokens: 8, completion_tokens: 2, total_tokens: 10 },
    }));
    try {
      const client = createChatClient({ endpoint: mock.url, model: 'm' });
      const summary = await runProbe(items(10), { client, probe: 'test', concurrency: 1, maxTokens: 25 });
      assert.equal(summary.answers.size, 3);
      assert.equal(summary.tokens, 30);
      assert.equal(summary.stopped, 'max-tokens');
      assert.equal(summary.notRun, 7);
    } finally {
      await mock.close();
    }
  });

  test('resume: answers already in --out are skipped; a changed prompt or another model is not reused', async () => {
    const mock = await startMock((seen) => ({ content: `answer to ${seen.body.messages[1].content}` }));
    try {
      const client = createChatClient({ endpoint: mock.url, model: 'm' });
      const out = join(dir, 'resume.ndjson');
      const first = await runProbe(items(10), { client, probe: 'test', concurrency: 2, maxRequests: 4, out });
      assert.equal(first.answers.size, 4);
      // A crash mid-write leaves a cut line: it is ignored and reported.
      appendFileSync(out, '{"id":"q9","prompt":"abc","ans');
      const second = await runProbe(items(10), { client, probe: 'test', concurrency: 2, out });
      assert.equal(second.resumed, 4);
      assert.equal(mock.requests.length, 4 + 6, 'only the 6 missing items were asked');
      assert.equal(second.answers.size, 10);
      assert.equal(second.answers.get('q7')?.answer, 'answer to question q7');
      assert.deepEqual(second.warnings, [`${out}: 1 unreadable line ignored`]);

      const third = await runProbe(items(10), { client, probe: 'test', out });
      assert.equal(third.resumed, 10);
      assert.equal(mock.requests.length, 10, 'nothing asked again');

      const changed = items(10);
      changed[3]!.messages[1]!.content = 'a reworded question';
      const fourth = await runProbe(changed, { client, probe: 'test', out });
      assert.equal(fourth.stale, 1);
      assert.equal(mock.requests.length, 11);
      assert.equal(fourth.answers.get('q3')?.answer, 'answer to a reworded question');

      const lines = readFileSync(out, 'utf8').trim().split('\n');
      assert.equal(lines.filter((l) => l.includes('"type":"meta"')).length, 4);

      const other = createChatClient({ endpoint: mock.url, model: 'another-model' });
      await assert.rejects(
        runProbe(items(10), { client: other, probe: 'test', out }),
        /model `m`.*another --out/,
      );
    } finally {
      await mock.close();
    }
  });

  test('failed items are recorded in --out and asked again on the next run', async () => {
    let broken = true;
    const mock = await startMock((seen) =>
      broken && String(seen.body.messages[1].content).endsWith('q1') ? { status: 400 } : { content: 'x' },
    );
    try {
      const client = createChatClient({ endpoint: mock.url, model: 'm' });
      const out = join(dir, 'failed.ndjson');
      const first = await runProbe(items(3), { client, probe: 'test', out, ...fast });
      assert.equal(first.failures.size, 1);
      broken = false;
      const second = await runProbe(items(3), { client, probe: 'test', out, ...fast });
      assert.equal(second.resumed, 2);
      assert.equal(second.answers.size, 3);
      assert.equal(mock.requests.length, 4);
    } finally {
      await mock.close();
    }
  });

  test('progress: periodic lines when stderr is not a terminal, a redrawn bar when it is', async () => {
    const mock = await startMock(() => ({ content: 'x' }));
    try {
      const client = createChatClient({ endpoint: mock.url, model: 'm' });
      let plain = '';
      await runProbe(items(3), {
        client,
        probe: 'test',
        concurrency: 1,
        progress: createProgress({ write: (t: string) => (plain += t) }, { label: 'bbq', intervalMs: 0 }),
      });
      const lines = plain.trim().split('\n');
      assert.deepEqual(
        lines.slice(0, 3).map((l) => l.split(' · ')[0]),
        ['bbq: 1/3', 'bbq: 2/3', 'bbq: 3/3'],
      );
      assert.match(
        lines.at(-1)!,
        /^bbq: 3 answered, 0 failed, 0 resumed from the results file, 3 requests \(0 retries\), 63 tokens in /,
      );
      assert.ok(!plain.includes('\r'));

      let tty = '';
      const terminal = { write: (t: string) => (tty += t), isTTY: true, columns: 120 };
      await runProbe(items(3, 'r'), {
        client,
        probe: 'test',
        concurrency: 1,
        progress: createProgress(terminal, { label: 'bbq', redrawMs: 0 }),
      });
      assert.match(tty, /\rbbq █+░* +33% 1\/3/);
      assert.match(tty, /\r\u001b\[K/);
    } finally {
      await mock.close();
    }
  });

  test('aborting stops the run: nothing more is sent and nothing half-done is recorded', async () => {
    const mock = await startMock(() => ({ content: 'x', delayMs: 30 }));
    try {
      const client = createChatClient({ endpoint: mock.url, model: 'm' });
      const controller = new AbortController();
      const out = join(dir, 'abort.ndjson');
      setTimeout(() => controller.abort(), 75);
      const summary = await runProbe(items(40), {
        client,
        probe: 'test',
        concurrency: 2,
        out,
        signal: controller.signal,
      });
      assert.equal(summary.stopped, 'aborted');
      assert.ok(summary.answers.size < 40, `${summary.answers.size} answered`);
      assert.equal(summary.notRun, 40 - summary.answers.size);
      const recorded = readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .filter((l) => !l.includes('"type":"meta"'));
      assert.equal(recorded.length, summary.answers.size);
    } finally {
      await mock.close();
    }
  });

  test('ids must be unique', async () => {
    const client = createChatClient({ endpoint: 'http://127.0.0.1:9/v1', model: 'm' });
    await assert.rejects(
      runProbe([...items(2), ...items(1)], { client, probe: 'test' }),
      /`q0` is not unique/,
    );
  });

  test('a results file is plain NDJSON: a meta line, then one line per answer', async () => {
    const mock = await startMock(() => ({ content: 'x' }));
    try {
      const client = createChatClient({ endpoint: mock.url, model: 'm' });
      const out = join(dir, 'format.ndjson');
      writeFileSync(out, '');
      await runProbe(items(1), {
        client,
        probe: 'test',
        out,
        meta: { seed: 7 },
        now: () => new Date('2025-05-01T00:00:00Z'),
      });
      const [meta, record] = readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(meta, {
        type: 'meta',
        probe: 'test',
        model: 'm',
        endpoint: `${mock.url}/chat/completions`,
        at: '2025-05-01T00:00:00.000Z',
        seed: 7,
      });
      assert.equal(record.id, 'q0');
      assert.match(record.prompt, /^[0-9a-f]{16}$/);
      assert.equal(record.answer, 'x');
      assert.deepEqual(record.usage, { prompt: 20, completion: 1, total: 21 });
      assert.equal(record.attempts, 1);
    } finally {
      await mock.close();
    }
  });
});
