/**
 * The event record through the running gateway: exactly one event per request whatever its outcome, with
 * the right fields; content stored per content mode; and no event lost when the PostgreSQL store goes
 * away in the middle of traffic.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Decider, Detector, Event, Finding } from '@parapet/core';
import { allowAll } from '@parapet/core';
import { decryptContent, loadContentKey } from '../../src/store/index.ts';
import { mockUpstreamConfig, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../helpers/mock-upstream.ts';
import { adminQuery, POSTGRES_URL, startProxy, throughProxy } from '../store/store-fixtures.ts';

const PRICES = {
  gpt: { input_per_mtok: 1, output_per_mtok: 2 },
  claude: { input_per_mtok: 3, output_per_mtok: 15 },
  echo: { input_per_mtok: 0.5, output_per_mtok: 1.5 },
};

function config(mockUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base = mockUpstreamConfig(mockUrl, {
    models: {
      'gpt-4o-mini': { provider: 'openai', aliases: ['mini'], price: PRICES.gpt },
      'claude-3-5-haiku': { provider: 'anthropic', price: PRICES.claude },
      echo: { provider: 'echo', price: PRICES.echo },
    },
    ...extra,
  });
  return { ...base, upstreams: { ...(base.upstreams as object), echo: { type: 'echo' } } };
}

/** A detector (family `test`) flagging `word` as `type`, in both directions. */
function wordDetector(word: string, family: string, type: string): Detector {
  return {
    id: `${family}.word`,
    family,
    inspect(segments) {
      const findings: Finding[] = [];
      for (const s of segments) {
        for (let at = s.text.indexOf(word); at >= 0; at = s.text.indexOf(word, at + 1)) {
          findings.push({
            family,
            type,
            score: 1,
            segment: s.index,
            span: { start: at, end: at + word.length },
            detector: `${family}.word`,
          });
        }
      }
      return findings;
    },
  };
}

const blockOnTest: Decider = (input) => {
  const hits = input.findings.flatMap((f, i) => (f.family === 'test' ? [i] : []));
  if (hits.length === 0) return allowAll(input);
  return { action: 'block', ruleId: 'no-forbidden', findings: hits, failures: [], tags: [] };
};

interface Sent {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: reading arbitrary wire JSON
  body: any;
  text: string;
}

async function send(
  gw: TestGateway,
  path: string,
  body: unknown,
  options: { key?: string | null; anthropic?: boolean; raw?: string } = {},
): Promise<Sent> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const key = options.key === undefined ? gw.key : options.key;
  if (options.anthropic) {
    headers['anthropic-version'] = '2023-06-01';
    if (key !== null) headers['x-api-key'] = key;
  } else if (key !== null) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers,
    body: options.raw ?? JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  return { status: res.status, body: parsed, text };
}

/** Sends one request and returns the one event it produced (asserting there is exactly one). */
async function oneEvent(
  gw: TestGateway,
  request: () => Promise<Sent>,
): Promise<{ sent: Sent; event: Event }> {
  const before = await gw.events();
  const sent = await request();
  const after = await gw.waitForEvents(before.length + 1);
  // Give a stray second event the chance to show up.
  await new Promise((r) => setTimeout(r, 30));
  const all = await gw.events();
  assert.equal(all.length, before.length + 1, 'exactly one event per request');
  const known = new Set(before.map((e) => e.id));
  const fresh = all.filter((e) => !known.has(e.id));
  assert.equal(fresh.length, 1);
  assert.ok(after.length >= before.length + 1);
  return { sent, event: fresh[0]! };
}

function assertLatency(ev: Event, upstream: boolean): void {
  const l = ev.latency;
  assert.ok(l.totalMs >= 0);
  assert.ok(l.overheadMs >= 0);
  assert.ok(l.overheadMs <= l.totalMs, JSON.stringify(l));
  if (upstream) {
    assert.ok(l.upstreamTtfbMs !== null && l.upstreamTtfbMs >= 0, JSON.stringify(l));
    assert.ok(l.upstreamTotalMs !== null && l.upstreamTotalMs >= 0, JSON.stringify(l));
    assert.ok(l.upstreamTotalMs <= l.totalMs);
  }
}

function cost(price: { input_per_mtok: number; output_per_mtok: number }, usage: Event['usage']): number {
  assert.ok(usage);
  return (usage.inputTokens * price.input_per_mtok + usage.outputTokens * price.output_per_mtok) / 1_000_000;
}

describe('one event per request, with the right fields', () => {
  let mock: MockUpstream;
  let gw: TestGateway;

  before(async () => {
    mock = await startMockUpstream({
      openaiKey: 'sk-upstream-openai-secret',
      anthropicKey: 'sk-ant-upstream-secret',
    });
    gw = await startTestGateway({
      config: config(mock.url),
      detectors: [wordDetector('forbidden', 'test', 'FORBIDDEN_WORD')],
      decider: blockOnTest,
    });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test('success, non-streamed, through an alias: exact usage from the upstream and its cost', async () => {
    const { sent, event: ev } = await oneEvent(gw, () =>
      send(gw, '/v1/chat/completions', { model: 'mini', messages: [{ role: 'user', content: 'hello' }] }),
    );
    assert.equal(sent.status, 200);
    assert.deepEqual(ev.principal, {
      keyId: gw.keyId,
      user: 'alice',
      groups: ['eng'],
      app: 'tests',
      via: 'key',
    });
    assert.equal(ev.route, 'chat.completions');
    assert.equal(ev.provider, 'openai');
    assert.equal(ev.modelRequested, 'mini');
    assert.equal(ev.modelServed, 'gpt-4o-mini');
    assert.equal(ev.stream, false);
    assert.equal(ev.httpStatus, 200);
    assert.equal(ev.status, 'success');
    assert.equal(ev.errorCode, null);
    assertLatency(ev, true);
    assert.deepEqual(ev.usage, {
      inputTokens: sent.body.usage.prompt_tokens,
      outputTokens: sent.body.usage.completion_tokens,
      estimated: false,
    });
    assert.ok(Math.abs((ev.costUsd ?? -1) - cost(PRICES.gpt, ev.usage)) < 1e-12);
    assert.equal(ev.decision.input?.action, 'allow');
    assert.equal(ev.decision.output?.action, 'allow');
    assert.ok(Date.now() - Date.parse(ev.time) < 60_000);
  });

  test('success, streamed on the messages route: usage from the stream', async () => {
    const { sent, event: ev } = await oneEvent(gw, () =>
      send(
        gw,
        '/v1/messages',
        {
          model: 'claude-3-5-haiku',
          max_tokens: 50,
          stream: true,
          messages: [{ role: 'user', content: 'stream me' }],
        },
        { anthropic: true },
      ),
    );
    assert.equal(sent.status, 200);
    let input = -1;
    let output = -1;
    for (const line of sent.text.split('\n')) {
      if (!line.startsWith('data: ')) continue;
      const d = JSON.parse(line.slice(6));
      if (d.type === 'message_start') input = d.message.usage.input_tokens;
      if (d.type === 'message_delta') output = d.usage.output_tokens;
    }
    assert.equal(ev.route, 'messages');
    assert.equal(ev.provider, 'anthropic');
    assert.equal(ev.modelRequested, 'claude-3-5-haiku');
    assert.equal(ev.modelServed, 'claude-3-5-haiku');
    assert.equal(ev.stream, true);
    assert.equal(ev.status, 'success');
    assert.equal(ev.httpStatus, 200);
    assertLatency(ev, true);
    assert.deepEqual(ev.usage, { inputTokens: input, outputTokens: output, estimated: false });
    assert.ok(Math.abs((ev.costUsd ?? -1) - cost(PRICES.claude, ev.usage)) < 1e-12);
  });

  test('the echo model: estimated usage, priced from the table', async () => {
    for (const stream of [false, true]) {
      const { sent, event: ev } = await oneEvent(gw, () =>
        send(gw, '/v1/responses', { model: 'echo', stream, input: 'echo this back to me' }),
      );
      assert.equal(sent.status, 200);
      assert.equal(ev.route, 'responses');
      assert.equal(ev.provider, 'echo');
      assert.equal(ev.modelServed, 'echo');
      assert.equal(ev.stream, stream);
      assert.equal(ev.usage?.estimated, true);
      assert.ok(ev.usage.inputTokens > 0 && ev.usage.outputTokens > 0);
      assert.ok(Math.abs((ev.costUsd ?? -1) - cost(PRICES.echo, ev.usage)) < 1e-12);
      assertLatency(ev, true);
    }
  });

  test('an upstream that reports no usage: usage estimated by the gateway', async () => {
    mock.script({
      kind: 'status',
      status: 200,
      match: 'no usage please',
      body: {
        id: 'chatcmpl-nousage',
        object: 'chat.completion',
        created: 1,
        model: 'gpt-4o-mini',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'an answer without usage' },
            finish_reason: 'stop',
          },
        ],
      },
    });
    const { sent, event: ev } = await oneEvent(gw, () =>
      send(gw, '/v1/chat/completions', {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'no usage please' }],
      }),
    );
    assert.equal(sent.status, 200, sent.text);
    assert.equal(sent.body.choices[0].message.content, 'an answer without usage');
    assert.equal(ev.status, 'success');
    assert.equal(ev.usage?.estimated, true);
    assert.ok(ev.usage.inputTokens > 0 && ev.usage.outputTokens > 0);
    assert.ok(Math.abs((ev.costUsd ?? -1) - cost(PRICES.gpt, ev.usage)) < 1e-12);
  });

  test('blocked on input: status blocked, the finding and the rule recorded, no upstream call', async () => {
    const calls = mock.requests.length;
    const { sent, event: ev } = await oneEvent(gw, () =>
      send(gw, '/v1/chat/completions', {
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: 'a forbidden question' }],
      }),
    );
    assert.equal(sent.status, 403);
    assert.equal(mock.requests.length, calls);
    assert.equal(ev.status, 'blocked');
    assert.equal(ev.httpStatus, 403);
    assert.equal(ev.errorCode, 'PARAPET_POLICY_BLOCKED');
    assert.equal(ev.stream, true);
    assert.equal(ev.provider, 'openai');
    assert.equal(ev.modelRequested, 'gpt-4o-mini');
    assert.equal(ev.modelServed, null);
    assert.equal(ev.usage, null);
    assert.equal(ev.costUsd, null);
    assert.equal(ev.decision.input?.action, 'block');
    assert.equal(ev.decision.input?.ruleId, 'no-forbidden');
    assert.deepEqual(ev.decision.input?.findings, [0]);
    assert.equal(ev.findings.input[0]?.type, 'FORBIDDEN_WORD');
    assert.deepEqual(ev.findings.input[0]?.span, { start: 2, end: 11 });
    assert.equal(ev.latency.upstreamTotalMs, null);
    assertLatency(ev, false);
  });

  test('client error (malformed JSON): 400 and one event with the code', async () => {
    const { sent, event: ev } = await oneEvent(gw, () =>
      send(gw, '/v1/chat/completions', null, { raw: '{"model": "gpt-4o-mini", "messages": [' }),
    );
    assert.equal(sent.status, 400);
    assert.equal(ev.status, 'client_error');
    assert.equal(ev.httpStatus, 400);
    assert.equal(ev.errorCode, 'PARAPET_REQUEST_MALFORMED_JSON');
    assert.equal(ev.principal.keyId, gw.keyId);
    assert.equal(ev.route, 'chat.completions');
    assert.equal(ev.usage, null);
    assertLatency(ev, false);
  });

  test('auth error (no key, bad key): 401 and one anonymous event each', async () => {
    for (const [key, code] of [
      [null, 'PARAPET_AUTH_MISSING_KEY'],
      ['ppk_aaaaaaaaaaaa_notarealkeynotarealkeynotarealkeynotarealkey0', 'PARAPET_AUTH_INVALID_KEY'],
    ] as const) {
      const { sent, event: ev } = await oneEvent(gw, () =>
        send(
          gw,
          '/v1/messages',
          { model: 'claude-3-5-haiku', max_tokens: 5, messages: [] },
          { key, anthropic: true },
        ),
      );
      assert.equal(sent.status, 401);
      assert.equal(sent.body.error.code, code);
      assert.equal(ev.status, 'client_error');
      assert.equal(ev.httpStatus, 401);
      assert.equal(ev.errorCode, code);
      assert.equal(ev.route, 'messages');
      assert.deepEqual(ev.principal, { keyId: null, user: null, groups: [], app: null, via: 'anonymous' });
      assert.equal(ev.modelRequested, null);
    }
  });

  test('upstream error (503 on every attempt): 502 and one event', async () => {
    mock.script({ kind: 'status', status: 503, times: 2, match: 'fail upstream' });
    const { sent, event: ev } = await oneEvent(gw, () =>
      send(gw, '/v1/chat/completions', {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'fail upstream' }],
      }),
    );
    assert.equal(sent.status, 502);
    assert.equal(ev.status, 'upstream_error');
    assert.equal(ev.httpStatus, 502);
    assert.equal(ev.errorCode, 'PARAPET_UPSTREAM_UNAVAILABLE');
    assert.equal(ev.provider, 'openai');
    assert.equal(ev.modelRequested, 'gpt-4o-mini');
    assert.equal(ev.usage, null);
    assertLatency(ev, false);
    assert.ok(ev.latency.upstreamTotalMs !== null && ev.latency.upstreamTotalMs >= 0);
  });

  test('embeddings: exact input usage from the upstream', async () => {
    const { sent, event: ev } = await oneEvent(gw, () =>
      send(gw, '/v1/embeddings', { model: 'text-embedding-3-small', input: ['one', 'two'] }),
    );
    assert.equal(sent.status, 200);
    assert.equal(ev.route, 'embeddings');
    assert.equal(ev.provider, 'openai');
    assert.equal(ev.usage?.inputTokens, sent.body.usage.prompt_tokens);
    assert.equal(ev.usage?.estimated, false);
  });
});

describe('content modes', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockUpstream({
      openaiKey: 'sk-upstream-openai-secret',
      anthropicKey: 'sk-ant-upstream-secret',
    });
  });
  after(async () => {
    await mock.close();
  });

  test('encrypted with PARAPET_ENCRYPTION_KEY from the environment', async () => {
    const envKey = randomBytes(32).toString('hex');
    const gw = await startTestGateway({ config: config(mock.url), env: { PARAPET_ENCRYPTION_KEY: envKey } });
    try {
      const res = await send(gw, '/v1/chat/completions', {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'the secret plan is tango' }],
      });
      assert.equal(res.status, 200);
      const [ev] = await gw.waitForEvents(1);
      assert.equal(ev?.contentMode, 'encrypted');
      const content = ev?.content ?? '';
      assert.ok(content.startsWith('v1:'));
      assert.ok(!content.includes('tango'));
      const key = loadContentKey({ dataDir: gw.dataDir, envKey }).key;
      const doc = JSON.parse(decryptContent(key, content));
      assert.equal(doc.request.messages[0].content, 'the secret plan is tango');
      assert.equal(doc.response.choices[0].message.content, 'Mock reply to: the secret plan is tango');
      assert.ok(!existsSync(join(gw.dataDir, 'encryption.key')), 'no key file when the env key is set');
    } finally {
      await gw.close();
    }
  });

  test('none: no content stored', async () => {
    const gw = await startTestGateway({ config: config(mock.url, { events: { content_mode: 'none' } }) });
    try {
      const res = await send(gw, '/v1/chat/completions', {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'keep nothing' }],
      });
      assert.equal(res.status, 200);
      const [ev] = await gw.waitForEvents(1);
      assert.equal(ev?.contentMode, 'none');
      assert.equal(ev?.content, null);
    } finally {
      await gw.close();
    }
  });

  test('redacted: findings masked on input and output, streamed or not', async () => {
    const email = 'jane.doe@example.com';
    const gw = await startTestGateway({
      config: config(mock.url, { events: { content_mode: 'redacted' } }),
      detectors: [wordDetector(email, 'pii', 'EMAIL_ADDRESS')],
    });
    try {
      for (const stream of [false, true]) {
        const res = await send(gw, '/v1/chat/completions', {
          model: 'gpt-4o-mini',
          stream,
          messages: [
            { role: 'system', content: 'be brief' },
            { role: 'user', content: `write to ${email} today` },
          ],
        });
        assert.equal(res.status, 200);
        assert.ok(res.text.includes(email), 'the client still gets the answer');
      }
      const events = await gw.waitForEvents(2);
      assert.equal(events.length, 2);
      for (const ev of events) {
        assert.equal(ev.contentMode, 'redacted');
        assert.ok(ev.content !== null);
        assert.ok(!ev.content.includes(email), ev.content);
        assert.ok(!ev.content.includes('jane.doe'), ev.content);
        const doc = JSON.parse(ev.content);
        assert.equal(doc.input[1].text, 'write to [EMAIL_ADDRESS] today');
        assert.equal(doc.input[1].source, 'user');
        assert.equal(doc.input[0].text, 'be brief');
        const out = doc.output.find((o: { source: string }) => o.source === 'completion');
        assert.equal(out.text, 'Mock reply to: write to [EMAIL_ADDRESS] today', `stream=${ev.stream}`);
        assert.equal(ev.findings.input[0]?.type, 'EMAIL_ADDRESS');
        assert.equal(ev.findings.output[0]?.type, 'EMAIL_ADDRESS');
      }
    } finally {
      await gw.close();
    }
  });
});

const POSTGRES_SKIP =
  POSTGRES_URL === undefined
    ? 'set PARAPET_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run'
    : false;

/** A fresh schema name and the test URL pointing at it. */
function schemaUrl(url: string): { schema: string; url: string; drop(): Promise<void> } {
  const schema = `parapet_gw_${randomBytes(5).toString('hex')}`;
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return {
    schema,
    url: u.toString(),
    drop: async () => void (await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)),
  };
}

describe('PostgreSQL-backed gateway', { skip: POSTGRES_SKIP }, () => {
  test('keys and events live in PostgreSQL', async () => {
    const db = schemaUrl(POSTGRES_URL as string);
    const gw = await startTestGateway({ config: { database: { url: db.url } } });
    try {
      assert.equal(gw.store.kind, 'postgres');
      const keys = await adminQuery<{ id: string }>(`SELECT id FROM ${db.schema}.virtual_keys`);
      assert.deepEqual(
        keys.map((k) => k.id),
        [gw.keyId],
      );
      const res = await send(gw, '/v1/chat/completions', {
        model: 'echo',
        messages: [{ role: 'user', content: 'pg' }],
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.choices[0].message.content, 'Echo: pg');
      const [ev] = await gw.waitForEvents(1);
      const rows = await adminQuery<{ id: string; key_id: string }>(
        `SELECT id, key_id FROM ${db.schema}.events`,
      );
      assert.deepEqual(rows, [{ id: ev?.id, key_id: gw.keyId }]);
      const ready = await fetch(`${gw.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal(((await ready.json()) as { store: string }).store, 'postgres');
    } finally {
      await gw.close();
      await db.drop();
    }
  });

  test('the store goes away mid-traffic: every request still ends up as exactly one stored event', async () => {
    const target = new URL(POSTGRES_URL as string);
    const proxy = await startProxy(target.hostname, Number(target.port || 5432));
    const db = schemaUrl(throughProxy(POSTGRES_URL as string, proxy));
    const gw = await startTestGateway({
      config: {
        database: { url: db.url },
        // Keys stay cached through the outage, so requests keep authenticating.
        server: { key_cache_ttl_ms: 600_000 },
        events: { content_mode: 'redacted', batch_size: 20 },
      },
    });
    try {
      const TOTAL = 200;
      const request = async (i: number): Promise<void> => {
        const res = await send(gw, '/v1/chat/completions', {
          model: 'echo',
          messages: [{ role: 'user', content: `request-${i}` }],
        });
        assert.equal(res.status, 200, res.text);
      };
      const readyStatuses: number[] = [];
      for (let i = 0; i < TOTAL; i += 10) {
        if (i === 80) {
          proxy.cut();
          const ready = await fetch(`${gw.url}/readyz`);
          readyStatuses.push(ready.status);
          assert.equal(((await ready.json()) as { status: string }).status, 'unavailable');
        }
        if (i === 150) {
          const ready = await fetch(`${gw.url}/readyz`);
          readyStatuses.push(ready.status);
          await ready.arrayBuffer();
          proxy.restore();
        }
        await Promise.all(Array.from({ length: 10 }, (_, j) => request(i + j)));
      }
      assert.deepEqual(readyStatuses, [503, 503]);
      const deadline = Date.now() + 15_000;
      let count = 0;
      while (Date.now() < deadline) {
        count = Number(
          (
            await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM ${db.schema}.events`, [], POSTGRES_URL)
          )[0]?.n,
        );
        const ready = await fetch(`${gw.url}/readyz`);
        await ready.arrayBuffer();
        if (count >= TOTAL && ready.status === 200) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal((await fetch(`${gw.url}/readyz`)).status, 200);
      const rows = await adminQuery<{ id: string; content: string }>(
        `SELECT id, content FROM ${db.schema}.events`,
        [],
        POSTGRES_URL,
      );
      assert.equal(rows.length, TOTAL);
      assert.equal(new Set(rows.map((r) => r.id)).size, TOTAL);
      const requestNumbers = rows.map((r) => /request-(\d+)/.exec(r.content)?.[1]).map(Number);
      assert.deepEqual(
        [...requestNumbers].sort((a, b) => a - b),
        Array.from({ length: TOTAL }, (_, i) => i),
      );
    } finally {
      await gw.close();
      await proxy.close();
      await db.drop();
    }
  });
});
