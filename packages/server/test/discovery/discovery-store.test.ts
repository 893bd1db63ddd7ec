/**
 * The discovery store: one contract, run on a SQLite file and on PostgreSQL (a schema per run; skipped
 * when PARAPET_TEST_POSTGRES_URL is unset).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CandidateCell, UsageCell } from '../../src/discovery/aggregate.ts';
import {
  createDiscoveryStore,
  type DiscoveryStore,
  type NewDiscoveryRun,
} from '../../src/store/discovery-store.ts';
import { createPostgresStore, createSqliteStore, type Store } from '../../src/store/index.ts';
import { createTestSchema, POSTGRES_SKIP, POSTGRES_URL, tempDir } from '../store/store-fixtures.ts';

interface Opened {
  store: Store;
  cleanup(): Promise<void>;
}

function run(id: string, startedAt: string, over: Partial<NewDiscoveryRun> = {}): NewDiscoveryRun {
  return {
    id,
    startedAt,
    finishedAt: startedAt,
    source: 'cli',
    actor: 'ops',
    format: 'squid',
    files: ['access.log'],
    lines: 10,
    records: 8,
    malformed: 2,
    matched: 5,
    candidateRecords: 1,
    ...over,
  };
}

function usage(user: string, serviceId: string, host: string, over: Partial<UsageCell> = {}): UsageCell {
  return {
    user,
    serviceId,
    host,
    requests: 1,
    bytesUp: 10,
    bytesDown: 100,
    firstSeen: '2024-06-20T10:00:00.000Z',
    lastSeen: '2024-06-20T11:00:00.000Z',
    ...over,
  };
}

function candidate(host: string, user: string, over: Partial<CandidateCell> = {}): CandidateCell {
  return {
    host,
    user,
    reason: 'the `.ai` top-level domain',
    requests: 1,
    bytesUp: 1,
    bytesDown: 2,
    firstSeen: '2024-06-20T10:00:00.000Z',
    lastSeen: '2024-06-20T10:00:00.000Z',
    ...over,
  };
}

function runDiscoveryStoreContract(
  name: string,
  open: () => Promise<Opened>,
  skip: string | false = false,
): void {
  describe(`discovery store (${name})`, { skip }, () => {
    async function withStore(use: (ds: DiscoveryStore, store: Store) => Promise<void>): Promise<void> {
      const opened = await open();
      try {
        await use(createDiscoveryStore(opened.store.sql), opened.store);
      } finally {
        await opened.cleanup();
      }
    }

    test('an import is recorded as a run with its distinct services and users', () =>
      withStore(async (ds) => {
        const recorded = await ds.recordImport(
          run('drun_1', '2024-06-21T08:00:00.000Z', { files: ['a.log', 'b.log.gz'] }),
          [
            usage('alice', 'chatgpt', 'chatgpt.com'),
            usage('alice', 'claude', 'claude.ai'),
            usage('bob', 'chatgpt', 'chatgpt.com'),
          ],
          [],
        );
        assert.deepEqual([recorded.services, recorded.users], [2, 2]);
        const runs = await ds.listRuns();
        assert.deepEqual(runs, [recorded]);
        assert.deepEqual(runs[0]!.files, ['a.log', 'b.log.gz']);
      }));

    test('imports merge: counts add up, first and last seen widen, hosts are kept apart', () =>
      withStore(async (ds) => {
        await ds.recordImport(
          run('drun_1', '2024-06-21T08:00:00.000Z'),
          [
            usage('alice', 'chatgpt', 'chatgpt.com', { requests: 3, bytesUp: 30, bytesDown: 300 }),
            usage('bob', 'chatgpt', 'chatgpt.com'),
          ],
          [],
        );
        await ds.recordImport(
          run('drun_2', '2024-06-22T08:00:00.000Z'),
          [
            usage('alice', 'chatgpt', 'chatgpt.com', {
              requests: 2,
              bytesUp: 5,
              bytesDown: 50,
              firstSeen: '2024-06-19T09:00:00.000Z',
              lastSeen: '2024-06-22T07:00:00.000Z',
            }),
            usage('alice', 'chatgpt', 'files.oaiusercontent.com', { bytesUp: 5_000_000_000 }),
            usage('carol', 'claude', 'claude.ai', { firstSeen: null, lastSeen: null }),
          ],
          [],
        );
        const services = await ds.listServiceUsage();
        assert.deepEqual(services, [
          {
            serviceId: 'chatgpt',
            users: 2,
            requests: 7,
            bytesUp: 5_000_000_045,
            bytesDown: 550,
            firstSeen: '2024-06-19T09:00:00.000Z',
            lastSeen: '2024-06-22T07:00:00.000Z',
            hosts: 2,
          },
          {
            serviceId: 'claude',
            users: 1,
            requests: 1,
            bytesUp: 10,
            bytesDown: 100,
            // No time in the log: seen when the run started.
            firstSeen: '2024-06-22T08:00:00.000Z',
            lastSeen: '2024-06-22T08:00:00.000Z',
            hosts: 1,
          },
        ]);
        const users = await ds.listServiceUsers('chatgpt');
        assert.deepEqual(users[0], {
          user: 'alice',
          requests: 6,
          bytesUp: 5_000_000_035,
          bytesDown: 450,
          firstSeen: '2024-06-19T09:00:00.000Z',
          lastSeen: '2024-06-22T07:00:00.000Z',
          hosts: ['chatgpt.com', 'files.oaiusercontent.com'],
        });
        assert.equal(users[1]!.user, 'bob');
        assert.deepEqual(await ds.listServiceUsers('chatgpt', 1), [users[0]]);
        assert.deepEqual(await ds.listServiceUsers('nothing-here'), []);
        assert.deepEqual(
          (await ds.listRuns()).map((r) => r.id),
          ['drun_2', 'drun_1'],
        );
        assert.deepEqual(
          (await ds.listRuns(1)).map((r) => r.id),
          ['drun_2'],
        );
      }));

    test('candidates merge per host × user; the list counts distinct users per host', () =>
      withStore(async (ds) => {
        await ds.recordImport(
          run('drun_1', '2024-06-21T08:00:00.000Z'),
          [],
          [
            candidate('superchat.ai', 'alice', { requests: 4 }),
            candidate('superchat.ai', 'bob'),
            candidate('gpt-proxy.example.net', 'alice', {
              reason: '`gpt` in label `gpt-proxy`',
              requests: 9,
            }),
          ],
        );
        await ds.recordImport(
          run('drun_2', '2024-06-22T08:00:00.000Z'),
          [],
          [candidate('superchat.ai', 'alice', { requests: 6, lastSeen: '2024-06-22T01:00:00.000Z' })],
        );
        assert.deepEqual(await ds.listCandidates(), [
          {
            host: 'superchat.ai',
            reason: 'the `.ai` top-level domain',
            users: 2,
            requests: 11,
            bytesUp: 3,
            bytesDown: 6,
            firstSeen: '2024-06-20T10:00:00.000Z',
            lastSeen: '2024-06-22T01:00:00.000Z',
          },
          {
            host: 'gpt-proxy.example.net',
            reason: '`gpt` in label `gpt-proxy`',
            users: 1,
            requests: 9,
            bytesUp: 1,
            bytesDown: 2,
            firstSeen: '2024-06-20T10:00:00.000Z',
            lastSeen: '2024-06-20T10:00:00.000Z',
          },
        ]);
        assert.equal((await ds.listCandidates(1)).length, 1);
      }));

    test('service status: set, replaced, listed; invalid statuses refused', () =>
      withStore(async (ds) => {
        assert.equal(await ds.getStatus('chatgpt'), null);
        await ds.setStatus({
          serviceId: 'chatgpt',
          status: 'blocked',
          note: 'use the gateway',
          updatedBy: 'admin-token',
          updatedAt: '2024-06-21T08:00:00.000Z',
        });
        const replaced = await ds.setStatus({
          serviceId: 'chatgpt',
          status: 'sanctioned',
          note: null,
          updatedBy: 'ciso',
          updatedAt: '2024-06-22T08:00:00.000Z',
        });
        await ds.setStatus({
          serviceId: 'claude',
          status: 'blocked',
          note: null,
          updatedBy: 'ciso',
          updatedAt: '2024-06-22T08:00:00.000Z',
        });
        assert.deepEqual(await ds.getStatus('chatgpt'), replaced);
        assert.deepEqual(
          (await ds.listStatuses()).map((s) => [s.serviceId, s.status]),
          [
            ['chatgpt', 'sanctioned'],
            ['claude', 'blocked'],
          ],
        );
        await assert.rejects(
          ds.setStatus({
            serviceId: 'x',
            status: 'maybe' as 'blocked',
            note: null,
            updatedBy: 'a',
            updatedAt: '2024-06-22T08:00:00.000Z',
          }),
          /invalid service status `maybe`/,
        );
      }));

    test('a failed import leaves nothing behind (one transaction)', () =>
      withStore(async (ds) => {
        await ds.recordImport(
          run('drun_1', '2024-06-21T08:00:00.000Z'),
          [usage('alice', 'chatgpt', 'chatgpt.com')],
          [],
        );
        // The same run id again: the run insert fails after nothing else was written.
        await assert.rejects(
          ds.recordImport(
            run('drun_1', '2024-06-22T08:00:00.000Z'),
            [usage('bob', 'claude', 'claude.ai')],
            [],
          ),
        );
        assert.deepEqual(
          (await ds.listServiceUsage()).map((s) => s.serviceId),
          ['chatgpt'],
        );
        assert.equal((await ds.listRuns()).length, 1);
      }));

    test('limits are checked', () =>
      withStore(async (ds) => {
        await assert.rejects(ds.listRuns(0), /invalid limit/);
        await assert.rejects(ds.listCandidates(1_000_000), /invalid limit/);
      }));

    test('many rows in one import (more than one PostgreSQL batch)', () =>
      withStore(async (ds) => {
        const cells = Array.from({ length: 4500 }, (_, i) => usage(`user${i}`, 'chatgpt', 'chatgpt.com'));
        const recorded = await ds.recordImport(run('drun_big', '2024-06-21T08:00:00.000Z'), cells, []);
        assert.equal(recorded.users, 4500);
        const [chatgpt] = await ds.listServiceUsage();
        assert.deepEqual([chatgpt!.users, chatgpt!.requests], [4500, 4500]);
      }));
  });
}

runDiscoveryStoreContract('sqlite', async () => {
  const tmp = tempDir('parapet-discovery-store-');
  const store = createSqliteStore({ dataDir: tmp.dir });
  return {
    store,
    cleanup: async () => {
      await store.close();
      tmp.remove();
    },
  };
});

runDiscoveryStoreContract(
  'postgres',
  async () => {
    const schema = await createTestSchema();
    const store = await createPostgresStore({ url: POSTGRES_URL as string, schema: schema.name });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await schema.drop();
      },
    };
  },
  POSTGRES_SKIP,
);
