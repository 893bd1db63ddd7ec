/**
 * The approval queue through the admin API over real HTTP: a request held by a `hold` rule, waiting in an
 * OpenAI SDK client, completes once approved here (or fails once denied); listing, reading, and the
 * refusals (unknown id, no longer pending, missing reason).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { Approval, ApprovalList } from '../../src/admin/index.ts';
import {
  type AdminSetup,
  adminTestConfig,
  assertAdminError,
  assertShape,
  startAdminSetup,
  waitForPendingApproval,
} from './admin-helpers.ts';

let s: AdminSetup;
let contractor: OpenAI;

before(async () => {
  s = await startAdminSetup({
    config: (mock) =>
      adminTestConfig(mock, {
        policy: {
          groups: ['eng', 'contractors'],
          rules: [
            {
              id: 'contractors-finance-needs-approval',
              when: { groups: ['contractors'], detections: { topics: { labels: ['finance'] } } },
              action: 'hold',
            },
          ],
        },
      }),
  });
  const { key } = await s.gw.createKey({ user: 'carl', groups: ['contractors'] });
  contractor = new OpenAI({ apiKey: key, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
});

after(() => s.close());

function ask(content: string) {
  return contractor.chat.completions
    .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] })
    .withResponse();
}

describe('a held request', () => {
  test('approved through the admin API: the waiting SDK call completes, the event records who', async () => {
    const pending = ask('summarise quarterly revenue');
    const approval = await waitForPendingApproval(s.api);
    assertShape(Approval, approval);
    assert.equal(approval.status, 'pending');
    assert.equal(approval.ruleId, 'contractors-finance-needs-approval');
    assert.equal(approval.principal.user, 'carl');
    assert.doesNotMatch(approval.summary, /quarterly revenue/);

    const one = await s.api('GET', `/approvals/${approval.id}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.json, approval);

    const res = await s.api('POST', `/approvals/${approval.id}/approve`, { reason: 'budget owner agreed' });
    assert.equal(res.status, 200);
    assertShape(Approval, res.json);
    assert.equal(res.json.status, 'approved');
    assert.equal(res.json.decidedBy, 'admin-token');
    assert.equal(res.json.reason, 'budget owner agreed');
    assert.ok(res.json.decidedAt);

    const { data, response } = await pending;
    assert.equal(data.choices[0]?.message.content, 'Mock reply to: summarise quarterly revenue');
    await s.gw.server.context.recorder.flush();
    const event = await s.gw.store.getEvent(response.headers.get('x-parapet-event-id')!);
    assert.equal(event?.decision.input?.approval?.status, 'approved');
    assert.equal(event?.decision.input?.approval?.by, 'admin-token');

    // Decided once: a second decision is 409 with the current record.
    const again = await s.api('POST', `/approvals/${approval.id}/deny`, { reason: 'too late' });
    assertAdminError(again, 409, 'PARAPET_ADMIN_CONFLICT');
    assert.match(again.json.error.message, /is already approved by admin-token/);
    assert.equal(again.json.error.approval.status, 'approved');
  });

  test('an approval needs no body at all', async () => {
    const pending = ask('quarterly revenue, no reason given');
    const approval = await waitForPendingApproval(s.api);
    const res = await s.api('POST', `/approvals/${approval.id}/approve`);
    assert.equal(res.status, 200);
    assert.equal(res.json.reason, null);
    assert.match((await pending).data.choices[0]?.message.content ?? '', /Mock reply/);
  });

  test('denied with a reason: the SDK call fails with PARAPET_POLICY_HOLD_DENIED and the reason', async () => {
    const pending = ask('quarterly revenue please').catch((e: unknown) => e);
    const approval = await waitForPendingApproval(s.api);
    const noReason = await s.api('POST', `/approvals/${approval.id}/deny`, {});
    assertAdminError(noReason, 400, 'PARAPET_REQUEST_INVALID');
    assert.match(noReason.json.error.message, /`reason`: is required/);
    assertAdminError(
      await s.api('POST', `/approvals/${approval.id}/deny`, { reason: '   ' }),
      400,
      'PARAPET_REQUEST_INVALID',
    );
    assertAdminError(
      await s.api('POST', `/approvals/${approval.id}/approve`, { reason: 7 }),
      400,
      'PARAPET_REQUEST_INVALID',
    );
    // Still pending after the refused calls.
    assert.equal((await s.api('GET', `/approvals/${approval.id}`)).json.status, 'pending');

    const res = await s.api('POST', `/approvals/${approval.id}/deny`, {
      reason: 'contractors may not see budgets',
    });
    assert.equal(res.status, 200);
    assert.equal(res.json.status, 'denied');
    const err = await pending;
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.code, 'PARAPET_POLICY_HOLD_DENIED');
    assert.match(err.message, /contractors may not see budgets/);
  });
});

describe('the queue', () => {
  test('listing by status, newest first; `all` lists every status', async () => {
    const pending = await s.api('GET', '/approvals');
    assert.equal(pending.status, 200);
    assertShape(ApprovalList, pending.json);
    assert.deepEqual(pending.json.approvals, []);

    const all = await s.api('GET', '/approvals?status=all');
    assertShape(ApprovalList, all.json);
    assert.deepEqual(
      all.json.approvals.map((a: { status: string }) => a.status),
      ['denied', 'approved', 'approved'],
    );
    const approved = await s.api('GET', '/approvals?status=approved&limit=1');
    assert.equal(approved.json.approvals.length, 1);
    assert.equal(approved.json.approvals[0].status, 'approved');
    assert.equal(approved.json.approvals[0].id, all.json.approvals[1].id);
  });

  test('a bad status or limit is 400', async () => {
    for (const q of ['status=waiting', 'limit=0', 'limit=-3', 'limit=20000', 'sort=asc']) {
      assertAdminError(await s.api('GET', `/approvals?${q}`), 400, 'PARAPET_REQUEST_INVALID');
    }
  });

  test('an unknown id is 404 PARAPET_ADMIN_NOT_FOUND on read, approve and deny', async () => {
    assertAdminError(await s.api('GET', '/approvals/apr_nope'), 404, 'PARAPET_ADMIN_NOT_FOUND');
    assertAdminError(await s.api('POST', '/approvals/apr_nope/approve', {}), 404, 'PARAPET_ADMIN_NOT_FOUND');
    assertAdminError(
      await s.api('POST', '/approvals/apr_nope/deny', { reason: 'x' }),
      404,
      'PARAPET_ADMIN_NOT_FOUND',
    );
  });

  test('an id with reserved characters is matched decoded', async () => {
    const now = Date.now();
    await s.gw.store.createApproval({
      id: 'apr/with space',
      eventId: 'evt_x',
      ruleId: 'r',
      principal: { keyId: null, user: 'u', groups: [], app: null },
      model: null,
      summary: 'held',
      findings: [],
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 600_000).toISOString(),
    });
    const res = await s.api('GET', `/approvals/${encodeURIComponent('apr/with space')}`);
    assert.equal(res.status, 200);
    assert.equal(res.json.id, 'apr/with space');
    await s.api('POST', `/approvals/${encodeURIComponent('apr/with space')}/deny`, { reason: 'cleanup' });
  });

  test('a pending approval past its expiry can no longer be decided: 409', async () => {
    const past = Date.now() - 60_000;
    await s.gw.store.createApproval({
      id: 'apr_expired',
      eventId: 'evt_y',
      ruleId: 'r',
      principal: { keyId: null, user: 'u', groups: [], app: null },
      model: null,
      summary: 'held',
      findings: [],
      createdAt: new Date(past - 60_000).toISOString(),
      expiresAt: new Date(past).toISOString(),
    });
    const res = await s.api('POST', '/approvals/apr_expired/approve', {});
    assertAdminError(res, 409, 'PARAPET_ADMIN_CONFLICT');
    assert.match(res.json.error.message, /expired at/);
    assert.equal((await s.gw.store.getApproval('apr_expired'))?.status, 'pending');
  });
});
