/**
 * `parapet users …` and `parapet tokens …` against a SQLite data directory: passwords from stdin,
 * validation, listing without secrets, and an audit entry for every change (actor `cli:<os user>`).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { verifyPassword } from '../../src/admin/auth/passwords.ts';
import { runCli } from '../../src/cli/main.ts';
import { type AccessStore, accessStoreFor } from '../../src/store/access-store.ts';
import { createSqliteStore } from '../../src/store/index.ts';

const root = mkdtempSync(join(tmpdir(), 'parapet-users-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

const NOW = new Date('2030-01-01T12:00:00.000Z');
const ACTOR = `cli:${userInfo().username}`;
let dataDir: string;

async function run(argv: string[], stdin?: string) {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...argv, '--data-dir', dataDir], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    ...(stdin === undefined
      ? {}
      : {
          stdin: (async function* () {
            yield Buffer.from(stdin);
          })(),
        }),
    env: {},
    cwd: root,
    now: () => NOW,
  });
  return { code, stdout, stderr };
}

/** Runs `use` on the data directory's access store. */
async function withAccess<T>(use: (access: AccessStore) => Promise<T>): Promise<T> {
  const store = createSqliteStore({ dataDir, writerThread: false });
  try {
    return await use(accessStoreFor(store.sql));
  } finally {
    await store.close();
  }
}

before(() => {
  dataDir = mkdtempSync(join(root, 'data-'));
});

describe('parapet users', () => {
  test('add reads the password from the first line of stdin, hashes it and audits the change', async () => {
    const res = await run(
      ['users', 'add', 'Alice', '--role', 'admin'],
      'correct horse battery staple\r\nignored\n',
    );
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'created account alice with role admin\n');
    const alice = await withAccess((a) => a.getUserByName('alice'));
    assert.equal(alice?.role, 'admin');
    assert.equal(await verifyPassword('correct horse battery staple', alice!.passwordHash), true);
    const [entry] = await withAccess((a) => a.queryAudit({ limit: 1 }));
    assert.deepEqual(
      { ...entry, id: 0 },
      {
        id: 0,
        time: NOW.toISOString(),
        actor: ACTOR,
        actorKind: 'cli',
        action: 'users.add',
        target: { user: 'alice' },
        details: { role: 'admin' },
        ip: null,
      },
    );
  });

  test('add refuses a short or missing password (exit 1), a bad role or name (exit 2), a taken name', async () => {
    const short = await run(['users', 'add', 'bob', '--role', 'analyst'], 'too short\n');
    assert.equal(short.code, 1);
    assert.match(short.stderr, /^parapet: the password must be at least 12 characters long/);
    const none = await run(['users', 'add', 'bob', '--role', 'analyst'], '');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no password given/);
    const role = await run(['users', 'add', 'bob', '--role', 'root'], 'long enough password\n');
    assert.equal(role.code, 2);
    assert.match(
      role.stderr,
      /unknown role `root`; use one of admin, policy_author, reviewer, analyst, auditor/,
    );
    const name = await run(['users', 'add', 'bad name', '--role', 'analyst'], 'long enough password\n');
    assert.equal(name.code, 2);
    const missingRole = await run(['users', 'add', 'bob'], 'long enough password\n');
    assert.equal(missingRole.code, 2);
    const taken = await run(['users', 'add', 'alice', '--role', 'analyst'], 'long enough password\n');
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /an account named `alice` already exists/);
    assert.equal(await withAccess((a) => a.getUserByName('bob')), null);
  });

  test('list shows accounts without password hashes, as a table or JSON', async () => {
    assert.equal(
      (await run(['users', 'add', 'bob', '--role', 'analyst'], 'bob has a long password\n')).code,
      0,
    );
    const table = await run(['users', 'list']);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^NAME +ROLE +STATUS +CREATED +LAST LOGIN\n/);
    assert.match(table.stdout, /\nalice +admin +active /);
    assert.ok(!table.stdout.includes('scrypt'));
    const json = JSON.parse((await run(['users', 'list', '--json'])).stdout);
    assert.deepEqual(
      json.map((u: { name: string; role: string; status: string }) => [u.name, u.role, u.status]),
      [
        ['alice', 'admin', 'active'],
        ['bob', 'analyst', 'active'],
      ],
    );
    assert.ok(!JSON.stringify(json).includes('scrypt'));
  });

  test('set-role, disable (ending sessions), enable and passwd change the account and are audited', async () => {
    assert.equal((await run(['users', 'set-role', 'bob', 'reviewer'])).code, 0);
    assert.equal((await withAccess((a) => a.getUserByName('bob')))?.role, 'reviewer');

    const bob = (await withAccess((a) => a.getUserByName('bob')))!;
    await withAccess((a) =>
      a.createSession({
        idHash: 'h1',
        userId: bob.id,
        csrfHash: 'c',
        createdAt: NOW.toISOString(),
        expiresAt: '2030-01-02T00:00:00.000Z',
        lastSeenAt: NOW.toISOString(),
      }),
    );
    const disabled = await run(['users', 'disable', 'bob']);
    assert.equal(disabled.code, 0);
    assert.equal(disabled.stdout, 'disabled bob and ended 1 session\n');
    assert.equal((await withAccess((a) => a.getUserByName('bob')))?.disabledAt, NOW.toISOString());
    assert.equal(await withAccess((a) => a.findSession('h1')), null);
    assert.equal((await run(['users', 'enable', 'bob'])).code, 0);
    assert.equal((await withAccess((a) => a.getUserByName('bob')))?.disabledAt, null);

    const passwd = await run(['users', 'passwd', 'bob'], 'a brand new password\n');
    assert.equal(passwd.code, 0, passwd.stderr);
    const after = (await withAccess((a) => a.getUserByName('bob')))!;
    assert.equal(await verifyPassword('a brand new password', after.passwordHash), true);
    assert.equal(await verifyPassword('bob has a long password', after.passwordHash), false);

    const actions = (await withAccess((a) => a.queryAudit({ actor: ACTOR, limit: 4 }))).map((e) => [
      e.action,
      e.target,
    ]);
    assert.deepEqual(actions, [
      ['users.passwd', { user: 'bob' }],
      ['users.enable', { user: 'bob' }],
      ['users.disable', { user: 'bob' }],
      ['users.set-role', { user: 'bob' }],
    ]);
    const all = JSON.stringify(await withAccess((a) => a.queryAudit({ limit: 100 })));
    assert.ok(!all.includes('a brand new password'));
  });

  test('the CLI is the break-glass path: it may disable the last admin, with a warning', async () => {
    const res = await run(['users', 'set-role', 'alice', 'auditor']);
    assert.equal(res.code, 0);
    assert.match(res.stderr, /^warning: no enabled admin account is left/);
    assert.equal((await run(['users', 'set-role', 'alice', 'admin'])).code, 0);
  });

  test('changing an unknown account fails with exit 1', async () => {
    for (const argv of [
      ['users', 'set-role', 'ghost', 'admin'],
      ['users', 'disable', 'ghost'],
      ['users', 'enable', 'ghost'],
    ]) {
      const res = await run(argv);
      assert.equal(res.code, 1);
      assert.match(res.stderr, /no account named `ghost`/);
    }
  });
});

describe('parapet tokens', () => {
  let id: string;
  test('create prints the token once and stores only its hash', async () => {
    const res = await run(['tokens', 'create', 'ci-deploy', '--role', 'policy_author', '--expires', '90d']);
    assert.equal(res.code, 0, res.stderr);
    const token = res.stdout.trim();
    assert.match(token, /^pat_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    assert.match(res.stderr, /shown only this once/);
    id = token.slice(4, 16);
    const stored = await withAccess((a) => a.getToken(id));
    assert.equal(stored?.hash, createHash('sha256').update(token).digest('hex'));
    assert.equal(stored?.createdBy, ACTOR);
    assert.equal(stored?.expiresAt, new Date(NOW.getTime() + 90 * 86_400_000).toISOString());
    const [entry] = await withAccess((a) => a.queryAudit({ action: 'tokens.create' }));
    assert.deepEqual(entry?.details, {
      name: 'ci-deploy',
      role: 'policy_author',
      expiresAt: stored?.expiresAt,
    });
    assert.ok(!JSON.stringify(entry).includes(token));
  });

  test('create --json; bad role, name or expiry are usage errors; a taken name fails', async () => {
    const json = JSON.parse(
      (await run(['tokens', 'create', 'reader', '--role', 'auditor', '--json'])).stdout,
    );
    assert.equal(json.role, 'auditor');
    assert.match(json.token, /^pat_/);
    assert.equal((await run(['tokens', 'create', 'x', '--role', 'root'])).code, 2);
    assert.equal((await run(['tokens', 'create', '-bad', '--role', 'analyst'])).code, 2);
    const past = await run(['tokens', 'create', 'old', '--role', 'analyst', '--expires', '2001-01-01']);
    assert.equal(past.code, 2);
    assert.match(past.stderr, /option `--expires` is in the past/);
    const taken = await run(['tokens', 'create', 'reader', '--role', 'auditor']);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /an API token named `reader` exists/);
  });

  test('list never shows secrets; revoke once, again, or an unknown id', async () => {
    const list = await run(['tokens', 'list']);
    assert.match(list.stdout, /^ID +NAME +ROLE +STATUS/);
    assert.match(list.stdout, /ci-deploy +policy_author +active/);
    assert.ok(!list.stdout.includes('pat_'));
    const revoked = await run(['tokens', 'revoke', id]);
    assert.equal(revoked.stdout, `revoked token ${id}\n`);
    assert.equal((await run(['tokens', 'revoke', id])).stdout, `token ${id} was already revoked\n`);
    const missing = await run(['tokens', 'revoke', 'nope']);
    assert.equal(missing.code, 1);
    const json = JSON.parse((await run(['tokens', 'list', '--json'])).stdout);
    assert.equal(json.find((t: { id: string }) => t.id === id).status, 'revoked');
    const [entry] = await withAccess((a) => a.queryAudit({ action: 'tokens.revoke' }));
    assert.deepEqual(entry?.target, { token: id });
  });
});
