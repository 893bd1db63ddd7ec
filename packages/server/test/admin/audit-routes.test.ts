/**
 * GET /admin/api/v1/audits/guard over real HTTP: traffic from two groups sent through the gateway with
 * the OpenAI SDK (word detectors; the policy blocks AWS keys), one group blocked twice as often; the
 * answer's rates, parity ratio and four-fifths verdict; reviewer labels put through the labels route
 * turning into TPR and FPR per group; reproducible bootstrap intervals; every role with
 * `analytics.read` allowed and nobody signed out; bad parameters refused with 400.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { GuardFairness } from '../../src/admin/audit-routes.ts';
import { adminRoutes } from '../../src/admin/index.ts';
import { ADMIN_ROLES, roleAllows } from '../../src/admin/permissions.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { addToken } from './access-helpers.ts';
import {
  ADMIN_TOKEN,
  type AdminSetup,
  assertAdminError,
  assertShape,
  startAdminSetup,
} from './admin-helpers.ts';

let s: AdminSetup;
const ids = { staffBlocked: '', staffAllowed: '', contractorBlocked: '', contractorAllowed: '' };

const SECRET = 'my key is AKIAIOSFODNN7EXAMPLE';

async function send(client: OpenAI, content: string): Promise<'allowed' | 'blocked'> {
  try {
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
    return 'allowed';
  } catch (error) {
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.equal(error.status, 403);
    return 'blocked';
  }
}

before(async () => {
  s = await startAdminSetup();
  const staff = await s.gw.createKey({ user: 'alice', groups: ['staff'], app: 'chat-ui' });
  const contractors = await s.gw.createKey({ user: 'bob', groups: ['contractors'], app: 'ide' });
  const client = (key: string) => new OpenAI({ apiKey: key, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
  const a = client(staff.key);
  const b = client(contractors.key);
  // staff: 1 of 4 blocked; contractors: 2 of 4.
  for (const [c, content, expected] of [
    [a, SECRET, 'blocked'],
    [a, 'hello there', 'allowed'],
    [a, 'summarise this memo', 'allowed'],
    [a, 'write a haiku', 'allowed'],
    [b, SECRET, 'blocked'],
    [b, `again: ${SECRET}`, 'blocked'],
    [b, 'fix this function', 'allowed'],
    [b, 'explain the stack trace', 'allowed'],
  ] as const) {
    assert.equal(await send(c, content), expected, content);
  }
  const events = await s.gw.waitForEvents(8);
  assert.equal(events.length, 8);
  const find = (group: string, action: string) =>
    events.find(
      (e) =>
        e.principal.groups.includes(group) &&
        (e.decision.input?.action === 'block') === (action === 'block') &&
        !Object.values(ids).includes(e.id),
    )!.id;
  ids.staffBlocked = find('staff', 'block');
  ids.staffAllowed = find('staff', 'allow');
  ids.contractorBlocked = find('contractors', 'block');
  ids.contractorAllowed = find('contractors', 'allow');
});

after(() => s?.close());

describe('GET /audits/guard', () => {
  test('intervention rates per group, the parity ratio and the four-fifths verdict', async () => {
    const res = await s.api('GET', '/audits/guard?since=1h&by=group&bootstrap=0');
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assertShape(GuardFairness, res.json);
    const r = res.json;
    assert.equal(r.source, 'events');
    assert.equal(r.by, 'group');
    assert.equal(r.events, 8);
    assert.equal(r.bootstrap, null);
    assert.deepEqual(
      r.groups.map((g: { group: string; events: number; rates: { events: number; value: number }[] }) => [
        g.group,
        g.events,
        g.rates[0]!.events,
        g.rates[0]!.value,
        g.rates[1]!.value,
      ]),
      [
        ['contractors', 4, 2, 0.5, 0.5],
        ['staff', 4, 1, 0.25, 0.25],
      ],
    );
    const any = r.parity[0];
    assert.equal(any.metric, 'intervened');
    assert.equal(any.ratio.value, 0.5);
    assert.equal(any.difference.value, 0.25);
    assert.deepEqual([any.lowest, any.highest, any.fourFifths], ['staff', 'contractors', 'fail']);
    // No labels yet: no TPR/FPR parity.
    assert.deepEqual(
      r.parity.map((p: { metric: string }) => p.metric),
      ['intervened', 'blocked', 'held', 'warned', 'redacted'],
    );
    assert.ok(
      r.warnings.some((w: string) => w.includes('fewer than 30 rows')),
      r.warnings.join('\n'),
    );
  });

  test('by app, and interventions of one family only', async () => {
    const byApp = await s.api('GET', '/audits/guard?since=1h&by=app&bootstrap=0');
    assert.equal(byApp.status, 200, JSON.stringify(byApp.json));
    assert.deepEqual(
      byApp.json.groups.map((g: { group: string; rates: { events: number }[] }) => [
        g.group,
        g.rates[0]!.events,
      ]),
      [
        ['chat-ui', 1],
        ['ide', 2],
      ],
    );
    const pii = await s.api('GET', '/audits/guard?since=1h&by=app&bootstrap=0&family=pii');
    assert.equal(pii.json.family, 'pii');
    assert.deepEqual(
      pii.json.groups.map((g: { rates: { events: number }[] }) => g.rates[0]!.events),
      [0, 0],
    );
  });

  test('reviewer labels become TPR and FPR per group', async () => {
    for (const [id, label] of [
      [ids.staffBlocked, 'true_positive'],
      [ids.staffAllowed, 'true_negative'],
      [ids.contractorBlocked, 'false_positive'],
      [ids.contractorAllowed, 'false_negative'],
    ] as const) {
      const put = await s.api('PUT', `/events/${id}/labels/${label}`, {});
      assert.equal(put.status, 200, JSON.stringify(put.json));
    }
    const res = await s.api('GET', '/audits/guard?since=1h&bootstrap=0');
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assertShape(GuardFairness, res.json);
    const g = new Map(
      res.json.groups.map((x: { group: string }) => [x.group, x]) as [string, Record<string, never>][],
    );
    // staff: the block was right (TPR 1/1), the allowed one too (FPR 0/1); contractors: the block was a
    // false positive (FPR 1/1), the allowed one a miss (TPR 0/1).
    assert.deepEqual(
      ['staff', 'contractors'].map((k) => {
        const x = g.get(k) as unknown as {
          tpr: { value: number };
          fpr: { value: number };
          positives: number;
        };
        return [x.tpr.value, x.fpr.value, x.positives];
      }),
      [
        [1, 0, 1],
        [0, 1, 1],
      ],
    );
    const tpr = res.json.parity.find((p: { metric: string }) => p.metric === 'tpr');
    const fpr = res.json.parity.find((p: { metric: string }) => p.metric === 'fpr');
    assert.deepEqual([tpr.difference.value, tpr.lowest, tpr.highest], [1, 'contractors', 'staff']);
    assert.deepEqual([fpr.difference.value, fpr.lowest, fpr.highest], [1, 'staff', 'contractors']);
    assert.equal(res.json.equalizedOdds.value, 1);
    assert.deepEqual(
      [res.json.labels.positives, res.json.labels.negatives, res.json.labels.unlabelled],
      [2, 2, 4],
    );
    // Other label names, as the query says.
    const own = await s.api(
      'GET',
      '/audits/guard?since=1h&bootstrap=0&positiveLabels=true_positive&negativeLabels=true_negative',
    );
    assert.deepEqual([own.json.labels.positives, own.json.labels.negatives], [1, 1]);
  });

  test('bootstrap intervals: the default seed gives the same answer twice', async () => {
    const first = await s.api('GET', '/audits/guard?since=1h&bootstrap=300');
    const again = await s.api('GET', '/audits/guard?since=1h&bootstrap=300');
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assertShape(GuardFairness, first.json);
    assert.deepEqual(first.json.bootstrap, { samples: 300, seed: 7, level: 0.95 });
    const rate = first.json.groups[0].rates[0];
    assert.ok(rate.low <= rate.value && rate.value <= rate.high, JSON.stringify(rate));
    assert.deepEqual(first.json.groups, again.json.groups);
    assert.deepEqual(first.json.parity, again.json.parity);
  });

  test('every role with analytics.read may read it; nobody signed out', async () => {
    const route = adminRoutes({
      token: ADMIN_TOKEN,
      store: s.gw.store,
      policy: null,
      config: s.gw.config,
      detectors: [],
      logger: createLogger({ level: 'silent' }),
      clock: { wallMs: Date.now },
    }).find((r) => r.path === '/audits/guard');
    assert.equal(route?.permission, 'analytics.read');
    assert.equal(route?.method, 'GET');
    for (const role of ADMIN_ROLES) {
      const token = await addToken(s.gw.store, `guard-${role}`, role);
      const res = await s.api('GET', '/audits/guard?since=1h&bootstrap=0', undefined, { token });
      if (roleAllows(role, 'analytics.read'))
        assert.equal(res.status, 200, `${role}: ${JSON.stringify(res.json)}`);
      else assertAdminError(res, 403, 'PARAPET_ADMIN_FORBIDDEN');
    }
    assertAdminError(
      await s.api('GET', '/audits/guard', undefined, { token: null }),
      401,
      'PARAPET_ADMIN_UNAUTHORIZED',
    );
  });

  test('bad parameters: 400 PARAPET_REQUEST_INVALID', async () => {
    for (const query of [
      'by=team',
      'bootstrap=100000',
      'bootstrap=-1',
      'seed=x',
      'since=yesterday',
      'since=1h&until=2h',
      'family=Prompt Attack',
      'positiveLabels=BAD',
      'positiveLabels=x&negativeLabels=x',
      'top=3',
    ]) {
      assertAdminError(await s.api('GET', `/audits/guard?${query}`), 400, 'PARAPET_REQUEST_INVALID');
    }
  });
});
