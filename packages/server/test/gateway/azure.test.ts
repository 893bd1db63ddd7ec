import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/**
 * Azure OpenAI: deployments in the path, `api-version` in the query, `api-key` instead of Authorization.
 * A tiny server here checks exactly what Azure would receive.
 */
describe('Azure OpenAI upstream', () => {
  const seen: Seen[] = [];
  const azure = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(raw) });
      res.writeHead(200, { 'content-type': 'application/json' });
      if ((req.url ?? '').includes('/embeddings')) {
        res.end(
          JSON.stringify({
            object: 'list',
            data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
            model: 'x',
            usage: { prompt_tokens: 1, total_tokens: 1 },
          }),
        );
        return;
      }
      res.end(
        JSON.stringify({
          id: 'chatcmpl-az',
          object: 'chat.completion',
          created: 1,
          model: 'gpt-4o',
          choices: [
            { index: 0, message: { role: 'assistant', content: 'from azure' }, finish_reason: 'stop' },
          ],
          usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
        }),
      );
    });
  });
  let gw: TestGateway;
  let client: OpenAI;

  before(async () => {
    await new Promise<void>((r) => azure.listen(0, '127.0.0.1', r));
    const port = (azure.address() as AddressInfo).port;
    gw = await startTestGateway({
      config: {
        upstreams: {
          azure: {
            type: 'openai',
            base_url: `http://127.0.0.1:${port}/openai`,
            api_key: 'azure-secret-key',
            azure: {
              api_version: '2024-10-21',
              deployments: { 'gpt-4o': 'prod-gpt4o', 'text-embedding-3-small': 'emb' },
            },
          },
        },
      },
    });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await new Promise((r) => azure.close(r));
  });

  test('chat completions go to the deployment with api-version and api-key', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(res.choices[0]?.message.content, 'from azure');
    const req = seen.at(-1)!;
    assert.equal(req.url, '/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21');
    assert.equal(req.headers['api-key'], 'azure-secret-key');
    assert.equal(req.headers.authorization, undefined);
  });

  test('embeddings go to their deployment too', async () => {
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'x', encoding_format: 'float' });
    assert.equal(seen.at(-1)!.url, '/openai/deployments/emb/embeddings?api-version=2024-10-21');
  });

  test('the Responses API is served through the deployment with Chat Completions', async () => {
    const res = await client.responses.create({ model: 'gpt-4o', input: 'hello' });
    assert.equal(res.output_text, 'from azure');
    assert.equal(seen.at(-1)!.url, '/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21');
  });
});
