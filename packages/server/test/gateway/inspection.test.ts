/**
 * No bypass: every text of every request reaches the input inspection point with the right source label,
 * and every text of every answer reaches the output inspection point, on every route, streamed or not,
 * whatever upstream serves it. Blocking decisions stop the request (input) or the answer (output) before
 * the client or the upstream sees what was blocked; detector failures are recorded as failures.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Decider, Detector, Direction, Finding, SegmentSource } from '@parapet/core';
import { allowAll } from '@parapet/core';
import { mockUpstreamConfig, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../helpers/mock-upstream.ts';

type ChatRoute = 'chat' | 'responses' | 'messages';
type Target = 'same-format' | 'cross-format' | 'echo';

const PATHS: Record<ChatRoute | 'embeddings', string> = {
  chat: '/v1/chat/completions',
  responses: '/v1/responses',
  messages: '/v1/messages',
  embeddings: '/v1/embeddings',
};

const MODELS: Record<ChatRoute, Record<Target, string>> = {
  chat: { 'same-format': 'gpt-4o-mini', 'cross-format': 'claude-3-5-haiku', echo: 'echo' },
  responses: { 'same-format': 'gpt-4o-mini', 'cross-format': 'claude-3-5-haiku', echo: 'echo' },
  messages: { 'same-format': 'claude-3-5-haiku', 'cross-format': 'gpt-4o-mini', echo: 'echo' },
};

/** The distinct texts of the test conversation and the source label each must arrive with. */
const INPUT_TEXTS: ReadonlyArray<[string, SegmentSource]> = [
  ['sys-alpha instructions', 'system'],
  ['user-bravo question', 'user'],
  ['assistant-charlie answer', 'assistant'],
  ['args-delta', 'tool_call'],
  ['result-echo from the tool', 'tool_result'],
  ['tooldesc-golf looks things up', 'system'],
  ['user-foxtrot', 'user'],
];

const LOOKUP_PARAMS = { type: 'object', properties: { q: { type: 'string' } } };

/** A conversation with every kind of input text, in the route's wire format. */
function conversationBody(route: ChatRoute, model: string, stream: boolean): Record<string, unknown> {
  if (route === 'chat') {
    return {
      model,
      stream,
      messages: [
        { role: 'system', content: 'sys-alpha instructions' },
        { role: 'user', content: 'user-bravo question' },
        {
          role: 'assistant',
          content: 'assistant-charlie answer',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"args-delta"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'result-echo from the tool' },
        { role: 'user', content: 'user-foxtrot' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'lookup',
            description: 'tooldesc-golf looks things up',
            parameters: LOOKUP_PARAMS,
          },
        },
      ],
    };
  }
  if (route === 'responses') {
    return {
      model,
      stream,
      instructions: 'sys-alpha instructions',
      input: [
        { role: 'user', content: 'user-bravo question' },
        {
          type: 'message',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'assistant-charlie answer' }],
        },
        { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{"q":"args-delta"}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'result-echo from the tool' },
        { role: 'user', content: 'user-foxtrot' },
      ],
      tools: [
        {
          type: 'function',
          name: 'lookup',
          description: 'tooldesc-golf looks things up',
          parameters: LOOKUP_PARAMS,
        },
      ],
    };
  }
  return {
    model,
    stream,
    max_tokens: 256,
    system: 'sys-alpha instructions',
    messages: [
      { role: 'user', content: 'user-bravo question' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'assistant-charlie answer' },
          { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'args-delta' } },
        ],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'result-echo from the tool' }],
      },
      { role: 'user', content: 'user-foxtrot' },
    ],
    tools: [{ name: 'lookup', description: 'tooldesc-golf looks things up', input_schema: LOOKUP_PARAMS }],
  };
}

/** One user message that makes the upstream (or the echo model) answer with a call of `lookup`. */
function toolCallBody(
  route: ChatRoute,
  model: string,
  stream: boolean,
  text: string,
): Record<string, unknown> {
  if (route === 'chat') {
    return {
      model,
      stream,
      messages: [{ role: 'user', content: text }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: LOOKUP_PARAMS } }],
    };
  }
  if (route === 'responses') {
    return {
      model,
      stream,
      input: [{ role: 'user', content: text }],
      tools: [{ type: 'function', name: 'lookup', parameters: LOOKUP_PARAMS }],
    };
  }
  return {
    model,
    stream,
    max_tokens: 256,
    messages: [{ role: 'user', content: text }],
    tools: [{ name: 'lookup', input_schema: LOOKUP_PARAMS }],
  };
}

/** A simple one-message request in the route's format. */
function simpleBody(route: ChatRoute, model: string, stream: boolean, text: string): Record<string, unknown> {
  if (route === 'chat') return { model, stream, messages: [{ role: 'user', content: text }] };
  if (route === 'responses') return { model, stream, input: text };
  return { model, stream, max_tokens: 256, messages: [{ role: 'user', content: text }] };
}

function headersFor(route: ChatRoute | 'embeddings', key: string): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (route === 'messages') {
    headers['x-api-key'] = key;
    headers['anthropic-version'] = '2023-06-01';
  } else headers.authorization = `Bearer ${key}`;
  return headers;
}

async function post(
  gw: TestGateway,
  route: ChatRoute | 'embeddings',
  body: unknown,
): Promise<{ status: number; text: string; contentType: string }> {
  const res = await fetch(`${gw.url}${PATHS[route]}`, {
    method: 'POST',
    headers: headersFor(route, gw.key),
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') ?? '' };
}

interface SseMessage {
  event: string | null;
  data: string;
}

/** Splits a whole SSE body into its events. */
function parseSse(raw: string): SseMessage[] {
  const out: SseMessage[] = [];
  for (const block of raw.split(/\r?\n\r?\n/)) {
    let event: string | null = null;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length > 0) out.push({ event, data: data.join('\n') });
  }
  return out;
}

/** The answer text and tool-call arguments a client reads from a streamed body. */
function streamedOutput(route: ChatRoute, raw: string): { text: string; args: string } {
  let text = '';
  let args = '';
  for (const m of parseSse(raw)) {
    if (m.data === '[DONE]') continue;
    // biome-ignore lint/suspicious/noExplicitAny: reading arbitrary wire JSON
    const d: any = JSON.parse(m.data);
    if (route === 'chat') {
      const delta = d.choices?.[0]?.delta;
      if (typeof delta?.content === 'string') text += delta.content;
      for (const call of delta?.tool_calls ?? []) args += call.function?.arguments ?? '';
    } else if (route === 'responses') {
      if (d.type === 'response.output_text.delta') text += d.delta;
      if (d.type === 'response.function_call_arguments.delta') args += d.delta;
    } else if (d.type === 'content_block_delta') {
      if (d.delta.type === 'text_delta') text += d.delta.text;
      if (d.delta.type === 'input_json_delta') args += d.delta.partial_json;
    }
  }
  return { text, args };
}

/** The answer text and tool-call arguments of a non-streamed body. */
function jsonOutput(route: ChatRoute, raw: string): { text: string; args: string } {
  // biome-ignore lint/suspicious/noExplicitAny: reading arbitrary wire JSON
  const body: any = JSON.parse(raw);
  if (route === 'chat') {
    const message = body.choices[0].message;
    return {
      text: message.content ?? '',
      // biome-ignore lint/suspicious/noExplicitAny: wire JSON
      args: (message.tool_calls ?? []).map((c: any) => c.function.arguments).join(''),
    };
  }
  let text = '';
  let args = '';
  if (route === 'responses') {
    for (const item of body.output) {
      if (item.type === 'message') for (const c of item.content) if (c.type === 'output_text') text += c.text;
      if (item.type === 'function_call') args += item.arguments;
    }
  } else {
    for (const block of body.content) {
      if (block.type === 'text') text += block.text;
      if (block.type === 'tool_use') args += JSON.stringify(block.input);
    }
  }
  return { text, args };
}

interface Seen {
  direction: Direction;
  source: SegmentSource;
  path: string;
  text: string;
}

/** A detector (family `test`) that records every segment it is shown and finds nothing. */
function recordingDetector(): { detector: Detector; seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    detector: {
      id: 'test.recorder',
      family: 'test',
      inspect(segments, ctx) {
        for (const s of segments)
          seen.push({ direction: ctx.direction, source: s.source, path: s.path, text: s.text });
        return [];
      },
    },
  };
}

/**
 * Rebuilds a channel's text from its inspection windows: each window is earlier context followed by new
 * text, so it overlaps what came before; the largest overlap is dropped.
 */
function mergeWindows(windows: readonly string[]): string {
  let acc = '';
  for (const w of windows) {
    let k = Math.min(acc.length, w.length);
    while (k > 0 && !acc.endsWith(w.slice(0, k))) k--;
    acc += w.slice(k);
  }
  return acc;
}

/** What the output inspection point saw, per source: whole texts, or windows merged per channel. */
function outputSeen(seen: readonly Seen[], source: SegmentSource, stream: boolean): string[] {
  const out = seen.filter((s) => s.direction === 'output' && s.source === source);
  if (!stream) return out.map((s) => s.text);
  const byPath = new Map<string, string[]>();
  for (const s of out) byPath.set(s.path, [...(byPath.get(s.path) ?? []), s.text]);
  return [...byPath.values()].map(mergeWindows);
}

/** True when `text` is JSON equal to `value`. */
function sameJson(text: string, value: unknown): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
  } catch {
    return false;
  }
}

/** A detector (family `test`) that flags every occurrence of `word`, in one direction or both. */
function keywordDetector(word: string, only?: Direction): Detector {
  return {
    id: `test.keyword${only === undefined ? '' : `.${only}`}`,
    family: 'test',
    inspect(segments, ctx) {
      if (only !== undefined && ctx.direction !== only) return [];
      const findings: Finding[] = [];
      for (const s of segments) {
        for (let at = s.text.indexOf(word); at >= 0; at = s.text.indexOf(word, at + 1)) {
          findings.push({
            family: 'test',
            type: 'FORBIDDEN_WORD',
            score: 1,
            segment: s.index,
            span: { start: at, end: at + word.length },
            detector: this.id,
          });
        }
      }
      return findings;
    },
  };
}

/** Blocks whenever a finding of family `test` exists. */
const blockOnTest: Decider = (input) => {
  const hits = input.findings.flatMap((f, i) => (f.family === 'test' ? [i] : []));
  if (hits.length === 0) return allowAll(input);
  return {
    action: 'block',
    ruleId: 'test-block',
    findings: hits,
    failures: [...input.failures],
    tags: [],
  };
};

function gatewayConfig(mockUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base = mockUpstreamConfig(mockUrl, extra);
  return { ...base, upstreams: { ...(base.upstreams as object), echo: { type: 'echo' } } };
}

function assertErrorShape(route: ChatRoute | 'embeddings', status: number, text: string, code: string): void {
  assert.equal(status, 403, text);
  const body = JSON.parse(text);
  if (route === 'messages') {
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'permission_error');
    assert.equal(body.error.code, code);
  } else {
    assert.equal(body.error.code, code);
    assert.equal(body.error.type, 'permission_error');
  }
}

const ROUTES: ChatRoute[] = ['chat', 'responses', 'messages'];
const TARGETS: Target[] = ['same-format', 'cross-format', 'echo'];

describe('no bypass: every text reaches the inspection points', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  const rec = recordingDetector();

  before(async () => {
    mock = await startMockUpstream({
      openaiKey: 'sk-upstream-openai-secret',
      anthropicKey: 'sk-ant-upstream-secret',
    });
    // Small windows, so a streamed answer is inspected in pieces that must add up to all of it.
    gw = await startTestGateway({
      config: gatewayConfig(mock.url, { streaming: { window_chars: 6 } }),
      detectors: [rec.detector],
    });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  for (const route of ROUTES) {
    for (const target of TARGETS) {
      for (const stream of [false, true]) {
        const name = `${route} ${stream ? 'streamed' : 'non-streamed'} via ${target}`;
        test(`${name}: conversation input and answer`, async () => {
          rec.seen.length = 0;
          const res = await post(gw, route, conversationBody(route, MODELS[route][target], stream));
          assert.equal(res.status, 200, res.text);
          for (const [text, source] of INPUT_TEXTS) {
            const hit = rec.seen.find((s) => s.direction === 'input' && s.text.includes(text));
            assert.ok(hit, `${text} was not inspected on input`);
            assert.equal(hit.source, source, `${text} labelled ${hit.source}`);
          }
          const answer = target === 'echo' ? 'Echo: user-foxtrot' : 'Mock reply to: user-foxtrot';
          const client = stream ? streamedOutput(route, res.text) : jsonOutput(route, res.text);
          assert.equal(client.text, answer);
          // The echo model sends this short answer as one delta; the mock sends a delta per word.
          if (stream && target !== 'echo') {
            // Windows of the answer's own channel; `aux` holds summary events (e.g. `.done`) re-read whole.
            const windows = rec.seen.filter(
              (s) => s.direction === 'output' && s.source === 'completion' && s.path !== 'aux',
            );
            assert.ok(
              windows.length > 1 && windows.every((w) => w.text.length < answer.length),
              'inspected in windows',
            );
          }
          assert.ok(
            outputSeen(rec.seen, 'completion', stream).includes(answer),
            `the answer was not inspected whole: ${JSON.stringify(outputSeen(rec.seen, 'completion', stream))}`,
          );
        });

        test(`${name}: tool-call arguments in the answer`, async () => {
          rec.seen.length = 0;
          const prompt = target === 'echo' ? '/tool lookup {"query":"echo-tool"}' : 'please call_tool now';
          const res = await post(gw, route, toolCallBody(route, MODELS[route][target], stream, prompt));
          assert.equal(res.status, 200, res.text);
          const expected = target === 'echo' ? { query: 'echo-tool' } : { query: prompt };
          const client = stream ? streamedOutput(route, res.text) : jsonOutput(route, res.text);
          assert.deepEqual(JSON.parse(client.args), expected);
          const inspected = outputSeen(rec.seen, 'tool_call', stream);
          assert.ok(
            inspected.some((t) => sameJson(t, expected)),
            `tool-call arguments not inspected whole: ${JSON.stringify(inspected)}`,
          );
          const input = rec.seen.find((s) => s.direction === 'input' && s.text === prompt);
          assert.equal(input?.source, 'user');
        });
      }
    }
  }

  for (const target of ['same-format', 'echo'] as const) {
    test(`embeddings via ${target}: every input text is inspected`, async () => {
      rec.seen.length = 0;
      const model = target === 'echo' ? 'echo-embedding' : 'text-embedding-3-small';
      const res = await post(gw, 'embeddings', { model, input: ['emb-hotel', 'emb-india'] });
      assert.equal(res.status, 200, res.text);
      assert.equal(JSON.parse(res.text).data.length, 2);
      for (const text of ['emb-hotel', 'emb-india']) {
        const hit = rec.seen.find((s) => s.direction === 'input' && s.text === text);
        assert.equal(hit?.source, 'embedding_input', text);
      }
    });
  }

  test('embeddings for a model whose upstream has no embeddings API are inspected, then refused', async () => {
    rec.seen.length = 0;
    const requests = mock.requests.length;
    const res = await post(gw, 'embeddings', { model: 'claude-3-5-haiku', input: 'emb-juliet' });
    assert.equal(res.status, 400, res.text);
    assert.equal(JSON.parse(res.text).error.code, 'PARAPET_REQUEST_UNSUPPORTED');
    assert.equal(mock.requests.length, requests);
    assert.ok(rec.seen.some((s) => s.direction === 'input' && s.text === 'emb-juliet'));
  });
});

describe('blocking decisions', () => {
  let mock: MockUpstream;
  let gw: TestGateway;

  before(async () => {
    mock = await startMockUpstream({
      openaiKey: 'sk-upstream-openai-secret',
      anthropicKey: 'sk-ant-upstream-secret',
    });
    gw = await startTestGateway({
      config: gatewayConfig(mock.url, { streaming: { hold_back_chars: 32 } }),
      detectors: [keywordDetector('forbidden', 'input'), keywordDetector('verboten', 'output')],
      decider: blockOnTest,
    });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  for (const route of ROUTES) {
    for (const target of TARGETS) {
      for (const stream of [false, true]) {
        test(`input block on ${route} ${stream ? 'streamed' : 'non-streamed'} via ${target}: 403, upstream never called`, async () => {
          const before = mock.requests.length;
          const events = (await gw.events()).length;
          // The word hides in the tool result, not in the last user message.
          const body = conversationBody(route, MODELS[route][target], stream);
          const text = JSON.stringify(body).replace('result-echo', 'forbidden result');
          const res = await post(gw, route, JSON.parse(text));
          assertErrorShape(route, res.status, res.text, 'PARAPET_POLICY_BLOCKED');
          assert.equal(mock.requests.length, before);
          const all = await gw.waitForEvents(events + 1);
          assert.equal(all.length, events + 1);
          const ev = all[all.length - 1]!;
          assert.equal(ev.status, 'blocked');
          assert.equal(ev.httpStatus, 403);
          assert.equal(ev.errorCode, 'PARAPET_POLICY_BLOCKED');
          assert.equal(ev.decision.input?.action, 'block');
          assert.equal(ev.findings.input.length, 1);
          assert.equal(ev.findings.input[0]?.type, 'FORBIDDEN_WORD');
        });
      }
    }
  }

  test('input block on embeddings: 403, upstream never called', async () => {
    const before = mock.requests.length;
    const res = await post(gw, 'embeddings', {
      model: 'text-embedding-3-small',
      input: ['fine', 'a forbidden text'],
    });
    assertErrorShape('embeddings', res.status, res.text, 'PARAPET_POLICY_BLOCKED');
    assert.equal(mock.requests.length, before);
  });

  for (const route of ROUTES) {
    for (const target of TARGETS) {
      test(`output block on non-streamed ${route} via ${target}: 403, the answer never reaches the client`, async () => {
        const events = (await gw.events()).length;
        const res = await post(
          gw,
          route,
          simpleBody(route, MODELS[route][target], false, 'say verboten please'),
        );
        assertErrorShape(route, res.status, res.text, 'PARAPET_POLICY_BLOCKED');
        assert.ok(!res.text.includes('verboten'), res.text);
        assert.ok(!res.text.includes('reply to'), res.text);
        const all = await gw.waitForEvents(events + 1);
        const ev = all[all.length - 1]!;
        assert.equal(ev.status, 'blocked');
        assert.equal(ev.decision.input?.action, 'allow');
        assert.equal(ev.decision.output?.action, 'block');
        assert.equal(ev.findings.output[0]?.type, 'FORBIDDEN_WORD');
      });
    }
  }

  const LONG_PROMPT =
    'one two three four five six seven eight nine ten eleven twelve verboten thirteen fourteen';

  for (const route of ROUTES) {
    test(`output block mid-stream on ${route} (trickled upstream): the word never reaches the client`, async () => {
      const events = (await gw.events()).length;
      mock.script({ kind: 'trickle', chunkBytes: 3, delayMs: 0, match: 'thirteen fourteen' });
      const res = await post(gw, route, simpleBody(route, MODELS[route]['same-format'], true, LONG_PROMPT));
      assert.equal(res.status, 200);
      assert.match(res.contentType, /text\/event-stream/);
      assert.ok(!res.text.includes('verboten'), res.text);
      assert.ok(res.text.includes('PARAPET_POLICY_BLOCKED'), res.text);
      const client = streamedOutput(
        route,
        // The error event is in the client's format; keep it out of the text reconstruction.
        parseSse(res.text)
          .filter((m) => !m.data.includes('PARAPET_POLICY_BLOCKED'))
          .map((m) => `${m.event === null ? '' : `event: ${m.event}\n`}data: ${m.data}\n\n`)
          .join(''),
      );
      assert.ok(client.text.startsWith('Mock reply to: one'), client.text);
      assert.ok(`Mock reply to: ${LONG_PROMPT}`.startsWith(client.text));
      assert.ok(!client.text.includes('verboten'));
      const all = await gw.waitForEvents(events + 1);
      const ev = all[all.length - 1]!;
      assert.equal(ev.status, 'blocked');
      assert.equal(ev.errorCode, 'PARAPET_POLICY_BLOCKED');
      assert.equal(ev.stream, true);
      assert.equal(ev.decision.output?.action, 'block');
      const finding = ev.findings.output.find((f) => f.type === 'FORBIDDEN_WORD');
      assert.ok(finding, JSON.stringify(ev.findings));
      // The span points into the whole streamed answer, not into the window it was found in.
      const at = `Mock reply to: ${LONG_PROMPT}`.indexOf('verboten');
      assert.deepEqual(finding.span, { start: at, end: at + 'verboten'.length });
    });
  }
});

/** An OpenAI Responses stream whose text deltas are `deltas`. */
function responsesFrames(deltas: readonly string[]): string {
  const full = deltas.join('');
  const frame = (data: Record<string, unknown>) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
  const response = { id: 'resp_split', object: 'response', created_at: 1, model: 'split-model' };
  const message = { type: 'message', id: 'msg_split', role: 'assistant' };
  const part = { type: 'output_text', annotations: [] };
  let out = frame({ type: 'response.created', response: { ...response, status: 'in_progress', output: [] } });
  out += frame({
    type: 'response.output_item.added',
    output_index: 0,
    item: { ...message, status: 'in_progress', content: [] },
  });
  out += frame({
    type: 'response.content_part.added',
    item_id: 'msg_split',
    output_index: 0,
    content_index: 0,
    part: { ...part, text: '' },
  });
  for (const delta of deltas) {
    out += frame({
      type: 'response.output_text.delta',
      item_id: 'msg_split',
      output_index: 0,
      content_index: 0,
      delta,
    });
  }
  out += frame({
    type: 'response.output_text.done',
    item_id: 'msg_split',
    output_index: 0,
    content_index: 0,
    text: full,
  });
  out += frame({
    type: 'response.completed',
    response: {
      ...response,
      status: 'completed',
      output: [{ ...message, status: 'completed', content: [{ ...part, text: full }] }],
      usage: { input_tokens: 1, output_tokens: deltas.length, total_tokens: 1 + deltas.length },
    },
  });
  return out;
}

describe('a blocked word split across stream deltas', () => {
  let upstream: Server;
  let gw: TestGateway;
  const DELTAS = [
    'Well then, this answer is long enough ',
    'to release some text before the word comes: ',
    'ver',
    'bo',
    'ten',
    ' end',
  ];

  before(async () => {
    // An OpenAI-compatible upstream whose deltas cut the word in three.
    upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        if (req.url === '/v1/responses') return void res.end(responsesFrames(DELTAS));
        const chunk = (delta: Record<string, unknown>, finish: string | null) =>
          `data: ${JSON.stringify({
            id: 'chatcmpl-split',
            object: 'chat.completion.chunk',
            created: 1,
            model: 'split-model',
            choices: [{ index: 0, delta, finish_reason: finish }],
          })}\n\n`;
        res.write(chunk({ role: 'assistant', content: '' }, null));
        for (const d of DELTAS) res.write(chunk({ content: d }, null));
        res.write(chunk({}, 'stop'));
        res.end('data: [DONE]\n\n');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as AddressInfo).port;
    gw = await startTestGateway({
      config: {
        upstreams: {
          split: { type: 'openai', base_url: `http://127.0.0.1:${port}/v1`, models: ['split-model'] },
        },
        streaming: { hold_back_chars: 32 },
      },
      detectors: [keywordDetector('verboten', 'output')],
      decider: blockOnTest,
    });
  });
  after(async () => {
    await gw.close();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  for (const route of ROUTES) {
    test(`${route}: no piece of the word reaches the client, an error event does`, async () => {
      const events = (await gw.events()).length;
      const res = await post(gw, route, simpleBody(route, 'split-model', true, 'hello'));
      assert.equal(res.status, 200);
      assert.ok(res.text.includes('PARAPET_POLICY_BLOCKED'), res.text);
      const client = streamedOutput(
        route,
        parseSse(res.text)
          .filter((m) => !m.data.includes('PARAPET_POLICY_BLOCKED'))
          .map((m) => `${m.event === null ? '' : `event: ${m.event}\n`}data: ${m.data}\n\n`)
          .join(''),
      );
      assert.ok(client.text.length > 0, res.text);
      assert.ok(DELTAS.join('').startsWith(client.text));
      assert.ok(!client.text.includes('ver'), client.text);
      const all = await gw.waitForEvents(events + 1);
      const ev = all[all.length - 1]!;
      assert.equal(ev.status, 'blocked');
      assert.ok(ev.findings.output.some((f) => f.type === 'FORBIDDEN_WORD'));
    });
  }
});

describe('detector failures are recorded as failures, not findings', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  const throwing: Detector = {
    id: 'test.throws',
    family: 'test',
    inspect() {
      throw new Error('the detector broke');
    },
  };
  const hanging: Detector = {
    id: 'test.hangs',
    family: 'test',
    inspect: () => new Promise<Finding[]>(() => {}),
  };

  before(async () => {
    mock = await startMockUpstream({
      openaiKey: 'sk-upstream-openai-secret',
      anthropicKey: 'sk-ant-upstream-secret',
    });
    gw = await startTestGateway({ config: gatewayConfig(mock.url), detectors: [throwing, hanging] });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  for (const [route, stream] of [
    ['chat', false],
    ['messages', false],
    ['chat', true],
  ] as const) {
    test(`${route} ${stream ? 'streamed' : 'non-streamed'}: the request succeeds with the default decider`, async () => {
      const events = (await gw.events()).length;
      const res = await post(gw, route, simpleBody(route, MODELS[route]['same-format'], stream, 'hi'));
      assert.equal(res.status, 200, res.text);
      const client = stream ? streamedOutput(route, res.text) : jsonOutput(route, res.text);
      assert.equal(client.text, 'Mock reply to: hi');
      const all = await gw.waitForEvents(events + 1);
      const ev = all[all.length - 1]!;
      assert.equal(ev.status, 'success');
      assert.deepEqual(ev.findings, { input: [], output: [] });
      for (const direction of ['input', 'output'] as const) {
        const failures = ev.decision[direction]?.failures ?? [];
        assert.equal(ev.decision[direction]?.action, 'allow');
        const byId = new Map(failures.map((f) => [f.detector, f]));
        assert.equal(byId.get('test.throws')?.reason, 'error', `${direction}: ${JSON.stringify(failures)}`);
        assert.equal(byId.get('test.throws')?.message, 'the detector broke');
        assert.equal(byId.get('test.hangs')?.reason, 'timeout', `${direction}: ${JSON.stringify(failures)}`);
      }
    });
  }
});
