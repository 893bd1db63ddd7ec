import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createMockUpstream,
  MOCK_ANSWER,
  MOCK_STREAM_CONTENT_CHUNKS,
  type MockUpstream,
  SERVED_PATH,
} from './mock-upstream.ts';
import { buildChatBody } from './workload.ts';

describe('mock upstream', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await createMockUpstream();
  });
  after(() => mock.close());

  const post = (body: string) =>
    fetch(`${mock.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

  test('answers a non-streaming completion of about 300 bytes with usage', async () => {
    const response = await post(buildChatBody(false));
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.ok(text.length > 250 && text.length < 450, `length ${text.length}`);
    const json = JSON.parse(text) as {
      choices: { message: { content: string } }[];
      usage: { total_tokens: number };
    };
    assert.equal(json.choices[0]?.message.content, MOCK_ANSWER);
    assert.ok(json.usage.total_tokens > 0);
  });

  test('streams about 20 SSE chunks that concatenate to the answer, then [DONE]', async () => {
    const response = await post(buildChatBody(true));
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const events = (await response.text())
      .split('\n\n')
      .filter((e) => e.startsWith('data: '))
      .map((e) => e.slice(6));
    assert.equal(events.at(-1), '[DONE]');
    const chunks = events
      .slice(0, -1)
      .map((e) => JSON.parse(e) as { choices: { delta: { content?: string } }[] });
    assert.equal(chunks.length, MOCK_STREAM_CONTENT_CHUNKS + 2); // + the role chunk and the finish chunk
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), MOCK_ANSWER);
  });

  test('counts served completions and answers 404 elsewhere', async () => {
    const before = Number(await (await fetch(`http://127.0.0.1:${mock.port}${SERVED_PATH}`)).text());
    await (await post('{"stream": true}')).text();
    const afterCount = Number(await (await fetch(`http://127.0.0.1:${mock.port}${SERVED_PATH}`)).text());
    assert.equal(afterCount, before + 1);
    const missing = await fetch(`${mock.baseUrl}/embeddings`, { method: 'POST', body: '{}' });
    assert.equal(missing.status, 404);
    assert.equal(mock.served(), afterCount);
  });
});
