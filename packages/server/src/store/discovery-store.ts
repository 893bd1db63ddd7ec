/**
 * The shadow-AI discovery store, on the Store's SQL access (SQLite or PostgreSQL; schema in
 * migrations/0005-discovery.ts): imports are merged into usage (user × service × host) and candidate
 * (host × user) rows, each import is recorded as a run, and admins give services a status.
 */
import type { CandidateCell, UsageCell } from '../discovery/aggregate.ts';
import type { LogFormatName } from '../discovery/parsers/types.ts';
import type { SqlAccess } from './ports.ts';
import { normalizeLimit } from './store-rows.ts';

export const SERVICE_STATUSES = ['sanctioned', 'blocked', 'unreviewed'] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

export const RUN_SOURCES = ['cli', 'api'] as const;
export type RunSource = (typeof RUN_SOURCES)[number];

/** One import of proxy logs. */
export interface DiscoveryRunRecord {
  id: string;
  startedAt: string;
  finishedAt: string;
  source: RunSource;
  /** Who imported: the OS user for the CLI, the admin actor's name for the API. */
  actor: string;
  format: LogFormatName;
  /** File (or upload) names. */
  files: string[];
  lines: number;
  records: number;
  malformed: number;
  /** Records of catalog services. */
  matched: number;
  /** Records of candidate hosts. */
  candidateRecords: number;
  /** Distinct catalog services seen in this run. */
  services: number;
  /** Distinct users (or client addresses) seen using a catalog service in this run. */
  users: number;
}

export type NewDiscoveryRun = Omit<DiscoveryRunRecord, 'services' | 'users'>;

/** Usage of one service across every import. */
export interface ServiceUsageSummary {
  serviceId: string;
  users: number;
  requests: number;
  bytesUp: number;
  bytesDown: number;
  firstSeen: string;
  lastSeen: string;
  /** Distinct hosts of the service seen. */
  hosts: number;
}

/** One user's use of one service. */
export interface ServiceUserUsage {
  user: string;
  requests: number;
  bytesUp: number;
  bytesDown: number;
  firstSeen: string;
  lastSeen: string;
  hosts: string[];
}

/** An AI-looking host outside the catalog. */
export interface CandidateSummary {
  host: string;
  reason: string;
  users: number;
  requests: number;
  bytesUp: number;
  bytesDown: number;
  firstSeen: string;
  lastSeen: string;
}

export interface ServiceStatusRecord {
  serviceId: string;
  status: ServiceStatus;
  note: string | null;
  updatedBy: string;
  updatedAt: string;
}

export interface DiscoveryStore {
  /**
   * Records a run and merges its usage and candidates into the totals, in one transaction. Cells without
   * a time count as seen at the run's start.
   */
  recordImport(
    run: NewDiscoveryRun,
    usage: readonly UsageCell[],
    candidates: readonly CandidateCell[],
  ): Promise<DiscoveryRunRecord>;
  /** Every service seen, most requests first. */
  listServiceUsage(): Promise<ServiceUsageSummary[]>;
  /** Users of one service, most requests first (default 100, at most MAX_QUERY_LIMIT). */
  listServiceUsers(serviceId: string, limit?: number): Promise<ServiceUserUsage[]>;
  /** Candidate hosts, most requests first. */
  listCandidates(limit?: number): Promise<CandidateSummary[]>;
  /** Runs, newest first. */
  listRuns(limit?: number): Promise<DiscoveryRunRecord[]>;
  getStatus(serviceId: string): Promise<ServiceStatusRecord | null>;
  listStatuses(): Promise<ServiceStatusRecord[]>;
  /** Sets a service's status (replacing the previous one). */
  setStatus(record: ServiceStatusRecord): Promise<ServiceStatusRecord>;
}

/** Rows written per statement on PostgreSQL. */
const PG_BATCH = 2000;

export function createDiscoveryStore(sql: SqlAccess): DiscoveryStore {
  return sql.dialect === 'sqlite' ? sqliteDiscoveryStore(sql.db) : postgresDiscoveryStore(sql);
}

// ---------------------------------------------------------------------------------------------------
// Shared SQL (both dialects accept it; `?` vs `$n` placeholders differ)

const SERVICE_USAGE_SELECT = `SELECT service_id, count(DISTINCT user_name) AS users, sum(requests) AS requests,
  sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down, min(first_seen) AS first_seen,
  max(last_seen) AS last_seen, count(DISTINCT host) AS hosts
FROM discovery_usage GROUP BY service_id ORDER BY sum(requests) DESC, service_id`;

const CANDIDATES_SELECT = `SELECT host, max(reason) AS reason, count(*) AS users, sum(requests) AS requests,
  sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down, min(first_seen) AS first_seen,
  max(last_seen) AS last_seen
FROM discovery_candidates GROUP BY host ORDER BY sum(requests) DESC, host`;

interface UsageRow {
  service_id: string;
  users: number | string;
  requests: number | string;
  bytes_up: number | string;
  bytes_down: number | string;
  first_seen: string;
  last_seen: string;
  hosts: number | string;
}

interface UserRow {
  user_name: string;
  requests: number | string;
  bytes_up: number | string;
  bytes_down: number | string;
  first_seen: string;
  last_seen: string;
  hosts: string;
}

interface CandidateRow {
  host: string;
  reason: string;
  users: number | string;
  requests: number | string;
  bytes_up: number | string;
  bytes_down: number | string;
  first_seen: string;
  last_seen: string;
}

interface RunRow {
  id: string;
  started_at: string;
  finished_at: string;
  source: RunSource;
  actor: string;
  format: LogFormatName;
  files: string | string[];
  lines: number | string;
  records: number | string;
  malformed: number | string;
  matched: number | string;
  candidate_records: number | string;
  services: number | string;
  users: number | string;
}

interface StatusRow {
  service_id: string;
  status: ServiceStatus;
  note: string | null;
  updated_by: string;
  updated_at: string;
}

function fromUsageRow(r: UsageRow): ServiceUsageSummary {
  return {
    serviceId: r.service_id,
    users: Number(r.users),
    requests: Number(r.requests),
    bytesUp: Number(r.bytes_up),
    bytesDown: Number(r.bytes_down),
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    hosts: Number(r.hosts),
  };
}

function fromUserRow(r: UserRow): ServiceUserUsage {
  return {
    user: r.user_name,
    requests: Number(r.requests),
    bytesUp: Number(r.bytes_up),
    bytesDown: Number(r.bytes_down),
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    hosts: r.hosts.split(',').sort(),
  };
}

function fromCandidateRow(r: CandidateRow): CandidateSummary {
  return {
    host: r.host,
    reason: r.reason,
    users: Number(r.users),
    requests: Number(r.requests),
    bytesUp: Number(r.bytes_up),
    bytesDown: Number(r.bytes_down),
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
  };
}

function fromRunRow(r: RunRow): DiscoveryRunRecord {
  return {
    id: r.id,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    source: r.source,
    actor: r.actor,
    format: r.format,
    files: typeof r.files === 'string' ? (JSON.parse(r.files) as string[]) : r.files,
    lines: Number(r.lines),
    records: Number(r.records),
    malformed: Number(r.malformed),
    matched: Number(r.matched),
    candidateRecords: Number(r.candidate_records),
    services: Number(r.services),
    users: Number(r.users),
  };
}

function fromStatusRow(r: StatusRow): ServiceStatusRecord {
  return {
    serviceId: r.service_id,
    status: r.status,
    note: r.note,
    updatedBy: r.updated_by,
    updatedAt: r.updated_at,
  };
}

/** The run with its distinct service and user counts. */
function completeRun(run: NewDiscoveryRun, usage: readonly UsageCell[]): DiscoveryRunRecord {
  return {
    ...run,
    services: new Set(usage.map((c) => c.serviceId)).size,
    users: new Set(usage.map((c) => c.user)).size,
  };
}

function checkStatus(record: ServiceStatusRecord): void {
  if (!SERVICE_STATUSES.includes(record.status)) {
    throw new RangeError(`invalid service status \`${record.status}\`; use ${SERVICE_STATUSES.join(', ')}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// SQLite

function sqliteDiscoveryStore(db: import('better-sqlite3').Database): DiscoveryStore {
  const insertRun = db.prepare(
    `INSERT INTO discovery_runs (id, started_at, finished_at, source, actor, format, files, lines, records,
      malformed, matched, candidate_records, services, users)
     VALUES (@id, @startedAt, @finishedAt, @source, @actor, @format, @files, @lines, @records, @malformed,
      @matched, @candidateRecords, @services, @users)`,
  );
  const upsertUsage = db.prepare(
    `INSERT INTO discovery_usage (user_name, service_id, host, requests, bytes_up, bytes_down, first_seen, last_seen)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (service_id, user_name, host) DO UPDATE SET
       requests = requests + excluded.requests,
       bytes_up = bytes_up + excluded.bytes_up,
       bytes_down = bytes_down + excluded.bytes_down,
       first_seen = min(first_seen, excluded.first_seen),
       last_seen = max(last_seen, excluded.last_seen)`,
  );
  const upsertCandidate = db.prepare(
    `INSERT INTO discovery_candidates (host, user_name, reason, requests, bytes_up, bytes_down, first_seen, last_seen)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (host, user_name) DO UPDATE SET
       reason = excluded.reason,
       requests = requests + excluded.requests,
       bytes_up = bytes_up + excluded.bytes_up,
       bytes_down = bytes_down + excluded.bytes_down,
       first_seen = min(first_seen, excluded.first_seen),
       last_seen = max(last_seen, excluded.last_seen)`,
  );
  const serviceUsage = db.prepare(SERVICE_USAGE_SELECT);
  const serviceUsers = db.prepare(
    `SELECT user_name, sum(requests) AS requests, sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down,
       min(first_seen) AS first_seen, max(last_seen) AS last_seen, group_concat(host, ',') AS hosts
     FROM discovery_usage WHERE service_id = ? GROUP BY user_name ORDER BY sum(requests) DESC, user_name LIMIT ?`,
  );
  const candidates = db.prepare(`${CANDIDATES_SELECT} LIMIT ?`);
  const runs = db.prepare('SELECT * FROM discovery_runs ORDER BY started_at DESC, id DESC LIMIT ?');
  const status = db.prepare('SELECT * FROM discovery_service_status WHERE service_id = ?');
  const statuses = db.prepare('SELECT * FROM discovery_service_status ORDER BY service_id');
  const putStatus = db.prepare(
    `INSERT INTO discovery_service_status (service_id, status, note, updated_by, updated_at)
     VALUES (@serviceId, @status, @note, @updatedBy, @updatedAt)
     ON CONFLICT (service_id) DO UPDATE SET status = excluded.status, note = excluded.note,
       updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
  );

  const record = db.transaction(
    (run: DiscoveryRunRecord, usage: readonly UsageCell[], found: readonly CandidateCell[]) => {
      insertRun.run({ ...run, files: JSON.stringify(run.files) });
      const at = run.startedAt;
      for (const c of usage) {
        upsertUsage.run(
          c.user,
          c.serviceId,
          c.host,
          c.requests,
          c.bytesUp,
          c.bytesDown,
          c.firstSeen ?? at,
          c.lastSeen ?? at,
        );
      }
      for (const c of found) {
        upsertCandidate.run(
          c.host,
          c.user,
          c.reason,
          c.requests,
          c.bytesUp,
          c.bytesDown,
          c.firstSeen ?? at,
          c.lastSeen ?? at,
        );
      }
    },
  );

  return {
    async recordImport(run, usage, found) {
      const complete = completeRun(run, usage);
      record(complete, usage, found);
      return complete;
    },
    async listServiceUsage() {
      return (serviceUsage.all() as UsageRow[]).map(fromUsageRow);
    },
    async listServiceUsers(serviceId, limit) {
      return (serviceUsers.all(serviceId, normalizeLimit(limit)) as UserRow[]).map(fromUserRow);
    },
    async listCandidates(limit) {
      return (candidates.all(normalizeLimit(limit)) as CandidateRow[]).map(fromCandidateRow);
    },
    async listRuns(limit) {
      return (runs.all(normalizeLimit(limit)) as RunRow[]).map(fromRunRow);
    },
    async getStatus(serviceId) {
      const row = status.get(serviceId) as StatusRow | undefined;
      return row === undefined ? null : fromStatusRow(row);
    },
    async listStatuses() {
      return (statuses.all() as StatusRow[]).map(fromStatusRow);
    },
    async setStatus(rec) {
      checkStatus(rec);
      putStatus.run(rec);
      return { ...rec };
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// PostgreSQL

function postgresDiscoveryStore(sql: Extract<SqlAccess, { dialect: 'postgres' }>): DiscoveryStore {
  return {
    async recordImport(run, usage, found) {
      const complete = completeRun(run, usage);
      const at = run.startedAt;
      await sql.transaction(async (q) => {
        await q(
          `INSERT INTO discovery_runs (id, started_at, finished_at, source, actor, format, files, lines, records,
            malformed, matched, candidate_records, services, users)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13, $14)`,
          [
            complete.id,
            complete.startedAt,
            complete.finishedAt,
            complete.source,
            complete.actor,
            complete.format,
            JSON.stringify(complete.files),
            complete.lines,
            complete.records,
            complete.malformed,
            complete.matched,
            complete.candidateRecords,
            complete.services,
            complete.users,
          ],
        );
        for (let i = 0; i < usage.length; i += PG_BATCH) {
          const batch = usage.slice(i, i + PG_BATCH);
          await q(
            `INSERT INTO discovery_usage (user_name, service_id, host, requests, bytes_up, bytes_down, first_seen, last_seen)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[],
               $7::text[], $8::text[])
             ON CONFLICT (service_id, user_name, host) DO UPDATE SET
               requests = discovery_usage.requests + EXCLUDED.requests,
               bytes_up = discovery_usage.bytes_up + EXCLUDED.bytes_up,
               bytes_down = discovery_usage.bytes_down + EXCLUDED.bytes_down,
               first_seen = LEAST(discovery_usage.first_seen, EXCLUDED.first_seen),
               last_seen = GREATEST(discovery_usage.last_seen, EXCLUDED.last_seen)`,
            [
              batch.map((c) => c.user),
              batch.map((c) => c.serviceId),
              batch.map((c) => c.host),
              batch.map((c) => c.requests),
              batch.map((c) => c.bytesUp),
              batch.map((c) => c.bytesDown),
              batch.map((c) => c.firstSeen ?? at),
              batch.map((c) => c.lastSeen ?? at),
            ],
          );
        }
        for (let i = 0; i < found.length; i += PG_BATCH) {
          const batch = found.slice(i, i + PG_BATCH);
          await q(
            `INSERT INTO discovery_candidates (host, user_name, reason, requests, bytes_up, bytes_down, first_seen, last_seen)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[],
               $7::text[], $8::text[])
             ON CONFLICT (host, user_name) DO UPDATE SET
               reason = EXCLUDED.reason,
               requests = discovery_candidates.requests + EXCLUDED.requests,
               bytes_up = discovery_candidates.bytes_up + EXCLUDED.bytes_up,
               bytes_down = discovery_candidates.bytes_down + EXCLUDED.bytes_down,
               first_seen = LEAST(discovery_candidates.first_seen, EXCLUDED.first_seen),
               last_seen = GREATEST(discovery_candidates.last_seen, EXCLUDED.last_seen)`,
            [
              batch.map((c) => c.host),
              batch.map((c) => c.user),
              batch.map((c) => c.reason),
              batch.map((c) => c.requests),
              batch.map((c) => c.bytesUp),
              batch.map((c) => c.bytesDown),
              batch.map((c) => c.firstSeen ?? at),
              batch.map((c) => c.lastSeen ?? at),
            ],
          );
        }
      });
      return complete;
    },
    async listServiceUsage() {
      return (await sql.query<UsageRow & Record<string, unknown>>(SERVICE_USAGE_SELECT)).map(fromUsageRow);
    },
    async listServiceUsers(serviceId, limit) {
      const rows = await sql.query<UserRow & Record<string, unknown>>(
        `SELECT user_name, sum(requests) AS requests, sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down,
           min(first_seen) AS first_seen, max(last_seen) AS last_seen, string_agg(host, ',') AS hosts
         FROM discovery_usage WHERE service_id = $1 GROUP BY user_name
         ORDER BY sum(requests) DESC, user_name COLLATE "C" LIMIT $2`,
        [serviceId, normalizeLimit(limit)],
      );
      return rows.map(fromUserRow);
    },
    async listCandidates(limit) {
      const rows = await sql.query<CandidateRow & Record<string, unknown>>(`${CANDIDATES_SELECT} LIMIT $1`, [
        normalizeLimit(limit),
      ]);
      return rows.map(fromCandidateRow);
    },
    async listRuns(limit) {
      const rows = await sql.query<RunRow & Record<string, unknown>>(
        'SELECT * FROM discovery_runs ORDER BY started_at DESC, id DESC LIMIT $1',
        [normalizeLimit(limit)],
      );
      return rows.map(fromRunRow);
    },
    async getStatus(serviceId) {
      const rows = await sql.query<StatusRow & Record<string, unknown>>(
        'SELECT * FROM discovery_service_status WHERE service_id = $1',
        [serviceId],
      );
      return rows[0] === undefined ? null : fromStatusRow(rows[0]);
    },
    async listStatuses() {
      const rows = await sql.query<StatusRow & Record<string, unknown>>(
        'SELECT * FROM discovery_service_status ORDER BY service_id COLLATE "C"',
      );
      return rows.map(fromStatusRow);
    },
    async setStatus(rec) {
      checkStatus(rec);
      await sql.query(
        `INSERT INTO discovery_service_status (service_id, status, note, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (service_id) DO UPDATE SET status = EXCLUDED.status, note = EXCLUDED.note,
           updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
        [rec.serviceId, rec.status, rec.note, rec.updatedBy, rec.updatedAt],
      );
      return { ...rec };
    },
  };
}
