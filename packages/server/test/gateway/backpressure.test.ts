import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const CHUNKS = 40_000;
const PIECE = 'x'.repeat(1000);

/**
 * A client that stops reading must stop the upstream too: the gateway reads from the upstream only as
 * fast as the client takes the stream, instead of buffering it in memory.
 */
describe('stream backpressure', () => {
  let written = 0;
  let finished = false;
  const upstream = createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < CHUNKS; i++) {
        const chunk = {
          id: 'c',
          object: 'chat.completion.chunk',
          created: 1,
          model: 'gpt-x',
          choices: [{ index: 0, delta: { content: PIECE }, finish_reason: null }],
        };
        const ok = res.write(`data: ${JSON.stringify(chunk)}\n\n`);
        written++;
        if (!ok) await new Promise<void>((r) => res.once('drain', () => r()));
        if (res.destroyed) return;
      }
      res.write(
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-x', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
      );
      res.end('data: [DONE]\n\n');
      finished = true;
    });
  });
  let gw: TestGateway;

  before(async () => {
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as AddressInfo).port;
    gw = await startTestGateway({
      config: {
        upstreams: {
          openai: {
            type: 'openai',
            base_url: `http://127.0.0.1:${port}/v1`,
            api_key: 'k',
            models: ['gpt-*'],
          },
        },
      },
    });
  });
  after(async () => {
    await gw.close();
    await new Promise((r) => upstream.close(r));
  });

  test('a paused client pauses the upstream; resuming delivers everything', async () => {
    const url = new URL(`${gw.url}/v1/chat/completions`);
    const body = JSON.stringify({
      model: 'gpt-x',
      stream: true,
      messages: [{ role: 'user', content: 'go' }],
    });
    const received = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.key}` },
        },
        (res) => {
          assert.equal(res.statusCode, 200);
          res.pause();
          setTimeout(() => {
            // About 40 MB would have been produced by now without backpressure.
            assert.ok(
              written < CHUNKS / 4,
              `the upstream wrote ${written} of ${CHUNKS} chunks while the client was paused`,
            );
            assert.equal(finished, false);
            let bytes = 0;
            res.on('data', (c: Buffer) => {
              bytes += c.length;
            });
            res.on('end', () => resolve(bytes));
            res.resume();
          }, 600);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(finished, true);
    assert.ok(received > CHUNKS * PIECE.length);
  });
});
