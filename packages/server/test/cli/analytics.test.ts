/** `parapet analytics rebuild` on a SQLite data directory whose events predate the rollups. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../../src/cli/main.ts';
import { createAnalyticsStore } from '../../src/store/analytics-store.ts';
import { createSqliteStore } from '../../src/store/index.ts';
import { makeEvent } from '../store/store-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'parapet-analytics-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd: mkdtempSync(join(root, 'cwd-')),
  });
  return { code, stdout, stderr };
}

test('analytics rebuild counts every stored event into the rollups', async () => {
  const dataDir = mkdtempSync(join(root, 'data-'));
  const store = createSqliteStore({ dataDir, writerThread: false });
  const window = {
    since: Date.parse('2025-03-01T00:00:00Z') / 60_000,
    until: Date.parse('2025-03-02T00:00:00Z') / 60_000,
  };
  try {
    await store.insertEvents([
      makeEvent('a'),
      makeEvent('b'),
      makeEvent('c', { time: '2025-03-01T13:00:00Z' }),
    ]);
    // As if stored before the rollups existed.
    for (const table of ['rollup_totals', 'rollup_entities', 'rollup_findings']) {
      if (store.sql.dialect === 'sqlite') store.sql.db.prepare(`DELETE FROM ${table}`).run();
    }
    assert.deepEqual(await createAnalyticsStore(store.sql).usageByOutcome(window), []);
  } finally {
    await store.close();
  }

  const res = await run(['analytics', 'rebuild', '--data-dir', dataDir, '--json']);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(JSON.parse(res.stdout), { events: 3 });

  const reopened = createSqliteStore({ dataDir, writerThread: false });
  try {
    const usage = await createAnalyticsStore(reopened.sql).usageByOutcome(window);
    assert.equal(
      usage.reduce((n, u) => n + u.requests, 0),
      3,
    );
  } finally {
    await reopened.close();
  }
});
