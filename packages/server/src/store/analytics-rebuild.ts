/**
 * Recomputes the analytics rollups from every stored event: for a database whose events predate the
 * rollups (stored before migration 4), or after the definitions in analytics-rollup.ts changed. Meant to
 * run while the gateways are stopped (`parapet analytics rebuild`); if one is running, its event batches
 * wait for the rebuild (and go to its spool if it takes longer than the store's timeouts), so no event is
 * lost or counted twice.
 */
import type { Event } from '@parapet/core';
import { ROLLUP_TABLES } from './analytics-rollup.ts';
import { postgresRollupIngest, sqliteRollupIngest } from './ingest-rollups.ts';
import type { Store } from './ports.ts';
import { fromEventRow, type StoredEventRow } from './store-rows.ts';

const PAGE = 1000;
/** Every rollup table; `rollup_names` is kept by a trigger as `rollup_entities` rows are inserted again. */
const TABLES = [...Object.values(ROLLUP_TABLES).map((t) => t.name), 'rollup_names'];

/** Empties the rollups and adds every stored event again, in one transaction. Returns the events counted. */
export async function rebuildAnalyticsRollups(store: Store): Promise<number> {
  const sql = store.sql;
  if (sql.dialect === 'sqlite') {
    const db = sql.db;
    const ingest = sqliteRollupIngest(db);
    const page = db.prepare(`SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ${PAGE}`);
    const rebuild = db.transaction(() => {
      for (const table of TABLES) db.prepare(`DELETE FROM ${table}`).run();
      let counted = 0;
      let after = '';
      for (;;) {
        const rows = page.all(after) as StoredEventRow[];
        if (rows.length === 0) return counted;
        ingest(rows.map(fromEventRow));
        counted += rows.length;
        after = rows[rows.length - 1]!.id;
      }
    });
    return rebuild.immediate();
  }
  return sql.transaction(async (q) => {
    // Inserts wait until the rebuild commits; reads (the pages below, on another connection) do not.
    await q('LOCK TABLE events IN SHARE MODE');
    for (const table of TABLES) await q(`DELETE FROM ${table}`);
    let counted = 0;
    let after: { time: string; id: string } | undefined;
    for (;;) {
      const events: Event[] = await store.queryEvents({
        limit: PAGE,
        ...(after === undefined ? {} : { after }),
      });
      if (events.length === 0) return counted;
      await postgresRollupIngest(q, events);
      counted += events.length;
      const last = events[events.length - 1]!;
      after = { time: last.time, id: last.id };
    }
  });
}
