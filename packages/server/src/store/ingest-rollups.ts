/**
 * Analytics rollups maintained on ingest (schema: migrations/0004-analytics.ts; definitions:
 * analytics-rollup.ts). Runs in the transaction that inserts a batch, for its new events only, so a
 * replayed batch adds nothing. The batch is summed in memory first (one upsert per distinct row, not per
 * event) and written with multi-row upserts.
 */
import type { Event } from '@parapet/core';
import type Database from 'better-sqlite3';
import {
  ROLLUP_TABLES,
  type RollupRow,
  type RollupRows,
  type RollupTable,
  rollupRows,
} from './analytics-rollup.ts';
import type { PgQuery } from './ingest.ts';

const TABLE_NAMES = ['totals', 'entities', 'findings'] as const satisfies readonly (keyof RollupRows)[];

/** Rows per SQLite statement: one statement call adds this many rows (fewer calls into SQLite). */
const SQLITE_ROWS_PER_STATEMENT = 32;

function sqliteUpsert(t: RollupTable, rows: number): string {
  const columns = [...t.key, ...t.sums];
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  return `INSERT INTO ${t.name} (${columns.join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')} ON CONFLICT (${t.key.join(', ')}) DO UPDATE SET ${t.sums.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`;
}

export function sqliteRollupIngest(db: Database.Database): (events: readonly Event[]) => void {
  const statements = new Map<string, Database.Statement>();
  const statement = (table: keyof RollupRows, rows: number): Database.Statement => {
    const id = `${table}:${rows}`;
    let s = statements.get(id);
    if (s === undefined) {
      s = db.prepare(sqliteUpsert(ROLLUP_TABLES[table], rows));
      statements.set(id, s);
    }
    return s;
  };
  // Prepared at once, so a schema problem shows when the store opens, not on the first batch.
  for (const table of TABLE_NAMES) statement(table, SQLITE_ROWS_PER_STATEMENT);
  return (events) => {
    if (events.length === 0) return;
    const all = rollupRows(events);
    for (const table of TABLE_NAMES) {
      const rows = all[table];
      let at = 0;
      for (; at + SQLITE_ROWS_PER_STATEMENT <= rows.length; at += SQLITE_ROWS_PER_STATEMENT) {
        statement(table, SQLITE_ROWS_PER_STATEMENT).run(flatten(rows, at, SQLITE_ROWS_PER_STATEMENT));
      }
      for (; at < rows.length; at++) statement(table, 1).run(flatten(rows, at, 1));
    }
  };
}

function flatten(rows: readonly RollupRow[], from: number, count: number): unknown[] {
  const values: unknown[] = [];
  for (let i = from; i < from + count; i++) {
    const row = rows[i]!;
    for (const v of row.key) values.push(v);
    for (const v of row.sums) values.push(v);
  }
  return values;
}

/** PostgreSQL array type of each key column; the sums are bigint. */
const PG_TYPES: Readonly<Record<string, string>> = {
  grain: 'integer',
  bucket: 'integer',
  outcome: 'text',
  kind: 'text',
  name: 'text',
  family: 'text',
  type: 'text',
  model: 'text',
};

function postgresUpsert(t: RollupTable): string {
  const columns = [...t.key, ...t.sums];
  const arrays = columns.map((c, i) => `$${i + 1}::${PG_TYPES[c] ?? 'bigint'}[]`).join(', ');
  return `INSERT INTO ${t.name} AS r (${columns.join(', ')}) SELECT * FROM unnest(${arrays}) ON CONFLICT (${t.key.join(', ')}) DO UPDATE SET ${t.sums.map((c) => `${c} = r.${c} + excluded.${c}`).join(', ')}`;
}

const PG_UPSERTS: Readonly<Record<keyof RollupRows, string>> = {
  totals: postgresUpsert(ROLLUP_TABLES.totals),
  entities: postgresUpsert(ROLLUP_TABLES.entities),
  findings: postgresUpsert(ROLLUP_TABLES.findings),
};

/** Rows per PostgreSQL statement: keeps each statement's parameter arrays to a reasonable size. */
const PG_ROWS_PER_STATEMENT = 5000;

/**
 * Rows are written sorted by key, table by table, so two replicas adding to the same rows at once take
 * their row locks in the same order and cannot deadlock.
 */
export async function postgresRollupIngest(q: PgQuery, events: readonly Event[]): Promise<void> {
  if (events.length === 0) return;
  const all = rollupRows(events, { sorted: true });
  for (const table of TABLE_NAMES) {
    const rows = all[table];
    const t = ROLLUP_TABLES[table];
    const width = t.key.length + t.sums.length;
    for (let start = 0; start < rows.length; start += PG_ROWS_PER_STATEMENT) {
      const chunk = rows.slice(start, start + PG_ROWS_PER_STATEMENT);
      const columns = Array.from({ length: width }, (_, c) =>
        chunk.map((row) => (c < row.key.length ? row.key[c] : row.sums[c - row.key.length])),
      );
      await q(PG_UPSERTS[table], columns);
    }
  }
}
