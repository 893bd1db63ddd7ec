/**
 * Observability through the running gateway: health and readiness, Prometheus metrics after traffic,
 * structured logs that never carry prompts or keys, and OTLP traces with GenAI attributes and W3C
 * trace-context propagation to the upstream.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { allowAll } from '@parapet/core';
import OpenAI from 'openai';
import { mockUpstreamConfig, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../helpers/mock-upstream.ts';

const UPSTREAM_KEYS = ['sk-upstream-openai-secret', 'sk-ant-upstream-secret'];

async function chat(
  gw: TestGateway,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.key}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format into samples (comments skipped). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!;
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

function find(samples: readonly Sample[], name: string, labels: Record<string, string>): Sample | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

describe('health, readiness and metrics', () => {
  let mock: MockUpstream;
  let gw: TestGateway;

  before(async () => {
    mock = await startMockUpstream({ openaiKey: UPSTREAM_KEYS[0], anthropicKey: UPSTREAM_KEYS[1] });
    gw = await startTestGateway({ config: mockUpstreamConfig(mock.url) });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test('/healthz and /readyz answer without a key', async () => {
    const health = await fetch(`${gw.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await fetch(`${gw.url}/readyz`);
    assert.equal(ready.status, 200);
    const body = (await ready.json()) as { status: string; store: string; events: { queued: number } };
    assert.equal(body.status, 'ready');
    assert.equal(body.store, 'sqlite');
    assert.equal(typeof body.events.queued, 'number');
  });

  test('/metrics after traffic: request counters with every label, histograms, upstream responses', async () => {
    for (let i = 0; i < 3; i++) {
      assert.equal(
        (await chat(gw, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `m${i}` }] })).status,
        200,
      );
    }
    assert.equal(
      (await chat(gw, { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 's' }] }))
        .status,
      200,
    );
    assert.equal((await chat(gw, { model: 'nope', messages: [{ role: 'user', content: 'x' }] })).status, 404);
    mock.script({ kind: 'status', status: 503, times: 2, match: 'unavailable please' });
    assert.equal(
      (await chat(gw, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'unavailable please' }] }))
        .status,
      502,
    );
    await gw.waitForEvents(6);
    const res = await fetch(`${gw.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /# TYPE parapet_requests_total counter/);
    assert.match(text, /# TYPE parapet_request_duration_seconds histogram/);
    const samples = parseMetrics(text);
    const ok = find(samples, 'parapet_requests_total', {
      route: 'chat.completions',
      provider: 'openai',
      model: 'gpt-4o-mini',
      decision: 'allow',
      status: 'success',
    });
    assert.equal(ok?.value, 4);
    const upstreamError = find(samples, 'parapet_requests_total', {
      route: 'chat.completions',
      provider: 'openai',
      status: 'upstream_error',
    });
    assert.equal(upstreamError?.value, 1);
    const notFound = find(samples, 'parapet_requests_total', {
      route: 'chat.completions',
      status: 'client_error',
    });
    assert.equal(notFound?.value, 1);
    for (const name of [
      'parapet_request_duration_seconds',
      'parapet_upstream_ttfb_seconds',
      'parapet_upstream_duration_seconds',
    ]) {
      const count = find(samples, `${name}_count`, { provider: 'openai', model: 'gpt-4o-mini' });
      assert.ok(count !== undefined && count.value >= 4, `${name}_count`);
      const inf = find(samples, `${name}_bucket`, { provider: 'openai', model: 'gpt-4o-mini', le: '+Inf' });
      assert.equal(inf?.value, count.value, `${name} +Inf bucket equals the count`);
      const sum = find(samples, `${name}_sum`, { provider: 'openai', model: 'gpt-4o-mini' });
      assert.ok(sum !== undefined && sum.value >= 0);
      const buckets = samples.filter(
        (s) =>
          s.name === `${name}_bucket` && s.labels.provider === 'openai' && s.labels.model === 'gpt-4o-mini',
      );
      for (let i = 1; i < buckets.length; i++)
        assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, 'cumulative');
    }
    const overhead = find(samples, 'parapet_gateway_overhead_seconds_count', { route: 'chat.completions' });
    assert.ok(overhead !== undefined && overhead.value >= 6);
    assert.ok((find(samples, 'parapet_upstream_responses_total', { status_code: '200' })?.value ?? 0) >= 4);
    assert.equal(find(samples, 'parapet_upstream_responses_total', { status_code: '503' })?.value, 2);
    assert.ok(find(samples, 'parapet_events_queued', {}) !== undefined);
  });
});

describe('logs', () => {
  let mock: MockUpstream;
  let gw: TestGateway;

  before(async () => {
    mock = await startMockUpstream({ openaiKey: UPSTREAM_KEYS[0], anthropicKey: UPSTREAM_KEYS[1] });
    gw = await startTestGateway({
      config: mockUpstreamConfig(mock.url),
      // A decider bug on one model, to exercise the gateway's error log.
      decider: (input) => {
        if (input.model === 'gpt-4o') throw new Error('decider bug');
        return allowAll(input);
      },
    });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test('no prompt, virtual key or upstream key in any log line; one structured line per request with its event id', async () => {
    const prompt = 'zebra-crossing-confidential-7731';
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    const anthropicBody = {
      model: 'claude-3-5-haiku',
      max_tokens: 30,
      messages: [{ role: 'user', content: prompt }],
    };
    const before = gw.logs.length;
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: prompt }],
    });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: prompt }],
    });
    for await (const _ of stream);
    await client.responses.create({ model: 'claude-3-5-haiku', input: prompt });
    const messages = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': gw.key, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(anthropicBody),
    });
    assert.equal(messages.status, 200);
    // Failures: the upstream refuses, the upstream is down, the upstream sends garbage, a bad body, a bad key.
    mock.script({
      kind: 'status',
      status: 400,
      match: prompt,
      body: { error: { message: `rejected ${prompt}` } },
    });
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] }),
    );
    mock.script({ kind: 'status', status: 503, times: 2, match: prompt });
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] }),
    );
    mock.script({ kind: 'invalid-json', match: prompt });
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] }),
    );
    const bad = await chat(gw, { model: 'gpt-4o-mini', messages: prompt });
    assert.equal(bad.status, 400);
    const wrongKey = `${gw.key.slice(0, -4)}zzzz`;
    const refused = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${wrongKey}` },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] }),
    });
    assert.equal(refused.status, 401);

    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: prompt }] }),
      (err: unknown) => err instanceof OpenAI.InternalServerError && err.code === 'PARAPET_GATEWAY_INTERNAL',
    );

    const events = await gw.waitForEvents(10);
    assert.equal(events.length, 10);
    await gw.server.close();
    const lines = gw.logs.slice(before);
    assert.ok(lines.length >= 9);
    const secret = gw.key.slice(gw.key.lastIndexOf('_') + 1);
    for (const line of gw.logs) {
      assert.ok(!line.includes(prompt), `prompt in a log line: ${line}`);
      assert.ok(!line.includes('zebra'), `prompt in a log line: ${line}`);
      assert.ok(!line.includes(gw.key), `virtual key in a log line: ${line}`);
      assert.ok(!line.includes(secret), `virtual key secret in a log line: ${line}`);
      assert.ok(
        !line.includes(wrongKey.slice(wrongKey.lastIndexOf('_') + 1)),
        `presented key in a log line: ${line}`,
      );
      for (const key of UPSTREAM_KEYS) assert.ok(!line.includes(key), `upstream key in a log line: ${line}`);
      JSON.parse(line);
    }
    const requestLines = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'request');
    for (const ev of events) {
      const mine = requestLines.filter((l) => l.event === ev.id);
      assert.equal(mine.length, 1, `one request line for ${ev.id}`);
      const line = mine[0]!;
      assert.equal(line.route, ev.route);
      assert.equal(line.status, ev.httpStatus);
      assert.equal(line.outcome, ev.status);
      assert.equal(typeof line.time, 'string');
      assert.equal(line.level, 'info');
      if (ev.principal.keyId !== null) assert.equal(line.key_id, ev.principal.keyId);
    }
    assert.equal(requestLines.length, events.length);
    const internal = events.find((e) => e.errorCode === 'PARAPET_GATEWAY_INTERNAL');
    const errorLine = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.level === 'error');
    assert.equal(errorLine?.event, internal?.id, 'the internal error is logged with its event id');
  });
});

interface Collector {
  url: string;
  // biome-ignore lint/suspicious/noExplicitAny: OTLP JSON bodies
  bodies: any[];
  raw: string[];
  close(): Promise<void>;
}

/** An OTLP/HTTP JSON collector on loopback that keeps every export it receives. */
async function startCollector(): Promise<Collector> {
  const bodies: unknown[] = [];
  const raw: string[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => {
      assert.equal(req.url, '/v1/traces');
      assert.match(req.headers['content-type'] ?? '', /application\/json/);
      raw.push(text);
      bodies.push(JSON.parse(text));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    raw,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function attributes(span: {
  attributes: { key: string; value: Record<string, unknown> }[];
}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of span.attributes) {
    const v = a.value;
    out[a.key] =
      v.stringValue ?? (v.intValue === undefined ? (v.doubleValue ?? v.boolValue) : Number(v.intValue));
  }
  return out;
}

describe('tracing', () => {
  const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
  const PARENT_ID = '00f067aa0ba902b7';
  const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;
  let mock: MockUpstream;
  let collector: Collector;

  before(async () => {
    mock = await startMockUpstream({ openaiKey: UPSTREAM_KEYS[0], anthropicKey: UPSTREAM_KEYS[1] });
    collector = await startCollector();
  });
  after(async () => {
    await mock.close();
    await collector.close();
  });

  test('with an OTLP endpoint: a GenAI span under the client parent, propagated upstream, no content', async () => {
    const prompt = 'quokka-tracing-prompt-5521';
    const gw = await startTestGateway({
      config: mockUpstreamConfig(mock.url, {
        telemetry: { otlp: { endpoint: collector.url, service_name: 'parapet-test' } },
      }),
    });
    try {
      mock.requests.length = 0;
      const res = await chat(
        gw,
        { model: 'gpt-4o-mini', max_tokens: 40, messages: [{ role: 'user', content: prompt }] },
        { traceparent: TRACEPARENT },
      );
      assert.equal(res.status, 200);
      const [ev] = await gw.waitForEvents(1);
      await gw.server.context.tracer.flush();
      assert.equal(collector.bodies.length, 1);
      const resourceSpans = collector.bodies[0].resourceSpans;
      const service = resourceSpans[0].resource.attributes.find(
        (a: { key: string }) => a.key === 'service.name',
      );
      assert.equal(service.value.stringValue, 'parapet-test');
      const spans = resourceSpans[0].scopeSpans[0].spans;
      assert.equal(spans.length, 1);
      const span = spans[0];
      assert.equal(span.traceId, TRACE_ID);
      assert.equal(span.parentSpanId, PARENT_ID);
      assert.match(span.spanId, /^[0-9a-f]{16}$/);
      assert.notEqual(span.spanId, PARENT_ID);
      assert.equal(span.kind, 2, 'server span');
      assert.equal(span.name, 'chat gpt-4o-mini');
      const attrs = attributes(span);
      assert.equal(attrs['gen_ai.operation.name'], 'chat');
      assert.equal(attrs['gen_ai.provider.name'], 'openai');
      assert.equal(attrs['gen_ai.request.model'], 'gpt-4o-mini');
      assert.equal(attrs['gen_ai.response.model'], 'gpt-4o-mini');
      assert.equal(attrs['gen_ai.request.max_tokens'], 40);
      assert.equal(attrs['gen_ai.usage.input_tokens'], ev?.usage?.inputTokens);
      assert.equal(attrs['gen_ai.usage.output_tokens'], ev?.usage?.outputTokens);
      assert.equal(attrs['parapet.event_id'], ev?.id);
      assert.equal(attrs['http.response.status_code'], 200);
      for (const raw of collector.raw) {
        assert.ok(!raw.includes(prompt), 'no prompt text in the export');
        assert.ok(!raw.includes('Mock reply'), 'no answer text in the export');
        assert.ok(!raw.includes(gw.key));
        for (const key of UPSTREAM_KEYS) assert.ok(!raw.includes(key));
      }
      const upstreamTraceparent = mock.requests[0]?.headers.traceparent;
      assert.equal(upstreamTraceparent, `00-${TRACE_ID}-${span.spanId}-01`);
    } finally {
      await gw.close();
    }
  });

  test('a failed request gets an error span; a request without traceparent starts a new trace', async () => {
    const gw = await startTestGateway({
      config: mockUpstreamConfig(mock.url, { telemetry: { otlp: { endpoint: collector.url } } }),
    });
    try {
      collector.bodies.length = 0;
      mock.requests.length = 0;
      mock.script({ kind: 'status', status: 503, times: 2, match: 'trace failure' });
      const res = await chat(gw, {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'trace failure' }],
      });
      assert.equal(res.status, 502);
      await gw.waitForEvents(1);
      await gw.server.context.tracer.flush();
      const span = collector.bodies.flatMap((b) => b.resourceSpans[0].scopeSpans[0].spans)[0];
      assert.match(span.traceId, /^[0-9a-f]{32}$/);
      assert.equal(span.parentSpanId, undefined);
      assert.equal(span.status.code, 2);
      assert.equal(attributes(span)['error.type'], 'PARAPET_UPSTREAM_UNAVAILABLE');
      for (const req of mock.requests)
        assert.equal(req.headers.traceparent, `00-${span.traceId}-${span.spanId}-01`);
    } finally {
      await gw.close();
    }
  });

  test('without an endpoint: nothing is exported and the client traceparent is forwarded as is', async () => {
    const gw = await startTestGateway({ config: mockUpstreamConfig(mock.url) });
    try {
      collector.bodies.length = 0;
      mock.requests.length = 0;
      assert.equal(gw.server.context.tracer.enabled, false);
      const res = await chat(
        gw,
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'untraced' }] },
        { traceparent: TRACEPARENT },
      );
      assert.equal(res.status, 200);
      const noParent = await chat(gw, {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'untraced 2' }],
      });
      assert.equal(noParent.status, 200);
      await gw.waitForEvents(2);
      assert.equal(mock.requests[0]?.headers.traceparent, TRACEPARENT);
      assert.equal(mock.requests[1]?.headers.traceparent, undefined);
    } finally {
      await gw.close();
    }
    assert.equal(collector.bodies.length, 0);
  });
});
