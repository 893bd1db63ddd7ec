/**
 * Host extraction, matching hosts to catalog services (exact and `*.suffix`, linear in the host), the
 * candidate heuristics, timestamps, and folding records into usage and candidates.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createDiscoveryAggregator, UNKNOWN_USER } from '../../src/discovery/aggregate.ts';
import { aiHostReason } from '../../src/discovery/candidates.ts';
import { type AiService, createServiceCatalog, shippedServiceCatalog } from '../../src/discovery/catalog.ts';
import { hostOf, isIpAddress } from '../../src/discovery/host.ts';
import { importLogs, summarizeImport } from '../../src/discovery/import-logs.ts';
import {
  parseAnyTime,
  parseCtime,
  parseEpoch,
  parseIsoLike,
  parseMonthFirst,
} from '../../src/discovery/parsers/time.ts';
import type { LogRecord } from '../../src/discovery/parsers/types.ts';
import { createServiceMatcher } from '../../src/discovery/service-matcher.ts';

const UNKNOWN_RISK = {
  trains_on_user_data_by_default: 'unknown',
  enterprise_plan: 'unknown',
  data_residency: 'unknown',
  certifications: 'unknown',
} as const;

function svc(id: string, domains: string[]): AiService {
  return { id, name: id, vendor: 'Test', category: 'chat', domains, risk: UNKNOWN_RISK };
}

describe('hostOf', () => {
  const cases: [string, string | null][] = [
    ['chatgpt.com', 'chatgpt.com'],
    ['ChatGPT.com.', 'chatgpt.com'],
    ['chatgpt.com:443', 'chatgpt.com'],
    ['https://chatgpt.com/backend-api/conversation?x=1', 'chatgpt.com'],
    ['http://user:pw@claude.ai:8080/#frag', 'claude.ai'],
    ['chatgpt.com/backend-api/conversation', 'chatgpt.com'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['10.1.2.3', '10.1.2.3'],
    ['my_host.internal', 'my_host.internal'],
    ['-', null],
    ['', null],
    ['exa mple.com', null],
    ['chatgpt.com:https', null],
    ['a..b', null],
    [`${'a'.repeat(64)}.com`, null],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(hostOf(input), expected));
  }
  test('IP addresses are told apart from names', () => {
    assert.equal(isIpAddress('10.1.2.3'), true);
    assert.equal(isIpAddress('2001:db8::1'), true);
    assert.equal(isIpAddress('10.1.2.example'), false);
    assert.equal(isIpAddress('chatgpt.com'), false);
  });
});

describe('the service matcher', () => {
  const matcher = createServiceMatcher([
    svc('wide', ['*.example.com']),
    svc('narrow', ['*.api.example.com']),
    svc('exact', ['chat.api.example.com', 'example.com']),
    svc('single', ['only.example.org']),
  ]);
  const id = (host: string) => matcher.match(host)?.id ?? null;

  test('an exact pattern wins over any wildcard; the longest wildcard suffix wins among them', () => {
    assert.equal(id('chat.api.example.com'), 'exact');
    assert.equal(id('v1.api.example.com'), 'narrow');
    assert.equal(id('deep.v1.api.example.com'), 'narrow');
    assert.equal(id('www.example.com'), 'wide');
    assert.equal(id('example.com'), 'exact');
  });

  test('`*.x` does not match `x` itself nor look-alike domains; exact patterns match only themselves', () => {
    const m = createServiceMatcher([svc('w', ['*.example.net']), svc('s', ['only.example.org'])]);
    assert.equal(m.match('example.net'), null);
    assert.equal(m.match('badexample.net'), null);
    assert.equal(m.match('example.net.evil.com'), null);
    assert.equal(m.match('x.only.example.org'), null);
    assert.equal(m.match('only.example.org')?.id, 's');
  });

  test('the shipped catalog: main hosts of well-known services', () => {
    const shipped = createServiceMatcher(shippedServiceCatalog().services);
    const expected: Record<string, string> = {
      'chatgpt.com': 'chatgpt',
      'ab.chatgpt.com': 'chatgpt',
      'sora.chatgpt.com': 'sora',
      'files.oaiusercontent.com': 'chatgpt',
      'api.openai.com': 'openai-api',
      'claude.ai': 'claude',
      'api.anthropic.com': 'anthropic-api',
      'gemini.google.com': 'gemini',
      'generativelanguage.googleapis.com': 'gemini-api',
      'myres.openai.azure.com': 'azure-openai',
      'api.individual.githubcopilot.com': 'github-copilot',
      'chat.deepseek.com': 'deepseek',
      'api.deepseek.com': 'deepseek-api',
      'www.perplexity.ai': 'perplexity',
      'bedrock-runtime.eu-central-1.amazonaws.com': 'amazon-bedrock',
    };
    for (const [host, service] of Object.entries(expected))
      assert.equal(shipped.match(host)?.id, service, host);
    for (const host of ['www.google.com', 'openai.com', 'github.com', 's3.amazonaws.com', 'example.com']) {
      assert.equal(shipped.match(host), null, host);
    }
  });

  test('time grows with the host, not with the catalog: 200,000 lookups in well under a second', () => {
    const big = createServiceMatcher(
      Array.from({ length: 5000 }, (_, i) => svc(`s${i}`, [`svc${i}.example`, `*.svc${i}.example`])),
    );
    const started = performance.now();
    let hits = 0;
    for (let i = 0; i < 200_000; i++) if (big.match(`a.b.c.svc${i % 7000}.example`) !== null) hits++;
    assert.ok(hits > 0);
    assert.ok(performance.now() - started < 1000);
  });
});

describe('candidates: AI-looking hosts', () => {
  test('each heuristic names its reason', () => {
    assert.equal(aiHostReason('superchat.ai'), 'the `.ai` top-level domain');
    assert.match(aiHostReason('gpt4free.example.net')!, /`gpt` in label `gpt4free`/);
    assert.match(aiHostReason('api.llmrouter.example.io')!, /`llm` in label `llmrouter`/);
    assert.match(aiHostReason('copilot.cloudapps.example.net')!, /label `copilot`/);
    assert.match(aiHostReason('studio.example-genai.com')!, /`genai` in label `example-genai`/);
    assert.match(aiHostReason('my-ai-tool.example.com')!, /word `ai` in label `my-ai-tool`/);
    assert.match(aiHostReason('chat.example.org')!, /label `chat`/);
    assert.match(aiHostReason('openai-proxy.corp.example')!, /`openai`/);
  });

  test('ordinary hosts and IP addresses are not candidates', () => {
    for (const host of [
      'www.example.com',
      'mail.google.com',
      'thailand.example',
      'said.example.com',
      '10.1.2.3',
      '2001:db8::1',
      'chateau.example.fr',
    ]) {
      assert.equal(aiHostReason(host), null, host);
    }
  });
});

describe('timestamps', () => {
  test('the formats logs write', () => {
    assert.equal(parseEpoch('1718893751.123'), '2024-06-20T14:29:11.123Z');
    assert.equal(parseEpoch('1718893751123'), '2024-06-20T14:29:11.123Z');
    assert.equal(parseIsoLike('2024-06-20T15:29:11Z'), '2024-06-20T15:29:11.000Z');
    assert.equal(parseIsoLike('2024-06-20 15:29:11.5'), '2024-06-20T15:29:11.500Z');
    assert.equal(parseIsoLike('2024-06-20T17:29:11+02:00'), '2024-06-20T15:29:11.000Z');
    assert.equal(parseIsoLike('2024-06-20T10:29:11-0500'), '2024-06-20T15:29:11.000Z');
    assert.equal(parseMonthFirst('Jun 20 2024 15:29:11'), '2024-06-20T15:29:11.000Z');
    assert.equal(parseMonthFirst('Jun 20 2024 15:29:11.250 UTC'), '2024-06-20T15:29:11.250Z');
    assert.equal(parseCtime('Thu Jun 20 15:29:11 2024'), '2024-06-20T15:29:11.000Z');
    assert.equal(parseCtime('Thu Jun  2 15:29:11 2024'), '2024-06-02T15:29:11.000Z');
    assert.equal(parseAnyTime(' 2024-06-20 '), '2024-06-20T00:00:00.000Z');
  });

  test('impossible dates and unknown zones are refused', () => {
    for (const bad of [
      '2024-02-30T00:00:00Z',
      '2024-06-20T25:00:00Z',
      '2024-06-20T10:00:00 CEST',
      'Foo 20 2024 15:29:11',
      '12',
      '1e9',
      'tomorrow',
      '4102444800000000',
    ]) {
      assert.equal(parseAnyTime(bad), null, bad);
    }
  });
});

describe('the aggregator', () => {
  const record = (over: Partial<LogRecord>): LogRecord => ({
    time: '2024-06-20T15:00:00.000Z',
    user: 'alice',
    client: '10.0.0.1',
    host: 'chatgpt.com',
    bytesUp: 10,
    bytesDown: 100,
    ...over,
  });

  test('usage per user × service × host with sums and first/last seen; candidates per host × user', () => {
    const agg = createDiscoveryAggregator({
      matcher: createServiceMatcher(shippedServiceCatalog().services),
    });
    agg.add(record({ time: '2024-06-20T15:00:00.000Z' }));
    agg.add(record({ time: '2024-06-20T14:00:00.000Z', bytesUp: 5 }));
    agg.add(record({ time: null }));
    agg.add(record({ user: null, client: '10.0.0.9', host: 'ab.chatgpt.com' }));
    agg.add(record({ user: null, client: null, host: 'gpt-tools.example.net' }));
    agg.add(record({ host: 'www.example.com' }));
    const t = agg.tally();
    assert.deepEqual([t.records, t.matched, t.candidateRecords], [6, 4, 1]);
    const alice = t.usage.find((u) => u.user === 'alice')!;
    assert.deepEqual(alice, {
      user: 'alice',
      serviceId: 'chatgpt',
      host: 'chatgpt.com',
      requests: 3,
      bytesUp: 25,
      bytesDown: 300,
      firstSeen: '2024-06-20T14:00:00.000Z',
      lastSeen: '2024-06-20T15:00:00.000Z',
    });
    assert.ok(t.usage.some((u) => u.user === '10.0.0.9' && u.host === 'ab.chatgpt.com'));
    assert.deepEqual(
      t.candidates.map((c) => [c.host, c.user, c.requests]),
      [['gpt-tools.example.net', UNKNOWN_USER, 1]],
    );
  });

  test('imports several sources and summarizes per service and candidate, most requests first', async () => {
    const catalog = createServiceCatalog({
      version: 1,
      updated: '2026-01-01',
      services: [svc('alpha', ['alpha.example']), svc('beta', ['*.beta.example'])],
    });
    const result = await importLogs(
      [
        {
          kind: 'text',
          name: 'a.csv',
          text: 'host,user\nalpha.example,ann\nx.beta.example,ann\ny.beta.example,bob\n',
        },
        {
          kind: 'text',
          name: 'b.csv',
          text: 'url,user,bytes_out\nhttps://z.beta.example/,cy,7\nhttps://gpt.corp.example/,cy,1\nbad,"\n',
        },
      ],
      { format: 'csv', catalog },
    );
    assert.deepEqual([result.lines, result.malformed, result.tally.records], [8, 1, 5]);
    const summary = summarizeImport(result, catalog);
    assert.deepEqual(
      summary.services.map((s) => [s.id, s.users, s.requests, s.bytesUp]),
      [
        ['beta', 3, 3, 7],
        ['alpha', 1, 1, 0],
      ],
    );
    assert.deepEqual(
      summary.candidates.map((c) => [c.host, c.users]),
      [['gpt.corp.example', 1]],
    );
  });
});
