import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  createTracer,
  formatTraceparent,
  genAiAttributes,
  genAiSpanName,
  NOOP_SPAN,
  type OtlpAttribute,
  parseTraceparent,
  tracesUrl,
} from '../../src/observability/tracing.ts';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: {
    resourceSpans: {
      resource: { attributes: OtlpAttribute[] };
      scopeSpans: { scope: { name: string }; spans: Record<string, unknown>[] }[];
    }[];
  };
}

/** A loopback OTLP/HTTP collector that records what it receives; `status` sets its answer. */
function startCollector() {
  const received: Received[] = [];
  const waiters: (() => void)[] = [];
  let status = 200;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      for (const w of waiters.splice(0)) w();
    });
  });
  return {
    received,
    setStatus(s: number) {
      status = s;
    },
    async listen(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    /** Resolves once `count` export requests have arrived. */
    async waitFor(count: number): Promise<void> {
      while (received.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function attributeMap(attributes: OtlpAttribute[]): Record<string, unknown> {
  return Object.fromEntries(attributes.map((a) => [a.key, a.value]));
}

/** Deterministic ids: each call fills with an increasing byte. */
function counterRandom() {
  let n = 0;
  return (bytes: Uint8Array) => {
    n++;
    bytes.fill(n);
  };
}

describe('tracing off', () => {
  test('every span is the one shared frozen no-op span', async () => {
    const tracer = createTracer({ endpoint: null, serviceName: 'parapet' });
    const a = tracer.startSpan('chat gpt-4o', { kind: 'server' });
    const b = tracer.startSpan('other', {
      parent: parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'),
    });
    assert.equal(a, NOOP_SPAN);
    assert.equal(b, NOOP_SPAN);
    assert.ok(Object.isFrozen(a));
    assert.equal(a.recording, false);
    a.setAttribute('x', 1);
    a.recordError(new Error('e'));
    a.end();
    assert.equal(formatTraceparent(a), null);
    assert.equal(tracer.enabled, false);
    await tracer.shutdown();
    assert.deepEqual(tracer.stats(), { exported: 0, dropped: 0, failedExports: 0 });
  });
});

describe('tracing over OTLP/HTTP JSON', () => {
  const collector = startCollector();
  let endpoint = '';
  before(async () => {
    endpoint = await collector.listen();
  });
  after(() => collector.close());

  test('exports a server span continuing the caller trace and a client span with GenAI attributes', async () => {
    const before = collector.received.length;
    const clock = [1_700_000_000_000.25, 1_700_000_000_010.5, 1_700_000_000_090, 1_700_000_000_100];
    const tracer = createTracer({
      endpoint,
      headers: { 'x-collector-token': 'abc' },
      serviceName: 'parapet-test',
      resource: { 'service.version': '0.1.0' },
      random: counterRandom(),
      now: () => clock.shift() ?? 1_700_000_000_200,
    });
    const incoming = parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    assert.ok(incoming);
    const server = tracer.startSpan('POST /v1/chat/completions', { kind: 'server', parent: incoming });
    const attributes = genAiAttributes({
      operation: 'chat',
      provider: 'openai',
      requestModel: 'gpt-4o',
      responseModel: 'gpt-4o-2024-08-06',
      responseId: 'chatcmpl-123',
      inputTokens: 12,
      outputTokens: 34,
      maxTokens: 256,
      temperature: 1,
      topP: 0.9,
      finishReasons: ['stop'],
      serverAddress: 'api.openai.com',
      serverPort: 443,
    });
    const client = tracer.startSpan(genAiSpanName('chat', 'gpt-4o'), {
      kind: 'client',
      parent: server,
      attributes,
    });
    // Content keys are refused whoever sets them.
    client.setAttribute('gen_ai.input.messages', '[{"role":"user","content":"hello"}]');
    client.setAttribute('gen_ai.prompt', 'hello');
    client.setAttribute('message.content', 'hello');
    const upstreamHeader = formatTraceparent(client);
    assert.equal(upstreamHeader, `00-0af7651916cd43dd8448eb211c80319c-${client.spanId}-01`);
    client.end();
    server.recordError({ code: 'PARAPET_UPSTREAM_TIMEOUT' });
    server.end();
    await tracer.shutdown();

    assert.equal(collector.received.length, before + 1);
    const request = collector.received[before]!;
    assert.equal(request.path, '/v1/traces');
    assert.match(String(request.headers['content-type']), /application\/json/);
    assert.equal(request.headers['x-collector-token'], 'abc');
    const [resourceSpans] = request.body.resourceSpans;
    assert.ok(resourceSpans);
    const resource = attributeMap(resourceSpans.resource.attributes);
    assert.deepEqual(resource['service.name'], { stringValue: 'parapet-test' });
    assert.deepEqual(resource['service.version'], { stringValue: '0.1.0' });
    const spans = resourceSpans.scopeSpans[0]!.spans;
    assert.equal(spans.length, 2);
    const [clientSpan, serverSpan] = spans as [Record<string, unknown>, Record<string, unknown>];

    assert.equal(serverSpan['traceId'], '0af7651916cd43dd8448eb211c80319c');
    assert.equal(serverSpan['parentSpanId'], 'b7ad6b7169203331');
    assert.match(String(serverSpan['spanId']), /^[0-9a-f]{16}$/);
    assert.equal(serverSpan['kind'], 2);
    assert.equal(serverSpan['startTimeUnixNano'], '1700000000000250000');
    assert.equal(serverSpan['endTimeUnixNano'], '1700000000100000000');
    assert.deepEqual(serverSpan['status'], { code: 2 });
    assert.deepEqual(attributeMap(serverSpan['attributes'] as OtlpAttribute[])['error.type'], {
      stringValue: 'PARAPET_UPSTREAM_TIMEOUT',
    });

    assert.equal(clientSpan['name'], 'chat gpt-4o');
    assert.equal(clientSpan['kind'], 3);
    assert.equal(clientSpan['traceId'], '0af7651916cd43dd8448eb211c80319c');
    assert.equal(clientSpan['parentSpanId'], serverSpan['spanId']);
    assert.equal(clientSpan['spanId'], client.spanId);
    assert.equal(clientSpan['startTimeUnixNano'], '1700000000010500000');
    assert.equal(clientSpan['endTimeUnixNano'], '1700000000090000000');
    assert.deepEqual(clientSpan['status'], { code: 0 });
    assert.deepEqual(attributeMap(clientSpan['attributes'] as OtlpAttribute[]), {
      'gen_ai.operation.name': { stringValue: 'chat' },
      'gen_ai.provider.name': { stringValue: 'openai' },
      'gen_ai.system': { stringValue: 'openai' },
      'gen_ai.request.model': { stringValue: 'gpt-4o' },
      'gen_ai.response.model': { stringValue: 'gpt-4o-2024-08-06' },
      'gen_ai.response.id': { stringValue: 'chatcmpl-123' },
      'gen_ai.usage.input_tokens': { intValue: '12' },
      'gen_ai.usage.output_tokens': { intValue: '34' },
      'gen_ai.request.max_tokens': { intValue: '256' },
      'gen_ai.request.temperature': { doubleValue: 1 },
      'gen_ai.request.top_p': { doubleValue: 0.9 },
      'gen_ai.response.finish_reasons': { arrayValue: { values: [{ stringValue: 'stop' }] } },
      'server.address': { stringValue: 'api.openai.com' },
      'server.port': { intValue: '443' },
    });
    const raw = JSON.stringify(request.body);
    assert.ok(!raw.includes('hello'), 'no prompt content anywhere in the export');
    assert.deepEqual(tracer.stats(), { exported: 2, dropped: 0, failedExports: 0 });
  });

  test('batches by size without waiting for the timer, and a root span gets a fresh trace id', async () => {
    const before = collector.received.length;
    const tracer = createTracer({
      endpoint: `${endpoint}/v1/traces`,
      serviceName: 'parapet',
      maxBatchSize: 3,
      flushIntervalMs: 60_000,
    });
    const spans = [1, 2, 3].map((i) => tracer.startSpan(`span ${i}`));
    for (const s of spans) s.end();
    await collector.waitFor(before + 1);
    const exported = collector.received[before]!;
    assert.equal(exported.path, '/v1/traces', 'an endpoint ending in /v1/traces is used as is');
    const got = exported.body.resourceSpans[0]!.scopeSpans[0]!.spans;
    assert.deepEqual(
      got.map((s) => s['name']),
      ['span 1', 'span 2', 'span 3'],
    );
    assert.ok(got.every((s) => !('parentSpanId' in s) && /^[0-9a-f]{32}$/.test(String(s['traceId']))));
    assert.notEqual(got[0]!['traceId'], got[1]!['traceId']);
    assert.equal(got[0]!['kind'], 1);
    await tracer.shutdown();
  });

  test('the interval timer exports a partial batch', async () => {
    const before = collector.received.length;
    const tracer = createTracer({ endpoint, serviceName: 'parapet', flushIntervalMs: 20 });
    tracer.startSpan('lonely').end();
    await collector.waitFor(before + 1);
    assert.equal(
      collector.received[before]!.body.resourceSpans[0]!.scopeSpans[0]!.spans[0]!['name'],
      'lonely',
    );
    await tracer.shutdown();
  });

  test('export failures are counted, never thrown', async () => {
    collector.setStatus(503);
    try {
      const tracer = createTracer({ endpoint, serviceName: 'parapet' });
      tracer.startSpan('a').end();
      await tracer.flush();
      assert.deepEqual(tracer.stats(), { exported: 0, dropped: 1, failedExports: 1 });
      await tracer.shutdown();
    } finally {
      collector.setStatus(200);
    }
    const unreachable = createTracer({ endpoint: 'http://127.0.0.1:1', serviceName: 'parapet' });
    unreachable.startSpan('b').end();
    await unreachable.shutdown();
    assert.equal(unreachable.stats().failedExports, 1);
  });

  test('the queue is bounded and drops the oldest spans', async () => {
    const before = collector.received.length;
    const tracer = createTracer({ endpoint, serviceName: 'parapet', maxBatchSize: 100, maxQueueSize: 100 });
    // Saturate: the first 100 trigger an export; while it is in flight the queue keeps at most 100.
    for (let i = 0; i < 400; i++) tracer.startSpan(`s${i}`).end();
    await tracer.shutdown();
    const names = collector.received
      .slice(before)
      .flatMap((r) => r.body.resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s['name']));
    const stats = tracer.stats();
    assert.equal(stats.exported + stats.dropped, 400);
    assert.ok(stats.dropped > 0);
    assert.equal(names.at(-1), 's399', 'the newest span survives');
    assert.equal(names.length, stats.exported);
  });

  test('an unsampled caller gives non-recording spans that still propagate ids', async () => {
    const before = collector.received.length;
    const tracer = createTracer({ endpoint, serviceName: 'parapet' });
    const parent = parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00');
    const span = tracer.startSpan('x', { kind: 'server', parent });
    assert.equal(span.recording, false);
    assert.equal(span.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.match(formatTraceparent(span) ?? '', /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
    span.end();
    await tracer.shutdown();
    assert.equal(collector.received.length, before);
  });
});

describe('W3C trace context', () => {
  test('parses valid headers and rejects invalid ones', () => {
    assert.deepEqual(parseTraceparent(' 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01 '), {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      sampled: true,
    });
    assert.equal(
      parseTraceparent('01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03-extra')?.sampled,
      true,
    );
    for (const bad of [
      undefined,
      null,
      '',
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331',
      '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01',
      '00-00000000000000000000000000000000-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
      'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra',
    ]) {
      assert.equal(parseTraceparent(bad), null, String(bad));
    }
  });

  test('formats a context and round-trips', () => {
    const header = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    assert.equal(formatTraceparent(parseTraceparent(header)!), header);
  });

  test('traces URL keeps a /v1/traces endpoint as is', () => {
    assert.equal(tracesUrl('http://collector:4318'), 'http://collector:4318/v1/traces');
    assert.equal(tracesUrl('http://collector:4318/'), 'http://collector:4318/v1/traces');
    assert.equal(tracesUrl('https://otlp.example/v1/traces'), 'https://otlp.example/v1/traces');
  });
});

describe('GenAI attributes', () => {
  test('leaves out absent values and maps provider aliases', () => {
    assert.deepEqual(
      genAiAttributes({
        operation: 'embeddings',
        provider: 'bedrock',
        requestModel: 'titan',
        inputTokens: 5,
        outputTokens: null,
      }),
      {
        'gen_ai.operation.name': 'embeddings',
        'gen_ai.provider.name': 'aws.bedrock',
        'gen_ai.system': 'aws.bedrock',
        'gen_ai.request.model': 'titan',
        'gen_ai.usage.input_tokens': 5,
      },
    );
    assert.deepEqual(genAiAttributes({ operation: 'chat', errorType: 'PARAPET_UPSTREAM_UNAVAILABLE' }), {
      'gen_ai.operation.name': 'chat',
      'error.type': 'PARAPET_UPSTREAM_UNAVAILABLE',
    });
    assert.equal(genAiSpanName('chat', 'claude-sonnet-4'), 'chat claude-sonnet-4');
    assert.equal(genAiSpanName('embeddings', null), 'embeddings');
  });
});

describe('tracer options', () => {
  test('an empty endpoint turns tracing off and a malformed one is refused at creation', () => {
    assert.equal(createTracer({ endpoint: ' ', serviceName: 'parapet' }).startSpan('x'), NOOP_SPAN);
    assert.throws(
      () => createTracer({ endpoint: 'collector:4318', serviceName: 'parapet' }),
      /invalid OTLP endpoint `collector:4318`/,
    );
  });
});
