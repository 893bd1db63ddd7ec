/**
 * The live policy of a gateway: the config file's policy validated at start and recorded as a version,
 * and changes (activation, kill switch, approvals) picked up without a restart, across replicas that
 * share one PostgreSQL database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Detector, Finding } from '@parapet/core';
import OpenAI from 'openai';
import { PolicyError } from '../../src/policy/runtime.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../helpers/mock-upstream.ts';
import { createTestSchema, POSTGRES_SKIP, POSTGRES_URL } from '../store/store-fixtures.ts';

const topics: Detector = {
  id: 'test.topics',
  family: 'topics',
  inspect(segments) {
    const out: Finding[] = [];
    for (const s of segments) {
      const at = s.text.indexOf('budget');
      if (at >= 0) {
        out.push({
          family: 'topics',
          type: 'finance',
          score: 0.9,
          segment: s.index,
          span: { start: at, end: at + 6 },
          detector: 'test.topics',
        });
      }
    }
    return out;
  },
};

let mock: MockUpstream;
before(async () => {
  mock = await startMockUpstream();
});
after(() => mock.close());

function config(
  policy: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    upstreams: { openai: { type: 'openai', base_url: `${mock.url}/v1`, retries: { max: 0 } } },
    models: { 'gpt-4o-mini': { provider: 'openai', tags: ['public'] } },
    enforcement: { policy_refresh_ms: 25, approval_poll_ms: 20 },
    policy,
    ...extra,
  };
}

describe('start-up', () => {
  test('an invalid policy stops the start with every problem and its path', async () => {
    const err = await startTestGateway({
      config: config({
        rules: [
          { id: 'a', when: { detections: { topicz: {} } }, action: 'block' },
          { id: 'b', action: 'route', route_to: 'gpt-4o-mni' },
        ],
      }),
      detectors: [topics],
    }).catch((e: unknown) => e);
    assert.ok(err instanceof PolicyError);
    assert.match(
      err.message,
      /policy\.rules\[0\]\.when\.detections\.topicz: unknown or disabled detector family/,
    );
    assert.match(err.message, /did you mean `topics`/);
    assert.match(
      err.message,
      /policy\.rules\[1\]\.route_to: unknown model `gpt-4o-mni`; did you mean `gpt-4o-mini`/,
    );
  });

  test('the config file is the first version; a restart with the same file adds none, a changed file adds one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parapet-policy-'));
    try {
      const first = { rules: [{ id: 'watch', when: { detections: { topics: {} } }, action: 'monitor' }] };
      let gw = await startTestGateway({ config: config(first), detectors: [topics], dataDir });
      let versions = await gw.store.listPolicyVersions();
      assert.equal(versions.length, 1);
      assert.equal(versions[0]?.author, 'config-file');
      assert.equal((await gw.store.getActivePolicyVersion())?.version, 1);
      await gw.close();
      gw = await startTestGateway({ config: config(first), detectors: [topics], dataDir });
      assert.equal((await gw.store.listPolicyVersions()).length, 1);
      await gw.close();
      const second = { default: 'block', rules: [] };
      gw = await startTestGateway({ config: config(second), detectors: [topics], dataDir });
      versions = await gw.store.listPolicyVersions();
      assert.equal(versions.length, 2);
      assert.equal((await gw.store.getActivePolicyVersion())?.version, 2);
      const client = new OpenAI({ apiKey: gw.key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
      const err = await client.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e);
      assert.ok(err instanceof OpenAI.APIError && err.code === 'PARAPET_POLICY_BLOCKED');
      await gw.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a version activated in the store is picked up by the running gateway and recorded in decisions', async () => {
    const gw = await startTestGateway({ config: config({ rules: [] }), detectors: [topics] });
    try {
      const record = await gw.store.insertPolicyVersion({
        document:
          'default: allow\nrules:\n  - id: watch-budget\n    when: { detections: { topics: {} } }\n    action: monitor\n',
        author: 'test',
        comment: null,
        createdAt: new Date().toISOString(),
      });
      await gw.store.activatePolicyVersion(record.version, 'test', new Date().toISOString());
      await gw.server.context.policy!.refresh();
      const client = new OpenAI({ apiKey: gw.key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
      const { response } = await client.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'the budget' }] })
        .withResponse();
      assert.equal(response.headers.get('x-parapet-decision'), 'monitor; rule=watch-budget');
      await gw.server.context.recorder.flush();
      const event = await gw.store.getEvent(response.headers.get('x-parapet-event-id')!);
      assert.equal(event?.decision.input?.policyVersion, record.version);
    } finally {
      await gw.close();
    }
  });
});

describe('two replicas on one PostgreSQL database', { skip: POSTGRES_SKIP }, () => {
  test('a kill switch set through one replica stops the other; a hold on one is approved through the other', async () => {
    const schema = await createTestSchema();
    const url = new URL(POSTGRES_URL as string);
    url.searchParams.set('schema', schema.name);
    const policy = {
      rules: [
        { id: 'finance-hold', when: { detections: { topics: { labels: ['finance'] } } }, action: 'hold' },
      ],
    };
    const shared = config(policy, { database: { url: url.toString() } });
    const a = await startTestGateway({ config: shared, detectors: [topics] });
    const b = await startTestGateway({ config: shared, detectors: [topics] });
    try {
      const clientA = new OpenAI({ apiKey: a.key, baseURL: `${a.url}/v1`, maxRetries: 0 });
      // Hold on A, approve through B's store connection.
      const pending = clientA.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'the budget for next year' }],
      });
      let id: string | undefined;
      for (let i = 0; i < 300 && id === undefined; i++) {
        id = (await b.store.listApprovals({ status: 'pending' }))[0]?.id;
        if (id === undefined) await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(id);
      await b.store.decideApproval(id, {
        status: 'approved',
        by: 'reviewer-b',
        reason: null,
        at: new Date().toISOString(),
      });
      const answer = await pending;
      assert.match(answer.choices[0]?.message.content ?? '', /Mock reply/);

      // Kill switch through B; A follows within its refresh interval, without a restart.
      await b.store.putSetting('policy.global', { block_all: true }, 'test', new Date().toISOString());
      let code: unknown;
      for (let i = 0; i < 100 && code !== 'PARAPET_POLICY_BLOCKED'; i++) {
        const err = await clientA.chat.completions
          .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] })
          .catch((e: unknown) => e);
        code = err instanceof OpenAI.APIError ? err.code : undefined;
        if (code !== 'PARAPET_POLICY_BLOCKED') await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(code, 'PARAPET_POLICY_BLOCKED');
    } finally {
      await a.close();
      await b.close();
      await schema.drop();
    }
  });
});
