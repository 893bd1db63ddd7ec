import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  buildWrkScript,
  hasCommand,
  type LoadTool,
  luaLongString,
  parseAutocannonOutput,
  parseWrkOutput,
  runLoad,
} from './load-generator.ts';
import { createMockUpstream, type MockUpstream } from './mock-upstream.ts';
import { buildChatBody } from './workload.ts';

describe('wrk script and output', () => {
  test('long strings survive closing brackets and a leading newline', () => {
    assert.equal(luaLongString('a]]b'), '[=[a]]b]=]');
    assert.equal(luaLongString('x]=]y]]'), '[==[x]=]y]]]==]');
    assert.equal(luaLongString('\nz'), '"\\n" .. [[\nz]]');
  });

  test('the script sets method, body and headers, and prints a result line', () => {
    const script = buildWrkScript({
      url: 'http://x/',
      headers: { authorization: 'Bearer k' },
      body: '{"a":"]]"}',
    });
    assert.match(script, /wrk\.method = "POST"/);
    assert.match(script, /wrk\.body = \[=\[\{"a":"\]\]"\}\]=\]/);
    assert.match(script, /wrk\.headers\[ \[\[authorization\]\] \] = \[\[Bearer k\]\]/);
    assert.match(script, /function done\(summary, latency, requests\)/);
  });

  test('parses the result line into req/s and milliseconds', () => {
    const stdout =
      'Running 1s test\nPARAPET_BENCH_RESULT {"requests":2000,"durationUs":2000000,"p50Us":150,"p99Us":2500,' +
      '"status":3,"connect":0,"read":1,"write":0,"timeout":1}\n';
    const result = parseWrkOutput(stdout, 10);
    assert.deepEqual(result, {
      tool: 'wrk',
      connections: 10,
      requests: 2000,
      durationSeconds: 2,
      requestsPerSecond: 1000,
      p50Ms: 0.15,
      p99Ms: 2.5,
      non2xx: 3,
      socketErrors: 2,
    });
    assert.equal(parseWrkOutput('no marker', 1), undefined);
  });

  test('parses autocannon --json output', () => {
    const stdout = JSON.stringify({
      duration: 2,
      errors: 1,
      timeouts: 0,
      non2xx: 4,
      latency: { p50: 1, p99: 7 },
      requests: { total: 500 },
    });
    assert.deepEqual(parseAutocannonOutput(stdout, 5), {
      tool: 'autocannon',
      connections: 5,
      requests: 500,
      durationSeconds: 2,
      requestsPerSecond: 250,
      p50Ms: 1,
      p99Ms: 7,
      non2xx: 4,
      socketErrors: 1,
    });
    assert.equal(parseAutocannonOutput('not json', 5), undefined);
  });
});

describe('runLoad against the mock upstream', () => {
  let mock: MockUpstream;
  const workDir = join(import.meta.dirname, '.work');
  before(async () => {
    mkdirSync(workDir, { recursive: true });
    mock = await createMockUpstream();
  });
  after(() => mock.close());

  const tools: LoadTool[] = hasCommand('wrk') ? ['wrk', 'autocannon'] : ['autocannon'];
  for (const tool of tools) {
    test(`${tool} drives POST requests and reports them`, async () => {
      const served = mock.served();
      const result = await runLoad({
        tool,
        request: {
          url: `${mock.baseUrl}/chat/completions`,
          headers: { 'content-type': 'application/json' },
          body: buildChatBody(true),
        },
        connections: 2,
        durationSeconds: 1,
        workDir,
      });
      assert.equal(result.tool, tool);
      assert.ok(result.requests > 0);
      assert.equal(result.non2xx, 0);
      assert.ok(mock.served() - served >= result.requests);
      assert.ok(result.p99Ms >= result.p50Ms);
    });
  }
});
