import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ALLOW, type Detector, type Finding } from '@parapet/core';
import { unmodelledText } from '../../src/gateway/stream-flow.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

test('unmodelledText collects strings under text-like keys only', () => {
  const data = JSON.stringify({
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'thinking_delta', thinking: 'secret plan' },
    id: 'abc',
  });
  assert.equal(unmodelledText(data), 'secret plan');
  assert.equal(unmodelledText('[DONE]'), '');
  assert.equal(unmodelledText('{"type":"ping"}'), '');
  assert.equal(unmodelledText('{not json'), '');
});

/**
 * An Anthropic stream carrying extended-thinking text, which the Messages decoder does not model: with a
 * detector configured, that text is still inspected before it is forwarded, and a block stops it.
 */
describe('same-format streams with event types the decoder does not model', () => {
  const upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const events: [string, unknown][] = [
        [
          'message_start',
          {
            type: 'message_start',
            message: {
              id: 'msg_1',
              type: 'message',
              role: 'assistant',
              model: 'claude-x',
              content: [],
              stop_reason: null,
              usage: { input_tokens: 3, output_tokens: 0 },
            },
          },
        ],
        [
          'content_block_start',
          { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
        ],
        [
          'content_block_delta',
          {
            type: 'content_block_delta',
            index: 0,
            delta: { type: 'thinking_delta', thinking: 'the forbidden plan' },
          },
        ],
        ['content_block_stop', { type: 'content_block_stop', index: 0 }],
        [
          'content_block_start',
          { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
        ],
        [
          'content_block_delta',
          { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'fine answer' } },
        ],
        ['content_block_stop', { type: 'content_block_stop', index: 1 }],
        [
          'message_delta',
          { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 4 } },
        ],
        ['message_stop', { type: 'message_stop' }],
      ];
      for (const [event, data] of events) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      res.end();
    });
  });
  const seen: string[] = [];
  const detector: Detector = {
    id: 'test.forbidden',
    family: 'test',
    inspect(segments) {
      const out: Finding[] = [];
      for (const s of segments) {
        seen.push(s.text);
        const at = s.text.indexOf('forbidden');
        if (at >= 0) {
          out.push({
            family: 'test',
            type: 'WORD',
            score: 1,
            segment: s.index,
            span: { start: at, end: at + 9 },
            detector: 'test.forbidden',
          });
        }
      }
      return out;
    },
  };
  let gw: TestGateway;

  before(async () => {
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as AddressInfo).port;
    gw = await startTestGateway({
      config: {
        upstreams: { anthropic: { type: 'anthropic', base_url: `http://127.0.0.1:${port}`, api_key: 'k' } },
      },
      detectors: [detector],
      decider: (input) =>
        input.direction === 'output' && input.findings.length > 0
          ? { action: 'block', ruleId: 'test', message: 'blocked', findings: [0], failures: [], tags: [] }
          : ALLOW,
    });
  });
  after(async () => {
    await gw.close();
    await new Promise((r) => upstream.close(r));
  });

  test('thinking text is inspected and the block keeps it from the client', async () => {
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': gw.key, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-x',
        max_tokens: 10,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    const body = await res.text();
    assert.ok(seen.some((t) => t.includes('the forbidden plan')));
    assert.ok(!body.includes('forbidden plan'));
    assert.ok(body.includes('PARAPET_POLICY_BLOCKED'));
  });
});
