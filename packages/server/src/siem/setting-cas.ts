/**
 * Compare-and-set on one row of the `settings` table (the SettingsStore port has only a blind upsert).
 * The SIEM sink keeps its lease and its cursor in one setting and writes it only through this, so a
 * replica that lost the lease (paused past its expiry while another took over) cannot move the cursor:
 * its write names a revision that is no longer current and changes nothing.
 */
import type { SettingRecord, Store } from '../store/ports.ts';
import { fromSettingRow, type SettingRow, toSettingRow } from '../store/store-rows.ts';

export interface SettingCas {
  /** The setting, or null when the key was never written. */
  get(key: string): Promise<SettingRecord | null>;
  /**
   * Writes `value` when the key's revision is still `revision` (0: the key must not exist yet), in one
   * statement; answers the new record (revision + 1), or null when another writer got there first.
   */
  compareAndPut(
    key: string,
    revision: number,
    value: unknown,
    by: string,
    at: string,
  ): Promise<SettingRecord | null>;
}

const SQLITE_INSERT =
  'INSERT INTO settings (key, value, updated_by, updated_at, revision) VALUES (?, ?, ?, ?, 1) ON CONFLICT (key) DO NOTHING RETURNING *';
const SQLITE_UPDATE =
  'UPDATE settings SET value = ?, updated_by = ?, updated_at = ?, revision = revision + 1 WHERE key = ? AND revision = ? RETURNING *';
const PG_RETURNING = 'RETURNING key, value::text AS value, updated_by, updated_at, revision';
const PG_INSERT = `INSERT INTO settings (key, value, updated_by, updated_at, revision) VALUES ($1, $2::jsonb, $3, $4, 1) ON CONFLICT (key) DO NOTHING ${PG_RETURNING}`;
const PG_UPDATE = `UPDATE settings SET value = $2::jsonb, updated_by = $3, updated_at = $4, revision = revision + 1 WHERE key = $1 AND revision = $5 ${PG_RETURNING}`;

/** Compare-and-set on the settings of `store` (either dialect). */
export function createSettingCas(store: Store): SettingCas {
  const { sql } = store;
  return {
    get: (key) => store.getSetting(key),
    async compareAndPut(key, revision, value, by, at) {
      if (!Number.isInteger(revision) || revision < 0) {
        throw new RangeError(`invalid setting revision \`${revision}\`; use a whole number from 0`);
      }
      const row = toSettingRow(key, value, by, at);
      let written: SettingRow | undefined;
      if (sql.dialect === 'sqlite') {
        written = (
          revision === 0
            ? sql.db.prepare(SQLITE_INSERT).get(row.key, row.value, row.updated_by, row.updated_at)
            : sql.db.prepare(SQLITE_UPDATE).get(row.value, row.updated_by, row.updated_at, row.key, revision)
        ) as SettingRow | undefined;
      } else {
        const rows =
          revision === 0
            ? await sql.query<Record<string, unknown>>(PG_INSERT, [
                row.key,
                row.value,
                row.updated_by,
                row.updated_at,
              ])
            : await sql.query<Record<string, unknown>>(PG_UPDATE, [
                row.key,
                row.value,
                row.updated_by,
                row.updated_at,
                revision,
              ]);
        written = rows[0] as SettingRow | undefined;
      }
      return written === undefined ? null : fromSettingRow(written);
    },
  };
}
