import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createMockUpstream, type MockUpstream } from './mock-upstream.ts';
import { createFirstContentFinder, measureTtft } from './ttft-client.ts';

describe('first content finder', () => {
  const stream =
    'data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\r\n\r\n' +
    'data: {"choices":[{"delta":{"content":"Hi"}}]}\r\n\r\ndata: [DONE]\r\n\r\n';

  test('ignores the empty role chunk and finds the first content chunk at every split point', () => {
    const contentLineEnd = stream.indexOf('\n', stream.indexOf('"Hi"')) + 1;
    for (let split = 1; split < stream.length; split++) {
      const finder = createFirstContentFinder();
      assert.equal(finder.push(stream.slice(0, split)), split >= contentLineEnd, `first part up to ${split}`);
      assert.equal(finder.push(stream.slice(split)), true, `split at ${split}`);
    }
  });

  test('does not report a stream without content', () => {
    const finder = createFirstContentFinder();
    assert.equal(
      finder.push('data: {"choices":[{"delta":{}}]}\n\ndata: not json\n\ndata: [DONE]\n\n'),
      false,
    );
    assert.equal(finder.found(), false);
  });
});

describe('measureTtft', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await createMockUpstream();
  });
  after(() => mock.close());

  test('measures every stream over loopback', async () => {
    const result = await measureTtft({
      url: `${mock.baseUrl}/chat/completions`,
      headers: {},
      count: 20,
      warmup: 2,
    });
    assert.equal(result.errors, 0);
    assert.equal(result.ttftMs.length, 20);
    assert.ok(result.ttftMs.every((t, i) => t > 0 && t <= result.totalMs[i]!));
  });

  test('counts a 404 as an error, not a sample', async () => {
    const result = await measureTtft({ url: `${mock.baseUrl}/nowhere`, headers: {}, count: 3 });
    assert.equal(result.errors, 3);
    assert.equal(result.ttftMs.length, 0);
  });
});
