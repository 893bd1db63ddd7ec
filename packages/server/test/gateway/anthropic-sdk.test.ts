import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { mockUpstreamConfig, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../helpers/mock-upstream.ts';

describe('Anthropic SDK through the gateway', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let client: Anthropic;

  before(async () => {
    mock = await startMockUpstream({
      openaiKey: 'sk-upstream-openai-secret',
      anthropicKey: 'sk-ant-upstream-secret',
    });
    gw = await startTestGateway({ config: mockUpstreamConfig(mock.url) });
    client = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test('messages, non-streamed, pass through with the upstream credentials added by the gateway', async () => {
    mock.requests.length = 0;
    const msg = await client.messages.create({
      model: 'claude-3-5-haiku-latest',
      max_tokens: 64,
      system: 'be brief',
      messages: [{ role: 'user', content: 'hello anthropic' }],
      metadata: { user_id: 'u-1' },
    });
    const block = msg.content[0];
    assert.ok(block?.type === 'text');
    assert.equal(block.text, 'Mock reply to: hello anthropic');
    const sent = mock.requests[0]!;
    assert.equal(sent.path, '/v1/messages');
    assert.equal(sent.headers['x-api-key'], 'sk-ant-upstream-secret');
    assert.ok(sent.headers['anthropic-version']);
    assert.equal(sent.body.system, 'be brief');
    assert.deepEqual(sent.body.metadata, { user_id: 'u-1' });
    assert.notEqual(sent.headers.authorization, `Bearer ${gw.key}`);
  });

  test('messages, streamed, with a tool_use block', async () => {
    const stream = client.messages.stream({
      model: 'claude-3-5-haiku-latest',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'please call_tool for me' }],
      tools: [{ name: 'lookup', description: 'find', input_schema: { type: 'object', properties: {} } }],
    });
    const final = await stream.finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    const tool = final.content.find((b) => b.type === 'tool_use');
    assert.ok(tool && tool.type === 'tool_use');
    assert.equal(tool.name, 'lookup');
    assert.deepEqual(tool.input, { query: 'please call_tool for me' });
    const events = await gw.waitForEvents(2);
    const ev = events[events.length - 1]!;
    assert.equal(ev.route, 'messages');
    assert.equal(ev.stream, true);
    assert.equal(ev.status, 'success');
    assert.ok(ev.usage && ev.usage.outputTokens > 0);
  });

  test('errors arrive in the Anthropic shape', async () => {
    await assert.rejects(
      client.messages.create({
        model: 'no-such-model',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
      }),
      (err: unknown) => {
        assert.ok(err instanceof Anthropic.NotFoundError);
        const body = err.error as { type: string; error: { type: string; code: string } };
        assert.equal(body.type, 'error');
        assert.equal(body.error.type, 'not_found_error');
        assert.equal(body.error.code, 'PARAPET_MODEL_NOT_FOUND');
        return true;
      },
    );
  });
});
