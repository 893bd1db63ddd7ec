/**
 * The analytics routes over real HTTP: traffic sent through the gateway (an allowed request, personal
 * data, a blocked secret, a topic) shows up in the overview, every breakdown, people & apps and
 * destinations; synthetic events at fixed times check windows, buckets, UTC offsets and trends; and every
 * route refuses bad parameters with 400.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Event } from '@parapet/core';
import { Breakdown, Destinations, Overview, People } from '../../src/admin/analytics/schemas.ts';
import { makeEvent } from '../store/store-fixtures.ts';
import { type AdminSetup, assertAdminError, assertShape, startAdminSetup } from './admin-helpers.ts';

let s: AdminSetup;

async function chat(key: string, content: string): Promise<number> {
  const res = await fetch(`${s.gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
  });
  await res.text();
  return res.status;
}

before(async () => {
  s = await startAdminSetup();
  const alice = await s.gw.createKey({ user: 'alice', groups: ['eng', 'admins'], app: 'chat-ui' });
  const bob = await s.gw.createKey({ user: 'bob', groups: ['sales'], app: 'ide' });
  assert.equal(await chat(alice.key, 'hello there'), 200);
  assert.equal(await chat(alice.key, 'hello again'), 200);
  assert.equal(await chat(alice.key, 'write to alice@example.com please'), 200);
  assert.equal(await chat(bob.key, 'my key is AKIAIOSFODNN7EXAMPLE'), 403);
  assert.equal(await chat(bob.key, 'a question about the lawsuit'), 200);
  const events = await s.gw.waitForEvents(5);
  assert.equal(events.length, 5);
});

after(() => s?.close());

describe('live traffic', () => {
  test('overview: totals, a series that adds up to them, top lists', async () => {
    const res = await s.api('GET', '/analytics/overview?since=1h');
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assertShape(Overview, res.json);
    const o = res.json;
    assert.equal(o.window.bucket, 'minute');
    assert.equal(o.window.tz, '+00:00');
    assert.equal(o.totals.interactions, 5);
    assert.equal(o.totals.activeUsers, 2);
    assert.equal(o.totals.apps, 2);
    assert.equal(o.totals.models, 1);
    assert.equal(o.totals.actions.blocked, 1);
    assert.equal(o.totals.actions.allowed, 4);
    assert.ok(o.totals.inputTokens > 0);
    assert.ok(o.series.length === 61 || o.series.length === 60, `${o.series.length} points`);
    const sum = (field: string) =>
      o.series.reduce((n: number, p: Record<string, number>) => n + p[field]!, 0);
    assert.equal(sum('interactions'), 5);
    assert.equal(sum('inputTokens'), o.totals.inputTokens);
    assert.equal(
      o.series.reduce((n: number, p: { actions: { blocked: number } }) => n + p.actions.blocked, 0),
      1,
    );
    assert.deepEqual(
      o.top.detections
        .map((d: { family: string; type: string; events: number }) => [d.family, d.type, d.events])
        .sort(),
      [
        ['pii', 'EMAIL_ADDRESS', 1],
        ['secrets', 'AWS_ACCESS_KEY', 1],
      ],
    );
    assert.deepEqual(o.top.topics, [{ topic: 'legal', events: 1 }]);
    assert.deepEqual(o.top.users, [
      { name: 'alice', interactions: 3 },
      { name: 'bob', interactions: 2 },
    ]);
    assert.deepEqual(o.top.models, [{ name: 'gpt-4o-mini', interactions: 5 }]);
  });

  test('breakdown by every dimension', async () => {
    const rows = async (dimension: string) => {
      const res = await s.api('GET', `/analytics/breakdown?dimension=${dimension}&since=1h`);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assertShape(Breakdown, res.json);
      assert.equal(res.json.dimension, dimension);
      assert.equal(res.json.more, false);
      return res.json.rows.map((r: { key: string | null; interactions: number }) => [r.key, r.interactions]);
    };
    assert.deepEqual(await rows('user'), [
      ['alice', 3],
      ['bob', 2],
    ]);
    assert.deepEqual(await rows('group'), [
      ['admins', 3],
      ['eng', 3],
      ['sales', 2],
    ]);
    assert.deepEqual(await rows('app'), [
      ['chat-ui', 3],
      ['ide', 2],
    ]);
    assert.deepEqual(await rows('model'), [['gpt-4o-mini', 5]]);
    assert.deepEqual(await rows('provider'), [['openai', 5]]);
    assert.deepEqual(await rows('action'), [
      ['blocked', 1],
      ['held', 0],
      ['warned', 0],
      ['redacted', 0],
      ['routed', 0],
      ['monitored', 0],
      ['allowed', 4],
      ['none', 0],
    ]);
    // Ties on events go to more findings: the reply repeats the e-mail address and the topic.
    assert.deepEqual(await rows('family'), [
      ['pii', 1],
      ['topics', 1],
      ['secrets', 1],
    ]);
    assert.deepEqual(await rows('type'), [
      ['EMAIL_ADDRESS', 1],
      ['legal', 1],
      ['AWS_ACCESS_KEY', 1],
    ]);
    assert.deepEqual(await rows('topic'), [['legal', 1]]);

    const limited = await s.api('GET', '/analytics/breakdown?dimension=group&since=1h&limit=1');
    assert.equal(limited.json.rows.length, 1);
    assert.equal(limited.json.more, true);
    const detail = await s.api('GET', '/analytics/breakdown?dimension=type&since=1h');
    assert.deepEqual(detail.json.rows[0].detections, {
      family: 'pii',
      type: 'EMAIL_ADDRESS',
      findings: 2,
      inputEvents: 1,
      outputEvents: 1,
    });
    assert.deepEqual(detail.json.rows[2].detections, {
      family: 'secrets',
      type: 'AWS_ACCESS_KEY',
      findings: 1,
      inputEvents: 1,
      outputEvents: 0,
    });
    assert.equal(detail.json.rows[2].usage, null);
  });

  test('people: usage, risk by the documented formula, trend against the previous period', async () => {
    const res = await s.api('GET', '/analytics/people?kind=user&since=1h');
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assertShape(People, res.json);
    const [bob, alice] = res.json.rows;
    assert.equal(bob.name, 'bob');
    // Blocked (5) + a secret, high severity (3); the topic carries no risk.
    assert.deepEqual(bob.risk, { score: 8, perInteraction: 4 });
    assert.deepEqual(bob.detections, { high: 1, medium: 0, low: 0 });
    assert.equal(bob.actions.blocked, 1);
    assert.equal(alice.name, 'alice');
    // An e-mail address: medium (2).
    assert.deepEqual(alice.risk, { score: 2, perInteraction: 0.6667 });
    assert.deepEqual(alice.previous, { interactions: 0, costUsd: 0, riskScore: 0 });
    assert.deepEqual(alice.trend, { interactions: null, costUsd: null, riskScore: null });

    const groups = await s.api('GET', '/analytics/people?kind=group&since=1h&sort=interactions');
    assert.deepEqual(
      groups.json.rows.map((r: { name: string; interactions: number }) => [r.name, r.interactions]),
      [
        ['admins', 3],
        ['eng', 3],
        ['sales', 2],
      ],
    );
    const apps = await s.api('GET', '/analytics/people?kind=app&since=1h&limit=1');
    assert.equal(apps.json.rows.length, 1);
    assert.equal(apps.json.rows[0].name, 'ide');
    assert.equal(apps.json.more, true);
  });

  test('destinations: which data type went towards which model, and what happened', async () => {
    const res = await s.api('GET', '/analytics/destinations?since=1h');
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assertShape(Destinations, res.json);
    const rows = res.json.rows.map(
      (r: { type: string; destination: string; events: number; actions: Record<string, number> }) => [
        r.type,
        r.destination,
        r.events,
        r.actions.blocked,
        r.actions.allowed,
      ],
    );
    assert.deepEqual(rows.sort(), [
      ['AWS_ACCESS_KEY', 'gpt-4o-mini', 1, 1, 0],
      ['EMAIL_ADDRESS', 'gpt-4o-mini', 1, 0, 1],
    ]);
    const pii = await s.api('GET', '/analytics/destinations?since=1h&family=pii');
    assert.equal(pii.json.rows.length, 1);
  });
});

describe('fixed times', () => {
  // Far from now, so the live traffic above never enters these windows.
  const at = (time: string, id: string, user: string, overrides: Partial<Event> = {}): Event =>
    makeEvent(id, {
      time,
      principal: { keyId: 'k', user, groups: ['g'], app: 'a', via: 'key' },
      findings: { input: [], output: [] },
      decision: { input: null, output: null },
      costUsd: 0.25,
      ...overrides,
    });

  before(async () => {
    await s.gw.store.insertEvents([
      at('2024-06-01T23:59:59.999Z', 'f1', 'u1'),
      at('2024-06-02T00:00:00.000Z', 'f2', 'u1'),
      at('2024-06-02T01:30:00.000+02:00', 'f3', 'u2'),
      at('2024-06-02T12:00:00.000Z', 'f4', 'u3'),
      // The previous period of [06-02, 06-03): one event of u1.
      at('2024-06-01T10:00:00.000Z', 'f0', 'u1'),
    ]);
  });

  test('day buckets at UTC midnight, or at local midnight with `tz`', async () => {
    const utc = await s.api(
      'GET',
      '/analytics/overview?since=2024-06-01T00:00:00Z&until=2024-06-03T00:00:00Z&bucket=day',
    );
    assert.equal(utc.status, 200, JSON.stringify(utc.json));
    assert.deepEqual(
      utc.json.series.map((p: { start: string; interactions: number; activeUsers: number }) => [
        p.start,
        p.interactions,
        p.activeUsers,
      ]),
      [
        ['2024-06-01T00:00:00.000Z', 3, 2],
        ['2024-06-02T00:00:00.000Z', 2, 2],
      ],
    );
    assert.equal(utc.json.totals.activeUsers, 3);
    assert.equal(utc.json.totals.costUsd, 1.25);

    const plus2 = await s.api(
      'GET',
      '/analytics/overview?since=2024-05-31T22:00:00Z&until=2024-06-02T22:00:00Z&bucket=day&tz=%2B02:00',
    );
    assert.equal(plus2.status, 200, JSON.stringify(plus2.json));
    assert.equal(plus2.json.window.tz, '+02:00');
    assert.deepEqual(
      plus2.json.series.map((p: { start: string; interactions: number }) => [p.start, p.interactions]),
      [
        ['2024-05-31T22:00:00.000Z', 1],
        ['2024-06-01T22:00:00.000Z', 4],
      ],
    );

    const hours = await s.api(
      'GET',
      '/analytics/overview?since=2024-06-01T23:00:00Z&until=2024-06-02T02:00:00Z',
    );
    assert.equal(hours.json.window.bucket, 'minute');
    const hourly = await s.api(
      'GET',
      '/analytics/overview?since=2024-06-01T23:00:00Z&until=2024-06-02T02:00:00Z&bucket=hour&tz=-05:30',
    );
    assert.deepEqual(
      hourly.json.series.map((p: { start: string; interactions: number }) => [p.start, p.interactions]),
      [
        ['2024-06-01T22:30:00.000Z', 0],
        ['2024-06-01T23:30:00.000Z', 3],
        ['2024-06-02T00:30:00.000Z', 0],
        ['2024-06-02T01:30:00.000Z', 0],
      ],
    );
  });

  test('a window is whole minutes: since rounds down, until rounds up', async () => {
    const res = await s.api(
      'GET',
      '/analytics/overview?since=2024-06-01T23:59:30Z&until=2024-06-02T00:00:00.001Z',
    );
    assert.equal(res.json.window.since, '2024-06-01T23:59:00.000Z');
    assert.equal(res.json.window.until, '2024-06-02T00:01:00.000Z');
    assert.equal(res.json.totals.interactions, 2);
  });

  test('a window reaching before 1970 or far into the future is cut to what rollups can hold', async () => {
    const res = await s.api('GET', '/analytics/breakdown?dimension=user&since=999999999d&until=5999-01-01');
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.window.since, '1970-01-01T00:00:00.000Z');
    assert.equal(res.json.window.until, '5999-01-01T00:00:00.000Z');
    assert.ok(res.json.rows.some((r: { key: string }) => r.key === 'u1'));
  });

  test('trend compares with the period of the same length just before', async () => {
    const res = await s.api(
      'GET',
      '/analytics/people?kind=user&since=2024-06-02T00:00:00Z&until=2024-06-03T00:00:00Z&sort=interactions',
    );
    assert.deepEqual(res.json.previousWindow, {
      since: '2024-06-01T00:00:00.000Z',
      until: '2024-06-02T00:00:00.000Z',
    });
    const u1 = res.json.rows.find((r: { name: string }) => r.name === 'u1');
    assert.equal(u1.interactions, 1);
    assert.deepEqual(u1.previous, { interactions: 2, costUsd: 0.5, riskScore: 0 });
    assert.deepEqual(u1.trend, { interactions: -0.5, costUsd: -0.5, riskScore: null });
    assert.equal(res.json.rows.find((r: { name: string }) => r.name === 'u3').trend.interactions, null);
  });
});

describe('bad parameters', () => {
  for (const [path, what] of [
    ['/analytics/overview?bucket=week', 'unknown bucket'],
    ['/analytics/overview?since=yesterday', 'unreadable since'],
    ['/analytics/overview?since=2025-01-02&until=2025-01-01', 'since after until'],
    ['/analytics/overview?since=30d&bucket=minute', 'too many buckets'],
    ['/analytics/overview?tz=%2B25:00', 'offset out of range'],
    ['/analytics/overview?tz=Europe/Paris', 'named zone'],
    ['/analytics/overview?top=0', 'top 0'],
    ['/analytics/overview?colour=red', 'unknown parameter'],
    ['/analytics/breakdown', 'no dimension'],
    ['/analytics/breakdown?dimension=colour', 'unknown dimension'],
    ['/analytics/breakdown?dimension=user&limit=0', 'limit 0'],
    ['/analytics/breakdown?dimension=user&limit=1001', 'limit over 1000'],
    ['/analytics/breakdown?dimension=user&limit=ten', 'limit not a number'],
    ['/analytics/people', 'no kind'],
    ['/analytics/people?kind=model', 'kind model'],
    ['/analytics/people?kind=user&sort=name', 'unknown sort'],
    ['/analytics/destinations?family=PII!', 'bad family'],
    ['/analytics/destinations?until=tomorrow', 'unreadable until'],
  ] as const) {
    test(`${what}: 400`, async () => {
      const res = await s.api('GET', path);
      assertAdminError(res, 400, 'PARAPET_REQUEST_INVALID');
    });
  }

  test('another method: 405; no credentials: 401', async () => {
    assertAdminError(await s.api('POST', '/analytics/overview', {}), 405, 'PARAPET_METHOD_NOT_ALLOWED');
    const anonymous = await s.api('GET', '/analytics/overview', undefined, { token: null });
    assert.equal(anonymous.status, 401);
  });
});
