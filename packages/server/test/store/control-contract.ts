import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AcknowledgementRecord, ApprovalRecord, Store, VaultEntry } from '../../src/store/index.ts';
import { RecordConflictError } from '../../src/store/index.ts';
import type { StoreContractOptions, StoreUnderTest } from './store-contract.ts';

/** `2025-05-01T10:MM:00.000Z`: minute `m` of a fixed hour, canonical form. */
function at(minute: number): string {
  return `2025-05-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
}

type NewApproval = Omit<ApprovalRecord, 'status' | 'decidedBy' | 'decidedAt' | 'reason'>;

function approval(id: string, overrides: Partial<NewApproval> = {}): NewApproval {
  return {
    id,
    eventId: `ev-${id}`,
    ruleId: 'contractors-finance-needs-approval',
    principal: { keyId: 'key_1', user: 'alice', groups: ['contractors', 'emea'], app: 'chat-web' },
    model: 'gpt-4o-mini',
    summary: 'question about the Q3 budget for [PERSON_1]',
    findings: [{ family: 'topics', type: 'finance', score: 0.91 }],
    createdAt: at(0),
    expiresAt: at(30),
    ...overrides,
  };
}

function entry(scope: string, valueHash: string, placeholder: string, overrides: Partial<VaultEntry> = {}) {
  return {
    scope,
    valueHash,
    placeholder,
    ciphertext: `v1:cipher-of-${valueHash}`,
    createdAt: at(0),
    expiresAt: at(30),
    ...overrides,
  } satisfies VaultEntry;
}

type NewAcknowledgement = Omit<AcknowledgementRecord, 'usedAt' | 'usedEventId' | 'justification'>;

function acknowledgement(tokenHash: string, overrides: Partial<NewAcknowledgement> = {}): NewAcknowledgement {
  return {
    tokenHash,
    eventId: `ev-warn-${tokenHash}`,
    ruleId: 'coach-on-source-code',
    keyId: 'key_1',
    user: 'alice',
    requestHash: 'req-hash-1',
    createdAt: at(0),
    expiresAt: at(15),
    ...overrides,
  };
}

/** Exactly one non-null result, returned. */
function onlyWinner<T>(results: readonly (T | null)[]): T {
  const winners = results.filter((r): r is T => r !== null);
  assert.equal(winners.length, 1, `expected exactly one winner, got ${winners.length}`);
  return winners[0]!;
}

/**
 * The behaviour of the control-plane ports every Store must have (policy versions, settings, approvals,
 * the redaction vault, acknowledgements), written once. `factory` returns a fresh, empty, migrated store;
 * `reopen` (when the factory offers it) is used for checks between two connections, as two replicas.
 */
export function runControlContract(
  name: string,
  factory: () => Promise<StoreUnderTest>,
  options: StoreContractOptions = {},
): void {
  describe(`control store contract: ${name}`, { skip: options.skip ?? false }, () => {
    let current: StoreUnderTest;
    let store: Store;
    const cleanups: Array<() => Promise<void>> = [];

    async function fresh(): Promise<void> {
      const instance = await factory();
      cleanups.push(() => instance.cleanup());
      current = instance;
      store = instance.store;
    }

    /** A second store on the same data, or null when the factory cannot reopen. */
    async function replica(): Promise<Store | null> {
      return current.reopen === undefined ? null : await current.reopen();
    }

    after(async () => {
      for (const cleanup of cleanups) await cleanup();
    });

    describe('policy versions', () => {
      before(fresh);

      test('nothing stored: no versions, no active version, no activations', async () => {
        assert.deepEqual(await store.listPolicyVersions(), []);
        assert.equal(await store.getActivePolicyVersion(), null);
        assert.deepEqual(await store.listPolicyActivations(), []);
        assert.equal(await store.getPolicyVersion(1), null);
      });

      test('the first version is 1 and reads back verbatim, its time in canonical form', async () => {
        const document =
          'policy:\r\n  default: allow   \n  # Grüße 👋 "quoted" \\slash\n\tglobal: { block_all: false }\n\n';
        const stored = await store.insertPolicyVersion({
          document,
          author: 'config-file',
          comment: null,
          createdAt: '2025-05-01T11:00:00+01:00',
        });
        const expected = {
          version: 1,
          document,
          author: 'config-file',
          comment: null,
          createdAt: at(0),
          activatedAt: null,
        };
        assert.deepEqual(stored, expected);
        assert.deepEqual(await store.getPolicyVersion(1), expected);
      });

      test('ten concurrent inserts get the distinct numbers 2 to 11', async () => {
        const inserted = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.insertPolicyVersion({
              document: `{"policy":{"default":"allow","n":${i}}}`,
              author: `user-${i}`,
              comment: `change ${i}`,
              createdAt: at(1 + i),
            }),
          ),
        );
        assert.deepEqual(
          inserted.map((v) => v.version).sort((a, b) => a - b),
          Array.from({ length: 10 }, (_, i) => i + 2),
        );
        for (const v of inserted) assert.deepEqual(await store.getPolicyVersion(v.version), v);
      });

      test('inserts from two connections at once never share a number', async (t) => {
        const second = await replica();
        if (second === null) {
          t.skip('the factory cannot reopen');
          return;
        }
        try {
          const make = (s: Store, i: number) =>
            s.insertPolicyVersion({ document: `d${i}`, author: 'cli', comment: null, createdAt: at(20) });
          const inserted = await Promise.all(
            Array.from({ length: 10 }, (_, i) => make(i % 2 === 0 ? store : second, i)),
          );
          assert.deepEqual(
            inserted.map((v) => v.version).sort((a, b) => a - b),
            Array.from({ length: 10 }, (_, i) => i + 12),
          );
        } finally {
          await second.close();
        }
      });

      test('list is newest first and honours limit', async () => {
        const all = await store.listPolicyVersions();
        assert.deepEqual(
          all.map((v) => v.version),
          Array.from({ length: all.length }, (_, i) => all.length - i),
        );
        assert.deepEqual(
          (await store.listPolicyVersions({ limit: 3 })).map((v) => v.version),
          [all.length, all.length - 1, all.length - 2],
        );
      });

      test('activation: the last activated version is active, every activation is logged', async () => {
        assert.equal(await store.activatePolicyVersion(2, 'alice', at(40)), true);
        assert.equal((await store.getActivePolicyVersion())?.version, 2);
        assert.equal(await store.activatePolicyVersion(1, 'bob', at(41)), true);
        // Re-activating an older version (a rollback) makes it active again, even with an earlier `at`.
        assert.equal(await store.activatePolicyVersion(2, 'carol', '2025-05-01T10:39:00Z'), true);
        const active = await store.getActivePolicyVersion();
        assert.equal(active?.version, 2);
        assert.equal(active?.activatedAt, at(39));
        assert.equal((await store.getPolicyVersion(1))?.activatedAt, at(41));
        assert.equal((await store.getPolicyVersion(3))?.activatedAt, null);
        assert.deepEqual(await store.listPolicyActivations(), [
          { version: 2, by: 'carol', at: at(39) },
          { version: 1, by: 'bob', at: at(41) },
          { version: 2, by: 'alice', at: at(40) },
        ]);
        assert.deepEqual(await store.listPolicyActivations({ limit: 1 }), [
          { version: 2, by: 'carol', at: at(39) },
        ]);
      });

      test('activating a version that does not exist answers false and records nothing', async () => {
        for (const version of [999, 0, -1, 1.5, Number.NaN]) {
          assert.equal(await store.activatePolicyVersion(version, 'alice', at(50)), false, String(version));
        }
        assert.equal((await store.getActivePolicyVersion())?.version, 2);
        assert.equal((await store.listPolicyActivations()).length, 3);
        assert.equal(await store.getPolicyVersion(999), null);
        assert.equal(await store.getPolicyVersion(1.5), null);
      });

      test('bad input is refused with a RangeError and stores nothing', async () => {
        const before = (await store.listPolicyVersions({ limit: 1 }))[0]?.version;
        await assert.rejects(
          store.insertPolicyVersion({ document: 'x', author: 'a', comment: null, createdAt: 'yesterday' }),
          (error: Error) => error instanceof RangeError && /createdAt `yesterday`/.test(error.message),
        );
        await assert.rejects(
          store.insertPolicyVersion({ document: 'x', author: '', comment: null, createdAt: at(1) }),
          RangeError,
        );
        await assert.rejects(store.activatePolicyVersion(1, 'alice', 'not a time'), RangeError);
        await assert.rejects(store.listPolicyVersions({ limit: 0 }), RangeError);
        await assert.rejects(store.listPolicyActivations({ limit: 10_001 }), RangeError);
        assert.equal((await store.listPolicyVersions({ limit: 1 }))[0]?.version, before);
      });
    });

    describe('settings', () => {
      before(fresh);

      test('an unknown key reads as null', async () => {
        assert.equal(await store.getSetting('policy.global'), null);
      });

      test('the first write is revision 1; each later write adds 1 and replaces the value', async () => {
        const global = { block_all: false, blocked_apps: ['shadow-gpt'], blocked_models: [] };
        assert.deepEqual(await store.putSetting('policy.global', global, 'alice', at(1)), {
          key: 'policy.global',
          value: global,
          updatedBy: 'alice',
          updatedAt: at(1),
          revision: 1,
        });
        const killed = { ...global, block_all: true };
        assert.deepEqual(
          await store.putSetting('policy.global', killed, 'bob', '2025-05-01T12:02:00+02:00'),
          {
            key: 'policy.global',
            value: killed,
            updatedBy: 'bob',
            updatedAt: at(2),
            revision: 2,
          },
        );
        assert.deepEqual(await store.getSetting('policy.global'), {
          key: 'policy.global',
          value: killed,
          updatedBy: 'bob',
          updatedAt: at(2),
          revision: 2,
        });
      });

      test('keys are independent and any JSON value round-trips', async () => {
        const values: unknown[] = [
          null,
          0,
          -1.5e-7,
          0.1 + 0.2,
          'text with 👋 and "quotes"',
          true,
          [],
          [1, 'two', { three: [3] }],
          { nested: { deep: { list: [null, false] } }, ключ: 'значение' },
        ];
        for (const [i, value] of values.entries()) {
          const written = await store.putSetting(`k${i}`, value, 'cli', at(3));
          assert.deepEqual(written.value, value);
          assert.equal(written.revision, 1);
          assert.deepEqual((await store.getSetting(`k${i}`))?.value, value);
        }
        assert.equal((await store.getSetting('policy.global'))?.revision, 2);
      });

      test('ten concurrent writes of one key get revisions 1 to 10', async () => {
        const written = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.putSetting('race', { i }, `w${i}`, at(4))),
        );
        assert.deepEqual(
          written.map((s) => s.revision).sort((a, b) => a - b),
          Array.from({ length: 10 }, (_, i) => i + 1),
        );
        const last = written.find((s) => s.revision === 10)!;
        assert.deepEqual(await store.getSetting('race'), last);
      });

      test('a value JSON cannot hold, an empty key or a bad time is refused', async () => {
        await assert.rejects(store.putSetting('bad', undefined, 'cli', at(5)), RangeError);
        await assert.rejects(
          store.putSetting('bad', () => 1, 'cli', at(5)),
          RangeError,
        );
        await assert.rejects(store.putSetting('bad', { n: 1n }, 'cli', at(5)), RangeError);
        await assert.rejects(store.putSetting('', 1, 'cli', at(5)), RangeError);
        await assert.rejects(store.putSetting('bad', 1, 'cli', 'soon'), RangeError);
        assert.equal(await store.getSetting('bad'), null);
      });
    });

    describe('approvals', () => {
      before(fresh);

      test('a created approval is pending, reads back equal, times canonical', async () => {
        const input = approval('ap-1', { createdAt: '2025-05-01T12:00:00+02:00' });
        const expected: ApprovalRecord = {
          ...input,
          createdAt: at(0),
          status: 'pending',
          decidedBy: null,
          decidedAt: null,
          reason: null,
        };
        assert.deepEqual(await store.createApproval(input), expected);
        assert.deepEqual(await store.getApproval('ap-1'), expected);
        assert.equal(await store.getApproval('ap-missing'), null);
      });

      test('a nullable principal and model round-trip as null', async () => {
        const input = approval('ap-anon', {
          principal: { keyId: null, user: null, groups: [], app: null },
          model: null,
          findings: { nested: [1, 2] },
          createdAt: at(1),
        });
        const created = await store.createApproval(input);
        assert.deepEqual(created.principal, input.principal);
        assert.equal(created.model, null);
        assert.deepEqual((await store.getApproval('ap-anon'))?.findings, { nested: [1, 2] });
      });

      test('a second approval with the same id is refused', async () => {
        await assert.rejects(store.createApproval(approval('ap-1')), RecordConflictError);
      });

      test('two reviewers deciding at once: exactly one wins', async () => {
        await store.createApproval(approval('ap-race', { createdAt: at(2) }));
        const results = await Promise.all([
          store.decideApproval('ap-race', { status: 'approved', by: 'alice', reason: null, at: at(5) }),
          store.decideApproval('ap-race', { status: 'denied', by: 'bob', reason: 'no', at: at(5) }),
        ]);
        const winner = onlyWinner(results);
        assert.deepEqual(await store.getApproval('ap-race'), winner);
        assert.ok(winner.status === 'approved' || winner.status === 'denied');
        assert.equal(winner.decidedAt, at(5));
        assert.equal(winner.decidedBy, winner.status === 'approved' ? 'alice' : 'bob');
      });

      test('two connections deciding at once: exactly one wins', async (t) => {
        const second = await replica();
        if (second === null) {
          t.skip('the factory cannot reopen');
          return;
        }
        try {
          for (let i = 0; i < 5; i++) {
            const id = `ap-replicas-${i}`;
            await store.createApproval(approval(id, { createdAt: at(3) }));
            const results: (ApprovalRecord | null)[] = await Promise.all([
              store.decideApproval(id, { status: 'approved', by: 'alice', reason: null, at: at(6) }),
              second.decideApproval(id, { status: 'denied', by: 'bob', reason: 'no', at: at(6) }),
              second.decideApproval(id, { status: 'expired', by: 'gateway', reason: null, at: at(6) }),
            ]);
            assert.deepEqual(await second.getApproval(id), onlyWinner(results));
          }
        } finally {
          await second.close();
        }
      });

      test('deciding sets who, when and why; a decided approval cannot be decided again', async () => {
        const denied = await store.decideApproval('ap-1', {
          status: 'denied',
          by: 'carol',
          reason: 'contractors may not see budgets',
          at: '2025-05-01T12:07:00+02:00',
        });
        assert.deepEqual(denied, {
          ...approval('ap-1'),
          status: 'denied',
          decidedBy: 'carol',
          decidedAt: at(7),
          reason: 'contractors may not see budgets',
        });
        assert.deepEqual(await store.getApproval('ap-1'), denied);
        assert.equal(
          await store.decideApproval('ap-1', { status: 'approved', by: 'dave', reason: null, at: at(8) }),
          null,
        );
        assert.equal((await store.getApproval('ap-1'))?.status, 'denied');
        assert.equal(
          await store.decideApproval('ap-missing', {
            status: 'approved',
            by: 'dave',
            reason: null,
            at: at(8),
          }),
          null,
        );
      });

      test('past expiresAt an approval can only be expired, not approved or denied', async () => {
        await store.createApproval(approval('ap-late', { createdAt: at(4), expiresAt: at(10) }));
        for (const status of ['approved', 'denied'] as const) {
          assert.equal(
            await store.decideApproval('ap-late', { status, by: 'alice', reason: null, at: at(10) }),
            null,
          );
        }
        assert.equal((await store.getApproval('ap-late'))?.status, 'pending');
        const expired = await store.decideApproval('ap-late', {
          status: 'expired',
          by: 'gateway',
          reason: 'timed out',
          at: at(11),
        });
        assert.equal(expired?.status, 'expired');
        assert.equal(expired?.reason, 'timed out');
      });

      test('a decision with another status or a bad time is refused', async () => {
        await assert.rejects(
          store.decideApproval('ap-anon', {
            status: 'pending' as 'approved',
            by: 'alice',
            reason: null,
            at: at(5),
          }),
          RangeError,
        );
        await assert.rejects(
          store.decideApproval('ap-anon', { status: 'approved', by: 'alice', reason: null, at: 'now' }),
          RangeError,
        );
        assert.equal((await store.getApproval('ap-anon'))?.status, 'pending');
      });

      test('list: newest first (ties by id descending), filtered by status, limited', async () => {
        await store.createApproval(approval('ap-z', { createdAt: at(9) }));
        await store.createApproval(approval('ap-y', { createdAt: at(9) }));
        const all = await store.listApprovals();
        assert.equal(all[0]?.id, 'ap-z');
        assert.equal(all[1]?.id, 'ap-y');
        for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.createdAt >= all[i]!.createdAt);
        assert.deepEqual(
          (await store.listApprovals({ status: 'pending' })).map((a) => a.id),
          ['ap-z', 'ap-y', 'ap-anon'],
        );
        assert.deepEqual(
          (await store.listApprovals({ status: 'expired' })).map((a) => a.id).includes('ap-late'),
          true,
        );
        for (const a of await store.listApprovals({ status: 'denied' })) assert.equal(a.status, 'denied');
        assert.deepEqual(
          (await store.listApprovals({ status: 'pending', limit: 1 })).map((a) => a.id),
          ['ap-z'],
        );
        await assert.rejects(store.listApprovals({ status: 'held' as 'pending' }), RangeError);
        await assert.rejects(store.listApprovals({ limit: -1 }), RangeError);
      });

      test('expirePendingApprovals expires exactly the pending ones past expiresAt', async () => {
        await store.createApproval(approval('ap-old-1', { createdAt: at(1), expiresAt: at(12) }));
        await store.createApproval(approval('ap-old-2', { createdAt: at(2), expiresAt: at(13) }));
        await store.createApproval(approval('ap-fresh', { createdAt: at(2), expiresAt: at(50) }));
        const expired = await store.expirePendingApprovals(at(40), 'sweeper');
        const ids = expired.map((a) => a.id);
        assert.ok(ids.includes('ap-old-1') && ids.includes('ap-old-2') && !ids.includes('ap-fresh'));
        assert.ok(!ids.includes('ap-1') && !ids.includes('ap-late'), 'decided ones stay as they are');
        for (const a of expired) {
          assert.equal(a.status, 'expired');
          assert.equal(a.decidedBy, 'sweeper');
          assert.equal(a.decidedAt, at(40));
          assert.deepEqual(await store.getApproval(a.id), a);
        }
        for (let i = 1; i < expired.length; i++)
          assert.ok(expired[i - 1]!.createdAt <= expired[i]!.createdAt);
        assert.deepEqual(
          (await store.listApprovals({ status: 'pending' })).map((a) => a.id),
          ['ap-fresh'],
        );
        assert.deepEqual(await store.expirePendingApprovals(at(40), 'sweeper'), []);
      });
    });

    describe('vault', () => {
      before(fresh);

      test('new entries are stored and returned in input order', async () => {
        const entries = [
          entry('conv-1', 'h-alice', '[EMAIL_ADDRESS_1]'),
          entry('conv-1', 'h-bob', '[EMAIL_ADDRESS_2]'),
          entry('conv-1', 'h-555', '[PHONE_NUMBER_1]'),
        ];
        assert.deepEqual(await store.putVaultEntries(entries), entries);
        assert.deepEqual(await store.putVaultEntries([]), []);
      });

      test('first writer wins: a value keeps its placeholder and ciphertext; expiry moves later only', async () => {
        const again = entry('conv-1', 'h-alice', '[EMAIL_ADDRESS_9]', {
          ciphertext: 'other',
          createdAt: at(5),
          expiresAt: at(45),
        });
        const newer = entry('conv-1', 'h-carol', '[EMAIL_ADDRESS_3]', {
          createdAt: at(5),
          expiresAt: at(45),
        });
        const result = await store.putVaultEntries([newer, again]);
        assert.deepEqual(result, [
          newer,
          { ...entry('conv-1', 'h-alice', '[EMAIL_ADDRESS_1]'), expiresAt: at(45) },
        ]);
        const shorter = entry('conv-1', 'h-bob', '[EMAIL_ADDRESS_2]', { createdAt: at(5), expiresAt: at(6) });
        assert.deepEqual(await store.putVaultEntries([shorter]), [
          entry('conv-1', 'h-bob', '[EMAIL_ADDRESS_2]'),
        ]);
      });

      test('a placeholder taken by another value is skipped; the same placeholder in another scope is fine', async () => {
        const clash = entry('conv-1', 'h-dave', '[EMAIL_ADDRESS_1]', { createdAt: at(6) });
        const elsewhere = entry('conv-2', 'h-dave', '[EMAIL_ADDRESS_1]', { createdAt: at(6) });
        const fine = entry('conv-1', 'h-erin', '[EMAIL_ADDRESS_4]', { createdAt: at(6) });
        assert.deepEqual(await store.putVaultEntries([clash, elsewhere, fine]), [elsewhere, fine]);
        const conv1 = await store.getVaultEntries('conv-1', at(6));
        assert.equal(
          conv1.find((e) => e.valueHash === 'h-dave'),
          undefined,
        );
        assert.equal(conv1.find((e) => e.placeholder === '[EMAIL_ADDRESS_1]')?.valueHash, 'h-alice');
      });

      test('within one batch the first of two rows for a value or a placeholder wins', async () => {
        const first = entry('conv-3', 'h-x', '[PERSON_1]');
        const result = await store.putVaultEntries([
          first,
          entry('conv-3', 'h-x', '[PERSON_2]'),
          entry('conv-3', 'h-y', '[PERSON_1]'),
        ]);
        assert.deepEqual(result, [first]);
        assert.deepEqual(await store.getVaultEntries('conv-3', at(1)), [first]);
      });

      test('getVaultEntries returns the unexpired entries of one scope, oldest first', async () => {
        const conv1 = await store.getVaultEntries('conv-1', at(10));
        assert.deepEqual(
          conv1.map((e) => e.placeholder),
          [
            '[EMAIL_ADDRESS_1]',
            '[EMAIL_ADDRESS_2]',
            '[PHONE_NUMBER_1]',
            '[EMAIL_ADDRESS_3]',
            '[EMAIL_ADDRESS_4]',
          ],
        );
        // expiresAt > now: an entry expiring exactly now is gone.
        assert.deepEqual(
          (await store.getVaultEntries('conv-1', at(30))).map((e) => e.valueHash),
          ['h-alice', 'h-carol'],
        );
        assert.deepEqual(await store.getVaultEntries('conv-1', at(45)), []);
        assert.deepEqual(await store.getVaultEntries('no-such-scope', at(0)), []);
        await assert.rejects(store.getVaultEntries('conv-1', 'later'), RangeError);
      });

      test('an expired entry no longer holds its value or placeholder', async () => {
        await store.putVaultEntries([entry('conv-4', 'h-old', '[IBAN_CODE_1]', { expiresAt: at(5) })]);
        const reuse = entry('conv-4', 'h-new', '[IBAN_CODE_1]', { createdAt: at(6), expiresAt: at(36) });
        const renew = entry('conv-4', 'h-old', '[IBAN_CODE_2]', { createdAt: at(6), expiresAt: at(36) });
        assert.deepEqual(await store.putVaultEntries([reuse, renew]), [reuse, renew]);
        assert.deepEqual(await store.getVaultEntries('conv-4', at(7)), [reuse, renew]);
      });

      test('two connections writing the same value at once agree on one placeholder', async (t) => {
        const second = await replica();
        if (second === null) {
          t.skip('the factory cannot reopen');
          return;
        }
        try {
          for (let i = 0; i < 5; i++) {
            const scope = `conv-race-${i}`;
            const [a, b]: VaultEntry[][] = await Promise.all([
              store.putVaultEntries([entry(scope, 'h-same', '[PERSON_1]', { ciphertext: 'from-a' })]),
              second.putVaultEntries([entry(scope, 'h-same', '[PERSON_2]', { ciphertext: 'from-b' })]),
            ]);
            assert.equal(a?.length, 1);
            assert.deepEqual(a, b);
            assert.deepEqual(await store.getVaultEntries(scope, at(1)), a);
          }
        } finally {
          await second.close();
        }
      });

      test('bad entries are refused and nothing of the batch is stored', async () => {
        await assert.rejects(
          store.putVaultEntries([
            entry('conv-5', 'h-ok', '[URL_1]'),
            entry('conv-5', 'h-bad', '[URL_2]', { expiresAt: 'never' }),
          ]),
          RangeError,
        );
        await assert.rejects(store.putVaultEntries([entry('', 'h', '[URL_1]')]), RangeError);
        assert.deepEqual(await store.getVaultEntries('conv-5', at(0)), []);
      });

      test('purge deletes the expired entries and counts them', async () => {
        const before = (await store.getVaultEntries('conv-1', at(31))).length;
        assert.equal(before, 2);
        const purged = await store.purgeExpiredVault(at(30));
        assert.ok(purged >= 3, `purged ${purged}`);
        assert.equal(await store.purgeExpiredVault(at(30)), 0);
        assert.equal((await store.getVaultEntries('conv-1', at(0))).length, 2, 'unexpired entries stay');
        // A purged value can take a new placeholder now.
        const back = entry('conv-1', 'h-bob', '[EMAIL_ADDRESS_5]', { createdAt: at(31), expiresAt: at(59) });
        assert.deepEqual(await store.putVaultEntries([back]), [back]);
        await assert.rejects(store.purgeExpiredVault('x'), RangeError);
      });
    });

    describe('acknowledgements', () => {
      before(fresh);

      test('created unused, read back equal; a second with the same hash is refused', async () => {
        const input = acknowledgement('t-1', { createdAt: '2025-05-01T12:00:00+02:00' });
        const expected: AcknowledgementRecord = {
          ...input,
          createdAt: at(0),
          usedAt: null,
          usedEventId: null,
          justification: null,
        };
        assert.deepEqual(await store.createAcknowledgement(input), expected);
        assert.deepEqual(await store.getAcknowledgement('t-1'), expected);
        assert.equal(await store.getAcknowledgement('t-missing'), null);
        await assert.rejects(store.createAcknowledgement(acknowledgement('t-1')), RecordConflictError);
      });

      test('used once: two uses at once, exactly one wins and records the justification', async () => {
        const results = await Promise.all(
          ['e-a', 'e-b', 'e-c'].map((eventId) =>
            store.useAcknowledgement('t-1', { at: at(5), eventId, justification: `ticket for ${eventId}` }),
          ),
        );
        const winner = onlyWinner(results);
        assert.equal(winner.usedAt, at(5));
        assert.equal(winner.justification, `ticket for ${winner.usedEventId}`);
        assert.deepEqual(await store.getAcknowledgement('t-1'), winner);
        assert.equal(
          await store.useAcknowledgement('t-1', { at: at(6), eventId: 'e-d', justification: null }),
          null,
        );
        assert.equal(
          await store.useAcknowledgement('t-missing', { at: at(6), eventId: 'e-d', justification: null }),
          null,
        );
      });

      test('an expired acknowledgement cannot be used; purge removes expired ones, used or not', async () => {
        await store.createAcknowledgement(
          acknowledgement('t-2', { expiresAt: at(10), keyId: null, user: null, requestHash: null }),
        );
        await store.createAcknowledgement(acknowledgement('t-3', { expiresAt: at(50) }));
        assert.equal(
          await store.useAcknowledgement('t-2', { at: at(10), eventId: 'e', justification: null }),
          null,
        );
        assert.equal((await store.getAcknowledgement('t-2'))?.usedAt, null);
        assert.equal(await store.purgeExpiredAcknowledgements(at(20)), 2);
        assert.equal(await store.getAcknowledgement('t-1'), null);
        assert.equal(await store.getAcknowledgement('t-2'), null);
        assert.equal((await store.getAcknowledgement('t-3'))?.tokenHash, 't-3');
        await assert.rejects(
          store.useAcknowledgement('t-3', { at: 'now', eventId: 'e', justification: null }),
          RangeError,
        );
      });
    });

    describe('control lifecycle', () => {
      before(fresh);

      test('a second connection sees the control data', async (t) => {
        await store.insertPolicyVersion({
          document: 'a: 1',
          author: 'cli',
          comment: 'first',
          createdAt: at(0),
        });
        await store.activatePolicyVersion(1, 'cli', at(1));
        await store.putSetting('policy.global', { block_all: true }, 'cli', at(2));
        await store.createApproval(approval('life-ap'));
        const second = await replica();
        if (second === null) {
          t.skip('the factory cannot reopen');
          return;
        }
        try {
          assert.equal((await second.getActivePolicyVersion())?.comment, 'first');
          assert.equal((await second.getSetting('policy.global'))?.revision, 1);
          assert.equal((await second.getApproval('life-ap'))?.status, 'pending');
        } finally {
          await second.close();
        }
      });

      test('after close, control calls reject', async () => {
        await store.close();
        await assert.rejects(store.getActivePolicyVersion());
        await assert.rejects(store.getSetting('policy.global'));
        await assert.rejects(store.listApprovals());
        await assert.rejects(store.getVaultEntries('conv', at(0)));
        await assert.rejects(store.putVaultEntries([]));
        await assert.rejects(store.getPolicyVersion(0));
      });
    });
  });
}
