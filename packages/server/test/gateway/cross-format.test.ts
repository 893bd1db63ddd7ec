import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { mockUpstreamConfig, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../helpers/mock-upstream.ts';

/**
 * Cross-format routing through the running gateway: OpenAI-format clients served by the Anthropic
 * upstream and the reverse, streaming and not, with tools. The field-level mapping table is in
 * packages/core/test/providers/cross-format.test.ts; this proves the wiring end to end.
 */
describe('cross-format routing', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    mock = await startMockUpstream({
      openaiKey: 'sk-upstream-openai-secret',
      anthropicKey: 'sk-ant-upstream-secret',
    });
    gw = await startTestGateway({
      config: mockUpstreamConfig(mock.url, {
        models: {
          'claude-as-gpt': { provider: 'anthropic', model: 'claude-3-5-haiku-latest' },
          'gpt-as-claude': { provider: 'openai', model: 'gpt-4o-mini' },
        },
      }),
    });
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test('OpenAI chat client, Anthropic upstream, non-streamed: system, stop reason and usage map', async () => {
    mock.requests.length = 0;
    const res = await openai.chat.completions.create({
      model: 'claude-as-gpt',
      messages: [
        { role: 'system', content: 'sys prompt' },
        { role: 'user', content: 'translate me' },
      ],
      max_tokens: 50,
    });
    assert.equal(res.choices[0]?.message.content, 'Mock reply to: translate me');
    assert.equal(res.choices[0]?.finish_reason, 'stop');
    assert.ok(res.usage && res.usage.prompt_tokens > 0);
    const sent = mock.requests[0]!;
    assert.equal(sent.path, '/v1/messages');
    assert.equal(sent.body.model, 'claude-3-5-haiku-latest');
    assert.equal(sent.body.system, 'sys prompt');
    assert.equal(sent.body.max_tokens, 50);
  });

  test('OpenAI chat client, Anthropic upstream, streamed with a tool call', async () => {
    const stream = await openai.chat.completions.create({
      model: 'claude-as-gpt',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'call_tool please' }],
      tools: [
        { type: 'function', function: { name: 'search', parameters: { type: 'object', properties: {} } } },
      ],
    });
    let text = '';
    let args = '';
    let finish: string | null = null;
    let usage = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = true;
    }
    assert.ok(text.length > 0);
    assert.deepEqual(JSON.parse(args), { query: 'call_tool please' });
    assert.equal(finish, 'tool_calls');
    assert.equal(usage, true);
  });

  test('Anthropic client, OpenAI upstream, streamed and not', async () => {
    mock.requests.length = 0;
    const msg = await anthropic.messages.create({
      model: 'gpt-as-claude',
      max_tokens: 40,
      system: 'sys',
      messages: [{ role: 'user', content: 'hello from anthropic' }],
    });
    const first = msg.content[0];
    assert.ok(first?.type === 'text');
    assert.equal(first.text, 'Mock reply to: hello from anthropic');
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(mock.requests[0]!.path, '/v1/chat/completions');
    assert.equal(mock.requests[0]!.body.messages[0].role, 'system');

    const final = await anthropic.messages
      .stream({
        model: 'gpt-as-claude',
        max_tokens: 40,
        messages: [{ role: 'user', content: 'call_tool streamed' }],
        tools: [{ name: 'search', input_schema: { type: 'object', properties: {} } }],
      })
      .finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    const tool = final.content.find((b) => b.type === 'tool_use');
    assert.ok(tool?.type === 'tool_use');
    assert.deepEqual(tool.input, { query: 'call_tool streamed' });
  });

  test('OpenAI Responses client, Anthropic upstream, streamed', async () => {
    const stream = openai.responses.stream({ model: 'claude-as-gpt', input: 'responses to claude' });
    let text = '';
    stream.on('response.output_text.delta', (e) => {
      text += e.delta;
    });
    const final = await stream.finalResponse();
    assert.equal(text, 'Mock reply to: responses to claude');
    assert.equal(final.status, 'completed');
  });

  test('a tool result in the conversation reaches the other format intact', async () => {
    mock.requests.length = 0;
    await openai.chat.completions.create({
      model: 'claude-as-gpt',
      messages: [
        { role: 'user', content: 'what is the weather' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'rainy, 4C' },
      ],
      tools: [
        { type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: {} } } },
      ],
    });
    const sent = mock.requests[0]!.body;
    const assistant = sent.messages[1];
    assert.equal(assistant.role, 'assistant');
    assert.deepEqual(assistant.content.find((b: { type: string }) => b.type === 'tool_use').input, {
      city: 'Oslo',
    });
    const toolResult = sent.messages[2].content.find((b: { type: string }) => b.type === 'tool_result');
    assert.equal(toolResult.tool_use_id, 'call_1');
  });
});
