/** The SIEM sink contract on SQLite and on PostgreSQL (skipped when PARAPET_TEST_POSTGRES_URL is unset). */
import { createPostgresStore, createSqliteStore, type Store } from '../../src/store/index.ts';
import type { StoreUnderTest } from '../store/store-contract.ts';
import { createTestSchema, POSTGRES_SKIP, POSTGRES_URL, tempDir } from '../store/store-fixtures.ts';
import { runSiemContract } from './siem-contract.ts';

async function sqliteUnderTest(): Promise<StoreUnderTest> {
  const tmp = tempDir('parapet-siem-');
  const opened: Store[] = [createSqliteStore({ dataDir: tmp.dir })];
  return {
    store: opened[0]!,
    reopen: async () => {
      const store = createSqliteStore({ dataDir: tmp.dir });
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
      tmp.remove();
    },
  };
}

async function postgresUnderTest(): Promise<StoreUnderTest> {
  const schema = await createTestSchema();
  const url = POSTGRES_URL as string;
  const opened: Store[] = [await createPostgresStore({ url, schema: schema.name })];
  return {
    store: opened[0]!,
    reopen: async () => {
      const store = await createPostgresStore({ url, schema: schema.name });
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
      await schema.drop();
    },
  };
}

runSiemContract('sqlite', sqliteUnderTest);
runSiemContract('postgres', postgresUnderTest, { skip: POSTGRES_SKIP });
