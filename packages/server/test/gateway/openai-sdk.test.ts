import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { decryptContent, loadContentKey } from '../../src/store/index.ts';
import { mockUpstreamConfig, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../helpers/mock-upstream.ts';

describe('OpenAI SDK through the gateway to an OpenAI upstream', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let client: OpenAI;

  before(async () => {
    mock = await startMockUpstream({
      openaiKey: 'sk-upstream-openai-secret',
      anthropicKey: 'sk-ant-upstream-secret',
    });
    gw = await startTestGateway({
      config: mockUpstreamConfig(mock.url, {
        models: {
          'gpt-4o-mini': {
            provider: 'openai',
            aliases: ['mini'],
            price: { input_per_mtok: 1, output_per_mtok: 2 },
          },
        },
      }),
    });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test('non-streamed chat completion passes every field through and records one event', async () => {
    mock.requests.length = 0;
    const res = await client.chat.completions.create({
      model: 'mini',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello there' },
      ],
      temperature: 0.2,
      seed: 7,
      logprobs: false,
      response_format: { type: 'json_object' },
      metadata: { ticket: 'T-1' },
    });
    assert.equal(res.choices[0]?.message.content, 'Mock reply to: hello there');
    const sent = mock.requests[0]!;
    assert.equal(sent.body.model, 'gpt-4o-mini');
    assert.equal(sent.body.seed, 7);
    assert.equal(sent.body.temperature, 0.2);
    assert.deepEqual(sent.body.response_format, { type: 'json_object' });
    assert.deepEqual(sent.body.metadata, { ticket: 'T-1' });
    assert.equal(sent.headers.authorization, 'Bearer sk-upstream-openai-secret');
    const events = await gw.waitForEvents(1);
    const ev = events.find((e) => e.modelRequested === 'mini')!;
    assert.equal(ev.status, 'success');
    assert.equal(ev.route, 'chat.completions');
    assert.equal(ev.modelServed, 'gpt-4o-mini');
    assert.equal(ev.provider, 'openai');
    assert.equal(ev.principal.user, 'alice');
    assert.deepEqual(ev.principal.groups, ['eng']);
    assert.equal(ev.principal.keyId, gw.keyId);
    assert.equal(ev.usage?.estimated, false);
    assert.equal(ev.usage?.inputTokens, res.usage?.prompt_tokens);
    assert.ok(ev.costUsd !== null && ev.costUsd > 0);
    assert.ok(ev.latency.totalMs >= ev.latency.overheadMs);
    assert.ok(ev.latency.upstreamTtfbMs !== null);
    assert.equal(ev.contentMode, 'encrypted');
    const key = loadContentKey({ dataDir: gw.dataDir }).key;
    const content = JSON.parse(decryptContent(key, ev.content!));
    assert.equal(content.request.messages[1].content, 'hello there');
    assert.equal(content.response.choices[0].message.content, 'Mock reply to: hello there');
  });

  test('streamed chat completion with tools arrives whole, usage recorded but not sent when not asked', async () => {
    mock.requests.length = 0;
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'please call_tool now' }],
      tools: [
        { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } },
      ],
    });
    let args = '';
    let name = '';
    let finish: string | null = null;
    let usageChunks = 0;
    for await (const chunk of stream) {
      if (chunk.usage) usageChunks++;
      const call = chunk.choices[0]?.delta.tool_calls?.[0];
      if (call?.function?.name) name = call.function.name;
      if (call?.function?.arguments) args += call.function.arguments;
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(name, 'lookup');
    assert.deepEqual(JSON.parse(args), { query: 'please call_tool now' });
    assert.equal(finish, 'tool_calls');
    assert.equal(usageChunks, 0);
    assert.equal(mock.requests[0]!.body.stream_options.include_usage, true);
    const events = await gw.waitForEvents(2);
    const ev = events[events.length - 1]!;
    assert.equal(ev.stream, true);
    assert.equal(ev.status, 'success');
    assert.equal(ev.usage?.estimated, false);
  });

  test('streamed chat completion with include_usage gets the usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'count' }],
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'Mock reply to: count');
    assert.ok(usage && usage.completion_tokens > 0);
  });

  test('responses API, streamed and not', async () => {
    const res = await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'hi responses',
      instructions: 'be kind',
    });
    assert.equal(res.output_text, 'Mock reply to: hi responses');
    const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'stream responses' });
    let deltas = '';
    stream.on('response.output_text.delta', (e) => {
      deltas += e.delta;
    });
    const final = await stream.finalResponse();
    assert.equal(deltas, 'Mock reply to: stream responses');
    const item = final.output[0];
    assert.ok(item?.type === 'message' && item.content[0]?.type === 'output_text');
    assert.equal(item.content[0].text, 'Mock reply to: stream responses');
  });

  test('embeddings and models', async () => {
    const emb = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    assert.equal(emb.data.length, 2);
    const models = await client.models.list();
    const ids = models.data.map((m) => m.id);
    assert.ok(ids.includes('gpt-4o-mini'));
    assert.ok(ids.includes('mini'));
  });

  test('errors come in the OpenAI shape with stable codes', async () => {
    const bad = new OpenAI({
      baseURL: `${gw.url}/v1`,
      apiKey: 'ppk_aaaaaaaaaaaa_notarealkeynotarealkeynotarealkeynotarealkey0',
      maxRetries: 0,
    });
    await assert.rejects(
      bad.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.AuthenticationError);
        assert.equal(err.code, 'PARAPET_AUTH_INVALID_KEY');
        return true;
      },
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'nope-model', messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.NotFoundError);
        assert.equal(err.code, 'PARAPET_MODEL_NOT_FOUND');
        return true;
      },
    );
    await assert.rejects(
      // @ts-expect-error: wrong type on purpose
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: 'not a list' }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.BadRequestError);
        assert.equal(err.code, 'PARAPET_REQUEST_INVALID');
        return true;
      },
    );
  });
});
