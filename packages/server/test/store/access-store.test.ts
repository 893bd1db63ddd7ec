/**
 * The admin-access store (accounts, sessions, API tokens, login throttling, audit trail): one contract,
 * run on SQLite and on PostgreSQL (a schema per run; skipped without PARAPET_TEST_POSTGRES_URL).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type AccessStore,
  type AdminUserRecord,
  type ApiTokenRecord,
  accessStoreFor,
  type LoginLimits,
} from '../../src/store/access-store.ts';
import {
  createPostgresStore,
  createSqliteStore,
  RecordConflictError,
  type Store,
} from '../../src/store/index.ts';
import { createTestSchema, POSTGRES_SKIP, POSTGRES_URL, tempDir } from './store-fixtures.ts';

interface Opened {
  store: Store;
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

async function sqlite(): Promise<Opened> {
  const tmp = tempDir('parapet-access-');
  const opened = [createSqliteStore({ dataDir: tmp.dir, writerThread: false })];
  return {
    store: opened[0]!,
    reopen: async () => {
      const store = createSqliteStore({ dataDir: tmp.dir, writerThread: false });
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      tmp.remove();
    },
  };
}

async function postgres(): Promise<Opened> {
  const schema = await createTestSchema();
  const url = POSTGRES_URL as string;
  const opened = [await createPostgresStore({ url, schema: schema.name })];
  return {
    store: opened[0]!,
    reopen: async () => {
      const store = await createPostgresStore({ url, schema: schema.name });
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      await schema.drop();
    },
  };
}

/** `2025-06-01T10:MM:00.000Z`. */
function at(minute: number): string {
  return new Date(Date.UTC(2025, 5, 1, 10, 0, 0) + minute * 60_000).toISOString();
}

function user(name: string, overrides: Partial<AdminUserRecord> = {}): AdminUserRecord {
  return {
    id: `usr_${name}`,
    name,
    role: 'analyst',
    passwordHash: 'scrypt$32768$8$1$c2FsdA$aGFzaA',
    createdAt: at(0),
    disabledAt: null,
    lastLoginAt: null,
    ...overrides,
  };
}

function token(id: string, overrides: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return {
    id,
    hash: `hash-${id}`,
    name: `name-${id}`,
    role: 'auditor',
    createdBy: 'alice',
    createdAt: at(0),
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    ...overrides,
  };
}

const LIMITS: LoginLimits = { maxFailures: 3, windowMs: 10 * 60_000, lockMs: 5 * 60_000 };

function runAccessContract(name: string, open: () => Promise<Opened>, skip: string | false = false) {
  describe(`access store (${name})`, { skip }, () => {
    let opened: Opened;
    let access: AccessStore;
    before(async () => {
      opened = await open();
      access = accessStoreFor(opened.store.sql);
    });
    after(() => opened?.cleanup());

    test('accounts: create, read, list by name, unique names, times in canonical form', async () => {
      assert.equal(await access.hasUsers(), false);
      const created = await access.createUser(user('carol', { createdAt: '2025-06-01T12:00:00+02:00' }));
      assert.equal(created.createdAt, '2025-06-01T10:00:00.000Z');
      await access.createUser(user('alice', { role: 'admin' }));
      assert.equal(await access.hasUsers(), true);
      assert.deepEqual(await access.getUserByName('carol'), created);
      assert.equal(await access.getUserByName('nobody'), null);
      assert.deepEqual(
        (await access.listUsers()).map((u) => u.name),
        ['alice', 'carol'],
      );
      await assert.rejects(access.createUser(user('carol', { id: 'usr_other' })), RecordConflictError);
      await assert.rejects(access.createUser(user('bad', { createdAt: 'yesterday' })), RangeError);
    });

    test('updateUser changes only what is given; the last enabled admin is kept when asked', async () => {
      const changed = await access.updateUser('carol', { role: 'reviewer' });
      assert.equal(changed.status, 'updated');
      assert.equal(changed.status === 'updated' && changed.user.role, 'reviewer');
      assert.equal((await access.getUserByName('carol'))?.passwordHash, user('carol').passwordHash);

      // alice is the only enabled admin: demoting or disabling her is refused with the guard, not without.
      assert.equal(
        (await access.updateUser('alice', { role: 'analyst' }, { keepAnAdmin: true })).status,
        'last-admin',
      );
      assert.equal(
        (await access.updateUser('alice', { disabledAt: at(1) }, { keepAnAdmin: true })).status,
        'last-admin',
      );
      assert.equal((await access.getUserByName('alice'))?.role, 'admin');
      // A change that keeps her an enabled admin passes; so does changing someone else.
      assert.equal(
        (
          await access.updateUser(
            'alice',
            { role: 'admin', passwordHash: 'scrypt$new' },
            { keepAnAdmin: true },
          )
        ).status,
        'updated',
      );
      assert.equal(
        (await access.updateUser('carol', { disabledAt: at(2) }, { keepAnAdmin: true })).status,
        'updated',
      );
      // With a second enabled admin, alice may step down.
      await access.updateUser('carol', { role: 'admin', disabledAt: null });
      const demoted = await access.updateUser('alice', { role: 'auditor' }, { keepAnAdmin: true });
      assert.equal(demoted.status, 'updated');
      assert.equal(
        (await access.updateUser('ghost', { role: 'admin' }, { keepAnAdmin: true })).status,
        'missing',
      );
      // Without the guard (the CLI), anything goes.
      assert.equal((await access.updateUser('carol', { disabledAt: at(3) })).status, 'updated');
      const carol = await access.getUserByName('carol');
      assert.equal(carol?.disabledAt, at(3));
      assert.equal((await access.updateUser('carol', { disabledAt: null })).status, 'updated');
      assert.equal((await access.getUserByName('carol'))?.disabledAt, null);
      await access.recordLogin('usr_carol', at(4));
      assert.equal((await access.getUserByName('carol'))?.lastLoginAt, at(4));
    });

    test('sessions: create, find with the account, touch at most when stale, delete, purge', async () => {
      await access.createSession({
        idHash: 'sess-1',
        userId: 'usr_carol',
        csrfHash: 'csrf-1',
        createdAt: at(0),
        expiresAt: at(600),
        lastSeenAt: at(0),
      });
      await access.createSession({
        idHash: 'sess-2',
        userId: 'usr_carol',
        csrfHash: 'csrf-2',
        createdAt: at(0),
        expiresAt: at(5),
        lastSeenAt: at(0),
      });
      const found = await access.findSession('sess-1');
      assert.equal(found?.user.name, 'carol');
      assert.equal(found?.session.csrfHash, 'csrf-1');
      assert.equal(await access.findSession('nope'), null);
      await access.touchSession('sess-1', at(10), at(9));
      assert.equal((await access.findSession('sess-1'))?.session.lastSeenAt, at(10));
      // Not stale: unchanged.
      await access.touchSession('sess-1', at(10.5), at(9.5));
      assert.equal((await access.findSession('sess-1'))?.session.lastSeenAt, at(10));
      // sess-2 is past its absolute expiry at minute 20.
      assert.equal(await access.purgeSessions(at(20), at(-60)), 1);
      assert.equal(await access.findSession('sess-2'), null);
      // Idle since minute 10: purged when the idle limit says so.
      assert.equal(await access.purgeSessions(at(20), at(5)), 0);
      assert.equal(await access.purgeSessions(at(20), at(11)), 1);
      await access.createSession({
        idHash: 'sess-3',
        userId: 'usr_carol',
        csrfHash: 'c',
        createdAt: at(0),
        expiresAt: at(600),
        lastSeenAt: at(0),
      });
      assert.equal(await access.deleteSession('sess-3'), true);
      assert.equal(await access.deleteSession('sess-3'), false);
      for (const id of ['a', 'b']) {
        await access.createSession({
          idHash: `sess-${id}`,
          userId: 'usr_alice',
          csrfHash: 'c',
          createdAt: at(0),
          expiresAt: at(600),
          lastSeenAt: at(0),
        });
      }
      assert.equal(await access.deleteUserSessions('usr_alice'), 2);
    });

    test('API tokens: create, unique names, list newest first, revoke once, touch', async () => {
      await access.createToken(token('t1', { createdAt: at(1) }));
      await access.createToken(token('t2', { createdAt: at(2), expiresAt: at(100) }));
      await assert.rejects(access.createToken(token('t3', { name: 'name-t1' })), RecordConflictError);
      assert.deepEqual(
        (await access.listTokens()).map((t) => t.id),
        ['t2', 't1'],
      );
      assert.equal((await access.getToken('t2'))?.expiresAt, at(100));
      assert.equal(await access.getToken('zz'), null);
      const revoked = await access.revokeToken('t1', at(5));
      assert.equal(revoked?.revokedAt, at(5));
      assert.equal(await access.revokeToken('t1', at(6)), null);
      assert.equal(await access.revokeToken('zz', at(6)), null);
      // A revoked name is never reused.
      await assert.rejects(access.createToken(token('t4', { name: 'name-t1' })), RecordConflictError);
      await access.touchToken('t2', at(7), at(6));
      assert.equal((await access.getToken('t2'))?.lastUsedAt, at(7));
      await access.touchToken('t2', at(7.5), at(6.5));
      assert.equal((await access.getToken('t2'))?.lastUsedAt, at(7));
    });

    test('login throttling: N failures in the window lock the key; an old window starts again', async () => {
      assert.equal(await access.loginLockedUntil(['name:x', 'ip:1'], at(0)), null);
      assert.deepEqual(await access.recordLoginFailure('name:x', at(0), LIMITS), {
        failures: 1,
        lockedUntil: null,
      });
      assert.deepEqual(await access.recordLoginFailure('name:x', at(1), LIMITS), {
        failures: 2,
        lockedUntil: null,
      });
      assert.deepEqual(await access.recordLoginFailure('name:x', at(2), LIMITS), {
        failures: 3,
        lockedUntil: at(7),
      });
      assert.equal(await access.loginLockedUntil(['ip:1', 'name:x'], at(3)), at(7));
      assert.equal(await access.loginLockedUntil(['ip:1'], at(3)), null);
      assert.equal(await access.loginLockedUntil(['name:x'], at(7)), null);
      // The window (10 minutes from minute 0) is over at minute 10: counting starts again.
      assert.deepEqual(await access.recordLoginFailure('name:x', at(10), LIMITS), {
        failures: 1,
        lockedUntil: null,
      });
      // Failures spread over more than the window never lock.
      for (const minute of [20, 25, 31, 36]) {
        const counted = await access.recordLoginFailure('ip:2', at(minute), LIMITS);
        assert.equal(counted.lockedUntil, null, `minute ${minute}`);
      }
      await access.clearLoginFailures('name:x');
      assert.deepEqual(await access.recordLoginFailure('name:x', at(11), LIMITS), {
        failures: 1,
        lockedUntil: null,
      });
      // Replicas count together: concurrent failures are all counted.
      await Promise.all(Array.from({ length: 3 }, () => access.recordLoginFailure('name:y', at(50), LIMITS)));
      assert.equal(await access.loginLockedUntil(['name:y'], at(51)), at(55));
      assert.ok((await access.purgeLoginAttempts(at(100), LIMITS.windowMs)) >= 3);
      assert.equal(await access.loginLockedUntil(['name:y'], at(51)), null);
    });

    test('audit trail: append, query newest first with filters and keyset paging', async () => {
      const first = await access.appendAudit({
        time: at(1),
        actor: 'alice',
        actorKind: 'user',
        action: 'login',
        target: null,
        details: { role: 'admin' },
        ip: '127.0.0.1',
      });
      assert.equal(typeof first.id, 'number');
      for (let i = 2; i <= 6; i++) {
        await access.appendAudit({
          time: at(i),
          actor: i % 2 === 0 ? 'token:ci' : 'alice',
          actorKind: i % 2 === 0 ? 'token' : 'user',
          action: 'POST /kill-switch',
          target: { version: String(i) },
          details: { body: { on: i % 2 === 0 } },
          ip: null,
        });
      }
      const all = await access.queryAudit();
      assert.equal(all.length, 6);
      assert.deepEqual(
        all.map((e) => e.time),
        [at(6), at(5), at(4), at(3), at(2), at(1)],
      );
      assert.ok(all.every((e, i) => i === 0 || all[i - 1]!.id > e.id));
      assert.deepEqual(all[5], first);
      assert.deepEqual(all[0]!.target, { version: '6' });
      assert.deepEqual(all[0]!.details, { body: { on: true } });
      assert.deepEqual(
        (await access.queryAudit({ actor: 'alice' })).map((e) => e.time),
        [at(5), at(3), at(1)],
      );
      assert.deepEqual(
        (await access.queryAudit({ action: 'login' })).map((e) => e.id),
        [first.id],
      );
      assert.deepEqual(
        (await access.queryAudit({ since: at(2), until: at(4) })).map((e) => e.time),
        [at(3), at(2)],
      );
      const page1 = await access.queryAudit({ limit: 4 });
      const page2 = await access.queryAudit({ limit: 4, after: page1[3]!.id });
      assert.deepEqual(
        [...page1, ...page2].map((e) => e.id),
        all.map((e) => e.id),
      );
      await assert.rejects(access.queryAudit({ limit: 0 }), RangeError);
    });

    test('the audit trail refuses UPDATE and DELETE at the database', async () => {
      const sql = opened.store.sql;
      if (sql.dialect === 'sqlite') {
        assert.throws(() => sql.db.prepare("UPDATE admin_audit SET actor = 'mallory'").run(), /append-only/);
        assert.throws(() => sql.db.prepare('DELETE FROM admin_audit').run(), /append-only/);
      } else {
        await assert.rejects(sql.query("UPDATE admin_audit SET actor = 'mallory'"), /append-only/);
        await assert.rejects(sql.query('DELETE FROM admin_audit'), /append-only/);
        await assert.rejects(sql.query('TRUNCATE admin_audit'), /append-only/);
      }
      assert.equal((await access.queryAudit({ actor: 'mallory' })).length, 0);
    });

    test('a second connection (another replica) sees the same records', async () => {
      const other = accessStoreFor((await opened.reopen()).sql);
      assert.equal((await other.getUserByName('alice'))?.role, 'auditor');
      assert.equal((await other.queryAudit()).length, 6);
      assert.equal((await other.getToken('t1'))?.revokedAt, at(5));
    });
  });
}

runAccessContract('sqlite', sqlite);
runAccessContract('postgres', postgres, POSTGRES_SKIP);
