import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import {
  createPostgresStore,
  LATEST_SCHEMA_VERSION,
  openStore,
  parsePostgresUrl,
} from '../../src/store/index.ts';
import { runControlContract } from './control-contract.ts';
import { runStoreContract } from './store-contract.ts';
import {
  adminQuery,
  createTestSchema,
  makeEvent,
  POSTGRES_SKIP,
  POSTGRES_URL,
  postgresUnderTest,
  startProxy,
  throughProxy,
  waitFor,
} from './store-fixtures.ts';

runStoreContract('postgres', postgresUnderTest, { skip: POSTGRES_SKIP });
runControlContract('postgres', postgresUnderTest, { skip: POSTGRES_SKIP });

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function withSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('schema', schema);
  return parsed.toString();
}

describe('postgres store', { skip: POSTGRES_SKIP }, () => {
  const url = POSTGRES_URL as string;

  test('openStore selects PostgreSQL by URL and honours ?schema=', async () => {
    const schema = await createTestSchema();
    try {
      const store = await openStore({ url: withSchema(url, schema.name), dataDir: '/nonexistent' });
      try {
        assert.equal(store.kind, 'postgres');
        await store.insertEvents([makeEvent('in-schema')]);
      } finally {
        await store.close();
      }
      const rows = await adminQuery<{ id: string }>(`SELECT id FROM ${schema.name}.events`);
      assert.deepEqual(rows, [{ id: 'in-schema' }]);
    } finally {
      await schema.drop();
    }
  });

  test('opens at once from several pools: all succeed, each migration recorded once, schema created', async () => {
    const name = `parapet_test_${Math.random().toString(36).slice(2, 10)}`;
    try {
      const stores = await Promise.all(
        [1, 2, 3, 4].map(() => createPostgresStore({ url, schema: name, poolMax: 2 })),
      );
      for (const store of stores) await store.close();
      const rows = await adminQuery<{ version: number }>(
        `SELECT version FROM ${name}.schema_migrations ORDER BY version`,
      );
      assert.deepEqual(
        rows.map((r) => r.version),
        Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1),
      );
    } finally {
      await adminQuery(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    }
  });

  test('an unreachable server rejects with the address and without the password', async () => {
    const port = await closedPort();
    await assert.rejects(
      createPostgresStore({
        url: `postgres://parapet:hunter2@127.0.0.1:${port}/db`,
        connectionTimeoutMs: 2000,
      }),
      (error: Error) => {
        assert.match(
          error.message,
          new RegExp(`could not open the PostgreSQL store at \`127\\.0\\.0\\.1:${port}/db\``),
        );
        assert.doesNotMatch(error.message, /hunter2/);
        return true;
      },
    );
  });

  test('a bad schema name or URL is refused before connecting', async () => {
    await assert.rejects(
      createPostgresStore({ url, schema: 'x; DROP TABLE y' }),
      /invalid PostgreSQL schema name/,
    );
    assert.throws(() => parsePostgresUrl('postgres://u:p@[bad'), /cannot be read/);
    assert.deepEqual(
      parsePostgresUrl('postgres://u:secret@db.example:6543/parapet?schema=tenant_1&sslmode=require'),
      {
        connectionString: 'postgres://u:secret@db.example:6543/parapet?sslmode=require',
        schema: 'tenant_1',
        display: 'db.example:6543/parapet',
      },
    );
  });

  test('connections killed by the server do not crash the process; the store recovers', async () => {
    const schema = await createTestSchema();
    const app = `parapet_kill_${Math.random().toString(36).slice(2, 10)}`;
    const tagged = new URL(url);
    tagged.searchParams.set('application_name', app);
    const errors: Error[] = [];
    const store = await createPostgresStore({
      url: tagged.toString(),
      schema: schema.name,
      onError: (e) => errors.push(e),
    });
    try {
      await Promise.all([store.ping(), store.ping(), store.ping()]);
      const killed = await adminQuery(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [app],
      );
      assert.ok(killed.length > 0);
      await waitFor('the pool to report every lost connection', () => errors.length >= killed.length);
      await store.ping();
      await store.insertEvents([makeEvent('after-kill')]);
      assert.equal(await store.countEvents(), 1);
    } finally {
      await store.close();
      await schema.drop();
    }
  });

  test('a statement on a connection that died unnoticed is retried on a fresh one', async () => {
    const schema = await createTestSchema();
    const target = new URL(url);
    const proxy = await startProxy(target.hostname, Number(target.port || 5432));
    const store = await createPostgresStore({
      url: throughProxy(url, proxy),
      schema: schema.name,
      poolMax: 1,
    });
    try {
      await store.insertEvents([makeEvent('before-break')]);
      proxy.breakSilently();
      assert.equal(await store.countEvents(), 1);
      proxy.breakSilently();
      assert.deepEqual(await store.getEvent('before-break'), makeEvent('before-break'));
    } finally {
      await store.close();
      await proxy.close();
      await schema.drop();
    }
  });
});
